"""What every resource's FilterSet shares, so that a parameter means the same everywhere.

Each resource has one FilterSet (in its app's filters.py), used by both its public
list page and its API list: `?country=mx&region=europe` selects the same rows in both.
"""

import datetime

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from countries.models import Country, Region, Subdivision


class CountryCodesField(forms.ModelMultipleChoiceField):
    """ISO alpha-2 codes in any case: `country=th&country=MY`."""

    def clean(self, value):
        if value:
            value = [str(code).strip().upper() for code in value]
        return super().clean(value)


class CountryCodesFilter(filters.ModelMultipleChoiceFilter):
    field_class = CountryCodesField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("to_field_name", "iso2")
        kwargs.setdefault("label", _("Country"))
        kwargs.setdefault("help_text", _("ISO alpha-2 code, any case; repeat for several."))
        super().__init__(*args, **kwargs)

    def get_filter_predicate(self, country):
        # Match on the country's key, not its code: field_name is a foreign key (or pk).
        return {self.field_name: country.pk}

    def filter(self, queryset, countries):
        # Records that span countries (laws, pilots, pledges) match through the countries
        # they name and their groups too.
        if countries and self.field_name == "country" and hasattr(queryset, "applying_to"):
            return queryset.applying_to(countries)
        return super().filter(queryset, countries)


class RegionFilter(filters.ModelChoiceFilter):
    """A UN M49 region at any level, by slug: europe, south-eastern-asia, central-america."""

    def __init__(self, *args, country_path="country", **kwargs):
        kwargs.setdefault("queryset", Region.objects.all())
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("label", _("Region"))
        kwargs.setdefault(
            "help_text", _("A UN M49 region, sub-region or intermediate region, by slug.")
        )
        super().__init__(*args, **kwargs)
        self.country_path = country_path

    def filter(self, queryset, region):
        if not region:
            return queryset
        if self.country_path == "country" and hasattr(queryset, "applying_to"):
            in_region = Country.objects.filter(
                Q(region=region) | Q(subregion=region) | Q(intermediate_region=region)
            )
            return queryset.applying_to(in_region)
        prefix = f"{self.country_path}__" if self.country_path else ""
        return queryset.filter(
            Q(**{f"{prefix}region": region})
            | Q(**{f"{prefix}subregion": region})
            | Q(**{f"{prefix}intermediate_region": region})
        )


UNKNOWN_SUBDIVISION = _("Unknown subdivision “%(code)s”: use national, or a code such as MX-CHP.")


class SubdivisionField(forms.CharField):
    """`national`, or an ISO 3166-2 code in any case (MX-CHP): an unknown code is an error."""

    NATIONAL = "national"

    def clean(self, value):
        value = super().clean(value).strip()
        if not value or value.lower() == self.NATIONAL:
            return value.lower()
        code = value.upper()
        if not Subdivision.objects.filter(code=code).exists():
            raise forms.ValidationError(
                UNKNOWN_SUBDIVISION,
                code="invalid",
                params={"code": value},
            )
        return code


class SubdivisionFilter(filters.CharFilter):
    """Records of one subdivision, or (`national`) those of no subdivision."""

    field_class = SubdivisionField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Subdivision"))
        kwargs.setdefault(
            "help_text",
            _("national for country-wide records only, or an ISO 3166-2 code such as MX-CHP."),
        )
        super().__init__(*args, **kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        if value == SubdivisionField.NATIONAL:
            return queryset.filter(subdivision__isnull=True)
        return queryset.filter(subdivision__code=value)


class TextSearchFilter(filters.CharFilter):
    """Case-insensitive search across the FilterSet's `search_fields`."""

    def __init__(self, *args, search_fields=(), **kwargs):
        kwargs.setdefault("label", _("Search"))
        super().__init__(*args, **kwargs)
        self.search_fields = search_fields

    def filter(self, queryset, value):
        value = (value or "").strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment, as UTC: one that UTC cannot hold (year 1 at +05:00) is invalid.

    PostgreSQL also refuses offsets beyond ±15:59, which parse_datetime accepts.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    """true or false, also 1 or 0, in any case; empty means either.

    Anything else is an error naming the parameter, where Django's own field quietly reads
    it as "either" (current=yes would list every status).
    """

    default_error_messages = {"invalid": _("Enter true or false (or 1 or 0).")}
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.Select(choices=[("", _("Either")), ("true", _("Yes")), ("false", _("No"))]),
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = "" if value is None else str(value).strip().lower()
        if not text:
            return None
        if text not in self.VALUES:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return self.VALUES[text]


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


# What each sort order is called, by its parameter (the same in every resource).
ORDERING_LABELS = {
    "adopted": _("Date adopted"),
    "code": _("ISO code"),
    "country": _("Country"),
    "effective_from": _("Date begun"),
    "name": _("Name"),
    "observed_on": _("Date reported"),
    "order": _("Order"),
    "period": _("Period"),
    "pledged": _("Date pledged"),
    "published": _("Date published"),
    "started": _("Date started"),
    "title": _("Title"),
    "updated_at": _("Last updated"),
    "value": _("Value"),
    "withdrawn_at": _("Date withdrawn"),
}


def descending(label):
    return _("%(order)s (descending)") % {"order": label}


class OrderingFilter(filters.OrderingFilter):
    """Sort orders named in the visitor's language, both ways.

    django-filter writes "… (descending)" once, in English, when the FilterSet is defined;
    these labels are translated whenever a form shows them.
    """

    def build_choices(self, fields, labels):
        choices = []
        for param in fields.values():
            label = labels.get(param, ORDERING_LABELS.get(param, param))
            choices += [(param, label), (f"-{param}", lazy(descending, str)(label))]
        return choices


class TrackerFilterSet(filters.FilterSet):
    """Filters every curated resource has."""

    updated_since = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Changed since"),
        help_text=_("Records changed at or after this time (ISO 8601)."),
    )
