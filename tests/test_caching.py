"""Pages, API responses and bulk downloads are cached on the dataset revision, never stale."""

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.http import FileResponse
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practices.models import Law, PublicationStatus, Revision

from .conftest import make_indicator, make_law, make_source, make_status

pytestmark = pytest.mark.django_db

API = "/api/v1/"
PAGES = ["/", "/countries/mx/", "/laws/", "/laws/mx-2020-reform/", "/es/laws/", "/feed/"]
# (The whole-dataset downloads are built in the background: tests/test_downloads.py.)
API_URLS = [f"{API}laws/", f"{API}countries/mx/"]
# A body larger than the tests' disk threshold, with a Content-Disposition.
LARGE = f"{API}laws/?format=csv"
# Streamed as they are written the first time, kept once the whole stream has been sent.
CSV_URLS = ["/laws/?format=csv", f"{API}statuses/?format=csv"]


@pytest.fixture(autouse=True)
def unthrottled(settings):
    settings.API_ANON_THROTTLE_RATE = None


@pytest.fixture
def law():
    make_status("mx")
    return make_law()


@pytest.mark.parametrize("url", PAGES + API_URLS + CSV_URLS)
def test_a_repeated_request_is_served_from_the_cache_for_one_query(
    client, law, url, django_assert_num_queries
):
    first = client.get(url)
    assert first.status_code == 200
    body = first.getvalue()
    with django_assert_num_queries(1):  # the dataset version
        again = client.get(url)
    assert again.status_code == 200
    assert again.content == body
    assert again["Content-Type"] == first["Content-Type"]
    assert again["ETag"] == first["ETag"]


@pytest.mark.parametrize("url", ["/countries/mx/", f"{API}laws/"])
def test_with_the_response_cache_off_every_request_renders_afresh(client, law, url, settings):
    settings.RESPONSE_CACHE = False
    first = client.get(url)
    with CaptureQueriesContext(connection) as again_queries:
        again = client.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert len(again_queries) > 1
    assert again["ETag"] == first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_a_conditional_request_with_304(client, law, url):
    first = client.get(url)
    assert "max-age=0" in first["Cache-Control"] and "must-revalidate" in first["Cache-Control"]
    assert "s-maxage=10" in first["Cache-Control"] and first["Last-Modified"].endswith("GMT")
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_an_edit_shows_at_once_on_pages_the_api_and_the_bulk_download(client, law):
    urls = ["/laws/", "/laws/mx-2020-reform/", f"{API}laws/"]
    before = {url: client.get(url) for url in urls}
    law.title = "Reform of the Migration Law"
    law.save()
    for url in urls:
        after = client.get(url, HTTP_IF_NONE_MATCH=before[url]["ETag"])
        assert after.status_code == 200, url
        assert after["ETag"] != before[url]["ETag"], url
        assert "Reform of the Migration Law" in after.content.decode(), url


def test_unpublishing_and_deleting_leave_the_cached_lists(client, law):
    other = make_law("mx-2021-decree")
    assert client.get(f"{API}laws/").json()["count"] == 2
    law.publication_status = PublicationStatus.DRAFT
    law.save()
    assert client.get(f"{API}laws/").json()["count"] == 1
    assert b"Mx 2021 decree" in client.get("/laws/").content
    other.delete()
    assert client.get(f"{API}laws/").json()["count"] == 0
    assert b"Mx 2021 decree" not in client.get("/laws/").content


def test_linking_a_law_to_an_indicator_changes_the_cached_list(client, law):
    indicator = make_indicator("electronic-monitoring", values=("used", "not-used"))
    assert client.get(f"{API}laws/").json()["results"][0]["indicators"] == []
    law.indicators.add(indicator)
    linked = client.get(f"{API}laws/").json()["results"][0]["indicators"]
    assert [row["slug"] for row in linked] == ["electronic-monitoring"]


def test_publishing_in_the_admin_shows_on_the_cached_page(client, law, staff):
    draft = make_law("mx-2023-bill", publication_status=PublicationStatus.DRAFT)
    assert b"Mx 2023 bill" not in client.get("/laws/").content
    client.force_login(staff)
    changelist = reverse("admin:practices_law_changelist")
    client.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    client.logout()
    assert Law.objects.get(pk=draft.pk).is_published()
    assert b"Mx 2023 bill" in client.get("/laws/").content


def test_saves_deletes_and_links_each_bump_the_revision(law):
    indicator = make_indicator("electronic-monitoring", values=("used",))
    steps = [
        lambda: make_source("another-source"),
        lambda: law.indicators.add(indicator),
        lambda: law.citations.get().delete(),
        lambda: law.delete(),
    ]
    for step in steps:
        before = Revision.current()
        step()
        after = Revision.current()
        assert after.number == before.number + 1 or after.number > before.number
        assert after.changed_at > before.changed_at


