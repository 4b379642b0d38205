import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tracker.filters import (
    CountryCodesFilter,
    OrderingFilter,
    RegionFilter,
    StrictBooleanFilter,
    SubdivisionFilter,
    TextSearchFilter,
    TrackerFilterSet,
    UtcDateTimeFilter,
)

from .models import (
    Approach,
    Figure,
    Indicator,
    IndicatorValue,
    Law,
    Organisation,
    Pilot,
    Pledge,
    Source,
    Status,
    TargetGroup,
    Withdrawal,
)
from .signals import RESOURCES


def value_choices():
    """Every indicator value's slug, labelled, in legend order (one entry per slug)."""
    choices = {}
    for slug, label in (
        IndicatorValue.objects.published()
        .order_by("indicator__order", "rank")
        .values_list("slug", "label")
    ):
        choices.setdefault(slug, label)
    return list(choices.items())


class YearRangeFilterSet(TrackerFilterSet):
    """`year_from` and `year_to` on the record's main date."""

    year_field = None
    # Bounded: a year outside 1-9999 has no date, and is a 400 error rather than a 500.
    year_from = filters.NumberFilter(
        method="filter_year_from", label=_("From year"), min_value=1, max_value=9999
    )
    year_to = filters.NumberFilter(
        method="filter_year_to", label=_("To year"), min_value=1, max_value=9999
    )

    def filter_year_from(self, queryset, name, year):
        return queryset.filter(**{f"{self.year_field}__year__gte": year})

    def filter_year_to(self, queryset, name, year):
        return queryset.filter(**{f"{self.year_field}__year__lte": year})


class StatusFilter(TrackerFilterSet):
    country = CountryCodesFilter()
    subdivision = SubdivisionFilter()
    region = RegionFilter()
    indicator = filters.ModelChoiceFilter(
        queryset=Indicator.objects.published(),
        to_field_name="slug",
        label=_("Indicator"),
        help_text=_("An indicator's slug, e.g. child-detention-prohibited."),
    )
    value = filters.ChoiceFilter(
        field_name="value__slug",
        choices=value_choices,
        label=_("Value"),
        help_text=_("A value's slug, e.g. prohibited-in-law."),
    )
    practice_differs = StrictBooleanFilter(label=_("Practice differs from law"))
    current = StrictBooleanFilter(method="filter_current", label=_("Only current statuses"))
    q = TextSearchFilter(
        search_fields=[
            "legal_position",
            "practice",
            "caveat",
            "country__name",
            "subdivision__name",
        ]
    )
    ordering = OrderingFilter(
        fields=[
            ("effective_from", "effective_from"),
            ("observed_on", "observed_on"),
            ("country__name", "country"),
            ("updated_at", "updated_at"),
        ],
    )

    class Meta:
        model = Status
        fields = ["country", "subdivision", "region", "indicator", "value", "practice_differs"]

    def filter_current(self, queryset, name, current):
        in_force = Q(pk__in=Status.objects.current().values("pk"))
        return queryset.filter(in_force) if current else queryset.exclude(in_force)


class LawFilter(YearRangeFilterSet):
    year_field = "adopted_on"
    country = CountryCodesFilter()
    subdivision = SubdivisionFilter()
    region = RegionFilter()
    kind = filters.ChoiceFilter(choices=Law.Kind.choices)
    status = filters.ChoiceFilter(choices=Law.Status.choices)
    indicator = filters.ModelChoiceFilter(
        field_name="indicators",
        queryset=Indicator.objects.published(),
        to_field_name="slug",
        label=_("Indicator"),
        help_text=_("An indicator's slug: laws bearing on it."),
    )
    q = TextSearchFilter(search_fields=["title", "summary", "country__name"])
    ordering = OrderingFilter(
        fields=[
            ("adopted_on", "adopted"),
            ("title", "title"),
            ("country__name", "country"),
            ("updated_at", "updated_at"),
        ],
    )

    class Meta:
        model = Law
        fields = ["country", "subdivision", "region", "kind", "status", "indicator"]


class PilotFilter(YearRangeFilterSet):
    year_field = "started_on"
    country = CountryCodesFilter()
    subdivision = SubdivisionFilter()
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
        label=_("Target group"),
        help_text=_("A target group's slug, e.g. children."),
    )
    approach = filters.ModelChoiceFilter(
        field_name="approaches",
        queryset=Approach.objects.all(),
        to_field_name="slug",
        label=_("Approach"),
        help_text=_("An approach's slug, e.g. case-management."),
    )
    q = TextSearchFilter(search_fields=["name", "description", "outcomes", "country__name"])
    ordering = OrderingFilter(
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
    forum = filters.CharFilter(
        lookup_expr="iexact", label=_("Forum"), help_text=_("As commonly named, e.g. IMRF 2022.")
    )
    q = TextSearchFilter(search_fields=["text", "forum", "country__name"])
    ordering = OrderingFilter(
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
    subdivision = SubdivisionFilter()
    region = RegionFilter()
    kind = filters.CharFilter(
        field_name="measure",
        label=_("Measure"),
        help_text=_("What was counted, e.g. children-detained."),
    )
    q = TextSearchFilter(search_fields=["description", "measure", "country__name"])
    ordering = OrderingFilter(
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
    ordering = OrderingFilter(
        fields=[("published_on", "published"), ("title", "title"), ("updated_at", "updated_at")],
    )

    class Meta:
        model = Source
        fields = ["kind"]


class OrganisationFilter(TrackerFilterSet):
    country = CountryCodesFilter()
    kind = filters.ChoiceFilter(choices=Organisation.Kind.choices)
    q = TextSearchFilter(search_fields=["name", "short_name", "description"])
    ordering = OrderingFilter(fields=[("name", "name"), ("updated_at", "updated_at")])

    class Meta:
        model = Organisation
        fields = ["country", "kind"]


class IndicatorFilter(TrackerFilterSet):
    q = TextSearchFilter(search_fields=["name", "question", "description"])
    ordering = OrderingFilter(
        fields=[("order", "order"), ("name", "name"), ("updated_at", "updated_at")]
    )

    class Meta:
        model = Indicator
        fields = []


class WithdrawalFilter(filters.FilterSet):
    """The API's list of withdrawn records; `updated_since` means withdrawn since."""

    updated_since = UtcDateTimeFilter(
        field_name="withdrawn_at",
        lookup_expr="gte",
        label=_("Withdrawn at or after this time (ISO 8601)"),
    )
    resource = filters.ChoiceFilter(
        choices=[(name, name) for name, _attribute in RESOURCES.values()],
        label=_("API resource of the withdrawn records"),
    )
    reason = filters.ChoiceFilter(choices=Withdrawal.Reason.choices)
    ordering = OrderingFilter(fields=[("withdrawn_at", "withdrawn_at")])

    class Meta:
        model = Withdrawal
        fields = ["resource", "reason"]
