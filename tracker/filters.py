"""What every resource's FilterSet shares, so that a parameter means the same everywhere.

Each resource has one FilterSet (in its app's filters.py), used by both its public
list page and its API list: `?country=mx&region=europe` selects the same rows in both.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from functools import reduce
from operator import or_

import django_filters as filters
from django import forms
from django.conf import settings
from django.db.models import Count, Q
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from countries.models import Country, Region, Subdivision

NAME_FIELDS = [f"name_{code}" for code, _name in settings.LANGUAGES]


def collation_key(text):
    """Sort names as a reader expects: accents and case aside (Åland with the As)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def names_of(country):
    """The country's ISO code and its name in every site language, folded for matching."""
    names = {getattr(country, field, None) for field in NAME_FIELDS} | {country.name}
    return {country.iso2.casefold()} | {name.casefold() for name in names if name}


class CountryPicker(forms.SelectMultiple):
    """A country by typing its name, several in turn, without JavaScript.

    Chosen countries are ticked boxes (untick to drop one); a text box with a list of names
    in the visitor's language adds another. static/js/country-picker.js turns this into a
    typeahead that adds removable tokens.
    """

    template_name = "components/country_picker.html"

    def __init__(self, attrs=None, boxes=1):
        super().__init__(attrs)
        self.boxes = boxes  # text boxes to offer, less those already chosen (at least one)

    def use_required_attribute(self, initial):
        # The text box stays empty once countries are ticked: it must not block the form.
        return False

    def get_context(self, name, value, attrs):
        countries = sorted(
            (choice.instance for choice, _label in self.choices if choice),
            key=lambda country: collation_key(country.name),
        )
        by_name = {key: country for country in countries for key in names_of(country)}
        chosen, typed = [], []
        for raw in self.format_value(value):
            country = by_name.get(raw.strip().casefold())
            if country is None:
                typed.append(raw.strip())
            elif country not in chosen:
                chosen.append(country)
        attrs = self.build_attrs(self.attrs, attrs)
        return {
            "name": name,
            "id": attrs.pop("id", f"id_{name}"),
            "attrs": flatatt(attrs),
            "countries": countries,
            "chosen": chosen,
            # What matched no country stays in the box, next to its error, to be corrected.
            "typed": ", ".join(text for text in typed if text),
            "more_boxes": range(2, max(1, self.boxes - len(chosen)) + 1),
        }

    def render(self, name, value, attrs=None, renderer=None):
        # The project's templates, not the form renderer's (which knows only Django's own).
        return render_to_string(self.template_name, self.get_context(name, value, attrs))


class CountryCodesField(forms.ModelMultipleChoiceField):
    """Countries by ISO alpha-2 code in any case (`country=th&country=MY`) or by name in any
    site language (`country=Mexique`), in the order given, each once."""

    widget = CountryPicker

    def clean(self, value):
        if isinstance(value, str):
            value = [value]
        given = [str(text).strip() for text in value or [] if str(text).strip()]
        codes = self.codes_of(given)
        found = {country.iso2: country for country in super().clean(codes)}
        return [found[code] for code in dict.fromkeys(codes)]

    @staticmethod
    def codes_of(given):
        """Codes upper-cased, names replaced by their code (one query, only if names given)."""

        def is_code(text):
            return len(text) == 2 and text.isalpha()

        # A NUL character is no name: left as given, the field's own check refuses it.
        names = [text for text in given if not is_code(text) and "\x00" not in text]
        by_name = {}
        if names:
            matching = reduce(
                or_, (Q(**{f"{field}__iexact": name}) for name in names for field in NAME_FIELDS)
            )
            for country in Country.objects.filter(matching):
                by_name.update({key: country.iso2 for key in names_of(country)})
        # What is neither stays as given, for its error to name it.
        return [
            text.upper() if is_code(text) else by_name.get(text.casefold(), text) for text in given
        ]


class CountryCodesFilter(filters.ModelMultipleChoiceFilter):
    field_class = CountryCodesField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Country.objects.all())
        kwargs.setdefault("to_field_name", "iso2")
        kwargs.setdefault("label", _("Country"))
        kwargs.setdefault(
            "help_text",
            _("A country's name or ISO alpha-2 code, in any case; repeat for several."),
        )
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


class RegionChoiceIterator(ModelChoiceIterator):
    """Regions, sub-regions and intermediate regions, each level under its own heading."""

    HEADINGS = {
        Region.Level.REGION: _("Regions"),
        Region.Level.SUBREGION: _("Sub-regions"),
        Region.Level.INTERMEDIATE: _("Intermediate regions"),
    }

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        regions = list(self.queryset)
        for level, heading in self.HEADINGS.items():
            choices = [self.choice(region) for region in regions if region.level == level]
            if choices:
                yield (heading, choices)


class RegionField(forms.ModelChoiceField):
    iterator = RegionChoiceIterator


class RegionFilter(filters.ModelChoiceFilter):
    """A UN M49 region at any level, by slug: europe, south-eastern-asia, central-america."""

    field_class = RegionField

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


class SubdivisionSelect(forms.Select):
    """On a page: any place, national records only, or one of the subdivisions that have
    published records of the list, under their country's name."""

    def __init__(self, model, attrs=None):
        super().__init__(attrs)
        self.model = model

    def get_context(self, name, value, attrs):
        places = {}
        for subdivision in (
            Subdivision.objects.filter(pk__in=self.model.objects.published().values("subdivision"))
            .select_related("country")
            .order_by("country__name", "name")
        ):
            places.setdefault(subdivision.country.name, []).append(
                (subdivision.code, subdivision.name)
            )
        self.choices = [
            ("", _("Any")),
            (SubdivisionField.NATIONAL, _("National records only")),
            *places.items(),
        ]
        return super().get_context(name, value, attrs)


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


