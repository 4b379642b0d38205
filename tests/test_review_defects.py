"""The remaining defects of the security and operations reviews, one section per defect.

(a) NUL in API identifiers, (b) simultaneous adds, (c) the disk cache's trim race,
(d) malformed booleans, (e) formulas in downloads, (f) the API docs, (g) conditional
requests validated first, (h) drafts leave the dataset version alone, (i) updated_since
hides drafts, (j) private backups, (k) edit conflicts everywhere.
"""

import csv
import datetime
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import zipfile
from decimal import Decimal
from pathlib import Path

import frictionless
import openpyxl
import pytest
import tablib
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import parse_http_date
from drf_spectacular.generators import SchemaGenerator
from import_export.formats import base_formats

from countries.models import Country, CountryGroup, Region, Subdivision
from countries.reference import sync_reference_data
from practices.admin import LawAdmin, StatusAdmin
from practices.filters import StatusFilter
from practices.models import IndicatorValue, Law, Revision, Status, TargetGroup
from practices.resources import FigureResource, LawResource
from tracker import api, caching
from tracker.exports import cell, escape_formula, unescape_formula

from .conftest import (
    DRAFT,
    PUBLISHED,
    cite,
    country,
    make_figure,
    make_indicator,
    make_law,
    make_source,
    make_status,
)
from .test_curation import change_url, citation_inline, errors_of, form_data, new_law

pytestmark = pytest.mark.django_db

