"""Laws, pilots, pledges, figures and country statuses on indicators, with their sources.

Every curated record is a draft until published; `published()` on its queryset is
the only way public pages, the API, search, exports and feeds reach records.
"""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modeltranslation.fields import TranslationField
from modeltranslation.translator import translator
from modeltranslation.utils import build_localized_fieldname, resolution_order
from simple_history.models import HistoricalRecords

from countries.models import Country, CountryGroup, Subdivision
from tracker.paths import path_to
from tracker.related import ListedRelation, prefetch_list


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class DatePrecision(models.TextChoices):
    """How much of a date the source gives: "2020", "2020-08" or "2020-08-15"."""

    YEAR = "year", _("Year")
    MONTH = "month", _("Month")
    DAY = "day", _("Day")


def format_partial_date(value, precision):
    """The date as precisely as the source gave it, in ISO 8601 (2020, 2020-08, 2020-08-15)."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def precision_field(verbose_name):
    return models.CharField(
        verbose_name,
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_("How much of the date the source gives. A year is stored as 1 January."),
    )


NUL_REFUSED = _("Text cannot contain NUL characters (\\x00).")


def refuse_nul_characters(record):
    """Form errors for any text field holding a NUL byte, which PostgreSQL cannot store."""
    return {
        field.name: [NUL_REFUSED]
        for field in record._meta.concrete_fields
        if isinstance(getattr(record, field.attname, None), str)
        and "\x00" in getattr(record, field.attname)
    }


class RefusesNul:
    """Refuses NUL bytes in every text field, whatever writes it: form, import or loader."""

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for name, messages in refuse_nul_characters(self).items():
            if name not in (exclude or ()):
                errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)


# Curly and straight quote marks are told apart by nothing a reader sees; the quote check
# ignores the difference, and runs of whitespace, and nothing else.
QUOTE_MARKS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)


def normalise_for_quote_check(text):
    return " ".join(text.translate(QUOTE_MARKS).split())


def quote_found(quote, text):
    """Whether the quote is in the text (None when there is no text to check against)."""
    if not text:
        return None
    quote = normalise_for_quote_check(quote)
    return bool(quote) and quote in normalise_for_quote_check(text)


class History(HistoricalRecords):
    """Change history that leaves out django-modeltranslation's columns.

    Those columns are added after django-simple-history has built its historical
    tables, so history keeps the English text and leaves the translations out.
    """

    def fields_included(self, model):
        return [
            field
            for field in super().fields_included(model)
            if not isinstance(field, TranslationField)
        ]


class CuratedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(publication_status=PublicationStatus.PUBLISHED)

    def drafts(self):
        return self.filter(publication_status=PublicationStatus.DRAFT)

    def updated_since(self, moment):
        return self.filter(updated_at__gte=moment)

    def last_reviewed(self):
        """The latest day a researcher reviewed any of these records (None: never)."""
        return self.aggregate(last=models.Max("last_reviewed_on"))["last"]

    def review_counts(self):
        """How many records, how many were reviewed, and the latest review, in one query."""
        return self.aggregate(
            total=Count("pk"),
            reviewed=Count("pk", filter=Q(last_reviewed_on__isnull=False)),
            last_reviewed_on=Max("last_reviewed_on"),
        )

    def missing_sources(self):
        """Records that may not be published for lack of a source: none, unless they cite."""
        return self.none()


class Curated(RefusesNul, models.Model):
    """What every record researchers curate carries: publication state, times, history."""

    publication_status = models.CharField(
        _("publication status"),
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
        help_text=_(
            "Drafts are visible to staff only. Only published records appear on the public "
            "site, in the API, in exports and in feeds."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    last_reviewed_on = models.DateField(
        _("last reviewed"),
        null=True,
        blank=True,
        help_text=_("When a researcher last checked this record against its sources."),
    )
    history = History(inherit=True)

    objects = CuratedQuerySet.as_manager()

    class Meta:
        abstract = True
        # "publish" next to Django's four: `practices.publish_law` and so on, one per model
        # like add/change/delete, so a group can be allowed to publish some kinds and not
        # others. Concrete models inherit it by subclassing this Meta.
        default_permissions = ("add", "change", "delete", "view", "publish")

    def is_published(self):
        return self.publication_status == PublicationStatus.PUBLISHED

    def can_be_published(self, sources=None):
        """Whether this record may be published; only records that cite need a source."""
        return True


class Organisation(Curated):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government body")
        NGO = "ngo", _("NGO")
        UN_AGENCY = "un-agency", _("UN agency")
        INTERGOVERNMENTAL = "intergovernmental", _("Intergovernmental body")
        NETWORK = "network", _("Network or coalition")
        ACADEMIC = "academic", _("Academic institution")
        OTHER = "other", _("Other")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.ForeignKey(
        Country,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("country"),
        help_text=_("For a national body. Leave empty for international organisations."),
    )
    url = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta(Curated.Meta):
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        # A short name the name already holds (an Arabic name with no acronym) is not repeated.
        if self.short_name and self.short_name not in self.name:
            return f"{self.name} ({self.short_name})"
        return self.name


class SourceQuerySet(CuratedQuerySet):
    pass


class SourceManager(models.Manager.from_queryset(SourceQuerySet)):
    def get_queryset(self):
        return super().get_queryset().defer("text")


class Source(Curated):
    """A published article, report or statement that records cite."""

    class Kind(models.TextChoices):
        NEWS = "news", _("News")
        STATEMENT = "statement", _("Statement")
        REPORT = "report", _("Report")
        INTERVIEW = "interview", _("Interview")
        PROGRAMME_UPDATE = "programme-update", _("Programme update")
        BLOG = "blog", _("Blog post")
        EVENT_REPORT = "event-report", _("Event report")
        OTHER = "other", _("Other")

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    author = models.CharField(_("author"), max_length=200, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    published_precision = precision_field(_("publication date precision"))
    accessed_on = models.DateField(
        _("read on"),
        null=True,
        blank=True,
        help_text=_(
            "When the tracker read the source (a citation's “retrieved” date). For an "
            "undated source, the date its statuses are reported as of."
        ),
    )
    url = models.URLField(_("URL"), max_length=500, blank=True)
    language = models.CharField(
        _("language"),
        max_length=12,
        default="en",
        validators=[
            RegexValidator(
                r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", _("A language code such as en, es or pt-BR.")
            )
        ],
        help_text=_(
            "The language the source is written in (a code: en, es, fr, ar, pt…). Its quotes "
            "are shown in it, marked as such on pages in other languages."
        ),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEWS)
    text = models.TextField(
        _("full text"),
        blank=True,
        help_text=_(
            "The article's text as published. When it is kept, every quote citing this "
            "source is checked against it, and a claim whose quote is not found cannot be "
            "published."
        ),
    )

    # The full text is read only to check quotes: never loaded with lists of sources.
    objects = SourceManager()

    class Meta(Curated.Meta):
        ordering = ["-published_on", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.title

    @property
    def published_date(self):
        return format_partial_date(self.published_on, self.published_precision)

    def get_absolute_url(self):
        return path_to("practices:source-detail", self.slug)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if "text" not in self.get_deferred_fields():
            for citation in self.citations.all():
                citation.check_quote(self)

    def published_records_citing(self):
        """Every published record citing this source, by kind: [(kind's name, records)]."""
        ids = defaultdict(set)
        for content_type_id, object_id in self.citations.values_list(
            "content_type_id", "object_id"
        ):
            ids[content_type_id].add(object_id)
        kinds = []
        for content_type_id, object_ids in ids.items():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            records = model.objects.published().filter(pk__in=object_ids)
            if model is Status:
                records = records.select_related("country", "subdivision", "indicator", "value")
            elif any(f.name == "country" for f in model._meta.fields):
                records = records.select_related("country")
            if records:
                kinds.append((model._meta.verbose_name_plural, list(records)))
        return sorted(kinds, key=lambda kind: str(kind[0]))

    def published_records_left_unsourced(self):
        """Published claims this source's state (draft, or a text without their quote) would
        leave unpublishable, each with why; empty when the source may be saved as it is."""
        broken = []
        for citation in self.citations.select_related("content_type"):
            record = citation.record
            if record is None or not record.is_published():
                continue
            pairs = [
                (self if cited.source_id == self.pk else cited.source, cited.quote)
                for cited in record.citations.select_related("source")
            ]
            problems = record.publication_problems(pairs)
            if problems and record not in [r for r, _p in broken]:
                broken.append((record, problems))
        return broken


class CitationQuerySet(models.QuerySet):
    def published(self):
        """Citations whose source is public: a draft source is never shown."""
        return self.filter(source__publication_status=PublicationStatus.PUBLISHED)


class Citation(RefusesNul, models.Model):
    """One record citing one source, with the words that support it."""

    content_type = models.ForeignKey(ContentType, models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    source = models.ForeignKey(
        Source, models.PROTECT, related_name="citations", verbose_name=_("source")
    )
    quote = models.TextField(
        _("quote"), blank=True, help_text=_("A short exact quote from the source.")
    )
    locator = models.CharField(
        _("page or paragraph"),
        max_length=100,
        blank=True,
        help_text=_("Where in the source the quote is, if it has pages or numbered paragraphs."),
    )
    quote_verified = models.BooleanField(
        _("quote found in the source"),
        null=True,
        editable=False,
        help_text=_("Checked against the source's full text on every save; empty without one."),
    )
    history = HistoricalRecords(excluded_fields=["quote_verified"])

    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        indexes = [
            # Prefetching a page of records' citations.
            models.Index(fields=["content_type", "object_id"], name="citation_record_idx"),
        ]

    def __str__(self):
        # The source may be gone (a deleted record's citation, shown in "Recently deleted").
        try:
            source = self.source
        except Source.DoesNotExist:
            source = _("(deleted source)")
        return f"{source} – {self.quote[:60]}"

    def save(self, *args, **kwargs):
        self.quote_verified = quote_found(self.quote, source_text(self.source_id))
        super().save(*args, **kwargs)

    def check_quote(self, source):
        """Recheck the quote after the source's text changed."""
        verified = quote_found(self.quote, source.text)
        if verified != self.quote_verified:
            self.quote_verified = verified
            Citation.objects.filter(pk=self.pk).update(quote_verified=verified)


def source_text(source_id):
    if source_id is None:
        return ""
    return Source.objects.filter(pk=source_id).values_list("text", flat=True).first() or ""


SOURCE_REQUIRED = _(
    "Cite at least one published source before publishing: every published claim cites one."
)


def public_citations():
    """Records' citations of published sources, without the sources' full text."""
    return Prefetch(
        "citations",
        queryset=Citation.objects.published().select_related("source").defer("source__text"),
        to_attr="public_citations",
    )


class CitedQuerySet(CuratedQuerySet):
    def missing_sources(self):
        """Records citing no source at all: they cannot be published (see `can_be_published`)."""
        cited = Citation.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model), object_id=OuterRef("pk")
        )
        return self.filter(~Exists(cited))

    def with_citations(self):
        """Prefetch each record's citations of published sources (two queries in all)."""
        return self.prefetch_related(public_citations())


class Translatable(models.Model):
    """A record whose text can be held in every site language (django-modeltranslation).

    The text is written in `original_language`; translations sit in the other languages'
    columns (`practice_es`, `title_ar`…). Each translation is logged with who made it and
    a fingerprint of the original it was made from, so that a translation whose original
    changed since is known to be outdated until someone reviews it.
    """

    original_language = models.CharField(
        _("original language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the record's text was written in; the others are translations."),
    )
    translation_log = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("Per language: who translated, and the fingerprint of the original then."),
    )

    class Meta:
        abstract = True

    @classmethod
    def translated_fields(cls):
        """The names of the fields that have translations, in model order."""
        names = translator.get_options_for_model(cls).fields
        return [f.name for f in cls._meta.fields if f.name in names]

    def text_in(self, name, language):
        return getattr(self, build_localized_fieldname(name, language)) or ""

    def original_fingerprint(self):
        """A short digest of the original text: it changes whenever the original does."""
        digest = hashlib.sha256()
        for name in self.translated_fields():
            digest.update(self.text_in(name, self.original_language).encode() + b"\x1f")
        return digest.hexdigest()[:16]

    def text_language(self, name):
        """The language of the text `record.<name>` shows in the active language."""
        for language in resolution_order(get_language() or settings.LANGUAGE_CODE):
            if self.text_in(name, language):
                return language
        return self.original_language

    def translations(self):
        """The languages other than the original that hold some translated text."""
        return [
            code
            for code, _name in settings.LANGUAGES
            if code != self.original_language
            and any(self.text_in(name, code) for name in self.translated_fields())
        ]

    def record_translation(self, language, by):
        """Log that the translation into `language` matches the original as it is now."""
        self.translation_log = {
            **self.translation_log,
            language: {"by": by, "of": self.original_fingerprint()},
        }

    def translated_by(self, language):
        return self.translation_log.get(language, {}).get("by", "")

    @property
    def translator(self):
        """Who translated the record into the active language."""
        return self.translated_by(get_language())

    def outdated_translations(self):
        """Translations made from an earlier original, or never logged as reviewed."""
        fingerprint = self.original_fingerprint()
        return [
            language
            for language in self.translations()
            if self.translation_log.get(language, {}).get("of") != fingerprint
        ]

    def translation_state(self):
        """For the active language: "original", "translated", "outdated" or "missing"."""
        language = get_language() or settings.LANGUAGE_CODE
        if language == self.original_language:
            return "original"
        if language not in self.translations():
            return "missing"
        return "outdated" if language in self.outdated_translations() else "translated"

    def save(self, *args, **kwargs):
        # No text in a language is stored one way, NULL, whatever wrote it (form, import,
        # loader), so that "no translation" compares equal everywhere.
        for name in self.translated_fields():
            for code, _language in settings.LANGUAGES:
                column = build_localized_fieldname(name, code)
                if getattr(self, column) == "":
                    setattr(self, column, None)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        missing = {
            build_localized_fieldname(name, self.original_language): _(
                "The text in the original language is required."
            )
            for name in self.translated_fields()
            if not self._meta.get_field(name).blank
            and not self.text_in(name, self.original_language)
        }
        if missing:
            raise ValidationError(missing)


