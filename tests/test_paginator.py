"""Every list's paginator sorts the matching records' keys, then reads the page's rows."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices.models import Status
from tracker.paginator import KeysFirstPaginator

from .conftest import make_indicator, make_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def statuses():
    indicator = make_indicator()
    for place in ["mx", "th", "my", "id", "be", "gb", "mx-chp", "mx-ver"]:
        for year in [2015, 2018, 2021]:
            make_status(place, indicator, effective_from=f"{year}-01-01")
    return (
        Status.objects.published()
        .select_related("country", "subdivision", "indicator", "value")
        .with_current_flag()
        .in_list_order()
    )


def page_of(paginator, number):
    return [(status.pk, status.is_current) for status in paginator.page(number)]


def test_every_page_holds_the_records_django_s_paginator_gives_in_the_same_order(statuses):
    ours, django = KeysFirstPaginator(statuses, 5), Paginator(statuses, 5)
    assert ours.num_pages == django.num_pages == 5
    for number in ours.page_range:
        assert page_of(ours, number) == page_of(django, number)
    assert [pk for page in ours.page_range for pk, _current in page_of(ours, page)] == [
        status.pk for status in statuses
    ]


def test_a_page_is_one_query_that_sorts_the_keys_and_reads_the_page_s_rows(statuses):
    with CaptureQueriesContext(connection) as queries:
        page = KeysFirstPaginator(statuses, 5).page(3)
        records = list(page)
    assert len(records) == 5
    read = [query["sql"] for query in queries if "COUNT(" not in query["sql"]]
    assert len(read) == 1
    assert " IN (SELECT " in read[0]
    assert read[0].count("LIMIT 5") == 1  # in the keys' subquery only
