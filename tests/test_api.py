"""The partners' JSON API: lists, details, filters, ordering, pagination, CSV, errors, limits.

Syncing (updated_since, withdrawals, conditional requests) is in test_api_sync.py, the bulk
downloads in test_api_bulk.py and the schema in test_api_schema.py.
"""

import csv
import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.urls import reverse
from rest_framework import serializers

from countries.models import Country
from practices.models import (
    Approach,
    Figure,
    Indicator,
    Law,
    Organisation,
    Pilot,
    Pledge,
    Source,
    Status,
    TargetGroup,
)
from practices.serializers import DescribedSerializer
from tracker.exports import columns
from tracker.models import DatasetBuild

from .conftest import (
    DRAFT,
    attach_a_group,
    cite,
    make_figure,
    make_indicator,
    make_law,
    make_organisation,
    make_pilot,
    make_pledge,
    make_source,
    make_status,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"
RESOURCES = [
    "countries",
    "indicators",
    "statuses",
    "laws",
    "pilots",
    "pledges",
    "figures",
    "sources",
    "organisations",
]


@pytest.fixture(autouse=True)
def api_client_state(settings):
    """No throttling across tests (one test checks it), warm content types for query counts."""
    settings.API_ANON_THROTTLE_RATE = None
    cache.clear()
    ContentType.objects.get_for_models(Status, Law, Pilot, Pledge, Figure)
    yield
    cache.clear()


def day(text):
    return datetime.date.fromisoformat(text)


def build_records():
    """A small published dataset with one draft of every kind, shared by the API tests.

    Statuses are told apart by their caveat; everything else by slug.
    """
    child = make_indicator(
        "child-detention-prohibited", values=("prohibited", "not-prohibited"), order=10
    )
    monitoring = make_indicator("electronic-monitoring", values=("used", "not-used"), order=20)
    make_indicator("draft-indicator", publication_status=DRAFT, order=30)
    report = make_source(
        "idc-report-2021",
        title="Children in detention report",
        kind=Source.Kind.REPORT,
        published_on=day("2021-01-01"),
        published_precision="year",
    )
    make_source("draft-source", publication_status=DRAFT)
    make_source("a-source", published_on=day("2024-07-01"), published_precision="month")

    make_status("mx", child, "not-prohibited", "2010-01-01", caveat="mx-2010")
    make_status(
        "mx",
        child,
        "prohibited",
        "2020-11-01",
        caveat="mx-2020",
        effective_precision="month",
        practice='Children were found in "referral offices".',
        practice_differs=True,
    )
    make_status("mx-chp", child, "prohibited", "2021-01-01", caveat="mx-chp")
    make_status("th", child, "not-prohibited", "2019-01-01", caveat="th")
    make_status("be", monitoring, "used", "2022-01-01", caveat="be")
    make_status("th", monitoring, "used", "2023-01-01", caveat="draft", publication_status=DRAFT)

    idc = make_organisation("idc", name="International Detention Coalition", short_name="IDC")
    thai = make_organisation(
        "th-immigration-bureau",
        name="Immigration Bureau",
        kind=Organisation.Kind.GOVERNMENT,
        country=Country.objects.get(iso2="TH"),
    )
    make_organisation("draft-organisation", name="Secret body", publication_status=DRAFT)

    reform = make_law(
        "mx-2020-migration-law-reform",
        title="Reform of the Migration Law",
        adopted_on=day("2020-11-01"),
        adopted_precision="month",
    )
    reform.indicators.add(child)
    reform.organisations.add(idc)
    cite(reform, report, quote="The reform prohibits detention of children.")
    make_law(
        "be-2024-ruling",
        place="be",
        title="Constitutional Court ruling",
        kind=Law.Kind.COURT_RULING,
        status=Law.Status.ADOPTED,
        adopted_on=day("2024-07-01"),
    )
    make_law("th-draft-law", place="th", publication_status=DRAFT)

    children, _ = TargetGroup.objects.get_or_create(slug="children", defaults={"name": "Children"})
    case_management, _ = Approach.objects.get_or_create(
        slug="case-management", defaults={"name": "Case management"}
    )
    thai_pilot = make_pilot(
        "th-case-management",
        name="Community case management for children",
        started_on=day("2019-03-01"),
    )
    thai_pilot.target_groups.add(children)
    thai_pilot.approaches.add(case_management)
    thai_pilot.implementers.add(idc)
    thai_pilot.government_partners.add(thai)
    make_pilot(
        "mx-electronic-tagging",
        place="mx",
        name="Electronic tagging",
        classification=Pilot.Classification.ALTERNATIVE_FORM_OF_DETENTION,
        status=Pilot.Status.COMPLETED,
        started_on=day("2015-01-01"),
    )
    make_pilot("th-draft-pilot", publication_status=DRAFT)

    make_pledge("th-imrf-2022", pledged_on=day("2022-05-20"))
    make_pledge(
        "mx-leaders-summit-2016",
        place="mx",
        forum="Leaders' Summit 2016",
        status=Pledge.Status.FULFILLED,
        pledged_on=day("2016-09-19"),
        text="To develop alternatives to detention.",
    )
    make_pledge("th-draft-pledge", publication_status=DRAFT)

    make_figure("mx-2022-children-detained", period_end=day("2022-12-31"))
    make_figure(
        "th-2020-people-released",
        place="th",
        measure="people-released",
        description="People released from detention",
        value=1500,
        unit=Figure.Unit.PEOPLE,
        period_end=day("2020-06-30"),
    )
    make_figure("mx-draft-figure", publication_status=DRAFT)


DRAFTS = {
    "indicators": "draft-indicator",
    "statuses": "draft",
    "laws": "th-draft-law",
    "pilots": "th-draft-pilot",
    "pledges": "th-draft-pledge",
    "figures": "mx-draft-figure",
    "sources": "draft-source",
    "organisations": "draft-organisation",
}


@pytest.fixture
def records():
    build_records()


def key(resource, row):
    """How a test names a record of a list: ISO code, a status's caveat, or the slug."""
    if resource == "countries":
        return row["iso2"]
    if resource == "statuses":
        return row["caveat"]
    if resource == "withdrawals":
        return f"{row['resource']}/{row['identifier']}"
    return row["slug"]


def listed(client, resource, params=None, status_code=200, page_size=500):
    response = client.get(f"{API}{resource}/", {"page_size": page_size, **(params or {})})
    assert response.status_code == status_code, response.content
    return [key(resource, row) for row in response.json()["results"]]


# Lists and details ----------------------------------------------------------------------


PUBLISHED = {
    "indicators": ["child-detention-prohibited", "electronic-monitoring"],
    "statuses": ["be", "mx-chp", "mx-2020", "mx-2010", "th"],
    "laws": ["be-2024-ruling", "mx-2020-migration-law-reform"],
    "pilots": ["th-case-management", "mx-electronic-tagging"],
    "pledges": ["th-imrf-2022", "mx-leaders-summit-2016"],
    "figures": ["mx-2022-children-detained", "th-2020-people-released"],
    "sources": ["a-source", "idc-report-2021"],
    "organisations": ["th-immigration-bureau", "idc"],
}


@pytest.mark.parametrize("resource", PUBLISHED)
def test_list_shows_published_records_in_their_default_order(client, records, resource):
    assert listed(client, resource) == PUBLISHED[resource]


@pytest.mark.parametrize("resource", DRAFTS)
def test_anonymous_user_cannot_see_drafts_in_any_list_or_detail(client, records, resource):
    draft = DRAFTS[resource]
    assert draft not in listed(client, resource)
    csv_body = client.get(f"{API}{resource}/", {"format": "csv"}).getvalue().decode()
    assert draft not in csv_body
    if resource == "statuses":
        draft = Status.objects.get(caveat="draft").pk
    response = client.get(f"{API}{resource}/{draft}/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_country_list_has_every_country_with_its_current_statuses(client, records):
    response = client.get(f"{API}countries/", {"country": ["mx", "be"]})
    assert response.status_code == 200
    belgium, mexico = response.json()["results"]
    assert (mexico["iso2"], mexico["code"], mexico["iso3"]) == ("MX", "mx", "MEX")
    assert mexico["intermediate_region"]["slug"] == "central-america"
    assert mexico["url"] == "http://testserver/api/v1/countries/mx/"
    assert mexico["public_url"] == "http://testserver/countries/mx/"
    current = {
        (s["indicator"]["slug"], (s["subdivision"] or {}).get("code")): s
        for s in mexico["current_statuses"]
    }
    assert set(current) == {
        ("child-detention-prohibited", None),
        ("child-detention-prohibited", "MX-CHP"),
    }
    national = current[("child-detention-prohibited", None)]
    assert national["value"]["slug"] == "prohibited"
    assert national["effective_date"] == "2020-11"
    assert national["citations"][0]["source"]["slug"] == "a-source"
    assert [s["value"]["slug"] for s in belgium["current_statuses"]] == ["used"]
    assert client.get(f"{API}countries/").json()["count"] == 249


@pytest.mark.parametrize("code", ["mx", "MX", "Mx"])
def test_country_detail_by_iso_code_in_any_case(client, records, code):
    response = client.get(f"{API}countries/{code}/")
    assert response.status_code == 200
    assert response.json()["iso2"] == "MX"


def test_country_detail_has_current_statuses_and_full_timelines_with_law_and_practice(
    client, records
):
    data = client.get(f"{API}countries/mx/").json()
    current = data["current_statuses"]
    assert [s["caveat"] for s in current] == ["mx-2020", "mx-chp"]
    mx_2020 = current[0]
    assert mx_2020["legal_position"] == "What the law says."
    assert mx_2020["practice"] == 'Children were found in "referral offices".'
    assert mx_2020["practice_differs"] is True
    assert mx_2020["is_current"] is True
    assert mx_2020["effective_from"] == "2020-11-01"
    assert mx_2020["observed_on"] == "2020-11-01"
    assert mx_2020["citations"] == [
        {
            "source": {
                "slug": "a-source",
                "title": "A source",
                "publisher": "International Detention Coalition",
                "published_date": "2024-07",
                "accessed_on": None,
                "url": "",
                "language": "en",
                "api_url": "http://testserver/api/v1/sources/a-source/",
            },
            "quote": "A supporting sentence.",
            "locator": "",
            # The source keeps no text to check the quote against.
            "quote_verified": None,
        }
    ]
    timelines = [
        (
            t["indicator"]["slug"],
            t["subdivision"] and t["subdivision"]["code"],
            [(s["caveat"], s["is_current"]) for s in t["statuses"]],
        )
        for t in data["timelines"]
    ]
    assert timelines == [
        ("child-detention-prohibited", None, [("mx-2020", True), ("mx-2010", False)]),
        ("child-detention-prohibited", "MX-CHP", [("mx-chp", True)]),
    ]
    assert data["related"]["laws"] == "http://testserver/api/v1/laws/?country=mx"


def test_country_detail_leaves_out_draft_statuses_and_statuses_of_draft_indicators(
    client, records
):
    draft_indicator = Indicator.objects.get(slug="draft-indicator")
    make_status("th", draft_indicator, caveat="on a draft indicator")
    data = client.get(f"{API}countries/th/").json()
    caveats = [s["caveat"] for t in data["timelines"] for s in t["statuses"]]
    assert caveats == ["th"]


def test_status_detail_by_id_with_links_to_related_resources(client, records):
    status = Status.objects.get(caveat="mx-chp")
    data = client.get(f"{API}statuses/{status.pk}/").json()
    assert data["id"] == status.pk
    assert data["url"] == f"http://testserver/api/v1/statuses/{status.pk}/"
    assert data["public_url"] == f"http://testserver/countries/mx/#status-{status.pk}"
    assert data["country"]["url"] == "http://testserver/api/v1/countries/mx/"
    assert data["subdivision"] == {"code": "MX-CHP", "name": "Chiapas"}
    assert data["indicator"]["url"].endswith("/api/v1/indicators/child-detention-prohibited/")
    assert data["value"] == {
        "slug": "prohibited",
        "label": "Prohibited",
        "rank": 1,
        "colour": "#1a7f4b",
    }


def test_law_detail_links_indicators_organisations_and_cites_sources(client, records):
    data = client.get(f"{API}laws/mx-2020-migration-law-reform/").json()
    assert data["public_url"] == "http://testserver/laws/mx-2020-migration-law-reform/"
    assert (data["adopted_on"], data["adopted_date"]) == ("2020-11-01", "2020-11")
    assert data["in_force_date"] is None
    assert [i["slug"] for i in data["indicators"]] == ["child-detention-prohibited"]
    assert data["organisations"][0]["url"].endswith("/api/v1/organisations/idc/")
    assert {c["source"]["slug"] for c in data["citations"]} == {"a-source", "idc-report-2021"}
    assert data["updated_at"].endswith("Z")


def test_records_never_link_draft_organisations_indicators_or_sources(client, records):
    law = Law.objects.get(slug="mx-2020-migration-law-reform")
    law.organisations.add(Organisation.objects.get(slug="draft-organisation"))
    law.indicators.add(Indicator.objects.get(slug="draft-indicator"))
    cite(law, Source.objects.get(slug="draft-source"), quote="A secret.")
    pilot = Pilot.objects.get(slug="th-case-management")
    pilot.implementers.add(Organisation.objects.get(slug="draft-organisation"))
    for url in (
        f"{API}laws/{law.slug}/",
        f"{API}pilots/{pilot.slug}/",
        f"{API}laws/",
        f"{API}pilots/",
    ):
        body = client.get(url).content.decode()
        assert "draft-organisation" not in body
        assert "draft-indicator" not in body
        assert "A secret." not in body


def test_pilot_detail(client, records):
    data = client.get(f"{API}pilots/th-case-management/").json()
    assert data["classification"] == "rights-based"
    assert (data["started_on"], data["started_date"]) == ("2019-03-01", "2019-03-01")
    assert [o["slug"] for o in data["implementers"]] == ["idc"]
    assert [o["slug"] for o in data["government_partners"]] == ["th-immigration-bureau"]
    assert data["target_groups"] == [{"slug": "children", "name": "Children"}]
    assert data["approaches"] == [{"slug": "case-management", "name": "Case management"}]


def test_pledge_figure_source_organisation_and_indicator_details(client, records):
    pledge = client.get(f"{API}pledges/mx-leaders-summit-2016/").json()
    assert (pledge["forum"], pledge["status"]) == ("Leaders' Summit 2016", "fulfilled")
    assert pledge["country"]["iso2"] == "MX"
    figure = client.get(f"{API}figures/th-2020-people-released/").json()
    assert (figure["value"], figure["unit"]) == (1500, "people")
    assert (figure["period_end_date"], figure["period"]) == ("2020-06-30", "…/2020-06-30")
    source = client.get(f"{API}sources/idc-report-2021/").json()
    assert (source["published_on"], source["published_date"]) == ("2021-01-01", "2021")
    assert source["api_url"] == "http://testserver/api/v1/sources/idc-report-2021/"
    organisation = client.get(f"{API}organisations/th-immigration-bureau/").json()
    assert organisation["country"]["iso2"] == "TH"
    assert organisation["url"].endswith("/api/v1/organisations/th-immigration-bureau/")
    indicator = client.get(f"{API}indicators/electronic-monitoring/").json()
    assert [v["slug"] for v in indicator["values"]] == ["used", "not-used"]
    assert indicator["statuses_url"].endswith("/api/v1/statuses/?indicator=electronic-monitoring")


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_list_and_detail_is_what_drf_itself_would_serialize(
    client, records, monkeypatch, language
):
    """The serializers read plain attributes directly (practices/serializers.py): the
    responses are byte for byte those of DRF's own field-by-field lookup."""
    some_law, some_status = Law.objects.published().first(), Status.objects.published().first()
    urls = [f"{API}{resource}/?page_size=500&lang={language}" for resource in RESOURCES]
    urls += [
        f"{API}countries/mx/?lang={language}",
        f"{API}laws/{some_law.slug}/?lang={language}",
        f"{API}statuses/{some_status.pk}/?lang={language}",
        f"{API}dataset.json?lang={language}",
    ]

    def bodies():
        DatasetBuild.objects.all().delete()  # dataset.json is built afresh
        cache.clear()
        return {url: b"".join(client.get(url)) for url in urls}

    ours = bodies()
    monkeypatch.setattr(
        DescribedSerializer, "to_representation", serializers.ModelSerializer.to_representation
    )
    assert ours == bodies()
    assert all(len(body) > 100 for body in ours.values())


# Filters --------------------------------------------------------------------------------

FILTERS = [
    ("countries", {"country": ["mx", "TH"]}, {"MX", "TH"}),
    ("countries", {"country": ["mx", "th", "be"], "region": "south-eastern-asia"}, {"TH"}),
    ("countries", {"indicator": "child-detention-prohibited"}, {"MX", "TH"}),
    ("countries", {"indicator": "child-detention-prohibited", "value": "prohibited"}, {"MX"}),
    ("countries", {"value": "used"}, {"BE"}),
    ("countries", {"q": "thailand"}, {"TH"}),
    ("indicators", {"q": "monitoring"}, {"electronic-monitoring"}),
    ("statuses", {"country": "mx"}, {"mx-2010", "mx-2020", "mx-chp"}),
    ("statuses", {"country": ["be", "th"]}, {"be", "th"}),
    ("statuses", {"region": "south-eastern-asia"}, {"th"}),
    ("statuses", {"indicator": "electronic-monitoring"}, {"be"}),
    ("statuses", {"value": "prohibited"}, {"mx-2020", "mx-chp"}),
    ("statuses", {"practice_differs": "true"}, {"mx-2020"}),
    ("statuses", {"current": "true"}, {"mx-2020", "mx-chp", "th", "be"}),
    ("statuses", {"q": "referral"}, {"mx-2020"}),
    ("laws", {"country": "be"}, {"be-2024-ruling"}),
    ("laws", {"region": "americas"}, {"mx-2020-migration-law-reform"}),
    ("laws", {"kind": "court-ruling"}, {"be-2024-ruling"}),
    ("laws", {"status": "in-force"}, {"mx-2020-migration-law-reform"}),
    ("laws", {"indicator": "child-detention-prohibited"}, {"mx-2020-migration-law-reform"}),
    ("laws", {"q": "MIGRATION"}, {"mx-2020-migration-law-reform"}),
    ("laws", {"year_from": 2021}, {"be-2024-ruling"}),
    ("laws", {"year_to": 2021}, {"mx-2020-migration-law-reform"}),
    ("pilots", {"country": "th"}, {"th-case-management"}),
    ("pilots", {"region": "americas"}, {"mx-electronic-tagging"}),
    ("pilots", {"status": "completed"}, {"mx-electronic-tagging"}),
    ("pilots", {"kind": "rights-based"}, {"th-case-management"}),
    ("pilots", {"target_group": "children"}, {"th-case-management"}),
    ("pilots", {"approach": "case-management"}, {"th-case-management"}),
    ("pilots", {"q": "tagging"}, {"mx-electronic-tagging"}),
    ("pilots", {"year_from": 2018}, {"th-case-management"}),
    ("pledges", {"country": "mx"}, {"mx-leaders-summit-2016"}),
    ("pledges", {"region": "asia"}, {"th-imrf-2022"}),
    ("pledges", {"status": "fulfilled"}, {"mx-leaders-summit-2016"}),
    ("pledges", {"forum": "imrf 2022"}, {"th-imrf-2022"}),
    ("pledges", {"q": "alternatives"}, {"mx-leaders-summit-2016"}),
    ("pledges", {"year_to": 2020}, {"mx-leaders-summit-2016"}),
    ("figures", {"country": "th"}, {"th-2020-people-released"}),
    ("figures", {"region": "americas"}, {"mx-2022-children-detained"}),
    ("figures", {"kind": "people-released"}, {"th-2020-people-released"}),
    ("figures", {"q": "released"}, {"th-2020-people-released"}),
    ("figures", {"year_from": 2021}, {"mx-2022-children-detained"}),
    ("sources", {"kind": "report"}, {"idc-report-2021"}),
    ("sources", {"q": "children in"}, {"idc-report-2021"}),
    ("sources", {"year_from": 2022}, {"a-source"}),
    ("organisations", {"country": "th"}, {"th-immigration-bureau"}),
    ("organisations", {"kind": "government"}, {"th-immigration-bureau"}),
    ("organisations", {"q": "coalition"}, {"idc"}),
]


@pytest.mark.parametrize("resource", sorted({resource for resource, _, _ in FILTERS}))
def test_every_filter_selects_its_records(client, records, resource):
    for name, params, expected in FILTERS:
        if name == resource:
            assert set(listed(client, resource, params)) == expected, params


# (resource, the page's URL name, filters): a list page and its API list agree.
PAGES = [
    ("countries", "countries:list", {"region": "europe", "ordering": "-name"}),
    ("countries", "countries:list", {"indicator": "child-detention-prohibited"}),
    ("countries", "countries:list", {"country": ["MX", "be", "th"], "q": "i"}),
    ("laws", "practices:law-list", {"country": ["mx", "be"], "ordering": "title"}),
    ("laws", "practices:law-list", {"kind": "law", "indicator": "child-detention-prohibited"}),
    ("pilots", "practices:pilot-list", {"region": "asia", "status": "active"}),
    ("pilots", "practices:pilot-list", {"kind": "alternative-form-of-detention"}),
    ("pledges", "practices:pledge-list", {"country": "th", "q": "children"}),
    ("pledges", "practices:pledge-list", {"ordering": "-pledged"}),
    ("figures", "practices:figure-list", {"kind": "children-detained", "region": "americas"}),
    ("sources", "practices:source-list", {"kind": "report"}),
    ("sources", "practices:source-list", {"year_from": 2020, "ordering": "title"}),
]


@pytest.mark.parametrize(("resource", "page", "params"), PAGES)
def test_a_filtered_api_list_and_its_page_list_return_the_same_records(
    client, records, resource, page, params
):
    page_response = client.get(reverse(page), params)
    assert page_response.status_code == 200
    on_page = [
        record.iso2 if resource == "countries" else record.slug
        for record in page_response.context["page"].object_list
    ]
    assert on_page
    # The pages show 50 records a page, the API's default.
    assert listed(client, resource, params, page_size=50) == on_page


# Ordering -------------------------------------------------------------------------------

ORDERINGS = [
    ("countries", "code", lambda row: row["iso2"]),
    ("countries", "name", lambda row: row["name"]),
    ("indicators", "name", lambda row: row["name"]),
    ("statuses", "effective_from", lambda row: row["effective_from"]),
    ("laws", "title", lambda row: row["title"]),
    ("laws", "adopted", lambda row: row["adopted_on"]),
    ("pilots", "name", lambda row: row["name"]),
    ("pledges", "pledged", lambda row: row["pledged_on"]),
    ("figures", "value", lambda row: row["value"]),
    ("sources", "title", lambda row: row["title"]),
    ("organisations", "name", lambda row: row["name"]),
]


@pytest.mark.parametrize(("resource", "ordering", "sort_key"), ORDERINGS)
def test_ordering_sorts_either_way(client, records, resource, ordering, sort_key):
    params = {"page_size": 500, "country": ["mx", "th", "be"]} if resource == "countries" else {}
    for reverse_order in (False, True):
        params["ordering"] = f"-{ordering}" if reverse_order else ordering
        rows = client.get(f"{API}{resource}/", params).json()["results"]
        values = [sort_key(row) for row in rows]
        assert len(values) > 1
        assert values == sorted(values, reverse=reverse_order)


# Pagination -----------------------------------------------------------------------------


def test_lists_are_paginated_with_link_headers(client):
    for number in range(7):
        make_source(f"source-{number}")
    first = client.get(f"{API}sources/", {"page_size": 3, "ordering": "title"})
    data = first.json()
    assert data["count"] == 7
    assert [row["slug"] for row in data["results"]] == ["source-0", "source-1", "source-2"]
    assert data["previous"] is None
    assert data["next"] == "http://testserver/api/v1/sources/?ordering=title&page=2&page_size=3"
    assert first["Link"] == (
        '<http://testserver/api/v1/sources/?ordering=title&page=1&page_size=3>; rel="first", '
        '<http://testserver/api/v1/sources/?ordering=title&page=2&page_size=3>; rel="next", '
        '<http://testserver/api/v1/sources/?ordering=title&page=3&page_size=3>; rel="last"'
    )
    last = client.get(f"{API}sources/", {"page_size": 3, "ordering": "title", "page": "last"})
    assert [row["slug"] for row in last.json()["results"]] == ["source-6"]
    assert 'rel="prev"' in last["Link"] and 'rel="next"' not in last["Link"]


def test_default_page_size_is_50(client):
    for number in range(51):
        make_source(f"source-{number:02d}")
    data = client.get(f"{API}sources/").json()
    assert (data["count"], len(data["results"])) == (51, 50)


def test_an_empty_list_has_one_empty_page(client):
    response = client.get(f"{API}laws/", {"page": 1})
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


# CSV ------------------------------------------------------------------------------------


def read_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))