class Cited(Translatable, Curated):
    """A record that makes a claim, and so must cite its sources to be published."""

    citations = GenericRelation(Citation)

    objects = CitedQuerySet.as_manager()

    class Meta(Curated.Meta):
        abstract = True

    def can_be_published(self, citations=None):
        return not self.publication_problems(citations)

    def publication_problems(self, citations=None):
        """Why this claim cannot be published; empty when it can.

        A published claim cites at least one published source, and every quote it cites is
        non-empty and, where the source keeps its text, found in it. `citations` are the
        (source, quote) pairs about to be saved (the admin's citation forms); by default,
        the stored ones.
        """
        if citations is None:
            citations = (
                [(c.source, c.quote) for c in self.citations.select_related("source")]
                if self.pk
                else []
            )
        problems = []
        if not any(source.is_published() for source, _quote in citations):
            problems.append(SOURCE_REQUIRED)
        for source, quote in citations:
            if not (quote or "").strip():
                problems.append(
                    _("The citation of “%(source)s” has no quote.") % {"source": source}
                )
            elif quote_found(quote, source.text) is False:
                problems.append(
                    _("The quote “%(quote)s” is not found in the text of “%(source)s”.")
                    % {"quote": quote[:80], "source": source}
                )
        return problems


class IndicatorQuerySet(CuratedQuerySet):
    def with_values(self):
        """Prefetch each indicator's published values, in legend order, as `public_values`."""
        return self.prefetch_related(
            Prefetch(
                "values",
                queryset=IndicatorValue.objects.filter(
                    publication_status=PublicationStatus.PUBLISHED
                ).order_by("rank"),
                to_attr="public_values",
            )
        )


