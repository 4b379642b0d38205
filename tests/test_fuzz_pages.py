"""Bad input on the public pages: never a server error, and a 4xx where the input is wrong.

Hypothesis writes query strings for every list page, filter and form (any keys, any text,
huge numbers, impossible dates, invalid UTF-8 percent-escapes) and checks that none gets
a 5xx. FUZZ_EXAMPLES sets how many it tries per test (default 100, quick enough for every
run of the suite; `FUZZ_EXAMPLES=2000 pytest tests/test_fuzz_pages.py` digs deeper).
The API's own fuzzing is schemathesis's (tests/test_api_schema.py).
"""

import datetime
import os
from urllib.parse import quote

import pytest
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from countries.filters import CountryFilter
from countries.views import CompareForm
from practices import filters as practice_filters
from practices.views import IndicatorChoiceForm

from .conftest import (
    make_figure,
    make_indicator,
    make_law,
    make_pilot,
    make_pledge,
    make_source,
    make_status,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PAGES = [
    "/",
    "/countries/",
    "/indicators/",
    "/indicators/child-detention-prohibited/",
    "/laws/",
    "/pilots/",
    "/pledges/",
    "/figures/",
    "/sources/",
    "/statuses/",
    "/about/",
    "/compare/",
    "/search/",
    "/feed/",
    "/countries/mx/feed/",
    "/es/laws/",
    "/ar/countries/",
]
LIST_PAGES = [
    "/countries/",
    "/statuses/",
    "/laws/",
    "/pilots/",
    "/pledges/",
    "/figures/",
    "/sources/",
]
FILTERSETS = [
    CountryFilter,
    practice_filters.StatusFilter,
    practice_filters.LawFilter,
    practice_filters.PilotFilter,
    practice_filters.PledgeFilter,
    practice_filters.FigureFilter,
    practice_filters.SourceFilter,
]
# Every parameter name the pages and forms know, and then some.
KEYS = sorted(
    {name for filterset in FILTERSETS for name in filterset.base_filters}
    | {"page", "page_size", "format", "indicator", "country", "q", "lang", "next"}
)
KNOWN_VALUES = [
    "mx",
    "MX",
    "th",
    "xx",
    "europe",
    "latin-america-and-the-caribbean",
    "child-detention-prohibited",
    "prohibited-in-law",
    "not-prohibited",
    "law",
    "in-force",
    "active",
    "children",
    "community-based-case-management",
    "csv",
    "json",
    "name",
    "-name",
    "updated_at",
    "-updated_at",
    "code",
    "true",
    "false",
    "1",
    "0",
    "-1",
    "",
    " ",
    "%",
    "&",
    "\x00",
    "'",
    '"',
    "<script>alert(1)</script>",
    "🙂",
    "\u202e",
    "\ufeff",
    "null",
]


def iso_moment():
    # Any moment and any offset that ISO 8601 can write, including ones UTC cannot hold.
    return st.builds(
        lambda moment, sign, hours, minutes: (
            f"{moment.isoformat()}{sign}{hours:02d}:{minutes:02d}"
        ),
        st.one_of(
            st.datetimes(),
            # Near the ends of the calendar, where an offset pushes the moment out of it.
            st.datetimes(max_value=datetime.datetime(1, 1, 2)),
            st.datetimes(min_value=datetime.datetime(9999, 12, 30)),
        ),
        st.sampled_from("+-"),
        st.integers(0, 23),
        st.integers(0, 59),
    ) | st.dates().map(datetime.date.isoformat)


def number():
    return st.one_of(
        st.integers(-(10**40), 10**40),
        st.sampled_from([10**30, 2**63, 2**63 - 1, 2**31, -(2**63), 0, 9999, 10000]),
        st.floats(allow_nan=True, allow_infinity=True),
    ).map(str)


def encoded(strategy):
    return strategy.map(lambda text: quote(text, safe=""))


def raw_bytes():
    # Percent-escapes of any bytes, most of them not UTF-8.
    return st.binary(min_size=1, max_size=12).map(lambda data: "".join(f"%{b:02X}" for b in data))


VALUES = st.one_of(
    encoded(st.sampled_from(KNOWN_VALUES)),
    encoded(st.text(max_size=40)),
    encoded(iso_moment()),
    number(),
    raw_bytes(),
)
PAIRS = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(KEYS), encoded(st.text(max_size=10)), raw_bytes()), VALUES
    ),
    max_size=6,
)
QUERY_STRINGS = st.one_of(
    PAIRS.map(lambda pairs: "&".join(f"{key}={value}" for key, value in pairs)),
    # Malformed: no "=", empty keys, stray separators.
    st.lists(st.one_of(VALUES, st.sampled_from(["=", "&", ";", "==", "&&", "?"])), max_size=8).map(
        "".join
    ),
)


