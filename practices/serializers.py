"""Output serializers of the API (read-only, every field named and described).

Records are identified by slug (statuses by id), countries by ISO alpha-2. Each record
carries `url` (itself in the API) and, where the site has a page for it, `public_url`.
Dates are ISO 8601: `*_on`/`*_from` fields are full dates, `*_date` fields give the date
as precisely as the source does (2020, 2020-11 or 2020-11-15). Every claim embeds its
citations.
"""

import copy
from contextlib import suppress
from functools import cached_property
from urllib.parse import quote

from django.core.exceptions import ObjectDoesNotExist
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.reverse import reverse

from countries.models import Country, Region, Subdivision
from tracker.exports import description

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
    PledgeProgress,
    Source,
    Status,
    TargetGroup,
    Translatable,
    Withdrawal,
    format_partial_date,
)

# Descriptions of fields every resource shares; a resource's own come from its CSV columns
# (tracker/exports.py) or from its serializer's `descriptions`.
COMMON_DESCRIPTIONS = {
    "url": "This record in the API.",
    "public_url": "This record's page on the ATD Tracker.",
    "citations": "The published sources supporting this record, with quotes.",
    "created_at": "When the record was created (ISO 8601, UTC).",
    "updated_at": "When the record last changed (ISO 8601, UTC); what updated_since filters on.",
    "last_reviewed_on": "When a researcher last checked the record against its sources.",
    "country": "The country, or null for a regional or international record.",
    "subdivision": "The subdivision (ISO 3166-2), for a sub-national record; else null.",
    "original_language": "The language the record was written in (en, es, fr or ar).",
    "languages": (
        "For each text field, the language it is given in: the requested one (?lang= or "
        "Accept-Language) where a translation exists, else the original."
    ),
    "translation": (
        "The requested language's translation of this record: state is original, "
        "translated, outdated (the original changed since; not yet reviewed) or missing."
    ),
}
TIMESTAMPS = ["created_at", "updated_at", "last_reviewed_on"]
# Per serializer class: its fields as built from the model, and their descriptions.
BUILT_FIELDS = {}


class DescribedSerializer(serializers.ModelSerializer):
    """Gives every field a description, for the OpenAPI schema and the docs."""

    resource = ""
    descriptions: dict = {}
    # A record that many others refer to (a country, an indicator, a source) is represented
    # once per response or build, and that representation reused: it is read, never changed.
    shared = False

    def get_fields(self):
        """The fields, built from the model once per class and copied for each serializer:
        building them (DRF inspects every model field) took a fifth of a record's render."""
        built = BUILT_FIELDS.get(type(self))
        if built is None:
            built = BUILT_FIELDS[type(self)] = self.build_fields()
        fields, help_texts = built
        fields = copy.deepcopy(fields)
        for name, help_text in help_texts.items():
            fields[name].help_text = help_text  # set after construction: not copied
        return fields

    def build_fields(self):
        fields = super().get_fields()
        if issubclass(self.Meta.model, Translatable):
            fields.update(
                original_language=serializers.CharField(read_only=True),
                languages=TextLanguagesField(),
                translation=TranslationField(),
            )
        help_texts = {
            name: field.help_text
            or self.descriptions.get(name)
            or description(self.resource, name)
            or COMMON_DESCRIPTIONS.get(name)
            or None
            for name, field in fields.items()
        }
        return fields, help_texts

    @cached_property
    def readers(self):
        """(field, attribute) for each output field: the attribute to read directly where the
        field takes a plain attribute of the record, else None (the field reads it itself)."""
        return [
            (field, field.source_attrs[0] if reads_a_plain_attribute(field) else None)
            for field in self._readable_fields
        ]

    def to_representation(self, instance):
        if not self.shared:
            return self.represent(instance)
        # The context lives as long as one response or one whole-dataset build.
        representations = self.context.setdefault("shared_representations", {})
        key = (type(self), instance.pk)
        if key not in representations:
            representations[key] = self.represent(instance)
        return representations[key]

    def represent(self, instance):
        """DRF's to_representation, with plain attributes read by `getattr`: DRF's general
        lookup (dotted sources, dictionaries, callables, missing attributes) took a fifth of
        a list's render. Anything but a plain value is handed back to the field, so the
        output is DRF's (tests/test_api.py compares the two on every resource)."""
        representation = {}
        for field, attribute in self.readers:
            value = NOT_READ
            if attribute is not None:
                with suppress(AttributeError, KeyError, ObjectDoesNotExist):
                    value = getattr(instance, attribute)
            if value is NOT_READ or callable(value):
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            if (value.pk if isinstance(value, PKOnlyObject) else value) is None:
                representation[field.field_name] = None
            else:
                representation[field.field_name] = field.to_representation(value)
        return representation