class Indicator(Curated):
    """A question tracked for every country, with an ordered vocabulary of answers."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=150)
    question = models.CharField(_("question"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(
        _("order"), default=100, help_text=_("Indicators are listed by this number.")
    )

    objects = IndicatorQuerySet.as_manager()

    class Meta(Curated.Meta):
        ordering = ["order", "name"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return path_to("practices:indicator-detail", self.slug)


class IndicatorValueQuerySet(models.QuerySet):
    def published(self):
        """Values an editor published, of a published indicator: the only ones shown."""
        return self.filter(
            publication_status=PublicationStatus.PUBLISHED,
            indicator__publication_status=PublicationStatus.PUBLISHED,
        )


class IndicatorValue(RefusesNul, models.Model):
    """One answer in an indicator's vocabulary, with its place in legends and its map colour.

    Like a record, a new value is a draft until an editor publishes it.
    """

    indicator = models.ForeignKey(
        Indicator, models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    slug = models.SlugField()
    label = models.CharField(_("label"), max_length=150)
    rank = models.PositiveSmallIntegerField(
        _("rank"), help_text=_("Position in the legend: 1 comes first.")
    )
    colour = models.CharField(
        _("map colour"),
        max_length=7,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a hex colour like #1a7f4b."))],
    )
    description = models.TextField(
        _("definition"), blank=True, help_text=_("The public definition of this value.")
    )
    publication_status = models.CharField(
        _("publication status"),
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        help_text=_("A new value is shown nowhere public until an editor publishes it."),
    )
    history = History()

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator__order", "rank"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "slug"], name="indicator_value_slug_unique"
            ),
            models.UniqueConstraint(
                fields=["indicator", "rank"], name="indicator_value_rank_unique"
            ),
            models.CheckConstraint(
                condition=Q(colour__startswith="#"), name="indicator_value_colour_is_hex"
            ),
        ]

    def __str__(self):
        return self.label

    def is_published(self):
        return self.publication_status == PublicationStatus.PUBLISHED


# The date that places a status in its timeline: when the position began where the sources
# say, otherwise when it was reported.
TIMELINE_DATE = Coalesce("effective_from", "observed_on")


def later_in_timeline_than_outer():
    """Statuses placed after the outer query's status in their timeline.

    By timeline date, then by when reported, then by id, so that one of two statuses is
    always the later one.
    """
    date, observed = OuterRef("timeline_on"), OuterRef("observed_on")
    return (
        Q(timeline_on__gt=date)
        | Q(timeline_on=date, observed_on__gt=observed)
        | Q(timeline_on=date, observed_on=observed, pk__gt=OuterRef("pk"))
    )


def published_status():
    """What makes a status public: it, its indicator and its value are published."""
    return Q(
        publication_status=PublicationStatus.PUBLISHED,
        indicator__publication_status=PublicationStatus.PUBLISHED,
        value__publication_status=PublicationStatus.PUBLISHED,
    )


class StatusQuerySet(CitedQuerySet):
    def published(self):
        return self.filter(published_status())

    def same_timeline(self):
        """Published statuses of the outer status's place and indicator (for subqueries)."""
        return (
            Status.objects.published()
            .annotate(place=Coalesce("subdivision_id", Value(0)), timeline_on=TIMELINE_DATE)
            .filter(
                country=OuterRef("country"),
                place=OuterRef("place"),
                indicator=OuterRef("indicator"),
            )
        )

    def with_timeline_date(self):
        return self.annotate(place=Coalesce("subdivision_id", Value(0)), timeline_on=TIMELINE_DATE)

    def current(self, on=None):
        """Each place's published status on a date (today by default) per indicator.

        Derived from the timeline: the latest status by its best known date (when the
        position began, else when it was reported) on or before the date. Sub-national and
        national timelines are separate ("place" 0 is national).
        """
        on = on or datetime.date.today()
        return (
            self.published()
            .with_timeline_date()
            .filter(timeline_on__lte=on)
            .filter(~Exists(self.later_by(on)))
        )

    def later_by(self, on):
        """Published statuses after the outer one in its timeline, that began by the date."""
        return (
            self.same_timeline().filter(timeline_on__lte=on).filter(later_in_timeline_than_outer())
        )

    def with_current_flag(self, on=None):
        """Annotate `is_current`: whether each status is its place's on the date, by the rule
        of `current()`, tested on the row itself (one index probe per row, not a pass over
        every timeline)."""
        on = on or datetime.date.today()
        in_force = ExpressionWrapper(
            published_status() & Q(timeline_on__lte=on) & ~Exists(self.later_by(on)),
            output_field=models.BooleanField(),
        )
        return self.with_timeline_date().annotate(is_current=in_force)

    def with_previous_value(self):
        """Annotate `previous_value_id`: the value of the status before it in its timeline."""
        previous = (
            self.same_timeline()
            .filter(~later_in_timeline_than_outer())
            .exclude(pk=OuterRef("pk"))
            .order_by("-timeline_on", "-observed_on")
            .values("value_id")[:1]
        )
        return self.with_timeline_date().annotate(previous_value_id=Subquery(previous))

    def changes(self):
        """Statuses that open a period: a new value, not a re-observation of the same one."""
        return self.with_previous_value().filter(
            Q(previous_value_id__isnull=True) | ~Q(previous_value_id=F("value_id"))
        )

    def latest_per_timeline(self, length, on=None):
        """At most `length` statuses per place and indicator, newest first, in one query.

        Those that took effect by the date (today by default) are ranked apart from those
        planned after it, so the one in force is always kept. Each keeps its `timeline_rank`.
        """
        on = on or datetime.date.today()
        planned = Case(When(effective_from__gt=on, then=Value(1)), default=Value(0))
        rank = Window(
            RowNumber(),
            partition_by=[F("subdivision"), F("indicator"), planned],
            order_by=[TIMELINE_DATE.desc(), F("observed_on").desc()],
        )
        return self.annotate(timeline_rank=rank).filter(timeline_rank__lte=length)

    def in_timeline_order(self):
        """National timelines first, then each subdivision's; by indicator; newest first."""
        return self.order_by(
            F("subdivision__name").asc(nulls_first=True),
            "indicator__order",
            TIMELINE_DATE.desc(),
            F("observed_on").desc(),
        )

    def national(self):
        return self.filter(subdivision__isnull=True)

    def subnational(self):
        return self.filter(subdivision__isnull=False)

    def in_list_order(self):
        """By country, its national statuses before its subdivisions', by indicator, newest
        first: the public statuses list's order."""
        return self.order_by(
            "country__name",
            F("subdivision__name").asc(nulls_first=True),
            "indicator__order",
            TIMELINE_DATE.desc(),
            F("observed_on").desc(),
            "pk",
        )

    def coverage(self):
        """How far these statuses reach, in one query: the places and the statuses, and
        in how many of them practice differs from law."""
        return self.aggregate(
            statuses=Count("pk"),
            countries=Count("country", distinct=True),
            subdivisions=Count("subdivision", distinct=True),
            practice_differs=Count("pk", filter=Q(practice_differs=True)),
        )