class DateOrMomentInput(forms.DateInput):
    """A date picker on pages; a full date-time (from an API-style link) stays as typed."""

    input_type = "date"
    DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if value and not self.DATE.fullmatch(str(value)):
            context["widget"]["type"] = "text"
        return context


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    """A date (midnight UTC) or an ISO 8601 date-time: 2024-07-01 or 2024-07-01T10:00:00Z."""

    field_class = UtcDateTimeField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", DateOrMomentInput)
        super().__init__(*args, **kwargs)


class CountedSelect(forms.Select):
    """A select that can show, beside each choice, how many rows it would give."""

    counts = None

    def create_option(self, name, value, label, *args, **kwargs):
        option = super().create_option(name, value, label, *args, **kwargs)
        if self.counts is not None and str(value) != "":
            count = self.counts.get(str(value), 0)
            option["label"] = _("%(label)s (%(count)s)") % {
                "label": label,
                "count": formats.number_format(count, force_grouping=True),
            }
        return option


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
            CountedSelect(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
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


@dataclass
class ActiveFilter:
    """One value the visitor filters on, and the query string without it."""

    label: str
    value: str
    query: str


# Filters whose choices get counts: exactly these types, as subclasses (regions, sort
# orders) do not select rows by one field.
FACETED = (filters.ChoiceFilter, filters.ModelChoiceFilter, StrictBooleanFilter)


class TrackerFilterSet(filters.FilterSet):
    """Filters every curated resource has, and what a person needs to use them on a page:
    "Any" for no choice, the active filters to remove one by one, counts beside choices."""

    updated_since = UtcDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("Changed since"),
        help_text=_("Records changed on or after this date (or ISO 8601 date-time)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            # A form field that something built on the class's filters (the API schema's
            # generator does) was copied here without the model's label or these settings.
            filter_.__dict__.pop("_field", None)
            if isinstance(filter_, filters.ChoiceFilter):
                is_order = isinstance(filter_, filters.OrderingFilter)
                filter_.extra["empty_label"] = _("Default") if is_order else _("Any")
            if type(filter_) in (filters.ChoiceFilter, filters.ModelChoiceFilter):
                filter_.extra.setdefault("widget", CountedSelect)
            if isinstance(filter_, SubdivisionFilter):
                filter_.extra["widget"] = SubdivisionSelect(self._meta.model)

    @property
    def form(self):
        form = super().form
        for field in form.fields.values():
            if isinstance(field.widget, forms.Select):
                # A slug's description is for the API; a page shows the choices' labels
                # (and the country picker the names).
                field.help_text = ""
        return form

    def filtered_without(self, *names):
        """The rows every filter selects, except the named ones'."""
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name not in names:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def count_by_field(self, name):
        """Rows per choice of one filter, the others applied: one aggregate query."""
        filter_ = self.filters[name]
        path = filter_.field_name
        if filter_.extra.get("to_field_name"):
            path += "__" + filter_.extra["to_field_name"]
        # Grouped in the filtered rows themselves, not in a second scan of the table matched
        # to them by key: at 100x the statuses list's three counts took 12 ms, now 8.
        counts = (
            self.filtered_without(name)
            .order_by()
            .values_list(path)
            .annotate(count=Count("pk", distinct=True))
        )
        return {
            str(key).lower() if isinstance(key, bool) else str(key): count
            for key, count in counts
            if key is not None
        }

    def show_choice_counts(self):
        """Beside each choice, how many rows choosing it would give (as Datasette's facets).

        A FilterSet counts a filter the generic way can't with a `count_<name>` method.
        """
        if not self.is_valid():
            return
        for name, filter_ in self.filters.items():
            custom = getattr(self, f"count_{name}", None)
            if custom is None and (type(filter_) not in FACETED or filter_.method):
                continue
            counts = custom() if custom else self.count_by_field(name)
            self.form.fields[name].widget.counts = counts

    def active_filters(self):
        """Each value filtered on, named in the visitor's language, with its removal link."""
        if not self.is_bound or not self.is_valid():
            return []
        chips = []
        for name, field in self.form.fields.items():
            for raw in self.data.getlist(name):
                if raw.strip() and name in self.form.cleaned_data:
                    value = self.value_label(field, self.form.cleaned_data[name], raw)
                    chips.append(ActiveFilter(field.label, value, self.query_without(name, raw)))
        return chips

    @staticmethod
    def value_label(field, cleaned, raw):
        if isinstance(field, SubdivisionField):
            if cleaned == SubdivisionField.NATIONAL:
                return _("National records only")
            return Subdivision.objects.filter(code=cleaned).values_list("name", flat=True)[0]
        if isinstance(field, CountryCodesField):
            return next((c.name for c in cleaned if raw.strip().casefold() in names_of(c)), raw)
        if isinstance(field, forms.ModelChoiceField):
            return field.label_from_instance(cleaned)
        if isinstance(field, forms.NullBooleanField):
            return _("Yes") if cleaned else _("No")
        if isinstance(field, forms.DateTimeField):
            if cleaned.time() == datetime.time(0):
                return formats.date_format(cleaned, "DATE_FORMAT")
            return formats.date_format(cleaned, "DATETIME_FORMAT")
        if isinstance(field, forms.ChoiceField):
            return str(dict(field.choices).get(raw, raw))
        return raw

    def query_without(self, name, raw):
        """This page's query string without one value (nor an empty one, a page or a format)."""
        query = self.data.copy()
        for key in ("page", "format"):
            query.pop(key, None)
        for key in list(query):
            kept = [v for v in query.getlist(key) if v.strip() and (key, v) != (name, raw)]
            if kept:
                query.setlist(key, kept)
            else:
                del query[key]
        return query.urlencode()
