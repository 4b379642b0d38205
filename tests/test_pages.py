"""The public pages advocates use: filters, empty results, bad input, drafts, query budgets."""

import csv

import pytest

from countries.models import Subdivision
from countries.views import SUBDIVISIONS_SHOWN

from .conftest import (
    DRAFT,
    attach_a_group,
    make_figure,
    make_indicator,
    make_law,
    make_pilot,
    make_pledge,
    make_source,
    make_status,
)

pytestmark = pytest.mark.django_db

# Expect 16 queries:
# * the dataset version (the cache key)
# * the chosen indicator, and the indicators again to draw the switch
# * five kinds of latest changes
# * countries, laws, pilots and pledges counted for the headline figures
# * the indicator's current statuses, country names, its values
HOME_QUERIES = 16
# Expect 18 queries:
# * the dataset version (the cache key)
# * the country with its regions
# * its subdivisions with statuses (those shown, by name, and how many are left out)
# * its statuses, their citations, and the last review date
# * laws, pilots and pledges that apply to it, each with the countries it names, its groups
#   and their members (to say how it applies)
# * figures
COUNTRY_QUERIES = 19
# Expect 6 queries:
# * the dataset version (the cache key)
# * the indicator and its values
# * current statuses, country names (the legend counts them in Python)
# * sub-national statuses
INDICATOR_QUERIES = 6
# Expect 13 queries:
# * the dataset version (the cache key)
# * count and page of laws
# * the countries they name, their groups and the groups' members
# * the filter form's choices: countries, regions, indicators, subdivisions with laws
# * the counts beside the choices of kind, status and indicator (one aggregate each)
LAW_LIST_QUERIES = 13
# Expect 5 queries:
# * the dataset version (the cache key)
# * the countries of the codes (checked and kept in one), their current statuses
# * the indicators, the countries for the form
COMPARE_QUERIES = 5


@pytest.fixture
def world():
    child = make_indicator(
        "child-detention-prohibited", values=("prohibited-in-law", "not-prohibited")
    )
    make_status("mx", child, "not-prohibited", "2010-01-01")
    make_status(
        "mx",
        child,
        "prohibited-in-law",
        "2020-11-01",
        practice_differs=True,
        practice="Children held in referral offices.",
    )
    make_status("MX-CHP", child, "prohibited-in-law", "2021-01-01")
    make_status("th", child, "not-prohibited", "2019-01-01")
    make_law("mx-2020-reform", "mx", summary="Reform of the migration law.")
    make_pilot("th-case-management", "th")
    make_pilot("mx-shelters", "mx")
    make_pledge("th-imrf-2022", "th")
    make_pledge("mx-imrf-2022", "mx")
    make_figure("mx-2022-children-detained", "mx")
    return child


def test_home_shows_the_map_headlines_and_latest_changes(client, world):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-code="mx"' in html and 'fill="#1a7f4b"' in html
    assert "Mexico: Prohibited-in-law" in html
    assert "practice differs from the law" in html
    assert "Latest changes" in html


def test_home_switches_the_map_to_another_indicator(client, world):
    monitoring = make_indicator("electronic-monitoring", values=("used", "not-used"), order=200)
    make_status("gb", monitoring, "used", "2022-01-01")
    html = client.get("/", {"indicator": "electronic-monitoring"}).content.decode()
    assert "United Kingdom: Used" in html