class Status(Cited):
    """A country's (or subdivision's) answer on an indicator, in force from a date."""

    country = models.ForeignKey(
        Country, models.PROTECT, related_name="statuses", verbose_name=_("country")
    )
    subdivision = models.ForeignKey(
        Subdivision,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="statuses",
        verbose_name=_("subdivision"),
        help_text=_("Only for a sub-national status, such as a Mexican state's law."),
    )
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, related_name="statuses", verbose_name=_("indicator")
    )
    value = models.ForeignKey(
        IndicatorValue, models.PROTECT, related_name="statuses", verbose_name=_("value")
    )
    effective_from = models.DateField(
        _("began"),
        null=True,
        blank=True,
        help_text=_(
            "When this position began, only where a source says so; leave empty otherwise. "
            "For a change, add a new status rather than editing the old one."
        ),
    )
    effective_precision = precision_field(_("start date precision"))
    observed_on = models.DateField(
        _("reported"),
        help_text=_(
            "When the cited source attests this position: its publication date, or the date "
            "of the report or event it describes. Pages say “reported as of” this date when "
            "the start is unknown. A later report of the same value confirms the period."
        ),
    )
    observed_precision = precision_field(_("report date precision"))
    legal_position = models.TextField(
        _("legal position"),
        blank=True,
        help_text=_(
            "What the law or binding policy says. Leave empty only where sources describe "
            "practice alone."
        ),
    )
    practice = models.TextField(
        _("practice observed"),
        blank=True,
        help_text=_("What sources observe in practice, especially where it departs from the law."),
    )
    practice_differs = models.BooleanField(
        _("practice differs from law"),
        default=False,
        help_text=_("Tick when sources show practice departing from the legal position."),
    )
    caveat = models.TextField(
        _("caveat"), blank=True, help_text=_("What a reader must not miss, shown with the status.")
    )

    objects = StatusQuerySet.as_manager()

    class Meta(Cited.Meta):
        ordering = ["country__name", "indicator__order", "-observed_on"]
        verbose_name = _("status")
        verbose_name_plural = _("statuses")
        # One status per place, indicator, start and report date. A NULL start counts as a
        # value of its own, hence a constraint for known starts and one for unknown ones.
        constraints = [
            models.UniqueConstraint(
                fields=["country", "indicator", "effective_from", "observed_on"],
                condition=Q(subdivision__isnull=True, effective_from__isnull=False),
                name="status_one_per_country_indicator_dates",
            ),
            models.UniqueConstraint(
                fields=["country", "indicator", "observed_on"],
                condition=Q(subdivision__isnull=True, effective_from__isnull=True),
                name="status_one_per_country_indicator_report",
            ),
            models.UniqueConstraint(
                fields=["subdivision", "indicator", "effective_from", "observed_on"],
                condition=Q(subdivision__isnull=False, effective_from__isnull=False),
                name="status_one_per_subdivision_indicator_dates",
            ),
            models.UniqueConstraint(
                fields=["subdivision", "indicator", "observed_on"],
                condition=Q(subdivision__isnull=False, effective_from__isnull=True),
                name="status_one_per_subdivision_indicator_report",
            ),
        ]
        indexes = [
            # The current-status and previous-value subqueries: one place's timeline on one
            # indicator, in timeline order.
            models.Index(
                F("country"),
                F("indicator"),
                TIMELINE_DATE,
                F("observed_on"),
                name="status_timeline_idx",
            ),
        ]

    def __str__(self):
        when = self.effective_date or _("reported %(date)s") % {"date": self.observed_date}
        return f"{self.place_name}: {self.indicator} = {self.value} ({when})"

    @property
    def place_name(self):
        if not self.subdivision_id:
            return str(self.country)
        return _("%(subdivision)s, %(country)s") % {
            "subdivision": self.subdivision,
            "country": self.country,
        }

    @property
    def effective_date(self):
        return format_partial_date(self.effective_from, self.effective_precision)

    @property
    def observed_date(self):
        return format_partial_date(self.observed_on, self.observed_precision)

    @property
    def timeline_date(self):
        """Where the status sits in its timeline: its start if known, else when reported."""
        return self.effective_from or self.observed_on

    def publication_problems(self, citations=None):
        problems = super().publication_problems(citations)
        if self.value_id and not self.value.is_published():
            problems.append(
                _("Its value “%(value)s” is a draft: an editor publishes it on its indicator.")
                % {"value": self.value}
            )
        return problems

    def clean(self):
        super().clean()  # the text in the original language (Translatable)
        errors = {}
        if self.value_id and self.indicator_id and self.value.indicator_id != self.indicator_id:
            errors["value"] = _("This value belongs to another indicator.")
        if (
            self.subdivision_id
            and self.country_id
            and self.subdivision.country_id != self.country_id
        ):
            errors["subdivision"] = _("This subdivision is in another country.")
        if self.country_id and self.indicator_id and self.observed_on:
            # The unique constraints, as a field error instead of "constraint violated".
            same_place = Status.objects.filter(
                country_id=self.country_id,
                subdivision_id=self.subdivision_id,
                indicator_id=self.indicator_id,
                effective_from=self.effective_from,
                observed_on=self.observed_on,
            ).exclude(pk=self.pk)
            if "subdivision" not in errors and same_place.exists():
                errors["observed_on"] = _(
                    "This place already has a status on this indicator with these dates. "
                    "Add this source to that status instead."
                )
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self):
        return path_to("countries:detail", self.country.code) + f"#status-{self.pk}"


