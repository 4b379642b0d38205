"""Search: what advocates type finds statuses and every record, in each language."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from tracker.exports import dataset_version
from tracker.models import SearchEntry, SearchIndex
from tracker.search import KINDS, Searcher, index_is_usable, rebuild_index, search

from .conftest import DRAFT, make_indicator, make_law, make_pilot, make_source, make_status
from .test_browser import CHROMIUM, browser, serious_violations, world  # noqa: F401
from .test_downloads import QUEUE

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"
only_on_postgresql = pytest.mark.skipif(not POSTGRESQL, reason="full-text search is PostgreSQL's")

# Expect 8 queries, however many records match:
# * the dataset version (the cache key)
# * one per kind: countries, statuses, laws, pilots, pledges, figures, sources
# and on PostgreSQL one more, the search index's state, once the index holds this version.
SEARCH_QUERIES = 8 + POSTGRESQL

# Per language: a status's practice text, a word in it as typed, and another form of it
# that stemming finds (PostgreSQL).
PRACTICE = {
    "en": ("Children were held in a referral office.", "referral", "referral offices"),
    "es": ("Niñas y niños retenidos en una oficina de canalización.", "canalización", "oficinas"),
    "fr": ("Des enfants retenus dans des centres de transit.", "transit", "centre"),
    "ar": ("احتجز الأطفال في المكاتب الإحالة.", "المكاتب", "مكاتب"),
}
PREFIX = {"en": "", "es": "/es", "fr": "/fr", "ar": "/ar"}


def results(client, query, language="en"):
    response = client.get(f"{PREFIX[language]}/search/", {"q": query})
    assert response.status_code == 200
    return {group.kind: group for group in response.context["found"].groups}


def status_in(language, **fields):
    text = PRACTICE[language][0]
    return make_status(
        "mx", original_language=language, **{f"practice_{language}": text}, **fields
    )


@pytest.mark.parametrize("language", PRACTICE)
def test_a_status_is_found_by_its_practice_text_in_each_language(client, language):
    status = status_in(language)
    _text, word, _other_form = PRACTICE[language]
    (found,) = results(client, word, language)["statuses"].results
    assert found.url == f"{PREFIX[language]}/countries/mx/#status-{status.pk}"
    assert word in "".join(part.text for part in found.snippet if part.is_match)


@only_on_postgresql
@pytest.mark.parametrize("language", PRACTICE)
def test_on_postgresql_another_form_of_the_word_finds_the_status(client, language):
    status_in(language)
    _text, _word, other_form = PRACTICE[language]
    assert results(client, other_form, language)["statuses"].count == 1


def test_the_visitor_s_language_is_searched_and_falls_back_to_the_original(client):
    make_status("mx", practice="Children held in referral offices.")
    make_status(
        "th",
        original_language="es",
        practice_es="Niños detenidos en centros de detención.",
        legal_position=None,
        legal_position_es="La ley no lo prohíbe.",
    )
    # A Spanish reader finds the English-only status by its English text…
    assert results(client, "referral", "es")["statuses"].count == 1
    # …and the Spanish one by its Spanish text, which an English reader does not read.
    assert results(client, "detenidos", "es")["statuses"].count == 1
    assert results(client, "detenidos", "en")["statuses"].count == 1  # falls back to Spanish
    make_status("my", practice="Children detained.", practice_es="Niños detenidos en Malasia.")
    assert results(client, "Malasia", "es")["statuses"].count == 1
    assert results(client, "Malasia", "en")["statuses"].count == 0


def test_a_status_result_shows_its_country_indicator_and_value(client):
    indicator = make_indicator(name="Child detention prohibited")
    make_status(
        "MX-CHP",
        indicator,
        "prohibited",
        caveat="Children were still held in referral offices.",
    )
    html = client.get("/search/", {"q": "referral offices"}).content.decode()
    assert ">Chiapas, Mexico<" in html
    assert "Child detention prohibited" in html
    assert "Prohibited" in html and "since Jan. 1, 2020" in html
    assert "<mark>referral</mark>" in html


def test_the_snippet_escapes_html_in_the_record_text(client):
    make_status(
        "mx", practice="Tom & Jerry < 100 held in referral offices <img src=x onerror=f()>"
    )
    html = client.get("/search/", {"q": "referral"}).content.decode()
    assert "<img src=x" not in html
    assert "Tom &amp; Jerry &lt; 100 held in <mark>referral</mark> offices &lt;img src=x" in html


def test_results_are_grouped_by_kind_with_a_count_and_a_bounded_list():
    make_indicator()
    for code in ["mx", "th", "my"]:
        make_status(code, practice="Children held in referral offices.")
    make_law("mx-referral-protocol", title="Referral protocol")
    make_source("referral-report", title="Referral offices in Chiapas")
    found = search("referral", per_kind=2)
    counts = {group.kind: group.count for group in found.groups}
    assert counts == {
        "countries": 0,
        "statuses": 3,
        "laws": 1,
        "pilots": 0,
        "pledges": 0,
        "figures": 0,
        "sources": 1,
    }
    statuses = next(group for group in found.groups if group.kind == "statuses")
    assert len(statuses.results) == 2 and statuses.more == 1
    assert found.total == 5
    assert {result.kind for result in found.results} == {"statuses", "laws", "sources"}


def test_the_page_lists_each_kind_with_its_count(client):
    make_status("mx", practice="Children held in referral offices.")
    make_law("mx-referral-protocol", title="Referral protocol")
    html = client.get("/search/", {"q": "referral"}).content.decode()
    assert 'href="#results-statuses"' in html and 'href="#results-laws"' in html
    assert 'href="#results-pilots"' not in html
    assert html.index('id="results-statuses"') < html.index('id="results-laws"')
    assert "2 results" in html


def test_a_title_match_ranks_above_a_match_in_the_text():
    make_law("mx-summary", title="Migration law", summary="A detention reform.")
    make_law("mx-title", title="Detention reform act", summary="A new law.")
    make_pilot("th-pilot", description="Nothing about it.")
    laws = search("reform").groups[2]
    assert [result.title for result in laws.results] == ["Detention reform act", "Migration law"]
    assert laws.results[0].rank > laws.results[1].rank


def test_a_quoted_phrase_must_appear_as_typed_and_a_minus_word_is_left_out():
    make_status("mx", practice="Children held in referral offices.")
    make_status("th", practice="Offices of referral for families.")
    make_status("my", practice="Referral offices in Malaysia.")
    statuses = search('"referral offices"').groups[1]
    assert {r.title for r in statuses.results} == {"Mexico", "Malaysia"}
    statuses = search('"referral offices" -Malaysia').groups[1]
    assert [r.title for r in statuses.results] == ["Mexico"]


def test_drafts_are_never_found(client):
    make_status("mx", practice="Secret referral offices.", publication_status=DRAFT)
    make_law("mx-draft", title="Secret referral law", publication_status=DRAFT)
    groups = results(client, "secret")
    assert groups["statuses"].count == groups["laws"].count == 0


def test_nothing_found_says_so_and_suggests_where_to_look(client):
    html = client.get("/search/", {"q": "zzzzqqq"}).content.decode()
    assert "0 results" in html
    assert "Nothing matches" in html and 'href="/countries/"' in html


@pytest.mark.parametrize("query", ["-referral", '"', "'&|!():*", '" -"', "-"])
def test_odd_queries_find_nothing_and_never_fail(client, query):
    make_status("mx", practice="Children held in referral offices.")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert response.context["found"].total == 0


@only_on_postgresql
def test_on_postgresql_common_words_alone_find_nothing(client):
    make_status("mx", practice="Children held in the referral offices.")
    assert client.get("/search/", {"q": "the"}).context["found"].total == 0


def test_an_empty_search_shows_only_the_form(client):
    response = client.get("/search/", {"q": "  "})
    assert response.status_code == 200
    assert response.context["found"] is None
    assert 'id="search-q"' in response.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [("x" * 201, "Use at most 200 characters."), ("a\x00b", "holds a NUL character")],
)
def test_bad_input_is_a_400_that_says_what_to_change(client, query, message):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_search_holds_its_query_budget(client, django_assert_num_queries):
    make_indicator()
    make_status("mx", practice="Children held in referral offices.")
    client.get("/search/", {"q": "warm"})  # on PostgreSQL, the index follows the records
    with django_assert_num_queries(SEARCH_QUERIES):
        small = client.get("/search/", {"q": "referral"})
    for code in ["th", "my", "id", "be", "gb"]:
        make_status(code, practice="Children held in referral offices.")
        make_law(f"{code}-referral", code, title="Referral law")
    client.get("/search/", {"q": "warm"})
    with django_assert_num_queries(SEARCH_QUERIES):
        large = client.get("/search/", {"q": "referral offices law"})
    assert small.context["found"].total == 1
    assert len(large.context["found"].results) >= 6


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
@pytest.mark.parametrize("prefix", ["", "/ar"])
@pytest.mark.parametrize("width", [390, 1280])
def test_a_found_status_leads_to_its_country_page(live_server, browser, world, prefix, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 800})
    tab = context.new_page()
    tab.goto(f"{live_server.url}{prefix}/search/?q=referral+offices")
    assert tab.locator("#results-statuses").is_visible()
    assert tab.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert serious_violations(tab) == []
    tab.locator(".search-group a").first.click()
    assert tab.url.startswith(f"{live_server.url}{prefix}/countries/mx/#status-")
    # Its timeline's fold opens for it (static/js/folds.js), once the page has loaded.
    expect(tab.locator("#" + tab.url.split("#")[1])).to_be_visible()
    context.close()


@only_on_postgresql
def test_on_postgresql_the_search_index_follows_every_edit(client):
    law = make_law("mx-referral-protocol", title="Referral protocol")
    assert results(client, "referral")["laws"].count == 1
    assert SearchIndex.state().version_tag == dataset_version().tag
    law.title = "Canalisation protocol"
    law.save()
    assert results(client, "canalisation")["laws"].count == 1
    assert results(client, "referral")["laws"].count == 0
    assert SearchIndex.state().version_tag == dataset_version().tag


@only_on_postgresql
def test_on_postgresql_an_index_older_than_the_data_never_shows_a_draft(client):
    law = make_law("mx-referral-protocol", title="Referral protocol")
    assert results(client, "referral")["laws"].count == 1
    law.publication_status = DRAFT
    law.save()
    # As while the worker has not rebuilt it yet: the entries still hold the published law.
    SearchIndex.objects.update(requested_tag=dataset_version().tag)
    assert SearchEntry.objects.filter(kind="laws", object_id=law.pk).exists()
    assert results(client, "referral")["laws"].count == 0


@only_on_postgresql
def test_on_postgresql_a_rebuild_lost_with_its_worker_is_asked_for_again(client, settings):
    law = make_law("mx-referral-protocol", title="Referral protocol")
    assert results(client, "referral")["laws"].count == 1
    law.title = "Canalisation protocol"
    law.save()
    # A worker took the rebuild of this version, then died before it was done.
    asked = timezone.now()
    SearchIndex.objects.update(requested_tag=dataset_version().tag, requested_at=asked)
    assert results(client, "canalisation")["laws"].count == 0  # the older entries serve
    lost = asked - timedelta(seconds=settings.SEARCH_REBUILD_TIMEOUT + 1)
    SearchIndex.objects.update(requested_at=lost)
    # (Another query: the page for the first is cached for this dataset version.)
    assert results(client, "canalisation protocol")["laws"].count == 1
    assert SearchIndex.state().version_tag == dataset_version().tag


@only_on_postgresql
def test_on_postgresql_only_one_search_asks_again_for_a_lost_rebuild(settings):
    settings.TASKS = QUEUE  # queued for a worker, as in production
    make_law("mx-referral-protocol", title="Referral protocol")
    lost = timezone.now() - timedelta(seconds=settings.SEARCH_REBUILD_TIMEOUT + 1)
    SearchIndex.objects.update_or_create(
        pk=SearchIndex.state().pk,
        defaults={
            "version_tag": "older",
            "requested_tag": dataset_version().tag,
            "requested_at": lost,
        },
    )
    for _search in range(3):
        assert index_is_usable("en")
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert SearchIndex.state().requested_at > lost


@only_on_postgresql
@pytest.mark.parametrize("query", ["referral", "referral offices", '"referral offices"', "-law"])
def test_on_postgresql_the_index_finds_and_ranks_as_reading_the_records_does(query):
    make_indicator()
    # Equal texts rank equally: the title, then the record, decide their order.
    for code in ["mx", "th", "my", "id", "be"]:
        make_status(code, practice="Children held in referral offices.", caveat="A law.")
    make_law("mx-referral-protocol", title="Referral protocol", summary="Referral offices.")
    make_law("th-referral-protocol", title="A referral protocol", summary="Referral offices.")
    make_source("referral-report", title="Referral offices in Chiapas")
    rebuild_index.call()

    def found(indexed, per_kind):
        searcher = Searcher(query, "en", per_kind, indexed)
        groups = [searcher.group(kind) for kind in KINDS]
        return [
            (
                group.count,
                [(found.url, round(found.rank, 6), found.snippet) for found in group.results],
            )
            for group in groups
        ]

    for per_kind in [None, 2]:
        assert found(True, per_kind) == found(False, per_kind)
    statuses = [kind.name for kind in KINDS].index("statuses")
    assert found(True, 2)[statuses][0] == (0 if query == "-law" else 5)