@pytest.mark.parametrize("resource", RESOURCES)
def test_csv_lists_have_the_resource_columns_and_every_filtered_row(client, records, resource):
    response = client.get(f"{API}{resource}/", {"format": "csv", "page_size": 1})
    rows = read_csv(response)
    assert list(rows[0]) == [column.name for column in columns(resource)]
    expected = 249 if resource == "countries" else len(PUBLISHED[resource])
    assert len(rows) == expected
    assert response["Content-Disposition"] == f'attachment; filename="{resource}.csv"'


def test_csv_is_never_capped_nor_paginated(client):
    for number in range(120):
        make_source(f"source-{number:03d}")
    rows = read_csv(client.get(f"{API}sources/", {"format": "csv", "page": 2}))
    assert len(rows) == 120


def test_csv_follows_the_filters_and_the_ordering(client, records):
    rows = read_csv(
        client.get(
            f"{API}statuses/", {"format": "csv", "country": "mx", "ordering": "-effective_from"}
        )
    )
    assert [row["caveat"] for row in rows] == ["mx-chp", "mx-2020", "mx-2010"]
    mx_2020 = rows[1]
    assert mx_2020["country"] == "MX"
    assert mx_2020["effective_date"] == "2020-11"
    assert mx_2020["is_current"] == "true"
    assert mx_2020["practice_differs"] == "true"
    assert mx_2020["sources"] == "a-source"