# Statuses shown per timeline on a country page and in the API's country detail; the rest are
# in the statuses list (and its CSV). Real timelines are far shorter.
TIMELINE_LENGTH = 10


@dataclass
class Timeline:
    """One place's statuses on one indicator, newest first, with the one in force today.

    Each status knows whether it `confirms` the one before it (the same value reported
    again) and the `period_start`: the status that opened its period, which says since
    when the position holds, or that its start is unknown ("reported as of").
    """

    indicator: Indicator
    subdivision: Subdivision | None
    statuses: list = field(default_factory=list)
    complete: bool = True

    @property
    def current(self):
        today = datetime.date.today()
        return next((s for s in self.statuses if s.timeline_date <= today), None)

    def mark_periods(self, older=None):
        """Link each status to its period; `older` is the status just beyond the list."""
        chain = [*self.statuses, *([older] if older else [])]
        for status, previous in zip(chain, [*chain[1:], None], strict=True):
            status.confirms = previous is not None and previous.value_id == status.value_id
        start = None
        for status in reversed(chain):
            if not status.confirms:
                start = status
            status.period_start = start


def timelines(statuses, length=None):
    """Group published statuses (ordered by place, indicator, newest first) into timelines.

    With a length, statuses ranked beyond it (see `latest_per_timeline`, asked for one more
    than the length) are left out and their timeline marked incomplete.
    """
    grouped, beyond = {}, {}
    for status in statuses:
        key = (status.subdivision_id, status.indicator_id)
        if key not in grouped:
            grouped[key] = Timeline(status.indicator, status.subdivision)
        if length and status.timeline_rank > length:
            grouped[key].complete = False
            beyond.setdefault(key, status)
        else:
            grouped[key].statuses.append(status)
    for key, timeline in grouped.items():
        timeline.mark_periods(beyond.get(key))
    return list(grouped.values())


class ByCountryQuerySet(CitedQuerySet):
    def for_country(self, country):
        return self.applying_to([country])

    def applying_to(self, countries):
        return self.filter(country__in=countries)


class SpanningQuerySet(ByCountryQuerySet):
    def applying_to(self, countries):
        """Records of these countries: their own, those naming them, those of their groups."""
        name = self.model._meta.model_name
        named = self.model.countries.through.objects.filter(country__in=countries)
        grouped = self.model.country_groups.through.objects.filter(
            countrygroup__members__in=countries
        )
        return self.filter(
            Q(country__in=countries)
            | Q(pk__in=named.values(f"{name}_id"))
            | Q(pk__in=grouped.values(f"{name}_id"))
        )

    def with_places(self):
        """Prefetch the countries named and the groups with their members (three queries)."""
        return self.prefetch_related(
            prefetch_list("countries", Country.objects.only("iso2", "name")),
            prefetch_list(
                "country_groups",
                CountryGroup.objects.prefetch_related(
                    prefetch_list("members", Country.objects.only("iso2", "name"))
                ),
            ),
        )


class SpansCountries(Cited):
    """A law, pilot or pledge: of one country, or of several, or of groups of countries."""

    countries = models.ManyToManyField(
        Country,
        blank=True,
        related_name="+",
        verbose_name=_("countries"),
        help_text=_(
            "For a record of several countries, such as a programme run in seven: each "
            "country the sources name. Leave the country above empty."
        ),
    )
    country_groups = models.ManyToManyField(
        CountryGroup,
        blank=True,
        related_name="+",
        verbose_name=_("country groups"),
        help_text=_("Groups it applies to as a whole, such as the EU for an EU regulation."),
    )

    countries_list = ListedRelation()
    country_groups_list = ListedRelation()

    objects = SpanningQuerySet.as_manager()

    # How a record naming several countries applies to each, on that country's page.
    one_of_label = _("one of %(count)d countries")

    class Meta(Cited.Meta):
        abstract = True

    @property
    def all_countries(self):
        """Every country it applies to, directly or through a group, by name."""
        countries = {self.country_id: self.country} if self.country_id else {}
        for country in self.countries_list:
            countries.setdefault(country.pk, country)
        for group in self.country_groups_list:
            for country in group.members_list:
                countries.setdefault(country.pk, country)
        return sorted(countries.values(), key=lambda country: country.name)

    def how_it_applies(self, country):
        """Empty for the record's own country, else how it reaches it ("as an EU member")."""
        if self.country_id == country.pk:
            return ""
        named = self.countries_list
        if any(each.pk == country.pk for each in named):
            return self.one_of_label % {"count": len(named)}
        for group in self.country_groups_list:
            if any(member.pk == country.pk for member in group.members_list):
                return group.member_label
        return ""


def check_dates_in_order(record, rules, errors):
    """Form errors for the dates_in_order constraints: (earlier, later, message) per rule."""
    for earlier, later, message in rules:
        first, second = getattr(record, earlier), getattr(record, later)
        if first and second and second < first and later not in errors:
            errors[later] = message
    return errors


def check_subdivision_in_country(record, errors):
    if (
        record.subdivision_id
        and record.country_id
        and record.subdivision.country_id != record.country_id
    ):
        errors["subdivision"] = _("This subdivision is in another country.")
    return errors


def dates_in_order(earlier, later, name):
    return models.CheckConstraint(
        condition=Q(**{f"{earlier}__isnull": True})
        | Q(**{f"{later}__isnull": True})
        | Q(**{f"{later}__gte": F(earlier)}),
        name=name,
    )