NOT_READ = object()


def reads_a_plain_attribute(field):
    return (
        type(field).get_attribute is serializers.Field.get_attribute
        and len(field.source_attrs) == 1
    )


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class TextLanguagesField(serializers.Field):
    """Which language each text field of the record is given in."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, record):
        return {name: record.text_language(name) for name in record.translated_fields()}


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "language": {"type": "string"},
            "state": {"type": "string", "enum": ["original", "translated", "outdated", "missing"]},
            "translated_by": {"type": "string"},
        },
    }
)
class TranslationField(TextLanguagesField):
    """The requested language's translation: whether there is one, current, and by whom."""

    def to_representation(self, record):
        language = get_language()
        return {
            "language": language,
            "state": record.translation_state(),
            "translated_by": record.translated_by(language),
        }


@extend_schema_field(OpenApiTypes.URI)
class PublicUrlField(serializers.Field):
    """The absolute address of the record's public page."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, record):
        path = record.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ApiUrlField(serializers.HyperlinkedIdentityField):
    """The record's address in the API.

    The view's URL is reversed once per serialization (the context lives as long as one
    response or one whole-dataset build) and each record's identifier filled in: reversing
    it afresh for each of thousands of records took a third of a list's serialization.
    """

    # Digits match every lookup pattern of the API's routes.
    PLACEHOLDER = "0123456789"

    def get_url(self, obj, view_name, request, format):
        value = getattr(obj, self.lookup_field)
        if value in (None, ""):
            return None
        templates = self.context.setdefault("api_url_templates", {})
        key = (view_name, self.lookup_url_kwarg, format)
        if key not in templates:
            kwargs = {self.lookup_url_kwarg: self.PLACEHOLDER}
            url = self.reverse(view_name, kwargs=kwargs, request=request, format=format)
            templates[key] = url.rpartition(self.PLACEHOLDER)
        before, _placeholder, after = templates[key]
        return before + quote(str(value), safe=RFC3986_SUBDELIMS + "/~:@") + after


def api_url(view_name, lookup_field="slug", lookup_url_kwarg=None):
    return ApiUrlField(
        view_name=f"api:{view_name}",
        lookup_field=lookup_field,
        lookup_url_kwarg=lookup_url_kwarg or lookup_field,
    )


class RegionSerializer(DescribedSerializer):
    shared = True
    descriptions = {
        "slug": "The region's identifier, as used by the region filter.",
        "name": "English name.",
        "m49_code": "UN M49 code, three digits.",
    }

    class Meta:
        model = Region
        fields = ["slug", "name", "m49_code"]


class SubdivisionSerializer(DescribedSerializer):
    shared = True
    descriptions = {"code": "ISO 3166-2 code, e.g. MX-CHP.", "name": "English name."}

    class Meta:
        model = Subdivision
        fields = ["code", "name"]


class CountryRefSerializer(DescribedSerializer):
    """A country as records refer to it."""

    shared = True

    descriptions = {
        "iso2": "ISO 3166-1 alpha-2 code, uppercase; the country's identifier.",
        "code": "The alpha-2 code in lowercase, as used in URLs and filters.",
        "name": "Short English name.",
        "url": "This country in the API.",
        "public_url": "This country's page on the ATD Tracker.",
    }
    url = api_url("country-detail", lookup_field="code")
    code = serializers.CharField()
    public_url = PublicUrlField()

    class Meta:
        model = Country
        fields = ["iso2", "code", "name", "url", "public_url"]


class SourceRefSerializer(DescribedSerializer):
    """A cited source, as embedded in citations."""

    shared = True

    resource = "sources"
    descriptions = {
        "url": "The source's own address on the web (may be empty).",
        "api_url": "This source in the API.",
    }
    published_date = serializers.CharField(allow_null=True)
    url = serializers.CharField()
    api_url = api_url("source-detail")

    class Meta:
        model = Source
        fields = [
            "slug",
            "title",
            "publisher",
            "published_date",
            "accessed_on",
            "url",
            "language",
            "api_url",
        ]


class CitationSerializer(DescribedSerializer):
    descriptions = {
        "source": "The cited source.",
        "quote": "A short exact quote from the source (never empty when published).",
        "locator": "Page or paragraph of the quote, if any.",
        "quote_verified": "True when the app found the quote in the source's stored text, "
        "false when not, null when the source keeps no text.",
    }
    source = SourceRefSerializer()

    class Meta:
        model = Citation
        fields = ["source", "quote", "locator", "quote_verified"]


class IndicatorRefSerializer(DescribedSerializer):
    shared = True
    resource = "indicators"
    descriptions = {"url": "This indicator in the API."}
    url = api_url("indicator-detail")

    class Meta:
        model = Indicator
        fields = ["slug", "name", "url"]


class IndicatorValueRefSerializer(DescribedSerializer):
    shared = True
    resource = "indicator_values"

    class Meta:
        model = IndicatorValue
        fields = ["slug", "label", "rank", "colour"]


class IndicatorValueSerializer(IndicatorValueRefSerializer):
    class Meta(IndicatorValueRefSerializer.Meta):
        fields = [*IndicatorValueRefSerializer.Meta.fields, "description"]


class OrganisationRefSerializer(DescribedSerializer):
    shared = True
    resource = "organisations"
    descriptions = {"url": "This organisation in the API."}
    url = api_url("organisation-detail")

    class Meta:
        model = Organisation
        fields = ["slug", "name", "short_name", "url"]


class OrganisationSerializer(DescribedSerializer):
    resource = "organisations"
    url = api_url("organisation-detail")
    country = CountryRefSerializer(allow_null=True)
    website = serializers.CharField(
        source="url", help_text="The organisation's website (may be empty)."
    )

    class Meta:
        model = Organisation
        fields = [
            "slug",
            "url",
            "name",
            "short_name",
            "kind",
            "country",
            "website",
            "description",
            *TIMESTAMPS,
        ]


class SourceSerializer(DescribedSerializer):
    resource = "sources"
    descriptions = {
        "url": "The source's own address on the web, as in citations (may be empty).",
        "api_url": "This source in the API.",
    }
    api_url = api_url("source-detail")
    public_url = PublicUrlField()
    published_date = serializers.CharField(allow_null=True)
    url = serializers.CharField()

    class Meta:
        model = Source
        fields = [
            "slug",
            "api_url",
            "public_url",
            "title",
            "author",
            "publisher",
            "kind",
            "published_on",
            "published_date",
            "accessed_on",
            "url",
            "language",
            *TIMESTAMPS,
        ]


class IndicatorSerializer(DescribedSerializer):
    resource = "indicators"
    descriptions = {
        "values": "The indicator's vocabulary of answers, in legend order.",
        "statuses_url": "The API list of statuses on this indicator.",
    }
    url = api_url("indicator-detail")
    public_url = PublicUrlField()
    values = IndicatorValueSerializer(many=True, source="public_values")
    statuses_url = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "slug",
            "url",
            "public_url",
            "name",
            "question",
            "description",
            "order",
            "values",
            "statuses_url",
            *TIMESTAMPS,
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_statuses_url(self, indicator):
        request = self.context.get("request")
        return reverse("api:status-list", request=request) + f"?indicator={indicator.slug}"


class StatusSerializer(DescribedSerializer):
    resource = "statuses"
    descriptions = {
        "id": "The status's identifier (it never changes).",
        "public_url": "The status on its country's page.",
        "country": "The country.",
        "indicator": "The indicator answered.",
        "value": "The answer, one of the indicator's values.",
    }
    url = api_url("status-detail", lookup_field="pk", lookup_url_kwarg="id")
    public_url = PublicUrlField()
    country = CountryRefSerializer()
    subdivision = SubdivisionSerializer(allow_null=True)
    indicator = IndicatorRefSerializer()
    value = IndicatorValueRefSerializer()
    effective_date = serializers.CharField(allow_null=True)
    observed_date = serializers.CharField()
    is_current = serializers.BooleanField()
    citations = CitationSerializer(many=True, source="public_citations")

    class Meta:
        model = Status
        fields = [
            "id",
            "url",
            "public_url",
            "country",
            "subdivision",
            "indicator",
            "value",
            "effective_from",
            "effective_date",
            "observed_on",
            "observed_date",
            "is_current",
            "legal_position",
            "practice",
            "practice_differs",
            "caveat",
            "citations",
            *TIMESTAMPS,
        ]


class PlacesSerializer(DescribedSerializer):
    """Where a law, pilot or pledge applies: every country, and the groups."""

    countries = serializers.SerializerMethodField()
    country_groups = serializers.SerializerMethodField()

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_countries(self, record):
        return [country.iso2 for country in record.all_countries]

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_country_groups(self, record):
        return [group.slug for group in record.country_groups_list]


PLACES = ["country", "subdivision", "countries", "country_groups"]


class LawSerializer(PlacesSerializer):
    resource = "laws"
    descriptions = {
        "indicators": "The indicators the instrument bears on.",
        "organisations": "Issuing bodies or signatories, such as the parties to an MOU.",
    }
    url = api_url("law-detail")
    public_url = PublicUrlField()
    country = CountryRefSerializer(allow_null=True)
    subdivision = SubdivisionSerializer(allow_null=True)
    adopted_date = serializers.CharField(allow_null=True)
    in_force_date = serializers.CharField(allow_null=True)
    repealed_date = serializers.CharField(allow_null=True)
    indicators = IndicatorRefSerializer(many=True, source="public_indicators")
    organisations = OrganisationRefSerializer(many=True, source="public_organisations")
    citations = CitationSerializer(many=True, source="public_citations")

    class Meta:
        model = Law
        fields = [
            "slug",
            "url",
            "public_url",
            "title",
            *PLACES,
            "kind",
            "status",
            "adopted_on",
            "adopted_date",
            "in_force_on",
            "in_force_date",
            "repealed_on",
            "repealed_date",
            "summary",
            "indicators",
            "organisations",
            "citations",
            *TIMESTAMPS,
        ]


class VocabularySerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(help_text="The term's identifier.")
    name = serializers.CharField(help_text="The term in English.")

    class Meta:
        fields = ["slug", "name"]


class TargetGroupSerializer(VocabularySerializer):
    class Meta(VocabularySerializer.Meta):
        model = TargetGroup


class ApproachSerializer(VocabularySerializer):
    class Meta(VocabularySerializer.Meta):
        model = Approach


class PilotSerializer(PlacesSerializer):
    resource = "pilots"
    descriptions = {
        "implementers": "Implementing organisations.",
        "government_partners": "Government partners.",
        "target_groups": "The groups the pilot serves.",
        "approaches": "The pilot's approaches.",
    }
    url = api_url("pilot-detail")
    public_url = PublicUrlField()
    country = CountryRefSerializer(allow_null=True)
    subdivision = SubdivisionSerializer(allow_null=True)
    started_date = serializers.CharField(allow_null=True)
    ended_date = serializers.CharField(allow_null=True)
    implementers = OrganisationRefSerializer(many=True, source="public_implementers")
    government_partners = OrganisationRefSerializer(many=True, source="public_government_partners")
    target_groups = TargetGroupSerializer(many=True, source="target_groups_list")
    approaches = ApproachSerializer(many=True, source="approaches_list")
    citations = CitationSerializer(many=True, source="public_citations")

    class Meta:
        model = Pilot
        fields = [
            "slug",
            "url",
            "public_url",
            "name",
            *PLACES,
            "classification",
            "status",
            "started_on",
            "started_date",
            "ended_on",
            "ended_date",
            "description",
            "outcomes",
            "implementers",
            "government_partners",
            "target_groups",
            "approaches",
            "citations",
            *TIMESTAMPS,
        ]


class LawRefSerializer(DescribedSerializer):
    shared = True
    resource = "laws"
    descriptions = {"url": "This law or policy in the API."}
    url = api_url("law-detail")
    public_url = PublicUrlField()

    class Meta:
        model = Law
        fields = ["slug", "title", "url", "public_url"]


class StatusRefSerializer(DescribedSerializer):
    shared = True
    resource = "statuses"
    descriptions = {
        "id": "The status's identifier.",
        "url": "This status in the API.",
        "public_url": "The status on its country's page.",
        "country": "ISO 3166-1 alpha-2 code of the country.",
        "indicator": "Slug of the indicator answered.",
        "value": "Slug of the answer.",
    }
    url = api_url("status-detail", lookup_field="pk", lookup_url_kwarg="id")
    public_url = PublicUrlField()
    country = serializers.CharField(source="country.iso2")
    indicator = serializers.CharField(source="indicator.slug")
    value = serializers.CharField(source="value.slug")

    class Meta:
        model = Status
        fields = ["id", "url", "public_url", "country", "indicator", "value"]


class PledgeProgressSerializer(DescribedSerializer):
    resource = "pledge_progress"
    descriptions = {
        "id": "The entry's identifier (it never changes).",
        "laws": "Published laws and policies that fulfil the pledge, in whole or in part.",
        "statuses": "Published country statuses that show the pledge fulfilled, in whole or "
        "in part.",
    }
    occurred_date = serializers.CharField(source="date", allow_null=True)
    reported_date = serializers.CharField()
    laws = LawRefSerializer(many=True, source="public_laws")
    statuses = StatusRefSerializer(many=True, source="public_statuses")
    citations = CitationSerializer(many=True, source="public_citations")

    class Meta:
        model = PledgeProgress
        fields = [
            "id",
            "occurred_on",
            "occurred_date",
            "occurred_precision",
            "reported_on",
            "reported_date",
            "reported_precision",
            "text",
            "laws",
            "statuses",
            "citations",
            *TIMESTAMPS,
        ]


class PledgeSerializer(PlacesSerializer):
    resource = "pledges"
    descriptions = {
        "country": "The pledging country, or null for a pledge of several.",
        "progress": "What happened since the pledge, newest first: dated entries, each with "
        "the laws and statuses that fulfil it and its citations.",
    }
    url = api_url("pledge-detail")
    public_url = PublicUrlField()
    country = CountryRefSerializer(allow_null=True)
    pledged_date = serializers.CharField(allow_null=True)
    progress = PledgeProgressSerializer(many=True, source="public_progress")
    citations = CitationSerializer(many=True, source="public_citations")

    class Meta:
        model = Pledge
        fields = [
            "slug",
            "url",
            "public_url",
            "country",
            "countries",
            "country_groups",
            "forum",
            "pledged_on",
            "pledged_date",
            "text",
            "gcm_objective",
            "status",
            "progress",
            "citations",
            *TIMESTAMPS,
        ]


class FigureSerializer(DescribedSerializer):
    resource = "figures"
    url = api_url("figure-detail")
    public_url = PublicUrlField()
    country = CountryRefSerializer(allow_null=True)
    subdivision = SubdivisionSerializer(allow_null=True)
    value = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False, help_text="The number."
    )
    period_start_date = serializers.SerializerMethodField()
    period_end_date = serializers.SerializerMethodField()
    period = serializers.CharField(allow_null=True)
    citations = CitationSerializer(many=True, source="public_citations")

    class Meta:
        model = Figure
        fields = [
            "slug",
            "url",
            "public_url",
            "country",
            "subdivision",
            "measure",
            "description",
            "qualifier",
            "value",
            "unit",
            "period_start",
            "period_start_date",
            "period_end",
            "period_end_date",
            "period",
            "citations",
            *TIMESTAMPS,
        ]

    @extend_schema_field({"type": "string", "nullable": True})
    def get_period_start_date(self, figure):
        return format_partial_date(figure.period_start, figure.period_start_precision)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_period_end_date(self, figure):
        return format_partial_date(figure.period_end, figure.period_end_precision)


class WithdrawalSerializer(DescribedSerializer):
    resource = "withdrawals"

    class Meta:
        model = Withdrawal
        fields = ["resource", "identifier", "reason", "withdrawn_at"]