def test_home_with_an_unknown_indicator_is_a_400_with_the_form(client, world):
    response = client.get("/", {"indicator": "nope"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_country_page_shows_law_practice_timeline_and_citations(client, world):
    html = client.get("/countries/mx/").content.decode()
    assert "Children held in referral offices." in html
    assert "Practice differs from law" in html
    assert html.index("2020-11-01") < html.index("2010-01-01")  # newest first
    assert "Chiapas" in html
    assert "A supporting sentence." in html
    assert "Reform of the migration law" not in html or "Mx 2020 reform" in html
    assert "Cite this" in html


def test_country_codes_are_case_insensitive_and_unknown_codes_404(client, world):
    assert client.get("/countries/MX/").status_code == 200
    assert client.get("/countries/zz/").status_code == 404


def test_country_list_filters_by_current_indicator_value(client, world):
    response = client.get(
        "/countries/", {"indicator": "child-detention-prohibited", "value": "prohibited-in-law"}
    )
    names = [country.name for country in response.context["page"]]
    assert names == ["Mexico"]


def test_lists_filter_by_several_countries_in_any_case(client, world):
    laws = client.get("/laws/", {"country": ["MX", "th"]}).context["page"]
    assert [law.slug for law in laws] == ["mx-2020-reform"]
    countries = client.get("/countries/", {"country": ["mx", "TH"]}).context["page"]
    assert sorted(country.iso2 for country in countries) == ["MX", "TH"]
    pilots = client.get("/pilots/", {"country": "th"}).context["page"]
    assert [pilot.slug for pilot in pilots] == ["th-case-management"]


def test_country_list_filters_by_region_at_any_level(client, world):
    for region in ["americas", "central-america", "latin-america-and-the-caribbean"]:
        names = [c.iso2 for c in client.get("/countries/", {"region": region}).context["page"]]
        assert "MX" in names and "TH" not in names


def test_a_filter_that_matches_nothing_says_so(client, world):
    response = client.get("/laws/", {"q": "no such words anywhere"})
    assert response.status_code == 200
    assert "No law matches these filters." in response.content.decode()


@pytest.mark.parametrize(
    "url, params, field",
    [
        ("/laws/", {"country": "zz"}, "country"),
        ("/laws/", {"kind": "poem"}, "kind"),
        ("/laws/", {"updated_since": "yesterday"}, "updated_since"),
        ("/pilots/", {"year_from": "soon"}, "year_from"),
        ("/countries/", {"region": "atlantis"}, "region"),
        ("/pledges/", {"page": "99"}, None),
    ],
)
def test_bad_filter_values_show_the_form_with_its_error(client, world, url, params, field):
    response = client.get(url, params)
    assert response.status_code == 400
    if field:
        assert field in response.context["filter"].form.errors
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize(
    "url, params, key",
    [
        ("/laws/", {"country": "mx"}, "slug"),
        ("/pilots/", {"region": "south-eastern-asia"}, "slug"),
        (
            "/countries/",
            {"indicator": "child-detention-prohibited", "value": "not-prohibited"},
            "iso2",
        ),
    ],
)
def test_csv_download_has_exactly_the_filtered_rows(client, world, url, params, key):
    for index in range(60):  # more than a page: the CSV is never cut at the page size
        make_law(f"mx-extra-law-{index}", "mx")
    page = client.get(url, {**params, "page_size": 1000}).context["page"]
    page_rows = page.paginator.object_list
    response = client.get(url, {**params, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    header, *rows = list(csv.reader(lines))
    column = header.index(key)
    assert sorted(row[column] for row in rows) == sorted(
        str(getattr(record, key)) for record in page_rows
    )


def test_drafts_appear_on_no_page(client, world):
    make_law("mx-draft-law", "mx", title="Secret draft law", publication_status=DRAFT)
    make_pilot("th-draft-pilot", "th", name="Secret draft pilot", publication_status=DRAFT)
    make_status(
        "mx",
        world,
        "not-prohibited",
        "2024-01-01",
        publication_status=DRAFT,
        legal_position="Secret draft status",
    )
    pages = [
        "/",
        "/countries/mx/",
        "/laws/",
        "/pilots/",
        "/search/?q=secret",
        "/feed/",
        "/countries/mx/feed/",
        "/indicators/child-detention-prohibited/",
        "/laws/?format=csv",
    ]
    for url in pages:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Secret draft" not in body, url
    assert client.get("/laws/mx-draft-law/").status_code == 404


def test_compare_highlights_differences(client, world):
    response = client.get("/compare/", {"country": ["th", "MX"]})
    assert response.status_code == 200
    assert [c.iso2 for c in response.context["countries"]] == ["TH", "MX"]
    assert response.context["rows"][0]["differs"]
    assert "differs-row" in response.content.decode()


@pytest.mark.parametrize("countries", [["th", "mx", "be", "my", "id"], ["th", "zz"]])
def test_compare_takes_at_most_four_known_countries(client, world, countries):
    assert client.get("/compare/", {"country": countries}).status_code == 400


def test_compare_with_one_country_asks_for_another(client, world):
    response = client.get("/compare/", {"country": "mx"})
    assert response.status_code == 200
    assert "Choose at least one more country" in response.content.decode()


def test_search_ranks_title_matches_first_and_shows_the_matching_text(client, world):
    make_source("reform-report", title="Detention report", publisher="Reform Watch")
    results = client.get("/search/", {"q": "reform"}).context["found"].results
    assert [(r.kind, r.title) for r in results] == [
        ("laws", "Mx 2020 reform"),
        ("sources", "Detention report"),
    ]
    assert [p.text for p in results[0].snippet if p.is_match] == ["Reform"]


def test_search_rejects_an_overlong_query(client):
    assert client.get("/search/", {"q": "x" * 201}).status_code == 400


def test_feeds_are_atom_and_list_published_changes(client, world):
    for url in ["/feed/", "/countries/mx/feed/", "/indicators/child-detention-prohibited/feed/"]:
        response = client.get(url)
        assert response["Content-Type"].startswith("application/atom+xml"), url
        assert b"<entry>" in response.content
    assert client.get("/countries/zz/feed/").status_code == 404


def test_every_page_has_a_title_description_and_canonical_link(client, world):
    for url in [
        "/",
        "/countries/",
        "/countries/mx/",
        "/laws/",
        "/laws/mx-2020-reform/",
        "/pilots/th-case-management/",
        "/pledges/th-imrf-2022/",
        "/figures/mx-2022-children-detained/",
        "/indicators/",
        "/indicators/child-detention-prohibited/",
        "/compare/",
        "/search/",
    ]:
        html = client.get(url).content.decode()
        assert "<title>" in html and 'name="description"' in html, url
        assert 'rel="canonical" href="http://' in html, url


def test_pages_hold_their_query_budgets_as_rows_grow(client, world, django_assert_num_queries):
    budgets = [
        ("/", HOME_QUERIES),
        ("/countries/mx/", COUNTRY_QUERIES),
        ("/indicators/child-detention-prohibited/", INDICATOR_QUERIES),
        ("/laws/", LAW_LIST_QUERIES),
        ("/compare/?country=th&country=mx", COMPARE_QUERIES),
    ]
    make_law("mx-law", "mx")
    make_pilot("mx-pilot", "mx")
    make_pledge("mx-pledge", "mx")
    attach_a_group()
    for url, budget in budgets:
        with django_assert_num_queries(budget):
            client.get(url)
    for index in range(12):
        make_law(f"mx-law-{index}", "mx")
        make_status("mx", world, "not-prohibited", f"200{index % 10}-0{1 + index // 10}-01")
        make_pilot(f"mx-pilot-{index}", "mx")
    attach_a_group()
    for url, budget in budgets:
        with django_assert_num_queries(budget):
            assert client.get(url).status_code == 200


def long_timeline(indicator, statuses=12):
    """Yearly statuses from 2000, alternating values, and one planned far ahead."""
    values = ["prohibited-in-law", "not-prohibited"]
    for year in range(2000, 2000 + statuses):
        make_status("be", indicator, values[year % 2], f"{year}-01-01", caveat=f"as of {year}")
    make_status("be", indicator, "prohibited-in-law", "2090-01-01", caveat="planned")


def test_a_country_page_shows_ten_of_each_kind_with_a_link_to_them_all(client, world):
    long_timeline(world)
    for index in range(12):
        make_law(f"be-law-{index:02}", "be")
    html = client.get("/countries/be/").content.decode()
    assert html.count('href="/laws/be-law-') == 10
    assert 'href="/laws/?country=be"' in html and "All laws and policies of Belgium" in html
    assert "All pilots and programmes of Belgium" not in html  # none to hide
    assert "as of 2011" in html and "planned" in html  # the current one, and the planned one
    assert "as of 2001" not in html
    assert "Older statuses are not shown here." in html
    query = "country=be&amp;indicator=child-detention-prohibited&amp;subdivision=national"
    assert f'href="/statuses/?{query}"' in html


def test_a_country_page_shows_its_first_subdivisions_and_links_every_status(client, world):
    first = Subdivision.objects.filter(country__iso2="MX").order_by("name")
    codes = list(first.values_list("code", flat=True)[: SUBDIVISIONS_SHOWN + 2])
    for code in codes:
        make_status(code, effective_from="2019-06-01")
    html = client.get("/countries/mx/").content.decode()
    for code in codes[:SUBDIVISIONS_SHOWN]:
        assert f'id="subdivision-{code.lower()}"' in html
    for code in codes[SUBDIVISIONS_SHOWN:]:
        assert f'id="subdivision-{code.lower()}"' not in html
    assert "2 more have records" in html
    assert 'href="/statuses/?country=mx">every status of Mexico</a>' in html


def test_a_short_timeline_is_shown_whole(client, world):
    html = client.get("/countries/mx/").content.decode()
    assert "Older statuses are not shown here." not in html
    assert "All laws and policies of" not in html
