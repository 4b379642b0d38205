"""/about/, the front door: the method, coverage counted from the data, licence and citing;
and the header and footer that lead every page to it, the API and the downloads."""

import datetime

import pytest

from countries.models import Country
from practices.models import IndicatorValue, published_coverage

from . import test_browser
from .conftest import (
    DRAFT,
    make_figure,
    make_indicator,
    make_law,
    make_pilot,
    make_pledge,
    make_source,
    make_status,
)
from .test_browser import CHROMIUM, serious_violations

# The browser tests' fixtures: one Chromium, a page in it, and the small world they browse.
browser, page, world = test_browser.browser, test_browser.page, test_browser.world

# Expect 11 queries, whatever the size of the dataset:
# * the dataset version (the cache key)
# * the published indicators, and their published values
# * the current statuses' countries, subdivisions and practice-differs count, in one query
# * the countries (how many there are)
# * published statuses, laws, pilots, pledges, figures and sources: each counted with how
#   many were reviewed and the latest review, one query per kind
ABOUT_QUERIES = 11

REVIEWED = datetime.date(2026, 3, 2)


@pytest.fixture
def dataset(db):
    child = make_indicator(
        "child-detention-prohibited",
        values=("prohibited-in-law", "not-prohibited"),
        name="Child immigration detention prohibited",
        question="Is immigration detention of children prohibited?",
        description="Whether the law forbids detaining children for their migration status.",
        name_es="Prohibición de la detención de niños",
    )
    child.values.filter(slug="prohibited-in-law").update(
        description="A law forbids the immigration detention of all children.",
        description_es="Una ley prohíbe la detención migratoria de todos los niños.",
    )
    IndicatorValue.objects.create(
        indicator=child,
        slug="under-review",
        label="A draft value",
        rank=9,
        colour="#000000",
        description="Not public yet.",
    )
    make_indicator("secret-indicator", name="A draft indicator", publication_status=DRAFT)
    make_status("mx", child, "not-prohibited", "2014-01-01", last_reviewed_on=REVIEWED)
    make_status("mx", child, "prohibited-in-law", "2020-11-01", practice_differs=True)
    make_status("MX-CHP", child, "prohibited-in-law", "2021-01-01")
    make_status("th", child, "not-prohibited", None, observed_on="2023-04-01")
    make_status("be", child, "prohibited-in-law", publication_status=DRAFT)
    make_law("mx-2020-reform", "mx", last_reviewed_on=REVIEWED)
    make_law("be-draft-law", "be", publication_status=DRAFT)
    make_pilot("th-case-management", "th")
    make_pledge("th-imrf-2022", "th")
    make_figure("mx-2022-children-detained", "mx")
    make_source("an-unused-source")
    return child


def test_coverage_is_counted_from_the_published_data(dataset):
    coverage = published_coverage()
    assert coverage.countries == Country.objects.count() == 249
    assert coverage.countries_with_current_status == 2  # Mexico and Thailand, not Belgium
    assert coverage.subdivisions_with_current_status == 1
    assert coverage.current_statuses == 3  # Mexico's 2014 status is no longer current
    assert coverage.current_practice_differs == 1
    counts = {str(kind.label): (kind.total, kind.reviewed) for kind in coverage.records}
    assert counts == {
        "statuses": (4, 1),
        "laws and policies": (1, 1),
        "ATD pilots and programmes": (1, 0),
        "pledges": (1, 0),
        "reported figures": (1, 0),
        "sources": (2, 0),
    }
    assert (coverage.total, coverage.reviewed, coverage.reviewed_percent) == (10, 2, 20)
    assert coverage.last_reviewed_on == REVIEWED


def test_about_explains_the_method_and_shows_the_figures(client, dataset):
    response = client.get("/about/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Who it is for",
        "Advocates",
        "Researchers",
        "Partners",
        # Each published indicator with its question, and each published value defined.
        "Child immigration detention prohibited",
        "Is immigration detention of children prohibited?",
        "Whether the law forbids detaining children for their migration status.",
        "A law forbids the immigration detention of all children.",
        "Not-prohibited",
        "No definition written yet.",
        # How statuses, dates, law and practice and review work.
        "verbatim quote",
        "never infers a start date",
        "“reported as of April 2023”, never “since April 2023”",
        "practice differs from law",
        "second reader",
        # The figures, as counted.
        "2 countries of 249 have a current status on at least one indicator.",
        "1 subdivision has a status of its own.",
        "Of the 3 current statuses, practice differs from law in 1.",
        "<td>10</td><td>2 (20%)</td>",
        # The licence and how to cite.
        'href="https://creativecommons.org/licenses/by/4.0/" rel="license"',
        "Creative Commons Attribution 4.0 International",
        "Cite this",
        "/cite/law/&lt;slug&gt;.ris",
    ]:
        assert text in html, text
    assert 'href="/statuses/?practice_differs=true&amp;current=true"' in html
    for draft in ["A draft indicator", "A draft value", "Not public yet."]:
        assert draft not in html


