from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Upper
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from tracker.paths import path_to
from tracker.related import ListedRelation


class Region(models.Model):
    """A UN M49 region, sub-region or intermediate region ("Europe", "Central America")."""

    class Level(models.IntegerChoices):
        REGION = 1, _("Region")
        SUBREGION = 2, _("Sub-region")
        INTERMEDIATE = 3, _("Intermediate region")

    m49_code = models.CharField(_("M49 code"), max_length=3, unique=True)
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class Country(models.Model):
    """An ISO 3166-1 country, loaded from pycountry and the UN M49 taxonomy (never typed)."""

    iso2 = models.CharField(_("ISO alpha-2"), max_length=2, unique=True)
    iso3 = models.CharField(_("ISO alpha-3"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO numeric"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    official_name = models.CharField(_("official name"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    subregion = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sub-region"),
    )
    intermediate_region = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("intermediate region"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(Exact(Length("iso2"), 2), Exact(F("iso2"), Upper("iso2"))),
                name="country_iso2_two_uppercase_letters",
            ),
            models.CheckConstraint(
                condition=Q(Exact(Length("iso3"), 3), Exact(F("iso3"), Upper("iso3"))),
                name="country_iso3_three_uppercase_letters",
            ),
            models.CheckConstraint(
                condition=Exact(Length("numeric"), 3), name="country_numeric_three_digits"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def code(self):
        """The alpha-2 code as used in URLs and the dataset: lowercase."""
        return self.iso2.lower()

    def get_absolute_url(self):
        return path_to("countries:detail", self.code)


class Subdivision(models.Model):
    """An ISO 3166-2 subdivision, such as a Mexican state, for sub-national records."""

    code = models.CharField(_("ISO 3166-2 code"), max_length=10, unique=True)
    country = models.ForeignKey(
        Country, models.CASCADE, related_name="subdivisions", verbose_name=_("country")
    )
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("type"), max_length=80, blank=True)

    class Meta:
        ordering = ["country__name", "name"]
        verbose_name = _("subdivision")
        verbose_name_plural = _("subdivisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__contains="-") & Q(Exact(F("code"), Upper("code"))),
                name="subdivision_code_is_iso_3166_2",
            ),
        ]

    def __str__(self):
        return self.name


class CountryGroup(models.Model):
    """A group of countries (the European Union…) whose instruments reach every member.

    A law, pilot or pledge of the group shows on each member's page and in every
    `country=` filter, labelled with `member_label` ("as an EU member state").
    """

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=150)
    member_label = models.CharField(
        _("label for members"),
        max_length=150,
        help_text=_('How a record of the group applies to a member: "as an EU member state".'),
    )
    url = models.URLField(_("website"), blank=True)
    members = models.ManyToManyField(
        Country, blank=True, related_name="groups", verbose_name=_("members")
    )
    members_list = ListedRelation()

    class Meta:
        ordering = ["name"]
        verbose_name = _("country group")
        verbose_name_plural = _("country groups")

    def __str__(self):
        return self.name
