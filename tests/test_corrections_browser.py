"""A reader suggests a correction in a real Chromium, and the pages pass axe."""

from corrections.models import Correction

from . import test_browser
from .test_browser import serious_violations

# The browser tests' fixtures and marks (Chromium, a live server, the data it shows).
pytestmark = test_browser.pytestmark
browser, page, world = test_browser.browser, test_browser.page, test_browser.world


def test_a_reader_sends_a_correction_from_a_law_page(live_server, page, world):
    page.goto(live_server.url + "/laws/mx-2020-reform/")
    page.get_by_role("link", name="Suggest a correction").click()
    page.wait_for_url("**/corrections/new/?kind=law&id=mx-2020-reform")
    assert page.get_by_role("link", name="Reform of the Migration Law").is_visible()
    assert serious_violations(page) == []
    assert not page.locator("#id_website").is_visible()  # the honeypot

    page.get_by_role("button", name="Send the correction").click()  # nothing typed yet
    assert page.get_by_role("alert").first.is_visible()
    assert page.get_by_label("What is wrong?").get_attribute("aria-invalid") == "true"
    assert serious_violations(page) == []

    page.get_by_label("What is wrong?").fill("The reform dates from November 2020.")
    page.get_by_label("Source (optional)").fill("Diario Oficial de la Federación, 11-11-2020")
    page.get_by_role("button", name="Send the correction").click()
    page.wait_for_url("**/corrections/thanks/**")
    assert page.get_by_role("heading", name="Thank you for your correction").is_visible()
    assert serious_violations(page) == []

    correction = Correction.objects.get()
    assert correction.what_is_wrong == "The reform dates from November 2020."
    assert correction.record.slug == "mx-2020-reform" and correction.email == ""


def test_the_form_fits_a_phone(live_server, browser, world):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + "/corrections/new/?kind=country&id=mx")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