class Law(SpansCountries):
    """A law, regulation, court ruling, protocol, MOU or policy."""

    class Kind(models.TextChoices):
        LAW = "law", _("Law")
        REGULATION = "regulation", _("Regulation")
        COURT_RULING = "court-ruling", _("Court ruling")
        PROTOCOL = "protocol", _("Protocol")
        MOU = "mou", _("Memorandum of understanding")
        POLICY = "policy", _("Policy")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ADOPTED = "adopted", _("Adopted")
        IN_FORCE = "in-force", _("In force")
        REPEALED = "repealed", _("Repealed")
        STRUCK_DOWN = "struck-down", _("Struck down")

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    country = models.ForeignKey(
        Country,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="laws",
        verbose_name=_("country"),
        help_text=_("Leave empty for a regional or international instrument."),
    )
    subdivision = models.ForeignKey(
        Subdivision,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="laws",
        verbose_name=_("subdivision"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    adopted_on = models.DateField(_("adopted"), null=True, blank=True)
    adopted_precision = precision_field(_("adoption date precision"))
    in_force_on = models.DateField(_("in force from"), null=True, blank=True)
    in_force_precision = precision_field(_("in-force date precision"))
    repealed_on = models.DateField(_("repealed"), null=True, blank=True)
    repealed_precision = precision_field(_("repeal date precision"))
    summary = models.TextField(_("summary"), blank=True)
    indicators = models.ManyToManyField(
        Indicator,
        blank=True,
        related_name="laws",
        verbose_name=_("indicators"),
        help_text=_("The indicators this instrument bears on."),
    )
    organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="laws",
        verbose_name=_("organisations"),
        help_text=_("Issuing bodies or signatories, for example the parties to an MOU."),
    )

    # History keeps these links too, so a change to them is shown and can be reverted.
    _history_m2m_fields = ["indicators", "organisations", "countries", "country_groups"]

    one_of_label = _("one of %(count)d countries it names")

    class Meta(SpansCountries.Meta):
        ordering = ["-adopted_on", "title"]
        verbose_name = _("law or policy")
        verbose_name_plural = _("laws and policies")
        constraints = [
            dates_in_order("adopted_on", "in_force_on", "law_in_force_after_adoption"),
            dates_in_order("in_force_on", "repealed_on", "law_repealed_after_in_force"),
            dates_in_order("adopted_on", "repealed_on", "law_repealed_after_adoption"),
        ]

    def __str__(self):
        return self.title

    @property
    def adopted_date(self):
        return format_partial_date(self.adopted_on, self.adopted_precision)

    @property
    def in_force_date(self):
        return format_partial_date(self.in_force_on, self.in_force_precision)

    @property
    def repealed_date(self):
        return format_partial_date(self.repealed_on, self.repealed_precision)

    def clean(self):
        super().clean()  # the text in the original language (Translatable)
        errors = check_dates_in_order(
            self,
            [
                ("adopted_on", "in_force_on", _("It cannot come into force before adoption.")),
                ("in_force_on", "repealed_on", _("It cannot be repealed before it is in force.")),
                ("adopted_on", "repealed_on", _("It cannot be repealed before adoption.")),
            ],
            {},
        )
        check_subdivision_in_country(self, errors)
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self):
        return path_to("practices:law-detail", self.slug)


class Vocabulary(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class TargetGroup(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")


class Approach(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("approach")
        verbose_name_plural = _("approaches")


class Pilot(SpansCountries):
    """An alternatives-to-detention pilot or programme."""

    class Classification(models.TextChoices):
        RIGHTS_BASED = "rights-based", _("Rights-based ATD")
        ENFORCEMENT_BASED = "enforcement-based", _("Enforcement-based measure")
        ALTERNATIVE_FORM_OF_DETENTION = (
            "alternative-form-of-detention",
            _("Alternative form of detention"),
        )
        UNCLASSIFIED = "unclassified", _("Not classified by the sources")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        DISCONTINUED = "discontinued", _("Discontinued")
        UNKNOWN = "unknown", _("Unknown")

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    country = models.ForeignKey(
        Country,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="pilots",
        verbose_name=_("country"),
        help_text=_("Leave empty for a regional programme."),
    )
    subdivision = models.ForeignKey(
        Subdivision,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="pilots",
        verbose_name=_("subdivision"),
    )
    description = models.TextField(_("description"), blank=True)
    implementers = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="pilots_implemented",
        verbose_name=_("implementing organisations"),
    )
    government_partners = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="pilots_partnered",
        verbose_name=_("government partners"),
    )
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="pilots", verbose_name=_("target groups")
    )
    approaches = models.ManyToManyField(
        Approach, blank=True, related_name="pilots", verbose_name=_("approaches")
    )
    target_groups_list = ListedRelation()
    approaches_list = ListedRelation()
    classification = models.CharField(
        _("classification"),
        max_length=30,
        choices=Classification.choices,
        default=Classification.UNCLASSIFIED,
        help_text=_(
            "Rights-based ATD lets people live in the community; electronic tagging and "
            "semi-closed facilities are alternative forms of detention."
        ),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    started_on = models.DateField(_("started"), null=True, blank=True)
    started_precision = precision_field(_("start date precision"))
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    ended_precision = precision_field(_("end date precision"))
    outcomes = models.TextField(
        _("outcomes"), blank=True, help_text=_("Evaluation results, if known.")
    )

    # History keeps these links too, so a change to them is shown and can be reverted.
    _history_m2m_fields = [
        "implementers",
        "government_partners",
        "target_groups",
        "approaches",
        "countries",
        "country_groups",
    ]

    one_of_label = _("one of %(count)d countries in this programme")

    class Meta(SpansCountries.Meta):
        ordering = ["-started_on", "name"]
        verbose_name = _("pilot or programme")
        verbose_name_plural = _("pilots and programmes")
        constraints = [dates_in_order("started_on", "ended_on", "pilot_ends_after_start")]

    def __str__(self):
        return self.name

    @property
    def started_date(self):
        return format_partial_date(self.started_on, self.started_precision)

    @property
    def ended_date(self):
        return format_partial_date(self.ended_on, self.ended_precision)

    def clean(self):
        super().clean()  # the text in the original language (Translatable)
        errors = check_dates_in_order(
            self, [("started_on", "ended_on", _("A pilot cannot end before it starts."))], {}
        )
        check_subdivision_in_country(self, errors)
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self):
        return path_to("practices:pilot-detail", self.slug)


class PledgeQuerySet(SpanningQuerySet):
    def with_progress(self):
        """Each pledge's published progress, newest first, as `public_progress`, with the
        entries' citations, laws and statuses (five queries in all)."""
        return self.prefetch_related(
            Prefetch(
                "progress",
                queryset=PledgeProgress.objects.published()
                .newest_first()
                .with_fulfilling_records(),
                to_attr="public_progress",
            )
        )


