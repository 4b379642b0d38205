"""Spreadsheet import and export (CSV, Excel) of laws, pilots, pledges, figures and statuses.

Columns are the model's fields under their own names, as in the YAML dataset (a text in
English, then its translations: `summary_es`, `summary_fr`, `summary_ar`); related
records are written by their natural keys (country ISO alpha-2, subdivision ISO 3166-2
code, slugs), lists of them separated by ";", and dates as precisely as the source gives
them ("2020", "2020-08", "2020-08-15"). A record is matched on its slug (a status on its
place, indicator and effective date); `sources` lists the slugs of the sources it cites.

Text that a spreadsheet would run as a formula (=, +, -, @...) is exported with a leading
quote, which the import takes off again. An export imports back as "skipped" rows that
change nothing. An import writes nothing unless every row is valid: errors are collected
across the whole file and reported by row and column.
"""

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from modeltranslation.utils import build_localized_fieldname

from countries.models import Country, CountryGroup, Subdivision
from tracker.exports import escape_formula, unescape_formula

from .dataset import DatasetError, parse_partial_date
from .models import (
    Approach,
    Citation,
    Figure,
    Indicator,
    IndicatorValue,
    Law,
    Organisation,
    Pilot,
    Pledge,
    PublicationStatus,
    Source,
    Status,
    TargetGroup,
    format_partial_date,
)

SEPARATOR = ";"


def split_keys(value):
    """'a; b;;c' -> ['a', 'b', 'c']."""
    return [key.strip() for key in str(value or "").split(SEPARATOR) if key.strip()]


class KeyWidget(widgets.ForeignKeyWidget):
    """A related record by its code or slug; an unknown one is an error naming the value."""

    def __init__(self, model, field="slug", upper=False):
        super().__init__(model, field)
        self.upper = upper

    def clean(self, value, row=None, **kwargs):
        key = str(value if value is not None else "").strip()
        key = key.upper() if self.upper else key
        if not key:
            return None
        try:
            return self.get_queryset(key, row, **kwargs).get(**{self.field: key})
        except self.model.DoesNotExist:
            raise ValueError(self.unknown(key, row)) from None

    def unknown(self, key, row):
        return str(
            _("No %(model)s has the code “%(key)s”.")
            % {"model": self.model._meta.verbose_name, "key": key}
        )


class IndicatorValueWidget(KeyWidget):
    """A value by its slug within the row's indicator (slugs repeat across indicators)."""

    def __init__(self):
        super().__init__(IndicatorValue)

    def get_queryset(self, value, row, *args, **kwargs):
        return IndicatorValue.objects.filter(indicator__slug=(row or {}).get("indicator"))

    def unknown(self, key, row):
        return str(
            _("“%(key)s” is not a value of the indicator “%(indicator)s”.")
            % {"key": key, "indicator": (row or {}).get("indicator")}
        )


class KeyListWidget(widgets.ManyToManyWidget):
    """Related records as slugs (or codes) separated by ";"; every one must exist."""

    def __init__(self, model, field="slug", upper=False):
        super().__init__(model, separator=SEPARATOR, field=field)
        self.upper = upper

    def clean(self, value, row=None, **kwargs):
        keys = [key.upper() if self.upper else key for key in split_keys(value)]
        found = list(self.model.objects.filter(**{f"{self.field}__in": keys}))
        unknown = sorted(set(keys) - {getattr(record, self.field) for record in found})
        if unknown:
            raise ValueError(
                str(
                    _("Unknown %(model)s: %(keys)s.")
                    % {"model": self.model._meta.verbose_name_plural, "keys": ", ".join(unknown)}
                )
            )
        return found

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return SEPARATOR.join(sorted(getattr(record, self.field) for record in value.all()))


