"""The API's docs page in a real Chromium: Swagger UI from our own static files."""

from urllib.parse import urlsplit

from playwright.sync_api import expect

from .test_browser import browser, page, pytestmark, world  # noqa: F401


def test_the_docs_page_tries_a_request_against_this_server_and_no_other(
    live_server,
    page,  # noqa: F811 (the fixture imported above)
    world,  # noqa: F811
):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', (event) =>"
        " window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI));"
    )

    page.goto(live_server.url + "/api/v1/docs/")
    laws = page.locator("#operations-laws-laws_list")
    laws.locator(".opblock-summary").click()
    assert "/api/v1/laws/" in laws.locator(".opblock-summary-path").inner_text()
    expect(laws.get_by_text("subdivision", exact=True)).to_be_visible()
    laws.get_by_role("button", name="Try it out").click()
    laws.get_by_role("button", name="Execute").click()

    status = laws.locator(".live-responses-table tr.response .response-col_status")
    expect(status).to_have_text("200")
    body = laws.locator(".live-responses-table tr.response .microlight").first
    assert "mx-2020-reform" in body.inner_text()
    assert page.evaluate("window.cspViolations") == []
    assert any(urlsplit(url).path == "/api/v1/laws/" for url in requested)
    assert {urlsplit(url).netloc for url in requested} == {urlsplit(live_server.url).netloc}


def test_the_docs_page_groups_operations_by_resource_in_the_language_asked_for(
    live_server,
    page,  # noqa: F811 (the fixture imported above)
    world,  # noqa: F811
):
    page.goto(live_server.url + "/api/v1/docs/?lang=es")
    assert page.locator("html").get_attribute("lang") == "es"
    root = page.locator("#operations-root-root_retrieve")
    assert root.locator(".opblock-summary-description").inner_text() == "Raíz de la API"
    tags = page.locator(".opblock-tag-section h3").all_inner_texts()
    assert [tag.strip() for tag in tags] == [
        "countries",
        "indicators",
        "statuses",
        "laws",
        "pilots",
        "pledges",
        "figures",
        "sources",
        "organisations",
        "withdrawals",
        "downloads",
        "root",
    ]