API = "/api/v1/"
DETAIL_RESOURCES = [
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


# (a) A NUL in an API identifier is a JSON 404 (PostgreSQL refuses NUL in a query).


@pytest.mark.parametrize("resource", DETAIL_RESOURCES)
@pytest.mark.parametrize("identifier", ["%00", "a%00", "%00a"])
def test_a_nul_in_an_identifier_is_a_json_404(client, resource, identifier):
    response = client.get(f"{API}{resource}/{identifier}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


# (b) Two people adding the same record at the same moment: a form error, never a 500.


def at_once(*calls):
    """Run each call in a thread of its own, with its own database connection; their
    results (or the exception each raised), in order."""
    results = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the test reports what went wrong
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def with_reference_data():
    if not Country.objects.exists():  # an earlier transactional test flushed it
        sync_reference_data(Region, Country, Subdivision)


def new_status_data():
    indicator = make_indicator()
    return {
        "country": str(country("mx").pk),
        "subdivision": "",
        "indicator": str(indicator.pk),
        "value": str(indicator.values.first().pk),
        "effective_from": "2020-01-01",
        "effective_precision": "day",
        "observed_on": "2020-01-01",
        "observed_precision": "day",
        "original_language": "en",
        "publication_status": DRAFT,
        **citation_inline(sources=[make_source()]),
    }


ADDS = {
    "law": (
        LawAdmin,
        Law,
        lambda: {
            **new_law(publication_status=DRAFT),
            **citation_inline(sources=[make_source()]),
        },
    ),
    "status": (StatusAdmin, Status, new_status_data),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ADDS)
def test_two_simultaneous_adds_of_the_same_record_give_one_record_and_a_form_error(
    client, staff, monkeypatch, kind
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: see the next test")
    with_reference_data()
    admin_class, model, data = ADDS[kind]
    data = data()
    # Both forms pass validation before either saves: the race the database then settles.
    both_validated = threading.Barrier(2)
    save_model = admin_class.save_model

    def save_once_both_validated(self, request, obj, form, change):
        both_validated.wait(timeout=10)
        return save_model(self, request, obj, form, change)

    monkeypatch.setattr(admin_class, "save_model", save_once_both_validated)
    url = reverse(f"admin:practices_{kind}_add")

    def add():
        browser = type(client)()
        browser.force_login(staff)
        return browser.post(url, data)

    results = at_once(add, add)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.status_code for r in results) == [200, 302]
    refused = next(r for r in results if r.status_code == 200)
    assert "already" in errors_of(refused)
    assert model.objects.count() == 1


CHILD = """
import json, pathlib, sys, time
import django

django.setup()
from django.contrib.auth import get_user_model
from django.test import Client

folder, name, plan = pathlib.Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
client = Client()
client.force_login(get_user_model().objects.get(username="researcher"))
results = []
for step, (url, data) in enumerate(plan):
    data = {key: value.replace("{name}", name) for key, value in data.items()}
    (folder / f"{step}-{name}").touch()
    waited = time.monotonic()
    while len(list(folder.glob(f"{step}-*"))) < 2:  # both processes are ready: go
        if time.monotonic() - waited > 30:
            sys.exit(f"step {step}: the other process never came")
        time.sleep(0.001)
    try:
        response = client.post(url, data)
        results.append([response.status_code, response.content.decode()])
    except Exception as error:
        results.append([500, repr(error)])
print(json.dumps(results))
"""


@pytest.mark.django_db(transaction=True)
def test_two_processes_saving_at_once_on_a_sqlite_file_never_meet_a_locked_database(
    client, staff, tmp_path
):
    if connection.vendor != "sqlite":
        pytest.skip("about the embedded SQLite database")
    source = make_source(publication_status=DRAFT)
    client.force_login(staff)
    change = form_data(client.get(change_url(source)))
    change["title"] = "Retitled by {name}"
    plan = [
        [reverse("admin:practices_targetgroup_add"), {"slug": "children", "name": "Children"}],
        [change_url(source), change],
    ]
    database = tmp_path / "tracker.sqlite3"
    # A file copy of the test database, which the processes share.
    copy = sqlite3.connect(database)
    connection.ensure_connection()
    connection.connection.backup(copy)
    copy.close()
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    for name in ("REDIS_URL", "DATABASE_REPLICA_URL"):
        environment.pop(name, None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(tmp_path), name, json.dumps(plan)],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    try:
        outputs = [process.communicate(timeout=60) for process in processes]
    finally:
        for process in processes:
            process.kill()  # never left waiting after a failure
    assert all(process.returncode == 0 for process in processes), outputs
    # The results are the last line; the admin's sign-in log may come before.
    results = [json.loads(out.splitlines()[-1]) for out, _err in outputs]
    added, changed = zip(*results, strict=True)

    for status, body in added + changed:
        assert "locked" not in body
        assert status in (200, 302), body[-2000:]
    # One adds the group, the other is told it exists.
    assert sorted(status for status, _body in added) == [200, 302]
    assert "already exists" in next(body for status, body in added if status == 200)
    # One saves, the other is told someone saved the record after they opened it.
    assert sorted(status for status, _body in changed) == [200, 302]
    assert "saved this record after you opened it" in next(
        body for status, body in changed if status == 200
    )
    copy = sqlite3.connect(database)
    assert copy.execute("select count(*) from practices_targetgroup").fetchall() == [(1,)]
    (title,) = copy.execute("select title from practices_source").fetchone()
    saver = "first" if changed[0][0] == 302 else "second"
    assert title == f"Retitled by {saver}"


# (c) Workers trimming the disk cache at the same moment: a file another one removed
# meanwhile is no error.


def test_workers_writing_and_trimming_the_disk_cache_at_once_never_fail(settings):
    settings.DATASET_CACHE_FILE_BYTES = 1000
    settings.DATASET_CACHE_DISK_BYTES = 3000

    def write_many(worker):
        def write():
            for number in range(60):
                caching.store(f"worker{worker}-{number}", HttpResponse(b"x" * 1000))

        return write

    results = at_once(*(write_many(worker) for worker in range(8)))

    assert results == [None] * 8
    kept = list(Path(settings.DATASET_CACHE_DIR).glob("[!.]*"))
    assert sum(path.stat().st_size for path in kept) <= 3000


# (d) A malformed boolean is a 400 naming the parameter; true/false and 1/0 are accepted.


@pytest.mark.parametrize(
    "query", ["current=yes", "current=maybe", "practice_differs=maybe", "practice_differs=on"]
)
def test_a_malformed_boolean_is_a_400_naming_the_parameter(client, query):
    make_status("mx", make_indicator())
    response = client.get(f"{API}statuses/?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    assert response.json() == {name: ["Enter true or false (or 1 or 0)."]}


def test_booleans_read_true_false_1_and_0_in_any_case(client):
    indicator = make_indicator()
    make_status("mx", indicator, practice_differs=True)
    make_status("th", indicator, practice_differs=False)

    def count(query):
        response = client.get(f"{API}statuses/?{query}")
        assert response.status_code == 200, response.content
        return response.json()["count"]

    assert count("practice_differs=true") == count("practice_differs=1") == 1
    assert count("practice_differs=TRUE") == count("practice_differs=True") == 1
    assert count("practice_differs=false") == count("practice_differs=0") == 1
    assert count("practice_differs=") == count("current=") == 2


def test_the_filter_form_of_the_pages_says_what_a_boolean_takes():
    # Pages and the API share the FilterSet; a page shows its form's errors with a 400.
    form = StatusFilter({"current": "yes"}, queryset=Status.objects.all()).form
    assert not form.is_valid()
    assert form.errors == {"current": ["Enter true or false (or 1 or 0)."]}
    assert StatusFilter({"current": "1"}, queryset=Status.objects.all()).is_valid()


# (e) No cell of a download runs as a formula in a spreadsheet.

FORMULA_TITLE = '=HYPERLINK("x")'
FORMULA_QUOTE = "@SUM(1)"


@pytest.fixture
def formula_law():
    law = make_law(title=FORMULA_TITLE, summary="-5 days\tlater", adopted_on=None)
    law.citations.update(quote=FORMULA_QUOTE)
    make_figure(value=Decimal("1234.50"), description="+1 more")
    return law


def csv_rows(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode())))


@pytest.mark.parametrize("url", ["/laws/?format=csv", f"{API}laws/?format=csv"])
def test_csv_lists_escape_text_that_a_spreadsheet_would_run(client, formula_law, url):
    (row,) = csv_rows(client.get(url))
    assert row["title"] == "'" + FORMULA_TITLE
    assert row["summary"] == "'-5 days\tlater"
    assert row["slug"] == formula_law.slug  # text that runs nothing is left alone


def test_numbers_and_dates_stay_readable():
    assert cell(-5) == "-5"
    assert cell(Decimal("-1.50")) == "-1.50"
    assert cell(datetime.date(2020, 1, 31)) == "2020-01-31"
    assert [cell(text) for text in ["=1", "+1", "-1", "@a", "\tx", "\rx", "a=b"]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\tx",
        "'\rx",
        "a=b",
    ]


def test_the_data_package_escapes_formulas_and_still_validates(client, formula_law, tmp_path):
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{API}datapackage.zip").getvalue()))
    laws = list(csv.DictReader(io.StringIO(archive.read("laws.csv").decode())))
    citations = list(csv.DictReader(io.StringIO(archive.read("citations.csv").decode())))
    figures = list(csv.DictReader(io.StringIO(archive.read("figures.csv").decode())))
    assert laws[0]["title"] == "'" + FORMULA_TITLE
    quotes = {row["quote"] for row in citations}
    assert "'" + FORMULA_QUOTE in quotes and FORMULA_QUOTE not in quotes
    assert (figures[0]["value"], figures[0]["description"]) == ("1234.50", "'+1 more")
    archive.extractall(tmp_path)
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_admin_spreadsheet_export_escapes_formulas_and_imports_back_unchanged(formula_law):
    exported = LawResource().export()
    workbook = openpyxl.load_workbook(io.BytesIO(base_formats.XLSX().export_data(exported)))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    title = sheet.cell(row=2, column=header.index("title") + 1)
    assert (title.value, title.data_type) == ("'" + FORMULA_TITLE, "s")
    (row,) = csv.DictReader(io.StringIO(base_formats.CSV().export_data(exported)))
    assert (row["title"], row["summary"]) == ("'" + FORMULA_TITLE, "'-5 days\tlater")
    figure = FigureResource().export().dict[0]
    assert figure["value"] == "1234.50"  # a number, not escaped

    before = Law.objects.values_list("title", "summary", "updated_at").get()
    result = LawResource().import_data(
        tablib.Dataset().load(exported.export("xlsx"), format="xlsx"), raise_errors=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}
    assert Law.objects.values_list("title", "summary", "updated_at").get() == before


def test_escaping_a_formula_is_undone_exactly():
    for text in ["=1", "'=1", "''=1", "'quoted'", "plain", "-", "'"]:
        assert unescape_formula(escape_formula(text)) == text


# (f) The API's documentation and schema are throttled like the API, and generated once.


@pytest.mark.parametrize("url", [f"{API}docs/", f"{API}schema/"])
def test_the_docs_and_the_schema_are_throttled_like_the_api(client, settings, url):
    # An hour's window: three requests never straddle its end (a minute's could, while the
    # schema is generated).
    settings.API_ANON_THROTTLE_RATE = "2/h"
    caches["ratelimit"].clear()
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_the_schema_is_generated_once_per_language(client, settings, monkeypatch):
    settings.API_ANON_THROTTLE_RATE = None
    generated = []
    get_schema = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        generated.append(translation.get_language())
        return get_schema(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    api.generated_schema.cache_clear()
    # The docs page (Swagger UI) fetches the schema from the browser: only these generate it.
    for url in [f"{API}schema/", f"{API}schema/?format=json", f"{API}schema/"]:
        assert client.get(url).status_code == 200
    for _again in range(2):
        assert client.get(f"{API}schema/?lang=es").status_code == 200
    assert generated == ["en", "es"]


# (g) A conditional request is answered only once it is known to be valid.

BAD_QUERIES = ["page=0", "page=x", "page=9", "page_size=0", "updated_since=garbage"]


@pytest.mark.parametrize("query", BAD_QUERIES)
@pytest.mark.parametrize(
    "conditions",
    [
        {"HTTP_IF_NONE_MATCH": "*"},
        {"HTTP_IF_MODIFIED_SINCE": "Fri, 01 Jan 2100 00:00:00 GMT"},
    ],
    ids=["if-none-match", "if-modified-since"],
)
def test_a_bad_api_parameter_is_a_400_whatever_the_conditions(client, query, conditions):
    make_law()
    response = client.get(f"{API}laws/?{query}", **conditions)
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


@pytest.mark.parametrize(
    "url", [f"{API}laws/no-such-law/", f"{API}countries/zz/", f"{API}statuses/x/"]
)
def test_a_missing_record_is_a_404_whatever_the_conditions(client, url):
    assert client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 404


@pytest.mark.parametrize("query", ["updated_since=garbage", "country=zz", "page=0"])
def test_a_bad_page_filter_is_a_400_whatever_the_conditions(client, query):
    make_law()
    response = client.get(f"/laws/?{query}", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 400


@pytest.mark.parametrize("url", [f"{API}laws/?page=1", "/laws/?country=mx"])
def test_a_valid_conditional_request_still_gets_its_304(client, url, django_assert_num_queries):
    make_law()
    # Not seen before: checked first (filters, page), then answered.
    assert client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(1):  # seen and cached: the dataset version only
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


# (h) Saving a draft leaves the public dataset's version, ETags and Last-Modified alone.

PUBLIC_URLS = [API, f"{API}laws/", "/laws/"]


def public_stamps(client):
    responses = [client.get(url) for url in PUBLIC_URLS]
    return [client.get(API).json()["version"]] + [
        (response["ETag"], response["Last-Modified"]) for response in responses
    ]


def test_editing_a_draft_changes_no_version_etag_or_last_modified(client):
    make_law()
    draft = make_law("mx-2024-draft", publication_status=DRAFT)
    before = public_stamps(client)

    draft.title = "A new title for the draft"
    draft.save()
    draft.citations.update(quote="Changed in bulk, saved below.")
    citation = draft.citations.get()
    citation.quote = "Another quote"
    citation.save()
    draft.indicators.add(make_indicator(publication_status=DRAFT))
    draft.countries.add(country("gt"))
    make_law("mx-2025-other-draft", publication_status=DRAFT).delete()

    assert public_stamps(client) == before


def test_publishing_a_draft_changes_them(client):
    make_law()
    draft = make_law("mx-2024-draft", publication_status=DRAFT)
    before = public_stamps(client)
    draft.publication_status = PUBLISHED
    draft.save()
    after = public_stamps(client)
    assert after[0] != before[0]
    for (etag, last_modified), (old_etag, old_last_modified) in zip(
        after[1:], before[1:], strict=True
    ):
        assert etag != old_etag
        # To the second: a save within the same second keeps it.
        assert parse_http_date(last_modified) >= parse_http_date(old_last_modified)


def saved(record, **fields):
    for name, value in fields.items():
        setattr(record, name, value)
    record.save()


@pytest.mark.parametrize(
    "change",
    [
        "edit the law",
        "unpublish the law",
        "edit its citation",
        "link an indicator",
        "link a country",
        "delete the law",
        "delete its citation",
        "edit a published indicator value",
        "publish a value of a published indicator",
        "add a country group member",
        "edit a target group",
    ],
)
def test_every_change_to_published_data_still_bumps_the_revision(change):
    indicator = make_indicator()
    law = make_law()
    second = cite(law, make_source("second"))
    group = CountryGroup.objects.create(slug="g", name="G", member_label="as a member")
    target_group = TargetGroup.objects.create(slug="children", name="Children")
    draft_value = IndicatorValue.objects.create(
        indicator=indicator, slug="partly", label="Partly", rank=9, colour="#000000"
    )
    steps = {
        "edit the law": lambda: saved(law, title="T"),
        "unpublish the law": lambda: saved(law, publication_status=DRAFT),
        "edit its citation": lambda: saved(second, quote="Q"),
        "link an indicator": lambda: law.indicators.add(indicator),
        "link a country": lambda: law.countries.add(country("gt")),
        "delete the law": law.delete,
        "delete its citation": second.delete,
        "edit a published indicator value": lambda: saved(indicator.values.first(), label="L"),
        "publish a value of a published indicator": lambda: saved(
            draft_value, publication_status=PUBLISHED
        ),
        "add a country group member": lambda: group.members.add(country("fr")),
        "edit a target group": lambda: saved(target_group, name="Kids"),
    }
    before = Revision.current()
    steps[change]()
    assert Revision.current().number > before.number


# (i) updated_since on countries lists what the public saw change, never a draft's edits.


def countries_since(client, moment):
    for url in [f"{API}countries/", "/countries/"]:
        response = client.get(url, {"updated_since": moment.isoformat()})
        assert response.status_code == 200
    return [
        row["code"]
        for row in client.get(f"{API}countries/", {"updated_since": moment.isoformat()}).json()[
            "results"
        ]
    ]


def test_a_country_whose_only_change_is_a_draft_is_not_listed_as_updated(client):
    indicator = make_indicator()
    moment = timezone.now()
    make_status("tv", indicator, publication_status=DRAFT)
    response = client.get("/countries/", {"updated_since": moment.isoformat()})
    assert "/countries/tv/" not in response.content.decode()
    assert countries_since(client, moment) == []


@pytest.mark.parametrize("change", ["publish", "edit", "unpublish", "delete"])
def test_changes_the_public_saw_list_the_country(client, change):
    indicator = make_indicator()
    status = make_status(
        "mx", indicator, publication_status=DRAFT if change == "publish" else PUBLISHED
    )
    Status.history.update(history_date=timezone.now() - datetime.timedelta(days=1))
    moment = timezone.now()
    if change == "delete":
        status.delete()
    else:
        status.publication_status = DRAFT if change == "unpublish" else PUBLISHED
        status.save()
    assert countries_since(client, moment) == ["mx"]


# (j) A backup is readable by its owner only: it holds password hashes.


def test_a_backup_is_readable_by_its_owner_only(tmp_path):
    make_law()
    fresh = tmp_path / "backups" / "fresh.json"
    existing = tmp_path / "existing.json"
    existing.write_text("")
    existing.chmod(0o644)
    for path in (fresh, existing):
        call_command("backup", str(path), stdout=io.StringIO())
        assert path.stat().st_mode & 0o777 == 0o600
        assert json.loads(path.read_text())  # the dump itself is whole
    assert fresh.parent.stat().st_mode & 0o777 == 0o700


# (k) No lost update on any form: a missing version is refused, and citations, indicator
# values and vocabularies are checked like records.

INLINE = "practices-citation-content_type-object_id"


def opened(client, user, record):
    client.force_login(user)
    return form_data(client.get(change_url(record)))


def saved_as(client, user, record, data):
    client.force_login(user)
    return client.post(change_url(record), data)


def test_a_changed_form_sent_without_its_version_is_refused(client, editor):
    law = make_law()
    data = opened(client, editor, law)
    del data["opened_at"]
    data["title_en"] = "Overwritten blindly"
    response = saved_as(client, editor, law, data)
    assert response.status_code == 200
    assert "came without the version of the record it was opened on" in errors_of(response)
    law.refresh_from_db()
    assert law.title != "Overwritten blindly"


def test_a_form_sent_back_unchanged_needs_no_version(client, editor):
    law = make_law()
    data = opened(client, editor, law)
    del data["opened_at"]
    assert saved_as(client, editor, law, data).status_code == 302


@pytest.mark.parametrize("edit", ["the same quote", "only the title"])
def test_a_citation_changed_on_its_own_page_is_not_overwritten_by_an_older_record_form(
    client, staff, editor, edit
):
    law = make_law()
    citation = law.citations.get()
    older = opened(client, editor, law)

    on_its_page = opened(client, staff, citation)
    on_its_page["quote"] = "Erin's corrected quote."
    assert saved_as(client, staff, citation, on_its_page).status_code == 302

    if edit == "the same quote":
        older[f"{INLINE}-0-quote"] = "Eddie's quote."
    else:
        older["title"] = "Eddie's title"
    response = saved_as(client, editor, law, older)
    assert response.status_code == 200
    assert "saved this record after you opened it" in errors_of(response)
    citation.refresh_from_db()
    assert citation.quote == "Erin's corrected quote."


def test_editing_another_citation_of_the_record_meanwhile_is_no_conflict(client, staff, editor):
    law = make_law()
    first = law.citations.get()
    cite(law, make_source("second"), quote="Second quote.")
    form = opened(client, editor, law)

    on_its_page = opened(client, staff, first)
    on_its_page["quote"] = "Erin's corrected quote."
    assert saved_as(client, staff, first, on_its_page).status_code == 302
    # The record form, opened before, still shows the old first quote: it would write it
    # back, so it is refused; had it edited only the second citation, nothing is lost.
    form[f"{INLINE}-1-quote"] = "Eddie's second quote."
    form[f"{INLINE}-0-quote"] = on_its_page["quote"]
    assert saved_as(client, editor, law, form).status_code == 302
    assert sorted(law.citations.values_list("quote", flat=True)) == [
        "Eddie's second quote.",
        "Erin's corrected quote.",
    ]


def edit(data, field, text):
    """Set a field as a browser would: translated fields also come as field_en."""
    data[field] = text
    if f"{field}_en" in data:
        data[f"{field}_en"] = text


def indicator_value():
    return make_indicator().values.first()


def target_group():
    return TargetGroup.objects.create(slug="children", name="Children", description="Orig.")


@pytest.mark.parametrize(
    "make, field",
    [
        (indicator_value, "description"),
        (target_group, "description"),
        (lambda: make_law().citations.get(), "quote"),
    ],
    ids=["indicator value", "target group", "citation"],
)
def test_two_editors_on_the_same_row_the_second_is_refused(client, staff, editor, make, field):
    record = make()
    first, second = opened(client, staff, record), opened(client, editor, record)
    edit(first, field, "Erin's text.")
    assert saved_as(client, staff, record, first).status_code == 302
    edit(second, field, "Eddie's text.")
    response = saved_as(client, editor, record, second)
    assert response.status_code == 200
    assert "saved this record after you opened it" in errors_of(response)
    record.refresh_from_db()
    assert getattr(record, field) == "Erin's text."


def test_an_indicator_value_edited_on_its_indicator_is_checked_too(client, staff, editor):
    value = indicator_value()
    indicator = value.indicator
    prefix = "values"
    first, second = opened(client, staff, indicator), opened(client, editor, indicator)
    row = next(
        key.rsplit("-", 1)[0]
        for key, v in first.items()
        if key.endswith("-id") and v == str(value.pk)
    )
    assert row.startswith(prefix)
    first[f"{row}-description"] = "Erin's definition."
    assert saved_as(client, staff, indicator, first).status_code == 302
    second[f"{row}-description"] = "Eddie's definition."
    response = saved_as(client, editor, indicator, second)
    assert response.status_code == 200
    assert "saved this record after you opened it" in errors_of(response)
    value.refresh_from_db()
    assert value.description == "Erin's definition."


def test_current_false_gives_the_statuses_no_longer_in_force(client):
    old = make_status("mx", effective_from="2015-01-01", caveat="Old")
    new = make_status("mx", effective_from="2020-01-01", caveat="New")

    def caveats(query):
        response = client.get(f"/api/v1/statuses/?{query}")
        return [row["caveat"] for row in response.json()["results"]]

    assert caveats("current=true") == [new.caveat]
    assert caveats("current=false") == [old.caveat]
    assert sorted(caveats("current=")) == ["New", "Old"]