class Pledge(SpansCountries):
    """A state's public commitment at an international forum."""

    class Status(models.TextChoices):
        MADE = "made", _("Made")
        IN_PROGRESS = "in-progress", _("In progress")
        FULFILLED = "fulfilled", _("Fulfilled")

    slug = models.SlugField(max_length=100, unique=True)
    country = models.ForeignKey(
        Country,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="pledges",
        verbose_name=_("country"),
        help_text=_("The pledging state. Leave empty for a pledge of several or of a group."),
    )
    forum = models.CharField(
        _("forum"), max_length=150, help_text=_('As commonly named, e.g. "IMRF 2022".')
    )
    pledged_on = models.DateField(_("pledged"), null=True, blank=True)
    pledged_precision = precision_field(_("pledge date precision"))
    text = models.TextField(_("what was pledged"))
    gcm_objective = models.PositiveSmallIntegerField(
        _("GCM objective"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(23)],
        help_text=_(
            "Global Compact for Migration objective, 1 to 23, only where a source names it "
            "(13 is detention)."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.MADE
    )

    _history_m2m_fields = ["countries", "country_groups"]

    objects = PledgeQuerySet.as_manager()

    one_of_label = _("one of %(count)d countries making this pledge")

    class Meta(SpansCountries.Meta):
        ordering = ["-pledged_on", "country__name"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(
                condition=Q(gcm_objective__isnull=True) | Q(gcm_objective__range=(1, 23)),
                name="pledge_gcm_objective_1_to_23",
            ),
        ]

    def __str__(self):
        return (
            f"{self.country}: {self.forum}" if self.country_id else f"{self.forum} ({self.slug})"
        )

    @property
    def pledged_date(self):
        return format_partial_date(self.pledged_on, self.pledged_precision)

    def get_absolute_url(self):
        return path_to("practices:pledge-detail", self.slug)


# Where an entry sits in its pledge's progress: when it happened where the sources say,
# otherwise when it was reported.
PROGRESS_DATE = Coalesce("occurred_on", "reported_on")


class PledgeProgressQuerySet(CitedQuerySet):
    def published(self):
        """Published entries of published pledges."""
        return super().published().filter(pledge__publication_status=PublicationStatus.PUBLISHED)

    def newest_first(self):
        return self.order_by(PROGRESS_DATE.desc(), F("reported_on").desc(), "-pk")

    def with_fulfilling_records(self):
        """Each entry's citations, and the published laws and statuses that fulfil it."""
        return self.with_citations().prefetch_related(
            Prefetch(
                "laws",
                queryset=Law.objects.published().order_by("title"),
                to_attr="public_laws",
            ),
            Prefetch(
                "statuses",
                queryset=Status.objects.published()
                .select_related("country", "subdivision", "indicator", "value")
                .order_by(TIMELINE_DATE.desc(), "pk"),
                to_attr="public_statuses",
            ),
        )


class PledgeProgress(Cited):
    """One dated step of a pledge's progress, and the laws and statuses that fulfil it.

    Dated like a status: `occurred_on` only where a source says when it happened, and
    `reported_on`, when the cited source reports it, always.
    """

    pledge = models.ForeignKey(
        Pledge, models.CASCADE, related_name="progress", verbose_name=_("pledge")
    )
    occurred_on = models.DateField(
        _("happened"),
        null=True,
        blank=True,
        help_text=_("When it happened, only where a source says so; leave empty otherwise."),
    )
    occurred_precision = precision_field(_("date precision"))
    reported_on = models.DateField(
        _("reported"),
        help_text=_(
            "When the cited source reports it: its publication date, or for an undated "
            "source the day the tracker read it. Pages say “reported as of” this date when "
            "the date it happened is not known."
        ),
    )
    reported_precision = precision_field(_("report date precision"))
    text = models.TextField(_("what happened"))
    laws = models.ManyToManyField(
        Law,
        blank=True,
        related_name="pledge_progress",
        verbose_name=_("laws and policies"),
        help_text=_("Laws or policies that fulfil the pledge, in whole or in part."),
    )
    statuses = models.ManyToManyField(
        Status,
        blank=True,
        related_name="pledge_progress",
        verbose_name=_("statuses"),
        help_text=_("Country statuses that show the pledge fulfilled, in whole or in part."),
    )

    _history_m2m_fields = ["laws", "statuses"]

    objects = PledgeProgressQuerySet.as_manager()

    class Meta(Cited.Meta):
        ordering = ["pledge", F("occurred_on").desc(nulls_last=True), "-reported_on", "pk"]
        verbose_name = _("pledge progress")
        verbose_name_plural = _("pledge progress")

    def __str__(self):
        when = self.date or _("reported %(date)s") % {"date": self.reported_date}
        return f"{self.pledge}: {when}"

    @property
    def date(self):
        """When it happened, as precisely as the source says (None when not known)."""
        return format_partial_date(self.occurred_on, self.occurred_precision)

    @property
    def reported_date(self):
        return format_partial_date(self.reported_on, self.reported_precision)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # The pledge changed with its progress: mirrors syncing with updated_since see it.
        Pledge.objects.filter(pk=self.pledge_id).update(updated_at=timezone.now())

    def get_absolute_url(self):
        return self.pledge.get_absolute_url() + f"#progress-{self.pk}"


class Figure(Cited):
    """A number a source reports: people detained, released or referred, over a period."""

    class Qualifier(models.TextChoices):
        EXACT = "exact", _("exactly")
        AT_LEAST = "at-least", _("at least")
        MORE_THAN = "more-than", _("more than")
        ABOUT = "about", _("about")
        UP_TO = "up-to", _("up to")

    class Unit(models.TextChoices):
        PEOPLE = "people", _("People")
        CHILDREN = "children", _("Children")
        FAMILIES = "families", _("Families")
        PERCENT = "percent", _("Percent")
        CASES = "cases", _("Cases")
        OTHER = "other", _("Other")

    slug = models.SlugField(max_length=100, unique=True)
    country = models.ForeignKey(
        Country,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="figures",
        verbose_name=_("country"),
        help_text=_("Leave empty for a regional or global figure."),
    )
    subdivision = models.ForeignKey(
        Subdivision,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="figures",
        verbose_name=_("subdivision"),
    )
    measure = models.SlugField(
        _("measure"),
        max_length=60,
        help_text=_("What was counted, as a short slug: children-detained, people-released…"),
    )
    description = models.CharField(_("description"), max_length=300)
    qualifier = models.CharField(
        _("qualifier"),
        max_length=10,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        help_text=_("As the source words it: “at least 38” is at least, “over 18,000” more than."),
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_start_precision = precision_field(_("period start precision"))
    period_end = models.DateField(_("period end"), null=True, blank=True)
    period_end_precision = precision_field(_("period end precision"))

    objects = ByCountryQuerySet.as_manager()

    class Meta(Cited.Meta):
        ordering = ["-period_end", "country__name"]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints = [
            dates_in_order("period_start", "period_end", "figure_period_in_order"),
            models.CheckConstraint(condition=Q(value__gte=0), name="figure_value_not_negative"),
        ]

    def __str__(self):
        return f"{self.description}: {self.qualified_value}"

    @property
    def qualified_value(self):
        """The value as the source gives it: "at least 38", "about 4,900,000"."""
        number = f"{self.value.normalize():,f}" if self.value is not None else ""
        if self.qualifier == self.Qualifier.EXACT:
            return number
        return f"{self.get_qualifier_display()} {number}"

    @property
    def period(self):
        start = format_partial_date(self.period_start, self.period_start_precision)
        end = format_partial_date(self.period_end, self.period_end_precision)
        return start if start == end or not end else f"{start or '…'}/{end}"

    def clean(self):
        super().clean()  # the text in the original language (Translatable)
        errors = check_dates_in_order(
            self,
            [("period_start", "period_end", _("The period cannot end before it starts."))],
            {},
        )
        check_subdivision_in_country(self, errors)
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self):
        return path_to("practices:figure-detail", self.slug)


class Withdrawal(models.Model):
    """A record that left the public dataset (unpublished or deleted), so mirrors can drop it.

    Written by signals when a published record is unpublished or deleted, and removed
    again when the record is published anew.
    """

    class Reason(models.TextChoices):
        UNPUBLISHED = "unpublished", _("Unpublished")
        DELETED = "deleted", _("Deleted")
        RENAMED = "renamed", _("Renamed")

    resource = models.CharField(_("resource"), max_length=30)
    identifier = models.CharField(_("identifier"), max_length=200)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    replaced_by = models.CharField(
        _("new identifier"),
        max_length=200,
        blank=True,
        help_text=_("For a renamed record: its new identifier, where the old address leads."),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-withdrawn_at"]
        verbose_name = _("withdrawn record")
        verbose_name_plural = _("withdrawn records")
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "identifier"], name="withdrawal_one_per_record"
            ),
        ]

    def __str__(self):
        return f"{self.resource}/{self.identifier} ({self.reason})"

    @classmethod
    def new_identifier(cls, resource, identifier):
        """Where a renamed record's old identifier leads now (following renames), or None."""
        seen = set()
        renamed = None
        while identifier not in seen:
            seen.add(identifier)
            row = cls.objects.filter(
                resource=resource, identifier=identifier, reason=cls.Reason.RENAMED
            ).first()
            if row is None:
                return renamed
            identifier = renamed = row.replaced_by
        return renamed


