"""Partners can keep a mirror in sync: conditional requests, updated_since, withdrawals."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.utils import timezone

from practices.models import (
    Figure,
    Indicator,
    Law,
    Organisation,
    Pilot,
    Pledge,
    PublicationStatus,
    Source,
    Status,
    Withdrawal,
)

from .conftest import (
    make_figure,
    make_indicator,
    make_law,
    make_organisation,
    make_pilot,
    make_pledge,
    make_source,
    make_status,
)
from .test_api import API, key

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def api_client_state(settings):
    settings.API_ANON_THROTTLE_RATE = None
    cache.clear()
    ContentType.objects.get_for_models(Status, Law, Pilot, Pledge, Figure)
    yield
    cache.clear()


def age_everything():
    """Pretend every record last changed long ago (update() leaves auto_now alone)."""
    for model in (Indicator, Status, Law, Pilot, Pledge, Figure, Source, Organisation):
        model.objects.update(updated_at=LONG_AGO)
    Status.history.update(history_date=LONG_AGO)


def since(client, resource, moment):
    response = client.get(f"{API}{resource}/", {"updated_since": moment.isoformat()})
    assert response.status_code == 200, response.content
    return [key(resource, row) for row in response.json()["results"]]


# Conditional requests -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "",
        "countries/",
        "countries/mx/",
        "indicators/",
        "statuses/",
        "laws/",
        "laws/mx-2020-reform/",
        "pilots/",
        "pledges/",
        "figures/",
        "sources/",
        "organisations/",
        "withdrawals/",
        "laws/?format=csv",
        "dataset.json",
        "datapackage.zip",
        "schema/",
        "docs/",
    ],
)
def test_every_response_has_an_etag_and_last_modified_and_a_matching_request_gets_304(client, url):
    make_status("mx")
    make_law()
    first = client.get(f"{API}{url}")
    assert first.status_code == 200
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and last_modified.endswith("GMT")
    again = client.get(f"{API}{url}", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    by_date = client.get(f"{API}{url}", HTTP_IF_MODIFIED_SINCE=last_modified)
    assert by_date.status_code == 304


def test_a_change_to_the_published_data_changes_the_etag(client):
    law = make_law()
    first = client.get(f"{API}laws/")
    law.title = "Reform of the Migration Law"
    law.save()
    second = client.get(f"{API}laws/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert second.json()["results"][0]["title"] == "Reform of the Migration Law"


def test_editing_a_citation_or_an_indicator_value_changes_the_etag(client):
    """Neither touches the record's updated_at; their history does change."""
    law = make_law()
    indicator = make_indicator()
    first = client.get(f"{API}laws/")["ETag"]
    citation = law.citations.get()
    citation.quote = "A better quote."
    citation.save()
    second = client.get(f"{API}laws/", HTTP_IF_NONE_MATCH=first)
    assert second.status_code == 200
    assert second.json()["results"][0]["citations"][0]["quote"] == "A better quote."
    value = indicator.values.first()
    value.label = "Prohibited in law"
    value.save()
    third = client.get(f"{API}indicators/", HTTP_IF_NONE_MATCH=second["ETag"])
    assert third.status_code == 200


