import django_filters as filters
from django.utils.translation import gettext_lazy as _

from tracker.filters import CountryCodesFilter, RegionFilter, TextSearchFilter, TrackerFilterSet

from .models import (
    Approach,
    Figure,
    Indicator,
    Law,
    Organisation,
    Pilot,
    Pledge,
    Source,
    Status,
    TargetGroup,
)


class YearRangeFilterSet(TrackerFilterSet):
    """`year_from` and `year_to` on the record's main date."""

    year_field = None
    year_from = filters.NumberFilter(method="filter_year_from", label=_("From year"))
    year_to = filters.NumberFilter(method="filter_year_to", label=_("To year"))

    def filter_year_from(self, queryset, name, year):
        return queryset.filter(**{f"{self.year_field}__year__gte": year})

    def filter_year_to(self, queryset, name, year):
        return queryset.filter(**{f"{self.year_field}__year__lte": year})


class StatusFilter(TrackerFilterSet):
    country = CountryCodesFilter()
    region = RegionFilter()
    indicator = filters.ModelChoiceFilter(
        queryset=Indicator.objects.published(), to_field_name="slug", label=_("Indicator (slug)")
    )
    value = filters.CharFilter(field_name="value__slug", label=_("Indicator value (slug)"))
    practice_differs = filters.BooleanFilter(label=_("Practice differs from law"))
    current = filters.BooleanFilter(method="filter_current", label=_("Only current statuses"))
    q = TextSearchFilter(
        search_fields=[
            "legal_position",
            "practice",
            "caveat",
            "country__name",
            "subdivision__name",
        ]
    )
    ordering = filters.OrderingFilter(
        fields=[
            ("effective_from", "effective_from"),
            ("country__name", "country"),
            ("updated_at", "updated_at"),
        ],
    )

    class Meta:
        model = Status
        fields = ["country", "region", "indicator", "value", "practice_differs"]

    def filter_current(self, queryset, name, current):
        if current:
            return queryset.filter(pk__in=Status.objects.current().values("pk"))
        return queryset


class LawFilter(YearRangeFilterSet):
    year_field = "adopted_on"
    country = CountryCodesFilter()
    region = RegionFilter()
    kind = filters.ChoiceFilter(choices=Law.Kind.choices)
    status = filters.ChoiceFilter(choices=Law.Status.choices)
    indicator = filters.ModelChoiceFilter(
        field_name="indicators",
        queryset=Indicator.objects.published(),
        to_field_name="slug",
        label=_("Indicator (slug)"),
    )
    q = TextSearchFilter(search_fields=["title", "summary", "country__name"])
    ordering = filters.OrderingFilter(
        fields=[
            ("adopted_on", "adopted"),
            ("title", "title"),
            ("country__name", "country"),
            ("updated_at", "updated_at"),
        ],
    )

    class Meta:
        model = Law
        fields = ["country", "region", "kind", "status", "indicator"]


class PilotFilter(YearRangeFilterSet):
    year_field = "started_on"
    country = CountryCodesFilter()
    region = RegionFilter()
    status = filters.ChoiceFilter(choices=Pilot.Status.choices)
    kind = filters.ChoiceFilter(
        field_name="classification",
        choices=Pilot.Classification.choices,
        label=_("Classification"),
    )
    target_group = filters.ModelChoiceFilter(
        field_name="target_groups",
        queryset=TargetGroup.objects.all(),
        to_field_name="slug",
        label=_("Target group (slug)"),
    )
    approach = filters.ModelChoiceFilter(
        field_name="approaches",
        queryset=Approach.objects.all(),
        to_field_name="slug",
        label=_("Approach (slug)"),
    )
    q = TextSearchFilter(search_fields=["name", "description", "outcomes", "country__name"])
    ordering = filters.OrderingFilter(
        fields=[
            ("started_on", "started"),
            ("name", "name"),
            ("country__name", "country"),
            ("updated_at", "updated_at"),
        ],
    )

    class Meta:
        model = Pilot
        fields = ["country", "region", "status", "kind", "target_group", "approach"]


class PledgeFilter(YearRangeFilterSet):
    year_field = "pledged_on"
    country = CountryCodesFilter()
    region = RegionFilter()
    status = filters.ChoiceFilter(choices=Pledge.Status.choices)
    forum = filters.CharFilter(lookup_expr="iexact", label=_("Forum, e.g. IMRF 2022"))
    q = TextSearchFilter(search_fields=["text", "forum", "progress", "country__name"])
    ordering = filters.OrderingFilter(
        fields=[
            ("pledged_on", "pledged"),
            ("country__name", "country"),
            ("updated_at", "updated_at"),
        ],
    )

    class Meta:
        model = Pledge
        fields = ["country", "region", "status", "forum"]


class FigureFilter(YearRangeFilterSet):
    year_field = "period_end"
    country = CountryCodesFilter()
    region = RegionFilter()
    kind = filters.CharFilter(field_name="measure", label=_("Measure (slug)"))
    q = TextSearchFilter(search_fields=["description", "measure", "country__name"])
    ordering = filters.OrderingFilter(
        fields=[
            ("period_end", "period"),
            ("value", "value"),
            ("country__name", "country"),
            ("updated_at", "updated_at"),
        ],
    )

    class Meta:
        model = Figure
        fields = ["country", "region", "kind"]


class SourceFilter(YearRangeFilterSet):
    year_field = "published_on"
    kind = filters.ChoiceFilter(choices=Source.Kind.choices)
    q = TextSearchFilter(search_fields=["title", "author", "publisher"])
    ordering = filters.OrderingFilter(
        fields=[("published_on", "published"), ("title", "title"), ("updated_at", "updated_at")],
    )

    class Meta:
        model = Source
        fields = ["kind"]


class OrganisationFilter(TrackerFilterSet):
    country = CountryCodesFilter()
    kind = filters.ChoiceFilter(choices=Organisation.Kind.choices)
    q = TextSearchFilter(search_fields=["name", "short_name", "description"])
    ordering = filters.OrderingFilter(fields=[("name", "name"), ("updated_at", "updated_at")])

    class Meta:
        model = Organisation
        fields = ["country", "kind"]


class IndicatorFilter(TrackerFilterSet):
    q = TextSearchFilter(search_fields=["name", "question", "description"])

    class Meta:
        model = Indicator
        fields = []