def test_csv_by_accept_header(client, records):
    rows = read_csv(client.get(f"{API}laws/", HTTP_ACCEPT="text/csv"))
    assert [row["slug"] for row in rows] == PUBLISHED["laws"]


def test_csv_rows_flatten_lists_of_slugs(client, records):
    rows = read_csv(client.get(f"{API}pilots/", {"format": "csv", "country": "th"}))
    assert rows[0]["implementers"] == "idc"
    assert rows[0]["target_groups"] == "children"
    assert rows[0]["approaches"] == "case-management"


def test_details_have_no_csv(client, records):
    response = client.get(f"{API}laws/be-2024-ruling/", {"format": "csv"})
    assert response.status_code == 400
    assert "format" in response.json()


# Bad input ------------------------------------------------------------------------------

BAD_PARAMETERS = [
    ("laws", {"country": "zz"}, "country"),
    ("statuses", {"country": ["mx", "xx"]}, "country"),
    ("countries", {"country": "atlantis"}, "country"),  # neither a code nor a name
    ("laws", {"updated_since": "yesterday"}, "updated_since"),
    ("statuses", {"updated_since": "2024-13-45"}, "updated_since"),
    ("countries", {"updated_since": "not-a-date"}, "updated_since"),
    ("withdrawals", {"updated_since": "2024-02-30T00:00:00Z"}, "updated_since"),
    ("laws", {"page": 99}, "page"),
    ("laws", {"page": 0}, "page"),
    ("laws", {"page": "two"}, "page"),
    ("laws", {"page_size": 501}, "page_size"),
    ("laws", {"page_size": 0}, "page_size"),
    ("laws", {"page_size": "abc"}, "page_size"),
    ("laws", {"ordering": "colour"}, "ordering"),
    ("laws", {"region": "atlantis"}, "region"),
    ("statuses", {"indicator": "unknown-indicator"}, "indicator"),
    ("countries", {"indicator": "draft-indicator"}, "indicator"),
    ("laws", {"kind": "poem"}, "kind"),
    ("pilots", {"status": "dreaming"}, "status"),
    ("pledges", {"year_from": "last year"}, "year_from"),
    ("figures", {"year_to": 0}, "year_to"),
    ("sources", {"year_from": 100000}, "year_from"),
    ("laws", {"format": "xml"}, "format"),
    ("withdrawals", {"resource": "secrets"}, "resource"),
]