def test_generating_and_removing_scaled_data_bump_the_revision(law):
    before = Revision.current().number
    call_command("generate_scaled_data", scale=2, seed=1, verbosity=0)
    generated = Revision.current().number
    call_command("generate_scaled_data", remove=True, verbosity=0)
    assert before < generated < Revision.current().number


def test_each_language_and_representation_is_cached_apart(client, law):
    english = client.get("/laws/")
    spanish = client.get("/es/laws/")
    assert english["ETag"] != spanish["ETag"]
    assert english["Content-Language"] == "en" and spanish["Content-Language"] == "es"
    as_json = client.get(f"{API}laws/")
    as_csv = client.get(f"{API}laws/", {"format": "csv"})
    assert as_json["Content-Type"].startswith("application/json")
    assert as_csv["Content-Type"].startswith("text/csv")
    assert client.get(f"{API}laws/")["Content-Type"].startswith("application/json")


def test_the_browsable_api_is_rendered_for_each_visitor(client, law):
    """Its HTML depends on who is logged in, so it is never taken from the shared cache."""
    client.get(f"{API}laws/", HTTP_ACCEPT="text/html")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"{API}laws/", HTTP_ACCEPT="text/html")
    assert again.status_code == 200
    assert len(queries) > 1


def test_a_stream_left_unread_is_not_kept(client, law):
    first = client.get(f"{API}statuses/?format=csv")
    assert first.streaming  # and never read: the client went away
    again = client.get(f"{API}statuses/?format=csv")
    assert again.streaming
    assert b"mx" in again.getvalue().lower()


def test_errors_are_not_cached(client, law):
    assert client.get(f"{API}laws/", {"country": "zz"}).status_code == 400
    assert client.get("/laws/", {"country": "zz"}).status_code == 400
    assert client.get("/laws/missing/").status_code == 404
    make_law("missing")
    assert client.get("/laws/missing/").status_code == 200


REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/9",
        "KEY_PREFIX": "atd-test",
    }
}


@pytest.fixture
def redis_cache():
    with override_settings(CACHES=REDIS):
        cache = caches["default"]
        try:
            cache.clear()
        except Exception as error:  # noqa: BLE001 - any connection failure
            pytest.skip(f"Redis is not answering on 127.0.0.1:6379: {error}")
        yield cache
        cache.clear()


def test_with_redis_the_cache_is_shared_and_follows_edits(client, law, redis_cache):
    first = client.get(f"{API}laws/")
    assert any(key.startswith(b":1:dataset-response:") for key in redis_keys(redis_cache))
    assert client.get(f"{API}laws/").content == first.content
    law.title = "Reform of the Migration Law"
    law.save()
    assert b"Reform of the Migration Law" in client.get(f"{API}laws/").content


def redis_keys(cache):
    client = cache._cache.get_client()
    return [key.removeprefix(b"atd-test") for key in client.keys("atd-test:*")]


def test_large_bodies_are_kept_on_disk_and_sent_like_static_files(client, law, settings, tmp_path):
    settings.DATASET_CACHE_FILE_BYTES = 200
    settings.DATASET_CACHE_DIR = str(tmp_path)
    first = client.get(LARGE).getvalue()
    assert len(first) > 200 and len(list(tmp_path.iterdir())) == 1
    again = client.get(LARGE)
    assert isinstance(again, FileResponse)
    assert again.getvalue() == first
    assert again["Content-Type"] == "text/csv; charset=utf-8"
    assert again["Content-Disposition"] == 'attachment; filename="laws.csv"'
    page = client.get("/laws/")
    page_again = client.get("/laws/")
    assert isinstance(page_again, FileResponse) and "Content-Disposition" not in page_again
    assert page_again.getvalue() == page.content


def test_a_large_body_missing_from_this_containers_disk_is_rendered_again(
    client, law, settings, tmp_path
):
    settings.DATASET_CACHE_FILE_BYTES = 200
    settings.DATASET_CACHE_DIR = str(tmp_path)
    first = client.get(LARGE).getvalue()
    for path in tmp_path.iterdir():
        path.unlink()  # as on another app container, which shares only Redis
    again = client.get(LARGE)
    assert not isinstance(again, FileResponse)
    assert again.getvalue() == first
    assert len(list(tmp_path.iterdir())) == 1


def test_the_disk_keeps_only_the_newest_bodies_within_its_limit(client, law, settings, tmp_path):
    settings.DATASET_CACHE_FILE_BYTES = 200
    settings.DATASET_CACHE_DIR = str(tmp_path)
    # Every country, whose size a new law hardly changes.
    url = f"{API}countries/?format=csv"
    size = len(client.get(url).getvalue())
    settings.DATASET_CACHE_DISK_BYTES = limit = size * 3
    for index in range(4):
        make_law(f"another-law-{index}")
        newest = client.get(url).getvalue()
    kept = list(tmp_path.iterdir())
    assert 1 < len(kept) < 5
    assert sum(path.stat().st_size for path in kept) <= limit
    assert newest in [path.read_bytes() for path in kept]
