"""Output serializers of the countries API: list rows with current statuses, and the detail.

The references other records embed (country, region, subdivision) live with them in
practices/serializers.py.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from practices.models import TIMELINE_LENGTH, timelines
from practices.serializers import (
    CountryRefSerializer,
    IndicatorRefSerializer,
    RegionSerializer,
    StatusSerializer,
    SubdivisionSerializer,
)


class CurrentStatusSerializer(StatusSerializer):
    """A current status at a glance, as listed with each country."""

    descriptions = {
        **StatusSerializer.descriptions,
        "url": "This status in the API, with law, practice and caveat.",
        "citations": "The sources of this status, with quotes.",
    }

    class Meta(StatusSerializer.Meta):
        fields = [
            "id",
            "url",
            "subdivision",
            "indicator",
            "value",
            "effective_from",
            "effective_date",
            "observed_on",
            "observed_date",
            "practice_differs",
            "citations",
        ]


class CountryStatusSerializer(StatusSerializer):
    """A status within its country's detail (the country itself is left out)."""

    class Meta(StatusSerializer.Meta):
        fields = [name for name in StatusSerializer.Meta.fields if name != "country"]


class TimelineSerializer(serializers.Serializer):
    indicator = IndicatorRefSerializer(help_text="The indicator of this timeline.")
    subdivision = SubdivisionSerializer(
        allow_null=True, help_text="The subdivision, for a sub-national timeline; else null."
    )
    statuses = CountryStatusSerializer(
        many=True,
        help_text=f"The {TIMELINE_LENGTH} newest published statuses of the place on the "
        "indicator, newest first (any planned ones, and the one in force, among them).",
    )
    complete = serializers.BooleanField(
        help_text="False when the timeline has older statuses than those given: list them "
        "all from `related.statuses` with `&indicator=`."
    )


class CountrySerializer(CountryRefSerializer):
    """A country in the list, with its current statuses at a glance."""

    descriptions = {
        **CountryRefSerializer.descriptions,
        "iso3": "ISO 3166-1 alpha-3 code.",
        "numeric": "ISO 3166-1 numeric code, three digits with leading zeros.",
        "official_name": "Official English name.",
        "region": "UN M49 region.",
        "subregion": "UN M49 sub-region.",
        "intermediate_region": "UN M49 intermediate region, where there is one.",
        "current_statuses": "The status in force today on each indicator, national and "
        "sub-national (derived from the timelines on the day of the request).",
    }
    region = RegionSerializer(allow_null=True)
    subregion = RegionSerializer(allow_null=True)
    intermediate_region = RegionSerializer(allow_null=True)
    current_statuses = CurrentStatusSerializer(many=True)

    class Meta(CountryRefSerializer.Meta):
        fields = [
            *CountryRefSerializer.Meta.fields,
            "iso3",
            "numeric",
            "official_name",
            "region",
            "subregion",
            "intermediate_region",
            "current_statuses",
        ]


# The API lists of a country's records, by resource name and route name.
RELATED = {
    "statuses": "api:status-list",
    "laws": "api:law-list",
    "pilots": "api:pilot-list",
    "pledges": "api:pledge-list",
    "figures": "api:figure-list",
    "organisations": "api:organisation-list",
}


class ApplyingRecordSerializer(serializers.Serializer):
    """A law, pilot or pledge that applies to the country, and how."""

    slug = serializers.SlugField(help_text="The record's identifier.")
    name = serializers.CharField(source="__str__", help_text="Its title or name.")
    url = serializers.SerializerMethodField(help_text="The record in the API.")
    applies_as = serializers.CharField(
        source="applies_label",
        help_text="How it applies to this country: empty for its own records, else e.g. "
        '"as an EU member state" or "one of 7 countries in this programme".',
    )

    @extend_schema_field({"type": "string", "format": "uri"})
    def get_url(self, record):
        return reverse(
            f"api:{record._meta.model_name}-detail",
            kwargs={"slug": record.slug},
            request=self.context.get("request"),
        )


class CountryDetailSerializer(CountrySerializer):
    """A country with its statuses: those in force today and the newest of each timeline.

    Expects `published_statuses` on the country: its published statuses ordered by place
    (national first), indicator and newest first, annotated with `is_current`.
    """

    descriptions = {
        **CountrySerializer.descriptions,
        "current_statuses": "The statuses in force today, national and sub-national, with "
        "law, practice, caveat and citations.",
        "timelines": "The published statuses, grouped per place (national first, then each "
        f"subdivision) and indicator, newest first: the {TIMELINE_LENGTH} newest of each.",
        "related": "API lists of this country's records.",
        "laws": "The first laws and policies that apply to the country (its own, those "
        "naming it, those of its groups), with how each applies; `related.laws` lists all.",
        "pilots": "The first pilots and programmes that apply to the country, with how.",
        "pledges": "The first pledges that apply to the country, with how.",
    }
    current_statuses = serializers.SerializerMethodField()
    timelines = serializers.SerializerMethodField()
    related = serializers.SerializerMethodField()

    laws = ApplyingRecordSerializer(many=True, source="applying.laws.records")
    pilots = ApplyingRecordSerializer(many=True, source="applying.pilots.records")
    pledges = ApplyingRecordSerializer(many=True, source="applying.pledges.records")

    class Meta(CountrySerializer.Meta):
        fields = [
            *CountrySerializer.Meta.fields,
            "timelines",
            "laws",
            "pilots",
            "pledges",
            "related",
        ]

    @extend_schema_field(CountryStatusSerializer(many=True))
    def get_current_statuses(self, country):
        current = [status for status in country.published_statuses if status.is_current]
        return CountryStatusSerializer(current, many=True, context=self.context).data

    @extend_schema_field(TimelineSerializer(many=True))
    def get_timelines(self, country):
        grouped = timelines(country.published_statuses, TIMELINE_LENGTH)
        return TimelineSerializer(grouped, many=True, context=self.context).data

    @extend_schema_field(
        {
            "type": "object",
            "properties": {name: {"type": "string", "format": "uri"} for name in RELATED},
            "required": list(RELATED),
        }
    )
    def get_related(self, country):
        request = self.context.get("request")
        return {
            name: reverse(route, request=request) + f"?country={country.code}"
            for name, route in RELATED.items()
        }
