"""Query counts do not grow with the rows shown."""

import pytest
from django.urls import reverse

from countries.models import Country
from practices.models import Indicator, Status

from .conftest import make_indicator, make_status

pytestmark = pytest.mark.django_db

# Expect 11 queries:
# * the dataset version (the cache key)
# * check the country codes in the filter
# * count the countries
# * the page of countries with their regions
# * their current statuses, with indicators and values
# * regions, indicators, indicator values and countries for the filter form's choices
# * the counts beside the indicator and value choices (one aggregate each)
COUNTRY_LIST_QUERIES = 11
CODES = ["be", "mx", "th", "my", "id", "au", "gb", "us"]


def make_timelines(codes):
    if not Indicator.objects.exists():
        make_indicator()
        make_indicator("electronic-monitoring", values=("used", "not-used"), order=200)
    child, monitoring = Indicator.objects.order_by("order")
    for code in codes:
        for indicator in (child, monitoring):
            make_status(code, indicator, effective_from="2010-01-01")
            make_status(code, indicator, effective_from="2020-01-01")


def test_listing_countries_with_current_statuses_holds_its_budget(
    client, django_assert_num_queries
):
    make_timelines(CODES[:2])
    with django_assert_num_queries(COUNTRY_LIST_QUERIES):
        small = client.get(reverse("countries:list"), {"country": CODES})
    make_timelines(CODES[2:])
    with django_assert_num_queries(COUNTRY_LIST_QUERIES):
        large = client.get(reverse("countries:list"), {"country": CODES})
    assert small.status_code == large.status_code == 200
    assert large.content.count(b'class="badge"') == 16


def test_current_statuses_of_every_country_in_two_queries(django_assert_num_queries):
    from countries.views import current_statuses

    make_timelines(["be", "mx", "th"])
    with django_assert_num_queries(2):
        rows = {
            country.iso2: [s.value.slug for s in country.current_statuses]
            for country in Country.objects.prefetch_related(current_statuses())
        }
    assert len(rows) == 249
    assert rows["BE"] == ["prohibited", "used"]
    assert Status.objects.count() == 12
