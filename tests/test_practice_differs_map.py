"""The maps' practice-differs view: a permalink that works without JavaScript."""

import re

import pytest

from .test_browser import browser, page, pytestmark, serious_violations, world  # noqa: F401

INDICATOR_PAGE = "/indicators/child-detention-prohibited/"


def shape_classes(html, code):
    return re.search(rf'class="([^"]*)" data-code="{code}"', html)[1].split()


def test_practice_that_differs_is_hatched_and_marked_on_every_map(client, world):  # noqa: F811
    for url in ["/", INDICATOR_PAGE]:
        html = client.get(url).content.decode()
        assert "differs" in shape_classes(html, "mx")
        assert html.count('class="hatch" fill="url(#differs-hatch)"') == 1
        assert '<g class="differs-mark"' in html and 'data-code="mx" aria-hidden="true"' in html
        assert "Hatched and marked: practice differs from law" in html
        assert "muted" not in shape_classes(html, "th")


def test_the_differs_view_keeps_those_countries_and_fades_the_others(client, world):  # noqa: F811
    for url in ["/?differs=1", INDICATOR_PAGE + "?differs=1"]:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert "muted" not in shape_classes(html, "mx")
        assert "muted" in shape_classes(html, "th") and "muted" in shape_classes(html, "my")
        assert "Where practice differs from law: 1 country, hatched and marked ⚠." in html
        assert "The other countries are faded." in html


def test_the_home_page_links_to_the_differs_view_and_keeps_it_when_switching(client, world):  # noqa: F811
    html = client.get("/").content.decode()
    link = re.search(r'<a href="([^"]*)">[^<]*<span aria-hidden="true">⚠</span> ([^<]*)</a>', html)
    assert link[1] == "/?differs=1" and link[2] == "Where practice differs from law"
    switched = client.get("/?indicator=child-detention-prohibited&differs=1").content.decode()
    assert '<input type="hidden" name="differs" value="1">' in switched
    assert 'href="/?indicator=child-detention-prohibited" aria-current' not in switched


@pytest.mark.parametrize("value", ["yes", "0", "2", "true"])
def test_an_unknown_view_is_a_400_naming_the_parameter(client, world, value):  # noqa: F811
    for url in ["/", INDICATOR_PAGE]:
        response = client.get(url, {"differs": value})
        assert response.status_code == 400, url
        assert "Map view: Select a valid choice." in response.content.decode()


def test_both_views_are_cached_apart(client, world):  # noqa: F811
    every = client.get(INDICATOR_PAGE).content
    differs = client.get(INDICATOR_PAGE + "?differs=1").content
    assert every != differs
    assert client.get(INDICATOR_PAGE + "?differs=1").content == differs
    assert client.get(INDICATOR_PAGE).content == every


def test_toggling_the_view_in_a_browser(live_server, page, world):  # noqa: F811
    page.goto(live_server.url + INDICATOR_PAGE + "?differs=1")
    assert serious_violations(page) == []  # axe needs JavaScript: checked here, not below
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Where practice differs from law").click()
    page.wait_for_url("**/?differs=1")
    assert "muted" in page.locator('path[data-code="th"]').get_attribute("class")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Every status").click()
    page.wait_for_url(live_server.url + "/")
    assert "muted" not in page.locator('path[data-code="th"]').get_attribute("class")


def test_toggling_the_view_without_javascript(live_server, browser, world):  # noqa: F811
    no_js = browser.new_context(java_script_enabled=False).new_page()
    no_js.goto(live_server.url + INDICATOR_PAGE)
    no_js.get_by_role("link", name="Where practice differs from law").click()
    no_js.wait_for_url("**?differs=1")
    assert "muted" in no_js.locator('path[data-code="th"]').get_attribute("class")
    assert (
        no_js.locator(".map-views a[aria-current]")
        .inner_text()
        .endswith("Where practice differs from law")
    )
    no_js.context.close()