class SourceListWidget(widgets.Widget):
    """The slugs of the sources a record cites, sorted, so that the order does not matter."""

    def clean(self, value, row=None, **kwargs):
        keys = sorted(set(split_keys(value)))
        known = set(Source.objects.filter(slug__in=keys).values_list("slug", flat=True))
        unknown = [key for key in keys if key not in known]
        if unknown:
            raise ValueError(str(_("Unknown sources: %(keys)s.") % {"keys": ", ".join(unknown)}))
        return SEPARATOR.join(keys)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class NumberWidget(widgets.DecimalWidget):
    """A decimal number, written the same in every language ("1234.50")."""

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ArithmeticError:
            raise ValueError(str(_("“%(value)s” is not a number.") % {"value": value})) from None


class PublicationWidget(widgets.CharWidget):
    """ "draft" or "published"; an empty cell is a draft."""

    def clean(self, value, row=None, **kwargs):
        return str(value or "").strip().lower() or PublicationStatus.DRAFT


class PartialDateField(fields.Field):
    """A date column written as precisely as the source gives it, setting date and precision."""

    def __init__(self, attribute, precision):
        super().__init__(attribute=attribute, column_name=attribute)
        self.precision = precision

    def parse(self, row):
        value = row[self.column_name]
        if isinstance(value, datetime.datetime):  # an Excel date cell
            value = value.date()
        elif isinstance(value, float) and value.is_integer():  # a year typed in Excel
            value = int(value)
        if isinstance(value, int):
            value = str(value)
        try:
            return parse_partial_date(value, self.column_name)
        except DatasetError as error:
            raise ValueError(str(error).split(": ", 1)[-1]) from None

    def clean(self, row, **kwargs):
        return self.parse(row)[0]

    def save(self, instance, row, is_m2m=False, **kwargs):
        date, precision = self.parse(row)
        setattr(instance, self.attribute, date)
        setattr(instance, self.precision, precision)

    def get_value(self, instance):
        return format_partial_date(
            getattr(instance, self.attribute), getattr(instance, self.precision)
        )

    def export(self, instance, **kwargs):
        return self.get_value(instance) or ""


def country_field():
    return fields.Field("country", "country", KeyWidget(Country, "iso2", upper=True))


def subdivision_field():
    return fields.Field("subdivision", "subdivision", KeyWidget(Subdivision, "code", upper=True))


def key_list_field(name, model):
    return fields.Field(name, name, KeyListWidget(model))


def countries_field():
    """The countries a law, pilot or pledge names, by ISO alpha-2 code."""
    return fields.Field("countries", "countries", KeyListWidget(Country, "iso2", upper=True))


class TranslationWidget(widgets.CharWidget):
    """An empty text cell is no text in that language, stored as NULL like the model's own."""

    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs) or None


def with_translations(model, names):
    """The columns of a claim's sheet: its original language, and after each text column
    (English) the same text in each other language (`summary_es`, `summary_fr`…)."""
    translated = model.translated_fields()
    others = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    columns = [names[0], "original_language"]
    for name in names[1:]:
        columns.append(name)
        if name in translated:
            columns.extend(build_localized_fieldname(name, code) for code in others)
    return columns


