"""The query budgets hold on the real dataset multiplied a hundredfold.

The other budget tests grow a handful of rows; here the same budgets are checked once on
the real dataset plus `generate_scaled_data --scale 100` (thousands of statuses, laws,
pilots and sources), loaded once for the module and rolled back after it.
"""

import pytest
from django.core.management import call_command
from django.db import transaction

from practices.models import Law, Status

from . import test_about, test_api, test_pages, test_query_budgets, test_status_list

SCALE = 100
API = "/api/v1/"
INDICATOR = "child-detention-prohibited"

PAGE_BUDGETS = {
    "/": test_pages.HOME_QUERIES,
    "/countries/mx/": test_pages.COUNTRY_QUERIES,
    f"/indicators/{INDICATOR}/": test_pages.INDICATOR_QUERIES,
    "/laws/": test_pages.LAW_LIST_QUERIES,
    "/laws/?page=20": test_pages.LAW_LIST_QUERIES,
    "/compare/?country=th&country=mx": test_pages.COMPARE_QUERIES,
    "/statuses/": test_status_list.STATUS_LIST_QUERIES,
    "/statuses/?practice_differs=true&current=true&page=1": test_status_list.STATUS_LIST_QUERIES,
    "/about/": test_about.ABOUT_QUERIES,
    # +0: the codes are checked by the query that the list's own budget counts first.
    "/countries/?country=" + "&country=".join(test_query_budgets.CODES): (
        test_query_budgets.COUNTRY_LIST_QUERIES
    ),
}

API_BUDGETS = {
    **{
        f"{API}{resource}/?page_size=100": budget
        for resource, budget in test_api.LIST_QUERIES.items()
    },
    # The real pledges have progress entries, with their citations, laws and statuses.
    f"{API}pledges/?page_size=100": (
        test_api.PLEDGE_LIST_QUERIES + test_api.PLEDGE_PROGRESS_QUERIES
    ),
    f"{API}countries/mx/": test_api.COUNTRY_DETAIL_QUERIES,
    f"{API}laws/?page=30": test_api.LAW_LIST_QUERIES,
    f"{API}statuses/?updated_since=2000-01-01T00:00:00Z&page_size=100": (
        test_api.STATUS_LIST_QUERIES
    ),
}
# Built once per version (tracker/downloads.py), a chunk of records at a time, then served.
DOWNLOADS = [f"{API}dataset.json", f"{API}datapackage.zip"]


@pytest.fixture(scope="module")
def hundredfold(django_db_setup, django_db_blocker):
    """The real dataset at 100x, for every test of this module, then rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_dataset", verbosity=0)
        call_command("generate_scaled_data", scale=SCALE, seed=1, verbosity=0)
        withdrawn = Law.objects.published().filter(slug__startswith="synthetic-").first()
        withdrawn.delete()  # a withdrawal, so that every list has rows
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def unthrottled(settings):
    settings.API_ANON_THROTTLE_RATE = None


@pytest.mark.django_db
def test_the_data_is_a_hundred_times_the_real_dataset(hundredfold):
    assert Status.objects.published().count() > 3000
    assert Law.objects.published().count() > 2500


@pytest.mark.django_db
@pytest.mark.parametrize("url", list(PAGE_BUDGETS) + list(API_BUDGETS))
def test_query_budgets_hold_at_a_hundred_times_the_data(
    client, hundredfold, url, django_assert_max_num_queries
):
    # At most the budget: a page whose records have no country group skips the query for
    # the groups' members.
    budget = {**PAGE_BUDGETS, **API_BUDGETS}[url]
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", DOWNLOADS)
def test_a_built_download_is_served_for_two_queries_at_a_hundred_times_the_data(
    client, hundredfold, url, django_assert_num_queries
):
    assert client.get(url).status_code == 200  # built in this process (TASK_BACKEND=immediate)
    with django_assert_num_queries(2):  # the dataset version, the newest builds
        response = client.get(url)
    assert response.status_code == 200
