"""Whole-dataset downloads: built once per version, in the background, never waited on."""

import io
import json
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from countries.models import Country, Region, Subdivision
from countries.reference import sync_reference_data
from practices.models import Law
from tracker import downloads, exports
from tracker.exports import dataset_version
from tracker.models import DatasetBuild

from .conftest import make_law, make_status

pytestmark = pytest.mark.django_db

API = "/api/v1/"
URLS = [f"{API}dataset.json", f"{API}datapackage.zip"]
QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def unthrottled(settings):
    settings.API_ANON_THROTTLE_RATE = None


@pytest.fixture
def law():
    # Tests outside a transaction start after another one's flush emptied every table.
    if not Country.objects.exists():
        sync_reference_data(Region, Country, Subdivision)
    make_status("mx")
    return make_law()


@pytest.fixture
def queued(settings):
    """Builds queued in the database for a worker, as in production."""
    settings.TASK_BACKEND = "database"
    settings.TASKS = QUEUE


def run_worker():
    """The worker's loop until the queue is empty (it closes the connection between tasks, so
    tests that use it run outside a transaction)."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def edit(law, title):
    law.title = title
    law.save()


@pytest.mark.parametrize("url", URLS)
def test_a_download_names_the_version_it_holds_and_answers_304(client, law, url):
    first = client.get(url)
    assert first.status_code == 200
    assert first["Dataset-Version"] == dataset_version().label
    assert first["ETag"].startswith('"') and first["Last-Modified"].endswith("GMT")
    assert first.getvalue()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("url", URLS)
def test_the_edge_may_keep_a_download_a_few_seconds_like_a_page(client, law, url, settings):
    settings.EDGE_CACHE_SECONDS = 7
    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    for response in (first, again):
        policy = set(response["Cache-Control"].split(", "))
        assert policy == {"public", "max-age=0", "must-revalidate", "s-maxage=7"}


@pytest.mark.django_db(transaction=True)
def test_no_proxy_keeps_the_answer_that_a_download_is_not_built_yet(client, law, queued):
    response = client.get(f"{API}dataset.json")
    assert response.status_code == 503
    assert "s-maxage" not in response.get("Cache-Control", "")
    assert "public" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("url", URLS)
def test_a_current_build_is_served_for_two_queries_whatever_the_size(
    client, law, url, django_assert_num_queries
):
    body = client.get(url).getvalue()
    with django_assert_num_queries(2):  # the dataset version, the newest builds
        again = client.get(url)
    assert again.getvalue() == body
    assert DatasetBuild.objects.filter(kind=url.rsplit("/", 1)[1]).count() == 1


def test_the_json_document_holds_the_version_it_is_served_as(client, law):
    response = client.get(f"{API}dataset.json")
    data = json.loads(response.getvalue())
    assert data["version"] == response["Dataset-Version"]
    assert [row["slug"] for row in data["laws"]] == [law.slug]


@pytest.mark.django_db(transaction=True)
def test_after_an_edit_the_previous_build_is_served_until_the_worker_has_built_the_new(
    client, law, queued
):
    downloads.ask_for_build(DatasetBuild.Kind.DATASET_JSON, dataset_version(), "http://x")
    run_worker()
    before = client.get(f"{API}dataset.json")
    old_body = before.getvalue()
    edit(law, "Reform of the Migration Law")

    during = [client.get(f"{API}dataset.json") for _ in range(5)]
    assert {response.status_code for response in during} == {200}
    assert {response["Dataset-Version"] for response in during} == {before["Dataset-Version"]}
    assert {response["ETag"] for response in during} == {before["ETag"]}
    assert all(response.getvalue() == old_body for response in during)
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # one build queued

    run_worker()
    after = client.get(f"{API}dataset.json", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["Dataset-Version"] == dataset_version().label != before["Dataset-Version"]
    assert b"Reform of the Migration Law" in after.getvalue()


@pytest.mark.django_db(transaction=True)
def test_before_any_build_has_finished_a_download_is_a_503_to_retry(client, law, queued):
    response = client.get(f"{API}datapackage.zip")
    assert response.status_code == 503
    assert response["Retry-After"] == str(downloads.RETRY_AFTER)
    assert "prepared" in response.json()["detail"]
    run_worker()
    assert client.get(f"{API}datapackage.zip").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_failed_build_keeps_the_previous_one_served_and_is_retried(
    client, law, queued, monkeypatch
):
    client.get(f"{API}dataset.json")
    run_worker()
    served = client.get(f"{API}dataset.json")["Dataset-Version"]
    edit(law, "Reform of the Migration Law")

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(downloads, "write", broken)
    client.get(f"{API}dataset.json")
    run_worker()
    failed = DatasetBuild.objects.get(state=DatasetBuild.State.FAILED)
    assert "disk full" in failed.error
    assert client.get(f"{API}dataset.json")["Dataset-Version"] == served
    assert DBTaskResult.objects.filter(status="READY").count() == 0  # not retried at once

    monkeypatch.undo()
    DatasetBuild.objects.filter(pk=failed.pk).update(
        requested_at=failed.requested_at.replace(2000)
    )
    client.get(f"{API}dataset.json")
    run_worker()
    assert client.get(f"{API}dataset.json")["Dataset-Version"] == dataset_version().label


def test_a_build_whose_file_is_gone_is_built_again(client, law):
    client.get(f"{API}dataset.json")
    build = DatasetBuild.objects.get()
    build.path.unlink()
    response = client.get(f"{API}dataset.json")
    assert response.status_code == 200 and response.getvalue()
    assert DatasetBuild.objects.get().path.exists()


def test_only_the_two_newest_builds_are_kept(client, law):
    for title in ("One", "Two", "Three"):
        edit(law, title)
        client.get(f"{API}dataset.json")
    kept = DatasetBuild.objects.ready(DatasetBuild.Kind.DATASET_JSON)
    assert kept.count() == 2
    assert sorted(path.name for path in kept[0].path.parent.iterdir()) == sorted(
        build.path.name for build in kept
    )


def test_a_build_holds_the_same_bytes_as_a_download_of_the_same_version(client, law):
    served = client.get(f"{API}datapackage.zip").getvalue()
    assert DatasetBuild.objects.get().path.read_bytes() == served


@pytest.mark.parametrize("kind", DatasetBuild.Kind.values)
def test_a_build_reads_the_records_a_chunk_at_a_time(law, kind, monkeypatch):
    """So that its memory stays flat as the data grows (measured at 100x: README)."""
    for index in range(120):
        make_law(f"law-{index}")
    monkeypatch.setattr(exports, "CHUNK_SIZE", 50)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            downloads.write(kind, dataset_version(), "http://x")
        return len(captured)

    in_chunks_of_50 = queries()
    monkeypatch.setattr(exports, "CHUNK_SIZE", 500)
    at_once = queries()
    # The 121 laws in three chunks: the laws' prefetches (citations, organisations...) run
    # once per chunk, where they ran once.
    assert in_chunks_of_50 >= at_once + 2 * 3


# Concurrency: real threads, each with its own database connection. The test database on
# SQLite lives in memory, shared between threads with table locks that do not wait, so these
# run on PostgreSQL (where production runs them).
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads share PostgreSQL only"
)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_sixteen_requests_right_after_an_edit_queue_one_build_and_all_get_the_previous(
    law, queued
):
    Client().get(f"{API}dataset.json")
    run_worker()
    previous = Client().get(f"{API}dataset.json")["Dataset-Version"]
    edit(law, "Reform of the Migration Law")

    barrier = threading.Barrier(16)
    answers = []

    def fetch():
        barrier.wait()
        try:
            response = Client().get(f"{API}dataset.json")
            answers.append((response.status_code, response["Dataset-Version"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [(200, previous)] * 16
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert DatasetBuild.objects.filter(state=DatasetBuild.State.QUEUED).count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_build_run_it_once(law, settings, tmp_path):
    settings.DOWNLOADS_DIR = str(tmp_path)
    built = []
    barrier = threading.Barrier(2)
    original = downloads.write

    def counted(*args):
        built.append(args[0])
        return original(*args)

    downloads.write = counted
    try:

        def work():
            barrier.wait()
            try:
                downloads.build_download.call(kind=DatasetBuild.Kind.DATAPACKAGE, base_url="")
            finally:
                connection.close()

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        downloads.write = original
    assert built == [DatasetBuild.Kind.DATAPACKAGE]
    assert DatasetBuild.objects.get().state == DatasetBuild.State.READY
    assert Law.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_readiness_reports_a_worker_that_takes_nothing_as_stalled(client, law, queued, settings):
    assert client.get("/readyz").json()["tasks"] == "ok"
    client.get(f"{API}dataset.json")  # queues a build that no worker takes
    settings.TASKS_STALLED_AFTER = 0
    report = client.get("/readyz")
    assert report.status_code == 200  # the previous downloads are still served
    assert report.json()["tasks"] == "stalled" and report.json()["status"] == "degraded"


def test_readiness_says_tasks_run_in_process_without_a_worker(client):
    assert client.get("/readyz").json()["tasks"] == "in process"


@pytest.mark.django_db(transaction=True)
def test_requests_for_versions_older_than_the_newest_build_are_dropped(client, law, queued):
    client.get(f"{API}dataset.json")  # queued, at this version
    edit(law, "Reform of the Migration Law")
    client.get(f"{API}dataset.json")  # queued, at the next one
    run_worker()  # each task builds the current version: one build, done once
    assert list(DatasetBuild.objects.values_list("version_label", "state")) == [
        (dataset_version().label, DatasetBuild.State.READY)
    ]


def test_the_start_up_command_builds_both_downloads_of_this_version(law, settings, tmp_path):
    settings.DOWNLOADS_DIR = str(tmp_path)
    output = io.StringIO()
    call_command("build_downloads", stdout=output)
    label = dataset_version().label
    assert output.getvalue().splitlines() == [
        f"{kind}: {label}, {DatasetBuild.objects.ready(kind).get().size} bytes"
        for kind in DatasetBuild.Kind.values
    ]


def test_the_start_up_command_leaves_a_build_another_process_has_claimed(law):
    version = dataset_version()
    DatasetBuild.objects.create(
        kind=DatasetBuild.Kind.DATASET_JSON,
        version_tag=version.tag,
        version_label=version.label,
        last_modified=version.last_modified,
        state=DatasetBuild.State.BUILDING,
        started_at=timezone.now(),
    )
    output = io.StringIO()
    call_command("build_downloads", stdout=output)
    assert (
        output.getvalue().splitlines()[0]
        == "dataset.json: being built by another process, or queued."
    )
    assert DatasetBuild.objects.ready(DatasetBuild.Kind.DATAPACKAGE).exists()