@pytest.fixture
def world(db):
    child = make_indicator(
        "child-detention-prohibited", values=("prohibited-in-law", "not-prohibited")
    )
    make_status("mx", child, "prohibited-in-law", "2020-11-01", practice_differs=True)
    make_status("MX-CHP", child, "prohibited-in-law", "2021-01-01")
    make_status("th", child, "not-prohibited", "2019-01-01")
    make_law("mx-2020-reform", "mx", summary="Prohibits detaining children.")
    make_pilot("th-case-management", "th")
    make_pledge("th-imrf-2022", "th")
    make_figure("mx-2022-children-detained", "mx")
    make_source("unhcr-2023", title="UNHCR report")


def get(client, url):
    """GET the URL and read a streamed body too: a CSV fails while it streams, if it fails."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@FUZZ
@given(path=st.sampled_from(PAGES), query=QUERY_STRINGS)
def test_no_query_string_makes_a_page_fail(world, path, query):
    response = get(Client(raise_request_exception=False), f"{path}?{query}")
    assert response.status_code < 500, (path, query)


@FUZZ
@given(path=st.sampled_from(LIST_PAGES), moment=iso_moment())
def test_no_moment_makes_a_list_fail(world, path, moment):
    response = get(Client(raise_request_exception=False), f"{path}?updated_since={quote(moment)}")
    assert response.status_code in (200, 400), (path, moment)


@FUZZ
@given(
    prefix=st.sampled_from(
        [
            "/countries/",
            "/laws/",
            "/pilots/",
            "/pledges/",
            "/figures/",
            "/sources/",
            "/indicators/",
            "/es/countries/",
        ]
    ),
    segment=st.one_of(encoded(st.text(min_size=1, max_size=30)), raw_bytes()),
    suffix=st.sampled_from(["/", "/feed/", ""]),
)
def test_no_record_address_makes_a_page_fail(world, prefix, segment, suffix):
    response = get(Client(raise_request_exception=False), f"{prefix}{segment}{suffix}")
    assert response.status_code < 500, (prefix, segment, suffix)


@FUZZ
@given(
    filterset=st.sampled_from(FILTERSETS),
    data=st.dictionaries(
        st.sampled_from(KEYS),
        st.lists(
            st.one_of(st.text(max_size=30), st.sampled_from(KNOWN_VALUES), iso_moment(), number()),
            min_size=1,
            max_size=3,
        ),
        max_size=5,
    ),
)
def test_filtersets_validate_any_input_or_reject_it(world, filterset, data):
    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values)
    filters = filterset(query, queryset=filterset._meta.model.objects.all())
    if filters.is_valid():
        list(filters.qs[:5])  # the query runs, whatever the values
    else:
        assert filters.errors


@FUZZ
@given(
    form=st.sampled_from([CompareForm, IndicatorChoiceForm]),
    values=st.lists(st.one_of(st.text(max_size=10), st.sampled_from(KNOWN_VALUES)), max_size=6),
)
def test_forms_validate_any_input_or_reject_it(world, form, values):
    query = QueryDict(mutable=True)
    query.setlist("country", values)
    query.setlist("indicator", values[:1])
    bound = form(query)
    if bound.is_valid():
        assert bound.cleaned_data is not None
    else:
        assert bound.errors


# Targeted: what a scanner or a broken link sends.


@pytest.mark.parametrize("path", [*PAGES, "/api/v1/laws/"])
def test_query_string_over_8_kb_gets_414(client, db, path):
    response = client.get(f"{path}?q={'a' * 9000}")
    assert response.status_code == 414


@pytest.mark.parametrize("path", ["/laws/", "/countries/", "/search/", "/api/v1/laws/"])
def test_more_than_a_thousand_parameters_get_400(client, db, path):
    # 4 KB: under the length limit, over DATA_UPLOAD_MAX_NUMBER_FIELDS.
    response = client.get(path + "?" + "&".join(["q=1"] * 1001))
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/laws/", "/search/", "/compare/", "/", "/api/v1/laws/"])
@pytest.mark.parametrize("query", ["q=%FF%FE", "country=%C3%28", "%ED%A0%80=1", "q=caf%E9"])
def test_invalid_utf8_in_the_query_gets_400(client, db, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/search/", "/laws/", "/countries/", "/api/v1/laws/"])
def test_a_nul_character_in_the_query_gets_400(client, db, path):
    assert client.get(f"{path}?q=a%00b").status_code == 400


def test_a_valid_utf8_query_still_works(client, world):
    response = client.get("/search/?q=caf%C3%A9")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/countries/%FF/", "/laws/%C3%28/", "/countries/%00/", "/countries/xx%00/feed/"]
)
def test_invalid_bytes_in_the_path_get_404(client, db, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [*LIST_PAGES, "/api/v1/laws/", "/api/v1/countries/"])
@pytest.mark.parametrize("page", [str(10**30), "-1", "0", "1e400", "2.5", "NaN", "%00"])
def test_huge_or_impossible_page_numbers_get_400(client, world, path, page):
    response = client.get(f"{path}?page={page}")
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/laws/", "/countries/", "/pilots/", "/api/v1/laws/"])
@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00%2B05:00", "9999-12-31T23:59:59-23:59", "2020-13-45"]
)
def test_moments_utc_cannot_hold_get_400(client, world, path, moment):
    assert client.get(f"{path}?updated_since={moment}").status_code == 400
