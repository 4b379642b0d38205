import django_filters as filters
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from practices.filters import value_choices
from practices.models import Indicator, PublicationStatus, Status, Withdrawal
from tracker.filters import (
    CountryCodesFilter,
    OrderingFilter,
    RegionFilter,
    TextSearchFilter,
    TrackerFilterSet,
    UtcDateTimeFilter,
)

from .models import Country


class CountryFilter(TrackerFilterSet):
    country = CountryCodesFilter(field_name="pk")
    region = RegionFilter(country_path="")
    indicator = filters.ModelChoiceFilter(
        queryset=Indicator.objects.published(),
        to_field_name="slug",
        method="filter_current",
        label=_("Indicator"),
        help_text=_(
            "An indicator's slug. With a value: countries whose current status has that value."
        ),
    )
    value = filters.ChoiceFilter(
        method="filter_current",
        choices=value_choices,
        label=_("Value"),
        help_text=_("A value's slug, e.g. prohibited-in-law."),
    )
    q = TextSearchFilter(search_fields=["name", "official_name", "iso2", "iso3"])
    ordering = OrderingFilter(fields=[("name", "name"), ("iso2", "code")])
    updated_since = UtcDateTimeFilter(
        method="filter_updated_since",
        label=_("Changed since"),
        help_text=_(
            "Countries whose statuses changed (added, edited, unpublished or deleted) on or "
            "after this date (or ISO 8601 date-time)."
        ),
    )

    class Meta:
        model = Country
        fields = ["country", "region"]

    def filter_current(self, queryset, name, _value):
        indicator = self.form.cleaned_data.get("indicator")
        value = self.form.cleaned_data.get("value")
        if not indicator or name == "value":
            # Applied once, from the indicator filter; a value alone filters across indicators.
            if name == "value" and value and not indicator:
                return queryset.filter(
                    pk__in=Status.objects.current()
                    .national()
                    .filter(value__slug=value)
                    .values("country")
                )
            return queryset
        current = Status.objects.current().national().filter(indicator=indicator)
        if value:
            current = current.filter(value__slug=value)
        return queryset.filter(pk__in=current.values("country"))

    def current_statuses_of_filtered(self):
        """Current national statuses of the countries the other filters select."""
        countries = self.filtered_without("indicator", "value").order_by().values("pk")
        return Status.objects.current().national().filter(country__in=countries)

    def count_indicator(self):
        statuses = self.current_statuses_of_filtered()
        if value := self.form.cleaned_data.get("value"):
            statuses = statuses.filter(value__slug=value)
        return self.count_countries(statuses, "indicator__slug")

    def count_value(self):
        statuses = self.current_statuses_of_filtered()
        if indicator := self.form.cleaned_data.get("indicator"):
            statuses = statuses.filter(indicator=indicator)
        return self.count_countries(statuses, "value__slug")

    @staticmethod
    def count_countries(statuses, path):
        rows = statuses.order_by().values_list(path).annotate(n=Count("country", distinct=True))
        return dict(rows)

    def filter_updated_since(self, queryset, name, moment):
        # Only what the public saw changes: versions saved published (added, edited, or
        # deleted while published), and statuses withdrawn since. A draft's edits do not.
        public = PublicationStatus.PUBLISHED
        changed = Status.history.filter(
            history_date__gte=moment,
            publication_status=public,
            indicator__publication_status=public,
            value__publication_status=public,
        )
        withdrawn = Withdrawal.objects.filter(resource="statuses", withdrawn_at__gte=moment)
        ids = [int(i) for i in withdrawn.values_list("identifier", flat=True) if i.isdigit()]
        return queryset.filter(
            Q(pk__in=changed.values("country_id"))
            | Q(pk__in=Status.history.filter(id__in=ids).values("country_id"))
        )