class CitedResource(resources.ModelResource):
    """What every claim's sheet shares: sources, publication state, last review, and the
    text in every language, each translation logged as made by whoever imports it."""

    sources = fields.Field("sources", "sources", SourceListWidget())
    publication_status = fields.Field(
        "publication_status", "publication_status", PublicationWidget()
    )
    last_reviewed_on = fields.Field(
        "last_reviewed_on", "last_reviewed_on", widgets.DateWidget("%Y-%m-%d")
    )

    related = []  # select_related for export
    links = []  # prefetch_related for export

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # A text column holds the English text itself, not whatever the language in force
        # would fall back to.
        for name in self._meta.model.translated_fields():
            if name in self.fields:
                english = build_localized_fieldname(name, settings.LANGUAGE_CODE)
                self.fields[name] = fields.Field(english, name, TranslationWidget())
            for code, _language in settings.LANGUAGES:
                column = build_localized_fieldname(name, code)
                if column in self.fields:
                    self.fields[column].widget = TranslationWidget()

    class Meta:
        import_id_fields = ["slug"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    # Export.

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related(*self.related).prefetch_related(
            *self.links, "citations__source"
        )

    def export_field(self, field, instance, **kwargs):
        """Text that a spreadsheet would run as a formula is escaped; numbers stay numbers."""
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and not isinstance(field.widget, widgets.NumberWidget):
            return escape_formula(value)
        return value

    def dehydrate_sources(self, record):
        return SEPARATOR.join(
            sorted({citation.source.slug for citation in record.citations.all()})
        )

    # Import.

    def import_data(self, dataset, **kwargs):
        # Nothing is written unless every row is valid, in the preview and when confirmed.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            if value is None:  # an empty Excel cell: an empty text, as in CSV
                row[column] = ""
            elif isinstance(value, str):  # an export's escaped formula reads back as it was
                row[column] = unescape_formula(value)

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None  # an unknown key: a new record whose row then reports the error

    def after_init_instance(self, instance, new, row, **kwargs):
        instance.sources = "" if new else self.dehydrate_sources(instance)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        before = translations_of(instance)
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        user = kwargs.get("user")
        by = (user.get_full_name() or user.get_username()) if user else _("spreadsheet import")
        after = translations_of(instance)
        for language in settings.LANGUAGES:
            code = language[0]
            if code != instance.original_language and before[code] != after[code]:
                instance.record_translation(code, str(by))
        for field in self.get_import_fields():
            # Links are saved after the record; check them now, with the other columns.
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [str(error)]
        checkable = "sources" not in errors and "publication_status" not in errors
        if checkable and instance.is_published():
            problems = instance.publication_problems(self.citations_after_import(instance))
            if problems:
                errors["sources"] = [str(problem) for problem in problems]
        if errors:
            raise ValidationError(errors)

    def citations_after_import(self, instance):
        """The (source, quote) pairs the record will cite: a source it already cites keeps
        its quote; a new one comes without (quotes are added in the admin)."""
        wanted = split_keys(instance.sources)
        kept = {}
        if instance.pk:
            for citation in instance.citations.select_related("source"):
                kept.setdefault(citation.source.slug, (citation.source, citation.quote))
        new = Source.objects.filter(slug__in=set(wanted) - set(kept))
        return [pair for slug, pair in kept.items() if slug in wanted] + [
            (source, "") for source in new
        ]

    def after_save_instance(self, instance, row, **kwargs):
        """Make the record cite exactly the sources listed, keeping existing quotes."""
        if "sources" not in row:
            return
        wanted = set(split_keys(instance.sources))
        content_type = ContentType.objects.get_for_model(instance)
        citations = Citation.objects.filter(content_type=content_type, object_id=instance.pk)
        cited = set()
        for citation in citations.select_related("source"):
            if citation.source.slug in wanted:
                cited.add(citation.source.slug)
            else:
                citation.delete()
        for source in Source.objects.filter(slug__in=wanted - cited):
            Citation.objects.create(
                content_type=content_type, object_id=instance.pk, source=source
            )


def translations_of(record):
    """Each language's texts of a record, to tell which translations an import changed."""
    return {
        code: [record.text_in(name, code) for name in record.translated_fields()]
        for code, _name in settings.LANGUAGES
    }


class LawResource(CitedResource):
    country = country_field()
    subdivision = subdivision_field()
    adopted_on = PartialDateField("adopted_on", "adopted_precision")
    in_force_on = PartialDateField("in_force_on", "in_force_precision")
    repealed_on = PartialDateField("repealed_on", "repealed_precision")
    indicators = key_list_field("indicators", Indicator)
    organisations = key_list_field("organisations", Organisation)
    countries = countries_field()
    country_groups = key_list_field("country_groups", CountryGroup)

    related = ["country", "subdivision"]
    links = ["indicators", "organisations", "countries", "country_groups"]

    class Meta(CitedResource.Meta):
        model = Law
        fields = with_translations(
            Law,
            [
                "slug",
                "title",
                "country",
                "subdivision",
                "countries",
                "country_groups",
                "kind",
                "status",
                "adopted_on",
                "in_force_on",
                "repealed_on",
                "summary",
                "indicators",
                "organisations",
                "sources",
                "publication_status",
                "last_reviewed_on",
            ],
        )


class PilotResource(CitedResource):
    country = country_field()
    subdivision = subdivision_field()
    implementers = key_list_field("implementers", Organisation)
    government_partners = key_list_field("government_partners", Organisation)
    target_groups = key_list_field("target_groups", TargetGroup)
    approaches = key_list_field("approaches", Approach)
    started_on = PartialDateField("started_on", "started_precision")
    ended_on = PartialDateField("ended_on", "ended_precision")
    countries = countries_field()
    country_groups = key_list_field("country_groups", CountryGroup)

    related = ["country", "subdivision"]
    links = [
        "implementers",
        "government_partners",
        "target_groups",
        "approaches",
        "countries",
        "country_groups",
    ]

    class Meta(CitedResource.Meta):
        model = Pilot
        fields = with_translations(
            Pilot,
            [
                "slug",
                "name",
                "country",
                "subdivision",
                "countries",
                "country_groups",
                "description",
                "implementers",
                "government_partners",
                "target_groups",
                "approaches",
                "classification",
                "status",
                "started_on",
                "ended_on",
                "outcomes",
                "sources",
                "publication_status",
                "last_reviewed_on",
            ],
        )


class PledgeResource(CitedResource):
    country = country_field()
    pledged_on = PartialDateField("pledged_on", "pledged_precision")
    countries = countries_field()
    country_groups = key_list_field("country_groups", CountryGroup)

    related = ["country"]
    links = ["countries", "country_groups"]

    class Meta(CitedResource.Meta):
        model = Pledge
        fields = with_translations(
            Pledge,
            [
                "slug",
                "country",
                "countries",
                "country_groups",
                "forum",
                "pledged_on",
                "text",
                "gcm_objective",
                "status",
                "sources",
                "publication_status",
                "last_reviewed_on",
            ],
        )


class FigureResource(CitedResource):
    country = country_field()
    subdivision = subdivision_field()
    value = fields.Field("value", "value", NumberWidget())
    period_start = PartialDateField("period_start", "period_start_precision")
    period_end = PartialDateField("period_end", "period_end_precision")

    related = ["country", "subdivision"]

    class Meta(CitedResource.Meta):
        model = Figure
        fields = with_translations(
            Figure,
            [
                "slug",
                "country",
                "subdivision",
                "measure",
                "description",
                "qualifier",
                "value",
                "unit",
                "period_start",
                "period_end",
                "sources",
                "publication_status",
                "last_reviewed_on",
            ],
        )


class StatusResource(CitedResource):
    """One row per status, matched on its place, indicator and dates."""

    country = country_field()
    subdivision = subdivision_field()
    indicator = fields.Field("indicator", "indicator", KeyWidget(Indicator))
    value = fields.Field("value", "value", IndicatorValueWidget())
    effective_from = PartialDateField("effective_from", "effective_precision")
    observed_on = PartialDateField("observed_on", "observed_precision")

    related = ["country", "subdivision", "indicator", "value"]

    class Meta(CitedResource.Meta):
        model = Status
        import_id_fields = ["country", "subdivision", "indicator", "effective_from", "observed_on"]
        fields = with_translations(
            Status,
            [
                "country",
                "subdivision",
                "indicator",
                "effective_from",
                "observed_on",
                "value",
                "legal_position",
                "practice",
                "practice_differs",
                "caveat",
                "sources",
                "publication_status",
                "last_reviewed_on",
            ],
        )
