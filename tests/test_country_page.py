"""A country page reads well: where the country stands first, each timeline folded below."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from countries.models import Country, Region, Subdivision
from countries.reference import sync_reference_data
from practices.models import Status

from .conftest import make_indicator, make_status
from .test_browser import browser, page, pytestmark, serious_violations  # noqa: F401

PHONE = {"width": 390, "height": 844}
MEXICO_MAX_HEIGHT = 6000


@pytest.fixture
def countries():
    # The live server needs committed data; each browser test's flush empties every table,
    # the reference data from the migrations included.
    if not Country.objects.exists():
        sync_reference_data(Region, Country, Subdivision)


@pytest.fixture
def mexico(countries):
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
    make_status("MX-CHP", child, "prohibited-in-law", "2021-01-01", practice_differs=True)
    return child


@pytest.fixture
def real_dataset(countries):
    call_command("load_dataset", stdout=StringIO())


def test_the_page_says_where_the_country_stands_before_its_folded_timelines(client, mexico):
    html = client.get("/countries/mx/").content.decode()
    standing = html.index('<ul class="standing">')
    timelines = html.index('id="timelines-heading"')
    current = html.index("Prohibited-in-law", standing)
    assert standing < current < html.index("Practice differs from law", standing) < timelines
    assert 'href="#indicator-child-detention-prohibited"' in html[standing:timelines]
    # Chiapas briefly, linking to its own fold.
    assert 'href="#indicator-child-detention-prohibited-mx-chp"' in html[standing:timelines]
    # Every timeline is folded, with its citations open inside the fold.
    assert html.count('<details class="status fold') == 2
    assert '<details class="status fold current" id="indicator-child-detention-prohibited"' in html
    assert html.count('<details class="citations" open>') == 3
    assert "2 entries · 2 sources" in html
    assert 'src="/static/js/folds.js"' in html


def test_a_status_permalink_points_inside_its_fold(client, mexico):
    status = Status.objects.get(country__iso2="MX", subdivision__code="MX-CHP")
    html = client.get("/countries/mx/").content.decode()
    fold = html.index('id="indicator-child-detention-prohibited-mx-chp"')
    assert html.index(f'id="status-{status.pk}"', fold) > fold
    assert status.get_absolute_url() == f"/countries/mx/#status-{status.pk}"


def phone_page(browser):  # noqa: F811
    return browser.new_context(viewport=PHONE).new_page()


def test_mexico_fits_in_a_few_phone_screens_before_anything_is_opened_and_passes_axe(
    live_server,
    browser,  # noqa: F811
    real_dataset,
):
    phone = phone_page(browser)
    phone.goto(live_server.url + "/countries/mx/")
    assert phone.locator("details.fold").count() > 15
    assert phone.locator("details.fold[open]").count() == 0
    height = phone.evaluate("document.documentElement.scrollHeight")
    assert height <= MEXICO_MAX_HEIGHT
    assert serious_violations(phone) == []
    phone.context.close()


def test_opening_a_fold_shows_its_timeline_and_citations(
    live_server,
    page,  # noqa: F811
    real_dataset,
):
    page.goto(live_server.url + "/countries/mx/")
    fold = page.locator("#indicator-child-detention-prohibited")
    quote = fold.locator("details.citations q").first
    assert not quote.is_visible()
    fold.locator("summary").first.click()
    assert quote.is_visible()
    assert fold.get_by_text("In practice").first.is_visible()
    assert serious_violations(page) == []


def test_an_anchor_opens_its_fold_on_arrival_and_from_the_summary(
    live_server,
    page,  # noqa: F811
    real_dataset,
):
    chiapas = Status.objects.filter(subdivision__code="MX-CHP").first()
    page.goto(f"{live_server.url}/countries/mx/#status-{chiapas.pk}")
    # static/js/folds.js opens the folds around the target once the page has loaded.
    expect(page.locator(f"#status-{chiapas.pk}")).to_be_visible()
    expect(page.locator("#subdivision-mx-chp")).to_have_attribute("open", "")
    assert page.locator("#indicator-community-atd-pilot").get_attribute("open") is None
    page.locator(".standing a[href='#indicator-community-atd-pilot']").click()
    expect(page.locator("#indicator-community-atd-pilot")).to_have_attribute("open", "")
    expect(page.locator("#indicator-community-atd-pilot ol.timeline")).to_be_visible()


def test_without_javascript_a_fold_opens_from_the_keyboard(
    live_server,
    browser,  # noqa: F811
    real_dataset,
):
    no_js = browser.new_context(java_script_enabled=False).new_page()
    no_js.goto(live_server.url + "/countries/mx/")
    fold = no_js.locator("#indicator-child-detention-prohibited")
    fold.locator("summary").first.focus()
    no_js.keyboard.press("Enter")
    assert fold.locator("details.citations q").first.is_visible()
    no_js.context.close()
