"""“Cite this”: the review date always stated, and the citation for reference managers."""

import datetime
import json

import bibtexparser
import pytest
import rispy

from .conftest import DRAFT, make_indicator, make_law, make_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed_law():
    return make_law(
        "mx-2020-reform",
        title="Migration Law reform & {more}",
        title_es="Reforma de la Ley de Migración",
        last_reviewed_on=datetime.date(2026, 11, 20),
    )


def test_cite_this_states_the_review_date_or_that_there_was_none(client, reviewed_law):
    page = client.get("/laws/mx-2020-reform/").content.decode()
    assert "last reviewed Nov. 20, 2026" in page
    assert 'href="/cite/law/mx-2020-reform.ris"' in page
    assert 'href="/cite/law/mx-2020-reform.bib"' in page
    assert 'href="/cite/law/mx-2020-reform.json"' in page
    make_law("th-mou", place="th")
    assert "not yet reviewed against its sources" in client.get("/laws/th-mou/").content.decode()


def test_ris_for_reference_managers(client, reviewed_law):
    response = client.get("/cite/law/mx-2020-reform.ris")
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    assert 'filename="atd-tracker-law-mx-2020-reform.ris"' in response["Content-Disposition"]
    [entry] = rispy.loads(response.content.decode())
    assert entry["type_of_reference"] == "ELEC"
    assert entry["title"] == "Migration Law reform & {more}"
    assert entry["urls"] == ["http://testserver/laws/mx-2020-reform/"]
    assert entry["publisher"] == "ATD Tracker"
    assert entry["date"] == "2026/11/20"
    assert entry["access_date"] == datetime.date.today().strftime("%Y/%m/%d")


def test_bibtex_for_latex(client, reviewed_law):
    text = client.get("/cite/law/mx-2020-reform.bib").content.decode()
    [entry] = bibtexparser.loads(text).entries
    assert entry["ID"] == "atd-tracker-law-mx-2020-reform"
    assert entry["title"] == r"{Migration Law reform \& \{more\}}"
    assert entry["url"] == "http://testserver/laws/mx-2020-reform/"
    assert entry["year"] == "2026" and "Last reviewed 2026-11-20" in entry["note"]


def test_csl_json_in_the_visitors_language(client, reviewed_law):
    [item] = json.loads(client.get("/es/cite/law/mx-2020-reform.json").content)
    assert item["type"] == "webpage"
    assert item["title"] == "Reforma de la Ley de Migración"
    assert item["URL"] == "http://testserver/es/laws/mx-2020-reform/"
    assert item["issued"] == {"date-parts": [[2026, 11, 20]]}
    assert item["language"] == "es"


def test_a_country_page_is_cited_with_its_latest_review(client):
    make_status("mx", make_indicator(), last_reviewed_on=datetime.date(2026, 10, 1))
    [entry] = rispy.loads(client.get("/cite/country/mx.ris").content.decode())
    assert (entry["title"], entry["date"]) == ("Mexico", "2026/10/01")
    assert 'href="/cite/country/mx.bib"' in client.get("/countries/mx/").content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/cite/law/mx-2020-reform.pdf",  # no such format
        "/cite/status/1.ris",  # statuses are cited through their country's page
        "/cite/law/nowhere.ris",
        "/cite/law/th-draft.ris",  # drafts are not public
        "/cite/country/zz.ris",
    ],
)
def test_what_cannot_be_cited_is_a_404(client, reviewed_law, path):
    make_law("th-draft", place="th", publication_status=DRAFT)
    assert client.get(path).status_code == 404