@pytest.mark.parametrize(("resource", "params", "parameter"), BAD_PARAMETERS)
def test_bad_parameters_get_400_naming_the_parameter(client, resource, params, parameter):
    response = client.get(f"{API}{resource}/", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [parameter]


def test_bad_parameters_get_json_even_when_csv_was_asked(client):
    response = client.get(f"{API}laws/", {"format": "csv", "country": "zz"})
    assert response.status_code == 400
    assert response.json() == {
        "country": ["Select a valid choice. ZZ is not one of the available choices."]
    }


@pytest.mark.parametrize(
    "path",
    [
        "laws/no-such-law/",
        "countries/zz/",
        "countries/mexico/",
        "statuses/999999/",
        "statuses/abc/",
        "statuses/99999999999999999999999999/",
        "sources/CC-BY-4.0/",
        "no-such-resource/",
    ],
)
def test_missing_records_get_404_in_json(client, records, path):
    response = client.get(f"{API}{path}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_a_url_without_its_trailing_slash_redirects(client):
    response = client.get(f"{API}laws", {"country": "mx"})
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/laws/?country=mx"


def test_the_api_is_read_only(client, records):
    response = client.post(f"{API}laws/", {"slug": "new"})
    assert response.status_code == 405
    assert client.delete(f"{API}laws/be-2024-ruling/").status_code == 405
    assert Law.objects.filter(slug="be-2024-ruling").exists()


# Limits, CORS, formats ------------------------------------------------------------------


def test_anonymous_clients_are_throttled_with_retry_after(client, settings):
    settings.API_ANON_THROTTLE_RATE = "3/day"
    assert [client.get(f"{API}laws/").status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(f"{API}laws/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()
    # Another client is not held back by the first one.
    assert client.get(f"{API}laws/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_browser_apps_on_any_origin_may_read_the_api(client, records):
    response = client.get(f"{API}laws/", HTTP_ORIGIN="https://partner.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Link" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        f"{API}laws/",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "if-none-match" in preflight["Access-Control-Allow-Headers"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    page = client.get(reverse("practices:law-list"), HTTP_ORIGIN="https://partner.example")
    assert "Access-Control-Allow-Origin" not in page


def test_the_browsable_api_stays_available(client, records):
    response = client.get(f"{API}laws/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b"mx-2020-migration-law-reform" in response.content


def test_api_root_lists_every_resource_and_download(client):
    data = client.get(API).json()
    assert list(data["resources"]) == RESOURCES
    for name, url in data["resources"].items():
        assert url == f"http://testserver/api/v1/{name}/"
    assert data["withdrawals"] == "http://testserver/api/v1/withdrawals/"
    assert data["dataset_json"] == "http://testserver/api/v1/dataset.json"
    assert data["datapackage"] == "http://testserver/api/v1/datapackage.zip"
    assert data["licence"]["name"] == "CC-BY-4.0"


# Query budgets --------------------------------------------------------------------------

# Every list: the dataset version (for ETag and Last-Modified), the count, the page, then
# one query per prefetched relation, however many rows the page shows.
# Expect 5 queries: version, count, countries with regions, current statuses with their
# indicators, values and subdivisions, their citations with sources.
COUNTRY_LIST_QUERIES = 5
# Expect 17: version, country with regions, its statuses (with is_current), citations; then
# the laws, pilots and pledges that apply to it, each with the countries they name, their
# groups and the groups' members; and its figures.
COUNTRY_DETAIL_QUERIES = 17
# Expect 4: version, count, indicators, their values.
INDICATOR_LIST_QUERIES = 4
# Expect 4: version, count, statuses with country, subdivision, indicator and value, citations.
STATUS_LIST_QUERIES = 4
# Laws, pilots and pledges also fetch where they apply: the countries they name, their
# groups and the groups' members (3 queries; the last is skipped when no record on the
# page has a group, so the budgets below are measured with groups).
PLACES_QUERIES = 3
# Expect 9: version, count, laws with country and subdivision, places, citations,
# indicators, organisations.
LAW_LIST_QUERIES = 6 + PLACES_QUERIES
# Expect 11: version, count, pilots, places, citations, implementers, government partners,
# target groups, approaches.
PILOT_LIST_QUERIES = 8 + PLACES_QUERIES
# Expect 8: version, count, pledges with countries, places, citations, progress entries (their
# citations, laws and statuses: PLEDGE_PROGRESS_QUERIES more when a pledge has entries).
PLEDGE_LIST_QUERIES = 5 + PLACES_QUERIES
PLEDGE_PROGRESS_QUERIES = 3
# Expect 4: version, count, figures with countries and subdivisions, citations.
FIGURE_LIST_QUERIES = 4
# Expect 3: version, count, sources.
SOURCE_LIST_QUERIES = 3
# Expect 3: version, count, organisations with countries.
ORGANISATION_LIST_QUERIES = 3
# Expect 3: version, count, withdrawals.
WITHDRAWAL_LIST_QUERIES = 3
# A detail: the list's queries less the count.
DETAIL_QUERIES = {
    "indicators": INDICATOR_LIST_QUERIES - 1,
    "statuses": STATUS_LIST_QUERIES - 1,
    "laws": LAW_LIST_QUERIES - 1,
    "pilots": PILOT_LIST_QUERIES - 1,
    "pledges": PLEDGE_LIST_QUERIES - 1,
    "figures": FIGURE_LIST_QUERIES - 1,
    "sources": SOURCE_LIST_QUERIES - 1,
    "organisations": ORGANISATION_LIST_QUERIES - 1,
}
LIST_QUERIES = {
    "countries": COUNTRY_LIST_QUERIES,
    "indicators": INDICATOR_LIST_QUERIES,
    "statuses": STATUS_LIST_QUERIES,
    "laws": LAW_LIST_QUERIES,
    "pilots": PILOT_LIST_QUERIES,
    "pledges": PLEDGE_LIST_QUERIES,
    "figures": FIGURE_LIST_QUERIES,
    "sources": SOURCE_LIST_QUERIES,
    "organisations": ORGANISATION_LIST_QUERIES,
    "withdrawals": WITHDRAWAL_LIST_QUERIES,
}
# Countries with statuses, for the many-rows half of the budgets.
MORE_PLACES = ["au", "gb", "us", "id", "my", "ca", "de", "fr"]


def add_many_records(round_):
    """More records of every kind, each with citations and relations, and withdrawals."""
    child = Indicator.objects.get(slug="child-detention-prohibited")
    monitoring = Indicator.objects.get(slug="electronic-monitoring")
    make_indicator(f"extra-indicator-{round_}", order=100 + round_)
    idc = Organisation.objects.get(slug="idc")
    children = TargetGroup.objects.get(slug="children")
    approach = Approach.objects.get(slug="case-management")
    for code in MORE_PLACES:
        slug = f"{code}-{round_}"
        make_status(code, child, effective_from=f"201{round_}-01-01", caveat=slug)
        make_status(code, monitoring, effective_from=f"201{round_}-01-01", caveat=f"{slug}-m")
        law = make_law(f"law-{slug}", place=code)
        law.indicators.add(child, monitoring)
        law.organisations.add(idc)
        pilot = make_pilot(f"pilot-{slug}", place=code)
        pilot.implementers.add(idc)
        pilot.government_partners.add(make_organisation(f"gov-{slug}", name=f"Gov {slug}"))
        pilot.target_groups.add(children)
        pilot.approaches.add(approach)
        make_pledge(f"pledge-{slug}", place=code)
        make_figure(f"figure-{slug}", place=code)
        make_source(f"source-{slug}")
        make_law(f"withdrawn-{slug}").delete()


def test_list_query_counts_do_not_grow_with_rows_or_page_size(
    client, records, django_assert_num_queries
):
    make_law("withdrawn-law").delete()
    make_law("withdrawn-law-2").delete()
    attach_a_group()

    def rows_listed(page_size):
        listed = {}
        for resource, budget in LIST_QUERIES.items():
            params = {"page_size": page_size}
            if resource == "countries":
                # Countries with statuses, so that every prefetch runs; +1 to check the codes.
                params["country"] = ["mx", "be", "th", *MORE_PLACES]
                budget += 1
            with django_assert_num_queries(budget, info=resource):
                response = client.get(f"{API}{resource}/", params)
            assert response.status_code == 200
            listed[resource] = len(response.json()["results"])
        return listed

    small = rows_listed(2)
    add_many_records(1)
    add_many_records(2)
    attach_a_group()
    large = rows_listed(500)
    for resource in LIST_QUERIES:
        assert large[resource] > small[resource] == 2, resource


def test_filtered_list_adds_one_query_per_filter_value_to_check(
    client, records, django_assert_num_queries
):
    # The country codes, the region and the indicator are each looked up once to validate.
    params = {
        "country": ["mx", "th"],
        "region": "americas",
        "indicator": "child-detention-prohibited",
    }
    with django_assert_num_queries(STATUS_LIST_QUERIES + 3):
        response = client.get(f"{API}statuses/", params)
    assert response.json()["count"] == 3


def test_country_detail_query_count_does_not_grow_with_its_timeline(
    client, records, django_assert_num_queries
):
    add_many_records(1)
    attach_a_group()
    with django_assert_num_queries(COUNTRY_DETAIL_QUERIES):
        client.get(f"{API}countries/au/")
    add_many_records(2)
    add_many_records(3)
    attach_a_group()
    with django_assert_num_queries(COUNTRY_DETAIL_QUERIES):
        data = client.get(f"{API}countries/au/").json()
    assert [len(timeline["statuses"]) for timeline in data["timelines"]] == [3, 3]


@pytest.mark.parametrize("resource", DETAIL_QUERIES)
def test_detail_query_count(client, records, django_assert_num_queries, resource):
    attach_a_group()
    identifier = PUBLISHED[resource][0]
    if resource == "statuses":
        identifier = Status.objects.get(caveat=identifier).pk
    with django_assert_num_queries(DETAIL_QUERIES[resource]):
        response = client.get(f"{API}{resource}/{identifier}/")
    assert response.status_code == 200


def test_country_detail_gives_the_ten_newest_statuses_of_a_long_timeline(client, records):
    child = Indicator.objects.get(slug="child-detention-prohibited")
    for year in range(2000, 2012):
        make_status("be", child, effective_from=f"{year}-01-01", caveat=f"as of {year}")
    make_status("be", child, effective_from="2090-01-01", caveat="planned")
    data = client.get(f"{API}countries/be/").json()
    (timeline,) = [t for t in data["timelines"] if t["indicator"]["slug"] == child.slug]
    assert timeline["complete"] is False
    caveats = [status["caveat"] for status in timeline["statuses"]]
    assert caveats[:2] == ["planned", "as of 2011"] and len(caveats) == 11
    current = [s for s in data["current_statuses"] if s["indicator"]["slug"] == child.slug]
    assert [status["caveat"] for status in current] == ["as of 2011"]
    everything = client.get(f"{data['related']['statuses']}&indicator={child.slug}&page_size=50")
    on_record = Status.objects.published().filter(country__iso2="BE", indicator=child).count()
    assert everything.json()["count"] == on_record >= 13


def test_the_subdivision_filter_gives_national_records_or_one_subdivisions(client, records):
    national = client.get(f"{API}statuses/?country=mx&subdivision=national").json()["results"]
    assert national and all(status["subdivision"] is None for status in national)
    chiapas = client.get(f"{API}statuses/?subdivision=mx-chp").json()["results"]
    assert chiapas and all(status["subdivision"]["code"] == "MX-CHP" for status in chiapas)
    assert client.get(f"{API}laws/?subdivision=national").status_code == 200
    unknown = client.get(f"{API}statuses/?subdivision=MX-XXX")
    assert unknown.status_code == 400
    assert "MX-XXX" in unknown.json()["subdivision"][0]


def test_an_unknown_parameter_is_a_400_naming_it(client, records):
    response = client.get(f"{API}laws/?contry=mx&kind=law")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["contry"]
    assert "country" in errors["contry"][0]  # the parameters it takes are listed
    assert client.get(f"{API}laws/mx-2020-reform/?page=2").status_code == 400
    known = "country=mx&page=1&page_size=10&format=json&lang=es&ordering=title"
    assert client.get(f"{API}laws/?{known}").status_code == 200
