"""The whole published dataset in one request: dataset.json and the Frictionless Data Package."""

import csv
import io
import json
import zipfile

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from frictionless import Package, validate

from practices.models import Figure, Law, Pilot, Pledge, Status
from tracker import downloads
from tracker.exports import PACKAGE_RESOURCES, columns, dataset_version
from tracker.models import DatasetBuild

from .conftest import attach_a_group
from .test_api import (
    API,
    DRAFTS,
    PLACES_QUERIES,
    PUBLISHED,
    RESOURCES,
    add_many_records,
    build_records,
)

pytestmark = pytest.mark.django_db

# Expect 23 queries for a build: each resource as its list fetches it:
# countries (countries with regions, current statuses, their citations), indicators (+ values),
# statuses (+ citations), laws (+ citations, indicators, organisations), pilots (+ citations,
# implementers, government partners, target groups, approaches), pledges (+ citations, progress
# entries; these records have none, else their citations, laws and statuses are 3 more),
# figures (+ citations), sources, organisations.
# Laws, pilots and pledges each add where they apply (test_api.PLACES_QUERIES): 33 in all.
DATASET_JSON_QUERIES = 3 + 2 + 2 + 4 + 6 + 3 + 2 + 1 + 1 + 3 * PLACES_QUERIES
# Expect 36 queries for a build: each CSV
# as its API list's CSV (countries 1, indicators 2, indicator values 1, statuses 2, laws 4,
# pilots 6, pledges 3 with their progress, pledge progress 1 (none here), figures 2, sources 1,
# organisations 1), the citations of the six cited resources (2 each, 1 without records), and
# their text in every language (1 each).
# Laws, pilots and pledges each add where they apply: 50 in all.
DATAPACKAGE_QUERIES = 1 + 2 + 1 + 2 + 4 + 6 + 3 + 1 + 2 + 1 + 1 + 11 + 6 + 3 * PLACES_QUERIES
QUERIES = {
    DatasetBuild.Kind.DATASET_JSON: DATASET_JSON_QUERIES,
    DatasetBuild.Kind.DATAPACKAGE: DATAPACKAGE_QUERIES,
}
DRAFT_TEXT = list(DRAFTS.values()) + ["Secret body", "A secret."]


@pytest.fixture(autouse=True)
def api_client_state(settings):
    settings.API_ANON_THROTTLE_RATE = None
    cache.clear()
    ContentType.objects.get_for_models(Status, Law, Pilot, Pledge, Figure)
    yield
    cache.clear()


@pytest.fixture
def records():
    build_records()


def unzip(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.getvalue()))


def test_dataset_json_has_every_published_record_of_every_resource(client, records):
    response = client.get(f"{API}dataset.json")
    assert response.status_code == 200
    data = json.loads(response.getvalue())
    assert data["name"] == "atd-tracker"
    assert data["licence"]["name"] == "CC-BY-4.0"
    assert data["version"].startswith(data["last_modified"][:19])
    assert [name for name in data if name in RESOURCES] == RESOURCES
    assert len(data["countries"]) == 249
    for resource, slugs in PUBLISHED.items():
        identifiers = [
            row["caveat" if resource == "statuses" else "slug"] for row in data[resource]
        ]
        assert sorted(identifiers) == sorted(slugs), resource
    # Records look as in the lists.
    law = next(row for row in data["laws"] if row["slug"] == "mx-2020-migration-law-reform")
    assert law == client.get(f"{API}laws/mx-2020-migration-law-reform/").json()


def test_drafts_are_absent_from_the_bulk_downloads(client, records):
    json_body = client.get(f"{API}dataset.json").getvalue().decode()
    archive = unzip(client.get(f"{API}datapackage.zip"))
    package_text = "".join(archive.read(name).decode() for name in archive.namelist())
    for text in DRAFT_TEXT:
        assert text not in json_body, text
        assert text not in package_text, text
    # The draft status is identified by its id in the package.
    draft_id = Status.objects.get(caveat="draft").pk
    statuses = list(csv.DictReader(io.StringIO(archive.read("statuses.csv").decode())))
    assert str(draft_id) not in {row["id"] for row in statuses}
    citations = list(csv.DictReader(io.StringIO(archive.read("citations.csv").decode())))
    assert {row["source"] for row in citations} == {"a-source", "idc-report-2021"}


def test_data_package_holds_one_csv_per_resource_and_describes_every_field(client, records):
    archive = unzip(client.get(f"{API}datapackage.zip"))
    assert sorted(archive.namelist()) == sorted(
        [
            "datapackage.json",
            *[f"{name}.csv" for name in PACKAGE_RESOURCES],
            "citations.csv",
            "translations.csv",
        ]
    )
    descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["version"] == client.get(API).json()["version"]
    for resource in descriptor["resources"]:
        assert resource["description"]
        header = archive.read(resource["path"]).decode().splitlines()[0].split(",")
        assert header == [field["name"] for field in resource["schema"]["fields"]]
        for field in resource["schema"]["fields"]:
            assert field["description"], (resource["name"], field["name"])
            assert field["type"] in {"string", "integer", "number", "boolean", "date", "datetime"}
    laws = next(r for r in descriptor["resources"] if r["name"] == "laws")
    assert [f["name"] for f in laws["schema"]["fields"]] == [c.name for c in columns("laws")]


def test_data_package_validates_with_the_frictionless_library(client, records, tmp_path):
    archive = unzip(client.get(f"{API}datapackage.zip"))
    archive.extractall(tmp_path)
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # Loading it as a partner would: typed rows, Namibia's code NA kept as a code.
    package = Package(tmp_path / "datapackage.json")
    countries = {row["iso2"]: row for row in package.get_resource("countries").read_rows()}
    assert countries["NA"]["name"] == "Namibia"
    statuses = package.get_resource("statuses").read_rows()
    mx_2020 = next(row for row in statuses if row["caveat"] == "mx-2020")
    assert mx_2020["practice_differs"] is True
    assert mx_2020["effective_from"].isoformat() == "2020-11-01"
    assert mx_2020["effective_date"] == "2020-11"


def test_the_zipped_package_also_validates(client, records, tmp_path):
    path = tmp_path / "atd-tracker-datapackage.zip"
    path.write_bytes(client.get(f"{API}datapackage.zip").getvalue())
    report = validate(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_building_the_bulk_downloads_holds_its_query_budgets(
    records, settings, tmp_path, django_assert_num_queries
):
    """A build (tracker/downloads.py) reads each resource as its list does, a chunk at a time."""
    settings.DOWNLOADS_DIR = str(tmp_path)

    def build(kind):
        version = dataset_version()
        with django_assert_num_queries(QUERIES[kind]):
            downloads.write(kind, version, "http://testserver")

    attach_a_group()
    for kind in QUERIES:
        build(kind)
    add_many_records(1)
    add_many_records(2)
    attach_a_group()
    for kind in QUERIES:
        build(kind)
    data = json.loads(
        DatasetBuild(kind="dataset.json", version_tag=dataset_version().tag).path.read_bytes()
    )
    assert len(data["laws"]) == 2 + 16


def test_data_package_is_a_download(client):
    response = client.get(f"{API}datapackage.zip", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="atd-tracker-datapackage.zip"'
    )


def test_one_version_of_the_dataset_always_gives_the_same_zip(client, records):
    first = client.get(f"{API}datapackage.zip")
    second = client.get(f"{API}datapackage.zip")
    assert first.getvalue() == second.getvalue()
    assert first["ETag"] == second["ETag"]