class Revision(models.Model):
    """One row counting changes to the dataset: the version that ETags and caches key on.

    Every save or delete that can change published data bumps it (practices.signals): of a
    record, citation or indicator value public before or after, of a vocabulary term or a
    country. A draft's edits do not. It is bumped in the same transaction as the change, as
    it is by the commands that write in bulk. Reading it is one query on one row, whatever
    the data's size.
    """

    number = models.PositiveBigIntegerField(_("number"), default=0)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("dataset revision")
        verbose_name_plural = _("dataset revisions")

    def __str__(self):
        return f"{self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"

    @classmethod
    def current(cls):
        """The revision row, or an unsaved revision 0 before the first change."""
        return cls.objects.filter(pk=1).first() or cls(pk=1, changed_at=EPOCH)

    @classmethod
    def bump(cls, using=None):
        revisions = cls.objects.using(using)
        now = timezone.now()
        if not revisions.filter(pk=1).update(number=F("number") + 1, changed_at=now):
            revisions.get_or_create(pk=1, defaults={"number": 1, "changed_at": now})


EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def latest_changes(limit=20, country=None, indicator=None):
    """The most recently changed published records of every kind, newest first.

    One query per kind. With an indicator, only statuses on it and laws bearing on it.
    """
    kinds = [
        Status.objects.published()
        .changes()
        .select_related("country", "subdivision", "indicator", "value"),
        Law.objects.published().select_related("country"),
        Pilot.objects.published().select_related("country"),
        Pledge.objects.published().select_related("country"),
        Figure.objects.published().select_related("country"),
    ]
    if indicator is not None:
        kinds = [kinds[0].filter(indicator=indicator), kinds[1].filter(indicators=indicator)]
    if country is not None:
        kinds = [
            queryset.filter(country=country)
            if queryset.model is Status
            else queryset.for_country(country)
            for queryset in kinds
        ]
    records = [record for queryset in kinds for record in queryset.order_by("-updated_at")[:limit]]
    return sorted(records, key=lambda record: record.updated_at, reverse=True)[:limit]


@dataclass
class RecordCount:
    """Published records of one kind, how many a researcher reviewed, and their list page."""

    label: str
    list_url_name: str
    total: int
    reviewed: int
    last_reviewed_on: datetime.date | None


@dataclass
class Coverage:
    """What the published dataset covers, every figure counted from the data."""

    countries: int
    countries_with_current_status: int
    subdivisions_with_current_status: int
    current_statuses: int
    current_practice_differs: int
    records: list[RecordCount]

    @property
    def total(self):
        return sum(kind.total for kind in self.records)

    @property
    def reviewed(self):
        return sum(kind.reviewed for kind in self.records)

    @property
    def reviewed_percent(self):
        return round(100 * self.reviewed / self.total) if self.total else 0

    @property
    def last_reviewed_on(self):
        return max((k.last_reviewed_on for k in self.records if k.last_reviewed_on), default=None)


def published_coverage():
    """The coverage of the published dataset (the about page's figures): one query per kind."""
    current = Status.objects.current().coverage()
    kinds = [
        (Status, _("statuses"), "practices:status-list"),
        (Law, _("laws and policies"), "practices:law-list"),
        (Pilot, _("ATD pilots and programmes"), "practices:pilot-list"),
        (Pledge, _("pledges"), "practices:pledge-list"),
        (Figure, _("reported figures"), "practices:figure-list"),
        (Source, _("sources"), "practices:source-list"),
    ]
    return Coverage(
        countries=Country.objects.count(),
        countries_with_current_status=current["countries"],
        subdivisions_with_current_status=current["subdivisions"],
        current_statuses=current["statuses"],
        current_practice_differs=current["practice_differs"],
        records=[
            RecordCount(label, url_name, **model.objects.published().review_counts())
            for model, label, url_name in kinds
        ],
    )


# Records of each kind listed on a country page; a link leads to the full, filtered list.
LIST_LENGTH = 10


@dataclass
class FirstRecords:
    records: list
    more: bool

    def __iter__(self):
        return iter(self.records)


def first_of(queryset, length=LIST_LENGTH):
    """The first `length` records, and whether there are more, in one query (and prefetches)."""
    records = list(queryset[: length + 1])
    return FirstRecords(records[:length], more=len(records) > length)


def records_applying_to(country):
    """The first laws, pilots, pledges and figures of a country: its own, those naming it and
    those of its groups, each labelled with how it applies (`applies_label`)."""
    records = {
        name: first_of(
            model.objects.published().for_country(country).select_related("country").with_places()
        )
        for name, model in (("laws", Law), ("pilots", Pilot), ("pledges", Pledge))
    }
    records["figures"] = first_of(
        Figure.objects.published().for_country(country).select_related("country")
    )
    for name in ("laws", "pilots", "pledges"):
        for record in records[name]:
            record.applies_label = record.how_it_applies(country)
    return records
