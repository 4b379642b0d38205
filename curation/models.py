"""What the candidate finder reads a document with, and the candidates it proposes.

Cue phrases and place names are data that researchers edit in the admin; candidates
are proposals, never records: a researcher turns one into a draft or dismisses it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from countries.models import Country, CountryGroup, Subdivision
from practices.models import DatePrecision, Figure, Indicator, IndicatorValue, Law, Source

LANGUAGES = settings.LANGUAGES


class RecordType(models.TextChoices):
    STATUS = "status", _("Status")
    LAW = "law", _("Law or policy")
    PILOT = "pilot", _("ATD pilot")
    PLEDGE = "pledge", _("Pledge")
    FIGURE = "figure", _("Figure")


def check_one_place(record):
    places = [record.country, record.subdivision, record.country_group]
    if sum(place is not None for place in places) != 1:
        raise ValidationError(_("Name exactly one country, subdivision or country group."))


class CuePhrase(models.Model):
    """A phrase that, in a sentence about a place, suggests an indicator (and perhaps one of
    its values) or a kind of record.

    A phrase matches whole words, ignoring case and accents; a `*` at its end matches any
    ending ("detain*" matches "detained" and "detention")."""

    phrase = models.CharField(_("phrase"), max_length=200)
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES)
    indicator = models.ForeignKey(
        Indicator,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="cue_phrases",
        verbose_name=_("indicator"),
    )
    value = models.ForeignKey(
        IndicatorValue,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="cue_phrases",
        verbose_name=_("value"),
    )
    record_type = models.CharField(
        _("suggests a"), max_length=10, choices=RecordType.choices, blank=True
    )
    law_kind = models.CharField(
        _("law or policy kind"), max_length=20, choices=Law.Kind.choices, blank=True
    )

    class Meta:
        ordering = ["language", "phrase"]
        verbose_name = _("cue phrase")
        verbose_name_plural = _("cue phrases")

    def __str__(self):
        return f"{self.phrase} ({self.language})"

    @property
    def meaning(self):
        return (
            self.phrase,
            self.language,
            self.indicator_id,
            self.value_id,
            self.record_type,
            self.law_kind,
        )

    def clean(self):
        if self.value_id and self.indicator_id and self.value.indicator_id != self.indicator_id:
            raise ValidationError({"value": _("This value belongs to another indicator.")})
        if self.value_id and not self.indicator_id:
            self.indicator_id = self.value.indicator_id
        if not (self.indicator_id or self.record_type or self.law_kind):
            raise ValidationError(
                _("A cue phrase suggests an indicator, a kind of record or a kind of law.")
            )


class AboutAPlace(models.Model):
    """Names one place: a country, a subdivision or a country group."""

    country = models.ForeignKey(
        Country, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("country")
    )
    subdivision = models.ForeignKey(
        Subdivision,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subdivision"),
    )
    country_group = models.ForeignKey(
        CountryGroup,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country group"),
    )

    class Meta:
        abstract = True

    @property
    def place(self):
        return self.subdivision or self.country or self.country_group


class PlaceName(AboutAPlace):
    """Another way articles name a place: an adjective ("Mexican", "mexicana"), a short or
    former name. Names from CLDR and ISO 3166 need no entry here."""

    name = models.CharField(_("name"), max_length=150)
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES)

    class Meta:
        ordering = ["language", "name"]
        verbose_name = _("place name")
        verbose_name_plural = _("place names")
        constraints = [
            models.UniqueConstraint(fields=["language", "name"], name="unique_place_name")
        ]

    def __str__(self):
        return f"{self.name} ({self.language})"

    def clean(self):
        check_one_place(self)


class CandidateQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state=Candidate.State.OPEN)


class Candidate(AboutAPlace):
    """A sentence (or two) of a source that may support a record, with what the finder
    detected in it."""

    class State(models.TextChoices):
        OPEN = "open", _("To review")
        DISMISSED = "dismissed", _("Dismissed")

    source = models.ForeignKey(
        Source, models.CASCADE, related_name="candidates", verbose_name=_("source")
    )
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    text = models.TextField(_("sentence"))
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES)
    place_in_context = models.BooleanField(
        _("place from context"),
        default=False,
        help_text=_("The sentence names no place itself; the place is the one named before it."),
    )
    date = models.DateField(_("date"), null=True, blank=True)
    date_precision = models.CharField(
        _("date precision"), max_length=5, choices=DatePrecision.choices, blank=True
    )
    date_text = models.CharField(_("date as written"), max_length=100, blank=True)
    number = models.DecimalField(
        _("number"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    number_qualifier = models.CharField(
        _("qualifier"), max_length=10, choices=Figure.Qualifier.choices, blank=True
    )
    number_counts = models.CharField(_("what it counts"), max_length=100, blank=True)
    number_unit = models.CharField(
        _("unit"), max_length=10, choices=Figure.Unit.choices, blank=True
    )
    record_type = models.CharField(
        _("suggested record"), max_length=10, choices=RecordType.choices, blank=True
    )
    law_kind = models.CharField(
        _("law or policy kind"), max_length=20, choices=Law.Kind.choices, blank=True
    )
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="+", verbose_name=_("indicators")
    )
    values = models.ManyToManyField(
        IndicatorValue, blank=True, related_name="+", verbose_name=_("values")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    found_at = models.DateTimeField(_("found"), auto_now_add=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["source", "start"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.UniqueConstraint(fields=["source", "start", "end"], name="unique_candidate")
        ]

    def __str__(self):
        return self.text[:80]
