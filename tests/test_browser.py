"""What an advocate does, in a real headless Chromium (Debian's package), with axe checks."""

import os
from pathlib import Path

import pytest

from countries.models import Country, Region, Subdivision
from countries.reference import sync_reference_data

from .conftest import make_figure, make_indicator, make_law, make_pilot, make_pledge, make_status

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The ORM is called from the test while Playwright's sync API holds an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def world():
    # The live server needs committed data, and each test's flush empties every table,
    # the reference data from the migrations included.
    if not Country.objects.exists():
        sync_reference_data(Region, Country, Subdivision)
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
    make_status("my", child, "not-prohibited", "2019-01-01")
    make_status("gb", monitoring, "used", "2022-01-01")
    make_law("mx-2020-reform", "mx", title="Reform of the Migration Law")
    make_pilot("th-case-management", "th", name="Community case management")
    make_pledge("th-imrf-2022", "th")
    make_figure("mx-2022-children-detained", "mx")


def serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (violation["id"], violation["impact"], len(violation["nodes"]))
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_home_map_switches_indicator(live_server, page, world):
    page.goto(live_server.url + "/")
    assert page.locator('path[data-code="mx"]').get_attribute("fill") == "#1a7f4b"
    page.select_option("#id_indicator", "electronic-monitoring")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/?indicator=electronic-monitoring")
    assert page.locator('path[data-code="gb"]').get_attribute("fill") == "#1a7f4b"
    assert page.locator('path[data-code="mx"]').get_attribute("fill") is None


def test_filter_countries_open_one_and_follow_a_citation(live_server, page, world):
    page.goto(live_server.url + "/countries/")
    page.select_option("#id_indicator", "child-detention-prohibited")
    page.select_option("#id_value", "not-prohibited")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody th a")
    assert sorted(rows.all_inner_texts()) == ["Malaysia", "Thailand"]
    rows.filter(has_text="Thailand").click()
    assert page.locator("h1").inner_text() == "Thailand"
    page.locator("details.fold summary").first.click()  # the timeline, its citations open
    page.locator("details.citations a").first.click()
    assert page.locator("h1").inner_text() == "A source"


def test_compare_two_countries(live_server, page, world):
    page.goto(live_server.url + "/compare/?country=th&country=mx")
    headers = page.locator("table.compare thead th").all_inner_texts()
    assert headers[1:] == ["Thailand", "Mexico"]
    assert page.locator("tr.differs-row").count() == 1


def test_download_the_filtered_law_list_as_csv(live_server, page, world):
    page.goto(live_server.url + "/laws/?country=mx")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download 1 row as CSV").click()
    text = Path(download.value.path()).read_text()
    assert "mx-2020-reform" in text and "th-" not in text


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/countries/",
        "/countries/mx/",
        "/indicators/child-detention-prohibited/",
        "/laws/",
        "/pilots/",
        "/compare/?country=th&country=mx",
        "/search/?q=reform",
    ],
)
def test_main_pages_have_no_serious_accessibility_violations(live_server, page, world, path):
    page.goto(live_server.url + path)
    assert serious_violations(page) == []


def test_phone_width_has_no_horizontal_scrolling(live_server, browser, world):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    for path in ["/", "/countries/", "/countries/mx/", "/laws/"]:
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/ar/",
        "/ar/countries/mx/",
        "/ar/indicators/child-detention-prohibited/",
        "/ar/laws/?country=mx",
    ],
)
def test_arabic_pages_read_right_to_left_without_horizontal_scrolling(
    live_server, browser, world, path
):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + path)
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    context.close()


@pytest.mark.parametrize("language", ["es", "fr", "ar"])
def test_main_pages_pass_the_accessibility_check_in_every_language(
    live_server, page, world, language
):
    for path in ["/", "/countries/mx/", "/laws/"]:
        page.goto(f"{live_server.url}/{language}{path}")
        assert serious_violations(page) == [], path


def test_pages_admin_and_api_docs_raise_no_content_security_policy_violation(
    live_server, page, world, staff
):
    from practices.models import Law

    reported = []
    page.on(
        "console",
        lambda message: (
            reported.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', (event) =>"
        " window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));"
    )

    def visit(path):
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert response.status == 200, path
        assert "content-security-policy" in response.headers, path
        if path == "/api/v1/docs/":
            # Swagger UI draws the operations once it has fetched the schema.
            page.locator(".opblock").first.wait_for()
        return page.evaluate("window.cspViolations")

    seen = {}
    for path in [
        "/",
        "/countries/",
        "/countries/mx/",
        "/indicators/child-detention-prohibited/",
        "/laws/",
        "/laws/mx-2020-reform/",
        "/pilots/",
        "/pledges/",
        "/compare/?country=th&country=mx",
        "/search/?q=reform",
        "/ar/countries/mx/",
        "/api/v1/docs/",
        "/api/v1/laws/",
    ]:
        seen[path] = visit(path)

    # The admin still works under its policy: sign in through the form, then edit a law.
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "researcher")
    page.fill("#id_password", "pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")
    law = Law.objects.get(slug="mx-2020-reform")
    for path in [
        "/admin/",
        "/admin/practices/law/",
        f"/admin/practices/law/{law.pk}/change/",
        f"/admin/practices/law/{law.pk}/history/",
        "/admin/practices/status/add/",
    ]:
        seen[path] = visit(path)
    assert page.locator("#content h1").count() == 1

    assert {path: found for path, found in seen.items() if found} == {}
    assert reported == []
