"""/statuses/: every published status, with the API's filters, its CSV and a fixed budget."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from practices.models import TIMELINE_LENGTH, Status

from .conftest import DRAFT, make_indicator, make_status

pytestmark = pytest.mark.django_db

# Expect 11 queries, whatever the number of rows:
# * the dataset version (the cache key)
# * the countries, regions, indicators, indicator values and subdivisions with statuses
#   listed in the form's choices
# * the count of matching statuses
# * the counts beside the choices: one per faceted field (indicator, value, practice differs)
# * the page of them with their places, indicators and values, and whether each is current
STATUS_LIST_QUERIES = 11


@pytest.fixture
def statuses():
    """Mexico's child-detention timeline (2014, then 2020 where practice differs), Chiapas,
    Thailand (start not known), electronic monitoring in the UK, and a draft for Belgium."""
    child = make_indicator(
        "child-detention-prohibited",
        values=("prohibited-in-law", "not-prohibited"),
        name="Child immigration detention prohibited",
    )
    monitoring = make_indicator(
        "electronic-monitoring",
        values=("used", "not-used"),
        name="Electronic monitoring",
        order=200,
    )
    return {
        "mx-2014": make_status("mx", child, "not-prohibited", "2014-01-01"),
        "mx-2020": make_status(
            "mx",
            child,
            "prohibited-in-law",
            "2020-11-01",
            practice_differs=True,
            practice="Children held in referral offices next to detention centres.",
        ),
        "chiapas": make_status("MX-CHP", child, "prohibited-in-law", "2021-01-01"),
        "th": make_status("th", child, "not-prohibited", None, observed_on="2023-04-01"),
        "gb": make_status("gb", monitoring, "used", "2022-01-01"),
        "be-draft": make_status("be", child, "prohibited-in-law", publication_status=DRAFT),
    }


def listed(response):
    return [status.pk for status in response.context["page"]]


def ids(statuses, *names):
    return [statuses[name].pk for name in names]


def test_lists_every_published_status_by_country_national_first_then_newest(client, statuses):
    response = client.get("/statuses/")
    assert response.status_code == 200
    # Mexico's national timeline, newest first, then Chiapas; the draft is never listed.
    assert listed(response) == ids(statuses, "mx-2020", "mx-2014", "chiapas", "th", "gb")
    assert b">Belgium</a>" not in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"indicator": "electronic-monitoring"}, ["gb"]),
        ({"value": "not-prohibited"}, ["mx-2014", "th"]),
        ({"country": "MX"}, ["mx-2020", "mx-2014", "chiapas"]),
        ({"country": ["th", "gb"]}, ["th", "gb"]),
        ({"region": "south-eastern-asia"}, ["th"]),
        ({"region": "americas", "subdivision": "national"}, ["mx-2020", "mx-2014"]),
        ({"subdivision": "MX-CHP"}, ["chiapas"]),
        ({"current": "true"}, ["mx-2020", "chiapas", "th", "gb"]),
        ({"current": "false"}, ["mx-2014"]),
        ({"practice_differs": "true"}, ["mx-2020"]),
        ({"practice_differs": "true", "current": "true"}, ["mx-2020"]),
        ({"practice_differs": "false", "country": "mx"}, ["mx-2014", "chiapas"]),
        ({"q": "referral offices"}, ["mx-2020"]),
        ({"ordering": "observed_on"}, ["mx-2014", "mx-2020", "chiapas", "gb", "th"]),
        ({"ordering": "-effective_from", "country": "mx"}, ["chiapas", "mx-2020", "mx-2014"]),
    ],
)
def test_each_filter_selects_what_the_api_selects(client, statuses, query, expected):
    response = client.get("/statuses/", query)
    assert response.status_code == 200
    assert listed(response) == ids(statuses, *expected)
    api = client.get("/api/v1/statuses/", {**query, "page_size": 100}).json()
    assert sorted(row["id"] for row in api["results"]) == sorted(ids(statuses, *expected))


def test_changed_since_keeps_the_statuses_edited_after_it(client, statuses):
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Status.objects.exclude(pk=statuses["gb"].pk).update(updated_at=long_ago)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = client.get("/statuses/", {"updated_since": since})
    assert listed(response) == ids(statuses, "gb")


def test_no_match_says_so(client, statuses):
    response = client.get("/statuses/", {"country": "fr"})
    assert response.status_code == 200
    assert listed(response) == []
    assert "No status matches these filters." in response.content.decode()


def test_an_empty_tracker_lists_nothing(client):
    response = client.get("/statuses/")
    assert response.status_code == 200
    assert "No status matches these filters." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"indicator": "no-such-indicator"}, "indicator"),
        ({"value": "no-such-value"}, "value"),
        ({"country": "zz"}, "country"),
        ({"region": "atlantis"}, "region"),
        ({"subdivision": "XX-NOPE"}, "subdivision"),
        ({"current": "maybe"}, "current"),
        ({"practice_differs": "sometimes"}, "practice_differs"),
        ({"updated_since": "last tuesday"}, "updated_since"),
        ({"ordering": "colour"}, "ordering"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, statuses, query, field):
    response = client.get("/statuses/", query)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "Download" not in html  # no rows, no CSV of a request that was refused


def test_a_page_beyond_the_last_is_a_400(client, statuses):
    response = client.get("/statuses/", {"page": "9"})
    assert response.status_code == 400
    assert "There is no such page." in response.content.decode()


def test_the_csv_download_holds_exactly_the_filtered_rows(client, statuses):
    query = {"country": "mx", "current": "true"}
    page = client.get("/statuses/", query)
    assert 'aria-label="Download all 2 rows as CSV"' in page.content.decode()
    response = client.get("/statuses/", {**query, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(row["id"]) for row in rows] == listed(page) == ids(statuses, "mx-2020", "chiapas")
    assert [row["is_current"] for row in rows] == ["true", "true"]


def test_a_row_links_the_status_on_its_country_page_and_says_what_differs(client, statuses):
    html = client.get("/statuses/", {"country": "mx"}).content.decode()
    mexico, chiapas = statuses["mx-2020"], statuses["chiapas"]
    assert f'<a href="/countries/mx/#status-{mexico.pk}">Mexico</a>' in html
    assert f'<a href="/countries/mx/#status-{chiapas.pk}">Chiapas, Mexico</a>' in html
    # Said in words, not by colour alone, and only for the status where it differs.
    assert html.count("Practice differs from law</span>") == 1
    assert 'fill="#1a7f4b"' in html  # the value's swatch


def test_dates_say_since_when_the_start_is_known_and_reported_as_of_when_not(client, statuses):
    html = client.get("/statuses/", {"country": ["mx", "th"], "current": "true"}).content.decode()
    assert "since Nov. 1, 2020" in html
    assert "reported as of April 1, 2023" in html
    assert "since April 1, 2023" not in html


def test_the_list_speaks_the_visitors_language(client, statuses):
    response = client.get("/es/statuses/", {"country": "mx"})
    assert response.status_code == 200
    assert '<html lang="es"' in response.content.decode()
    assert len(listed(response)) == 3


def test_the_home_page_links_where_practice_differs(client, statuses):
    html = client.get("/").content.decode()
    assert (
        '<a href="/statuses/?practice_differs=true&amp;current=true">'
        "Every case where practice departs from the law, listed</a>" in html
    )


def test_the_list_holds_its_query_budget_whatever_the_rows(
    client, statuses, django_assert_num_queries
):
    with django_assert_num_queries(STATUS_LIST_QUERIES):
        small = client.get("/statuses/", {"current": "true"})
    child = statuses["mx-2020"].indicator
    for year, code in enumerate(["fr", "de", "it", "es", "pt", "au", "id", "my"], start=2000):
        make_status(code, child, "not-prohibited", f"{year}-01-01")
        make_status(f"{code}", child, "prohibited-in-law", f"{year + 10}-01-01")
    with django_assert_num_queries(STATUS_LIST_QUERIES):
        large = client.get("/statuses/", {"current": "true"})
    assert len(listed(small)) == 4
    assert len(listed(large)) == 12


def test_a_long_timeline_on_a_country_page_links_to_the_whole_of_it_here(client, db):
    indicator = make_indicator()
    for year in range(2000, 2002 + TIMELINE_LENGTH):
        make_status("mx", indicator, ("prohibited", "not-prohibited")[year % 2], f"{year}-01-01")
    html = client.get("/countries/mx/").content.decode()
    link = f"/statuses/?country=mx&amp;indicator={indicator.slug}&amp;subdivision=national"
    assert f'href="{link}"' in html
    whole = client.get(link.replace("&amp;", "&"))
    assert whole.context["page"].paginator.count == TIMELINE_LENGTH + 2