def test_a_status_taking_effect_today_changes_the_etag(client, monkeypatch):
    make_status("mx", effective_from="2020-01-01")
    make_status("mx", value="not-prohibited", effective_from="2030-01-01")
    first = client.get(f"{API}countries/mx/")
    assert first.json()["current_statuses"][0]["effective_from"] == "2020-01-01"

    class Later(datetime.date):
        @classmethod
        def today(cls):
            return datetime.date(2030, 6, 1)

    monkeypatch.setattr(datetime, "date", Later)
    second = client.get(f"{API}countries/mx/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second.json()["current_statuses"][0]["effective_from"] == "2030-01-01"


def test_etags_differ_between_representations(client):
    make_law()
    as_json = client.get(f"{API}laws/")
    as_csv = client.get(f"{API}laws/", {"format": "csv"})
    as_html = client.get(f"{API}laws/", HTTP_ACCEPT="text/html")
    filtered = client.get(f"{API}laws/", {"country": "mx"})
    etags = {r["ETag"] for r in (as_json, as_csv, as_html, filtered)}
    assert len(etags) == 4
    csv_again = client.get(f"{API}laws/", {"format": "csv"}, HTTP_IF_NONE_MATCH=as_json["ETag"])
    assert csv_again.status_code == 200


def test_a_stale_if_modified_since_gets_the_full_response(client):
    make_law()
    response = client.get(f"{API}laws/", HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_conditional_request_costs_one_query(client, django_assert_num_queries):
    make_law()
    etag = client.get(f"{API}laws/")["ETag"]
    with django_assert_num_queries(1):
        assert client.get(f"{API}laws/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_responses_may_be_cached_but_must_be_revalidated(client, settings):
    settings.EDGE_CACHE_SECONDS = 7
    directives = {part.strip() for part in client.get(f"{API}laws/")["Cache-Control"].split(",")}
    # Browsers ask again every time; the site's own proxy may keep it 7 seconds.
    assert directives == {"public", "max-age=0", "must-revalidate", "s-maxage=7"}


# updated_since --------------------------------------------------------------------------


def test_updated_since_on_every_list_returns_only_what_changed(client):
    indicator = make_indicator()
    status = make_status("mx", indicator, caveat="changed")
    make_status("th", indicator, caveat="unchanged")
    make_law("changed-law")
    make_law("old-law")
    make_pilot("changed-pilot")
    make_pilot("old-pilot")
    make_pledge("changed-pledge")
    make_pledge("old-pledge")
    make_figure("changed-figure")
    make_figure("old-figure")
    make_source("changed-source")
    make_organisation("changed-organisation")
    make_organisation("old-organisation", name="Old")
    age_everything()
    moment = timezone.now()
    for model in (Law, Pilot, Pledge, Figure, Source):
        model.objects.get(slug__startswith="changed").save()
    status.save()
    Indicator.objects.get().save()
    Organisation.objects.get(slug="changed-organisation").save()

    assert since(client, "statuses", moment) == ["changed"]
    assert since(client, "laws", moment) == ["changed-law"]
    assert since(client, "pilots", moment) == ["changed-pilot"]
    assert since(client, "pledges", moment) == ["changed-pledge"]
    assert since(client, "figures", moment) == ["changed-figure"]
    assert since(client, "sources", moment) == ["changed-source"]
    assert since(client, "organisations", moment) == ["changed-organisation"]
    assert since(client, "indicators", moment) == ["child-detention-prohibited"]
    assert since(client, "countries", moment) == ["MX"]
    assert since(client, "withdrawals", moment) == []
    assert since(client, "laws", LONG_AGO) == ["changed-law", "old-law"]


def test_updated_since_accepts_dates_and_times_with_offsets(client):
    make_law()
    for value in ("2020-01-01", "2020-01-01T00:00:00Z", "2020-01-01T02:00:00+02:00"):
        response = client.get(f"{API}laws/", {"updated_since": value})
        assert response.json()["count"] == 1, value


# Withdrawals ----------------------------------------------------------------------------


def test_an_unpublished_record_is_listed_as_withdrawn_and_leaves_every_list(client):
    law = make_law()
    make_law("be-law", place="be")
    moment = timezone.now()
    law.publication_status = PublicationStatus.DRAFT
    law.save()

    withdrawn = client.get(f"{API}withdrawals/", {"updated_since": moment.isoformat()}).json()
    assert withdrawn["count"] == 1
    row = withdrawn["results"][0]
    assert (row["resource"], row["identifier"], row["reason"]) == (
        "laws",
        "mx-2020-reform",
        "unpublished",
    )
    assert datetime.datetime.fromisoformat(row["withdrawn_at"]) >= moment
    assert client.get(f"{API}laws/mx-2020-reform/").status_code == 404
    assert since(client, "laws", LONG_AGO) == ["be-law"]


def test_a_deleted_record_is_listed_as_withdrawn(client):
    status = make_status("mx")
    pledge = make_pledge()
    identifier = status.pk
    moment = timezone.now()
    status.delete()
    pledge.delete()
    rows = client.get(f"{API}withdrawals/", {"updated_since": moment.isoformat()}).json()
    assert {(r["resource"], r["identifier"], r["reason"]) for r in rows["results"]} == {
        ("statuses", str(identifier), "deleted"),
        ("pledges", "th-imrf-2022", "deleted"),
    }
    # The country lost a status: it shows as changed too.
    assert since(client, "countries", moment) == ["MX"]


def test_a_record_published_again_leaves_the_withdrawals_and_shows_as_updated(client):
    law = make_law()
    law.publication_status = PublicationStatus.DRAFT
    law.save()
    assert client.get(f"{API}withdrawals/").json()["count"] == 1
    moment = timezone.now()
    law.publication_status = PublicationStatus.PUBLISHED
    law.save()
    assert client.get(f"{API}withdrawals/").json()["count"] == 0
    assert since(client, "laws", moment) == ["mx-2020-reform"]


def test_withdrawals_filter_by_resource_and_reason(client):
    make_law().delete()
    pilot = make_pilot()
    pilot.publication_status = PublicationStatus.DRAFT
    pilot.save()
    rows = client.get(f"{API}withdrawals/", {"resource": "pilots"}).json()["results"]
    assert [(r["identifier"], r["reason"]) for r in rows] == [
        ("th-case-management", "unpublished")
    ]
    rows = client.get(f"{API}withdrawals/", {"reason": "deleted"}).json()["results"]
    assert [r["identifier"] for r in rows] == ["mx-2020-reform"]


def test_withdrawals_are_newest_first_and_older_ones_are_left_out_by_updated_since(client):
    make_law().delete()
    Withdrawal.objects.update(withdrawn_at=LONG_AGO)
    moment = timezone.now()
    make_pledge().delete()
    rows = client.get(f"{API}withdrawals/").json()["results"]
    assert [r["identifier"] for r in rows] == ["th-imrf-2022", "mx-2020-reform"]
    assert since(client, "withdrawals", moment) == ["pledges/th-imrf-2022"]


def test_withdrawals_as_csv(client):
    make_law().delete()
    body = client.get(f"{API}withdrawals/", {"format": "csv"}).getvalue().decode()
    header, row = body.strip().splitlines()
    assert header == "resource,identifier,reason,withdrawn_at"
    assert row.startswith("laws,mx-2020-reform,deleted,")


def test_a_mirror_synced_with_updated_since_and_withdrawals_matches_the_api(client):
    """The recipe of docs/api.md: mirror, then apply changes and withdrawals since."""
    make_law("kept")
    make_law("edited")
    make_law("unpublished")
    make_law("deleted")
    mirror = {row["slug"]: row for row in client.get(f"{API}laws/").json()["results"]}
    moment = timezone.now()

    edited = Law.objects.get(slug="edited")
    edited.title = "Edited title"
    edited.save()
    unpublished = Law.objects.get(slug="unpublished")
    unpublished.publication_status = PublicationStatus.DRAFT
    unpublished.save()
    Law.objects.get(slug="deleted").delete()
    make_law("added")

    changes = client.get(f"{API}laws/", {"updated_since": moment.isoformat()}).json()
    for row in changes["results"]:
        mirror[row["slug"]] = row
    withdrawals = client.get(
        f"{API}withdrawals/", {"updated_since": moment.isoformat(), "resource": "laws"}
    ).json()
    for row in withdrawals["results"]:
        mirror.pop(row["identifier"], None)

    fresh = {row["slug"]: row for row in client.get(f"{API}laws/").json()["results"]}
    assert mirror == fresh
    assert sorted(mirror) == ["added", "edited", "kept"]