def test_about_in_spanish_shows_the_definitions_in_spanish_and_the_same_figures(client, dataset):
    response = client.get("/es/about/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es"' in html
    assert "Prohibición de la detención de niños" in html
    assert "Una ley prohíbe la detención migratoria de todos los niños." in html
    assert 'href="/es/statuses/?practice_differs=true&amp;current=true"' in html
    assert 'href="/es/laws/"' in html  # the coverage table links the lists in Spanish
    assert "<td>10</td>" in html and "(20 %)" in html  # Spanish spaces the sign


def test_about_with_nothing_published_yet(client, db):
    response = client.get("/about/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No indicator is published yet." in html
    assert "0 countries of 249 have a current status" in html


def test_about_holds_its_query_budget_whatever_the_data(
    client, dataset, django_assert_num_queries
):
    with django_assert_num_queries(ABOUT_QUERIES):
        assert client.get("/about/").status_code == 200
    make_indicator("electronic-monitoring", values=("used", "not-used", "banned"), order=200)
    for code in ["fr", "de", "it", "gb", "au"]:
        make_status(code, dataset, "not-prohibited", "2019-01-01")
    with django_assert_num_queries(ABOUT_QUERIES):
        assert b"7 countries of 249" in client.get("/about/").content


FRONT_DOOR_LINKS = [
    'href="/about/"',
    'href="/statuses/"',
    'href="/api/v1/"',
    'href="/api/v1/docs/"',
    'href="/api/v1/dataset.json"',
    'href="/api/v1/datapackage.zip"',
    'href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC-BY-4.0</a>',
]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/about/",
        "/statuses/",
        "/countries/",
        "/countries/mx/",
        "/indicators/",
        "/indicators/child-detention-prohibited/",
        "/laws/",
        "/laws/mx-2020-reform/",
        "/pilots/",
        "/pilots/th-case-management/",
        "/pledges/",
        "/pledges/th-imrf-2022/",
        "/figures/",
        "/figures/mx-2022-children-detained/",
        "/sources/",
        "/sources/a-source/",
        "/compare/?country=th&country=mx",
        "/search/?q=reform",
        "/laws/?country=zz",  # a 400 keeps the header and footer
    ],
)
def test_every_page_links_the_method_the_api_the_downloads_and_the_licence(client, dataset, path):
    response = client.get(path)
    assert response.status_code in (200, 400)
    html = response.content.decode()
    for link in FRONT_DOOR_LINKS:
        assert link in html, link


def test_pages_in_another_language_link_the_pages_in_that_language(client, dataset):
    html = client.get("/fr/laws/").content.decode()
    assert 'href="/fr/about/"' in html and 'href="/fr/statuses/"' in html
    assert 'href="/api/v1/docs/"' in html


# In a real Chromium, with axe (see tests/test_browser.py).
browser_test = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def apply(marks):
    def decorate(test):
        for mark in marks:
            test = mark(test)
        return test

    return decorate


@apply(browser_test)
@pytest.mark.parametrize(
    "path", ["/about/", "/statuses/", "/statuses/?practice_differs=true&current=true"]
)
def test_about_and_statuses_have_no_serious_accessibility_violations(
    live_server, page, world, path
):
    page.goto(live_server.url + path)
    assert serious_violations(page) == []


@apply(browser_test)
@pytest.mark.parametrize("path", ["/", "/about/", "/statuses/", "/countries/mx/"])
def test_the_header_fits_one_row_on_a_1280_px_screen(live_server, browser, world, path):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + path)
    tops = page.eval_on_selector_all(
        ".site-header > *", "parts => parts.map(part => part.getBoundingClientRect().top)"
    )
    assert len(tops) == 4  # brand, sections, languages, search
    assert max(tops) - min(tops) < 20, tops
    context.close()


@apply(browser_test)
@pytest.mark.parametrize("language", ["", "/es", "/ar"])
def test_a_390_px_phone_scrolls_no_page_sideways_and_reaches_every_section(
    live_server, browser, world, language
):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    for path in ["/", "/about/", "/statuses/", "/laws/"]:
        page.goto(f"{live_server.url}{language}{path}")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        # Every section is a visible link, with no script needed.
        assert page.locator(".site-nav a:visible").count() == 10, path
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Statuses").click()
    page.wait_for_url("**/statuses/")
    assert page.locator("h1").inner_text() == "Statuses"
    context.close()


@apply(browser_test)
def test_the_language_list_opens_without_javascript(live_server, browser, world):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/about/")
    page.locator(".languages summary").click()
    page.get_by_role("link", name="Español").click()
    page.wait_for_url("**/es/about/")
    assert page.locator("html").get_attribute("lang") == "es"
    context.close()
