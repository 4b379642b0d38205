"""Filters a person can use: a country by name, "Any", dates as dates, removable chips,
counts beside choices, and errors that keep the form usable."""

import datetime
import re
from html import unescape

import pytest
from django.http import QueryDict

from practices.filters import LawFilter, StatusFilter
from practices.models import Law, Status

from . import test_browser
from .conftest import make_indicator, make_law, make_pilot, make_status, subdivision

pytestmark = pytest.mark.django_db


@pytest.fixture
def laws():
    make_law("mx-reform", "mx", title="Reform of the Migration Law")
    make_law("mx-rules", "mx", kind=Law.Kind.REGULATION, status=Law.Status.ADOPTED)
    make_law("mx-old", "mx", status=Law.Status.REPEALED)
    make_law("th-act", "th", title="Immigration Act reform")
    make_law("be-ruling", "be", kind=Law.Kind.COURT_RULING)


def html_of(response):
    return response.content.decode()


def chip_links(response):
    """Each chip's text and where its link goes."""
    chips = re.findall(r'<a class="chip" href="([^"]*)">(.*?)</a>', html_of(response), re.S)
    return {
        " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split()): unescape(href)
        for href, text in chips
    }


def slugs(response):
    return sorted(law.slug for law in response.context["page"])


def test_each_active_filter_is_a_chip_whose_link_removes_only_that_value(client, laws):
    response = client.get(
        "/laws/", {"country": ["mx", "Thailand"], "kind": "law", "q": "reform", "page": "1"}
    )
    assert chip_links(response) == {
        "Remove filter Country: Mexico ×": "/laws/?country=Thailand&kind=law&q=reform",
        "Remove filter Country: Thailand ×": "/laws/?country=mx&kind=law&q=reform",
        "Remove filter Kind: Law ×": "/laws/?country=mx&country=Thailand&q=reform",
        "Remove filter Search: reform ×": "/laws/?country=mx&country=Thailand&kind=law",
    }
    assert '<a class="chip-clear" href="/laws/">Clear all</a>' in html_of(response)
    for link in chip_links(response).values():
        assert client.get(link).status_code == 200


def test_a_chip_names_the_country_in_the_visitors_language(client, laws):
    assert list(chip_links(client.get("/es/laws/", {"country": "mx"}))) == [
        "Quitar el filtro País: México ×"
    ]


def test_no_filter_no_chips(client, laws):
    assert chip_links(client.get("/laws/", {"kind": ""})) == {}
    assert 'class="active-filters"' not in html_of(client.get("/laws/"))


def test_counts_beside_choices_are_the_rows_each_choice_gives_with_the_other_filters(client, laws):
    filters = {"country": "mx", "kind": "law"}
    response = client.get("/laws/", filters)
    counts = {
        name: response.context["filter"].form.fields[name].widget.counts
        for name in ("kind", "status")
    }
    assert counts == {
        "kind": {"law": 2, "regulation": 1},  # Mexico's laws, whatever their kind
        "status": {"in-force": 1, "repealed": 1},  # Mexico's laws of kind law
    }
    for name, choices in [("kind", Law.Kind.choices), ("status", Law.Status.choices)]:
        for value, _label in choices:
            chosen = LawFilter({**filters, name: value}, queryset=Law.objects.published())
            assert counts[name].get(value, 0) == chosen.qs.count(), (name, value)
    html = html_of(response)
    assert '<option value="regulation">Regulation (1)</option>' in html
    assert '<option value="law" selected>Law (2)</option>' in html
    assert '<option value="court-ruling">Court ruling (0)</option>' in html


def test_country_list_counts_countries_per_current_value(client):
    child = make_indicator(
        "child-detention-prohibited", values=("prohibited-in-law", "not-prohibited")
    )
    make_status("mx", child, "not-prohibited", "2010-01-01")
    make_status("mx", child, "prohibited-in-law", "2020-01-01")
    make_status("th", child, "not-prohibited", "2019-01-01")
    make_status("my", child, "not-prohibited", "2019-01-01")
    response = client.get(
        "/countries/", {"indicator": child.slug, "value": "not-prohibited", "region": "asia"}
    )
    fields = response.context["filter"].form.fields
    assert fields["value"].widget.counts == {"not-prohibited": 2}  # Thailand, Malaysia
    assert fields["indicator"].widget.counts == {child.slug: 2}
    assert response.context["page"].paginator.count == 2
    everywhere = client.get("/countries/", {"indicator": child.slug}).context["filter"]
    assert everywhere.form.fields["value"].widget.counts == {
        "not-prohibited": 2,
        "prohibited-in-law": 1,  # Mexico now
    }


def test_no_choice_says_any_and_yes_no_questions_any_yes_no(client, laws):
    for url in ["/laws/", "/pilots/", "/pledges/", "/figures/", "/sources/", "/countries/"]:
        html = html_of(client.get(url))
        assert "---------" not in html, url
        assert '<option value="" selected>Any</option>' in html, url
    html = str(StatusFilter({"practice_differs": "true"}).form["practice_differs"])
    options = re.findall(r"<option[^>]*>([^<]*)</option>", html)
    assert options == ["Any", "Yes", "No"]
    assert '<option value="true" selected>' in html


def test_changed_since_is_a_date_on_pages_and_a_date_filters_like_the_apis_moment(client, laws):
    Law.objects.filter(slug="mx-old").update(
        updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    response = client.get("/laws/", {"updated_since": "2024-07-01"})
    assert re.search(
        r'<input type="date" name="updated_since" value="2024-07-01"', html_of(response)
    )
    api = client.get("/api/v1/laws/", {"updated_since": "2024-07-01T00:00:00Z"}).json()
    assert slugs(response) == sorted(law["slug"] for law in api["results"])
    assert "mx-old" not in slugs(response) and len(slugs(response)) == 4
    assert list(chip_links(response)) == ["Remove filter Changed since: July 1, 2024 ×"]
    # A moment from an API-style link stays as it was given.
    moment = client.get("/laws/", {"updated_since": "2024-07-01T10:00:00Z"})
    assert 'type="text" name="updated_since" value="2024-07-01T10:00:00Z"' in html_of(moment)


def test_a_country_by_its_name_in_any_language_filters_like_its_code(client, laws):
    by_code = slugs(client.get("/laws/", {"country": "mx"}))
    assert by_code == ["mx-old", "mx-reform", "mx-rules"]
    for name in ["Mexico", "méxico", "Mexique", " MX "]:
        assert slugs(client.get("/laws/", {"country": name})) == by_code, name
    api = client.get("/api/v1/laws/", {"country": "Mexique"}).json()
    assert sorted(law["slug"] for law in api["results"]) == by_code


def test_the_country_picker_offers_names_sorted_in_the_visitors_language(client, laws):
    names = re.findall(r'<option value="([^"]*)" data-code', html_of(client.get("/es/laws/")))
    assert len(names) == 249
    assert names.index("Alemania") < names.index("Bélgica") < names.index("Brasil")
    assert names[0] == "Afganistán"
    chosen = html_of(client.get("/laws/", {"country": ["mx", "th"]}))
    assert '<input type="checkbox" name="country" value="mx" checked> Mexico' in chosen
    assert '<input type="checkbox" name="country" value="th" checked> Thailand' in chosen


def test_an_error_is_beside_its_field_and_the_form_keeps_every_value(client, laws):
    response = client.get(
        "/laws/", {"country": ["mx", "Atlantis"], "kind": "regulation", "q": "reform"}
    )
    assert response.status_code == 400
    html = html_of(response)
    error = re.search(
        r'<div class="errors" role="alert" id="id_country_error">(.*?)</div>', html, re.S
    )
    assert "Atlantis" in error.group(1)
    box = re.search(r'<input type="text" name="country" id="id_country"[^>]*>', html).group(0)
    assert 'value="Atlantis"' in box
    assert 'aria-describedby="id_country_error"' in box
    assert 'aria-invalid="true"' in box
    assert '<input type="checkbox" name="country" value="mx" checked> Mexico' in html
    assert '<option value="regulation" selected>Regulation</option>' in html
    assert 'name="q" value="reform"' in html
    assert '<button type="submit">Filter</button>' in html


def test_compare_five_countries_keeps_all_five_and_says_why_beside_the_field(client):
    codes = ["th", "my", "mx", "be", "gb"]
    response = client.get("/compare/", {"country": codes})
    assert response.status_code == 400
    html = html_of(response)
    ticked = re.findall(r'<input type="checkbox" name="country" value="(\w+)" checked>', html)
    assert ticked == codes
    assert 'id="id_country_error"' in html and "at most four" in html
    assert re.search(r'id="id_country"[^>]*aria-describedby="[^"]*id_country_error', html)
    shorter = client.get("/compare/", {"country": codes[:4]})
    assert shorter.status_code == 200
    assert [c.iso2 for c in shorter.context["countries"]] == ["TH", "MY", "MX", "BE"]


def test_compare_takes_names_and_offers_four_boxes_to_start(client):
    empty = html_of(client.get("/compare/"))
    assert len(re.findall(r'<input type="text" name="country"', empty)) == 4
    response = client.get("/compare/", {"country": ["Thailand", "my", ""]})
    assert [c.iso2 for c in response.context["countries"]] == ["TH", "MY"]
    # Two chosen: two more boxes for up to four.
    assert len(re.findall(r'<input type="text" name="country"', html_of(response))) == 2


def test_pilots_count_target_groups_and_kinds(client):
    make_pilot("th-one", "th")
    make_pilot("th-two", "th", classification="enforcement-based")
    make_pilot("mx-one", "mx")
    response = client.get("/pilots/", {"country": "th"})
    assert response.context["filter"].form.fields["kind"].widget.counts == {
        "rights-based": 1,
        "enforcement-based": 1,
    }


# In a real browser (Debian's Chromium), with and without JavaScript, and with axe.

# test_browser's fixtures (Chromium, a page, its world of records), and its marks.
browser, page, world = test_browser.browser, test_browser.page, test_browser.world
serious_violations = test_browser.serious_violations


def browser_test(test):
    for mark in test_browser.pytestmark:
        test = mark(test)
    return test


def chip_texts(page):
    """What each chip says, without the "Remove filter" for screen readers and the ×."""
    texts = page.locator(".active-filters a.chip").all_inner_texts()
    return [
        " ".join(text.split()).removeprefix("Remove filter ").removesuffix(" ×") for text in texts
    ]


def law_titles(page):
    return sorted(page.locator("tbody th a").all_inner_texts())


@browser_test
def test_picking_a_country_by_typing_filters_the_list(live_server, page, world):
    make_law("th-act", "th", title="Immigration Act")
    page.goto(live_server.url + "/laws/")
    page.locator("#id_country").press_sequentially("Mex")
    page.get_by_role("option", name="Mexico", exact=True).click()
    assert page.locator(".picker-token").inner_text().startswith("Mexico")
    assert page.locator("#id_country").input_value() == ""
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/laws/?country=mx**")
    assert "country=&" not in page.url and not page.url.endswith("country=")
    assert law_titles(page) == ["Reform of the Migration Law"]
    # The chosen country is a token again, and its remove button drops it.
    page.get_by_role("button", name="Remove Mexico").click()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/laws/?**")
    assert law_titles(page) == ["Immigration Act", "Reform of the Migration Law"]


@browser_test
def test_the_country_picker_works_without_javascript(live_server, browser, world):
    make_law("th-act", "th", title="Immigration Act")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/laws/")
        assert page.locator("#id_country").get_attribute("list") == "id_country-names"
        page.fill("#id_country", "Mexico")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url("**country=Mexico**")
        assert law_titles(page) == ["Reform of the Migration Law"]
        mexico = page.get_by_role("checkbox", name="Mexico")
        assert mexico.is_checked()
        page.fill("#id_country", "Thailand")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url("**country=Thailand**")
        assert law_titles(page) == ["Immigration Act", "Reform of the Migration Law"]
        page.get_by_role("checkbox", name="Mexico").uncheck()
        page.get_by_role("button", name="Filter").click()
        page.wait_for_load_state()
        assert law_titles(page) == ["Immigration Act"]
    finally:
        context.close()


@browser_test
def test_removing_a_filter_chip_keeps_the_other_filters(live_server, page, world):
    make_law("mx-rules", "mx", title="Migration rules", kind=Law.Kind.REGULATION)
    page.goto(live_server.url + "/laws/?country=mx&kind=regulation")
    assert law_titles(page) == ["Migration rules"]
    assert chip_texts(page) == ["Country: Mexico", "Kind: Regulation"]
    page.locator("a.chip", has_text="Kind").click()
    page.wait_for_url("**/laws/?country=mx")
    assert law_titles(page) == ["Migration rules", "Reform of the Migration Law"]
    assert chip_texts(page) == ["Country: Mexico"]
    page.get_by_role("link", name="Clear all").click()
    page.wait_for_url("**/laws/")
    assert page.locator(".active-filters").count() == 0


@browser_test
def test_a_filtered_list_with_chips_and_counts_has_no_serious_axe_violation(
    live_server, page, world
):
    page.goto(live_server.url + "/laws/?country=mx&country=th&kind=law&q=reform")
    assert page.locator(".active-filters a.chip").count() == 4
    assert serious_violations(page) == []
    page.locator("#id_country").press_sequentially("Ma")  # the suggestions open
    assert page.get_by_role("option").count() > 1
    assert serious_violations(page) == []
    page.goto(live_server.url + "/compare/?country=th&country=my&country=mx&country=be&country=gb")
    assert serious_violations(page) == []


def test_a_status_list_counts_yes_and_no_and_values_through_the_shared_filterset():
    child = make_indicator(
        "child-detention-prohibited", values=("prohibited-in-law", "not-prohibited")
    )
    make_status("mx", child, "prohibited-in-law", "2020-01-01", practice_differs=True)
    make_status("be", child, "prohibited-in-law", "2020-01-01")
    make_status("th", child, "not-prohibited", "2019-01-01")
    statuses = StatusFilter(
        QueryDict("value=prohibited-in-law&practice_differs=true"),
        queryset=Status.objects.published(),
    )
    statuses.show_choice_counts()
    fields = statuses.form.fields
    assert fields["practice_differs"].widget.counts == {"true": 1, "false": 1}
    assert fields["value"].widget.counts == {"prohibited-in-law": 1}
    assert fields["indicator"].widget.counts == {child.slug: 1}
    assert 'value="false">No (1)</option>' in str(statuses.form["practice_differs"])


def test_regions_are_grouped_by_level(client, laws):
    html = client.get("/laws/").content.decode()
    regions = html[
        html.index('name="region"') : html.index("</select>", html.index('name="region"'))
    ]
    assert regions.index('<optgroup label="Regions">') < regions.index('value="americas"')
    assert regions.index('<optgroup label="Sub-regions">') < regions.index(
        'value="latin-america-and-the-caribbean"'
    )
    assert regions.index('<optgroup label="Intermediate regions">') < regions.index(
        'value="central-america"'
    )
    filtered = client.get("/laws/", {"region": "central-america"})
    assert filtered.status_code == 200
    assert '<option value="central-america" selected>' in filtered.content.decode()


def test_subdivisions_to_choose_are_those_with_records_under_their_country(client, laws):
    make_law("mx-chiapas-decree", "mx", title="Chiapas decree", subdivision=subdivision("MX-CHP"))
    html = html_of(client.get("/laws/"))
    start = html.index('name="subdivision"')
    places = html[start : html.index("</select>", start)]
    assert '<option value="" selected>Any</option>' in places
    assert '<option value="national">National records only</option>' in places
    assert '<optgroup label="Mexico">' in places
    assert '<option value="MX-CHP">Chiapas</option>' in places
    assert places.count("<option") == 3  # no subdivision without a law
    chiapas = client.get("/laws/", {"subdivision": "mx-chp"})
    assert [law.slug for law in chiapas.context["page"]] == ["mx-chiapas-decree"]
    assert list(chip_links(chiapas)) == ["Remove filter Subdivision: Chiapas ×"]
    national = client.get("/laws/", {"subdivision": "national"})
    assert "mx-chiapas-decree" not in {law.slug for law in national.context["page"]}
    assert list(chip_links(national)) == ["Remove filter Subdivision: National records only ×"]


def test_a_nul_character_in_a_country_is_a_form_error(client, laws):
    filters = LawFilter(QueryDict("country=Mex%00ico"), queryset=Law.objects.all())
    assert not filters.is_valid()
    assert "Null characters are not allowed." in str(filters.errors["country"])
