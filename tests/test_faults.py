"""Holds under faults: a dead Redis, replica or primary degrades the site, never breaks it.

Each fault is real: a closed port (127.0.0.1:1) for a server that is down, a socket that
accepts and never answers for one that drops packets, a redis-server started and stopped.
"""

import copy
import logging
import runpy
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connections
from django.db.utils import load_backend
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

import tracker.cache
from tracker import routers
from tracker.settings import database
from tracker.views import server_error

from .conftest import make_source

SETTINGS = Path(__file__).resolve().parent.parent / "tracker" / "settings.py"
CLOSED_PORT = 1
DEAD_POSTGRES = f"postgres://postgres@127.0.0.1:{CLOSED_PORT}/atd_tracker"
PAGES = ["/", "/laws/", "/sources/", "/countries/mx/", "/feed/"]
API = ["/api/v1/laws/", "/api/v1/sources/", "/api/v1/countries/mx/"]


def warnings_from(caplog, logger):
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == logger and record.levelno == logging.WARNING
    ]


# Redis


def use_redis(monkeypatch, settings, url):
    """The cache as tracker/settings.py configures it for REDIS_URL=url, fresh for this process."""
    monkeypatch.setenv("REDIS_URL", url)
    configured = runpy.run_path(str(SETTINGS))["CACHES"]["default"]
    settings.CACHES = {**settings.CACHES, "default": configured}  # also resets django's caches
    monkeypatch.setattr(tracker.cache, "_breakers", {})
    return caches["default"]


@pytest.fixture
def dead_redis(monkeypatch, settings):
    return use_redis(monkeypatch, settings, f"redis://127.0.0.1:{CLOSED_PORT}/0")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_pages_and_the_api_answer_uncached_while_redis_is_unreachable(client, dead_redis):
    for url in PAGES + API:
        assert client.get(url).status_code == 200, url
        again = client.get(url)
        assert again.status_code == 200, url
        assert not getattr(again, "from_cache", False), "rendered again: nothing was kept"


def test_every_cache_operation_is_a_miss_while_redis_is_unreachable(dead_redis):
    cache = dead_redis
    assert cache.get("key") is None
    assert cache.get("key", "default") == "default"
    assert cache.set("key", "value") is None
    assert cache.add("key", "value") is False
    assert cache.get_or_set("key", "computed") == "computed"
    assert cache.get_many(["key", "other"]) == {}
    assert cache.set_many({"key": 1, "other": 2}) == ["key", "other"]
    assert cache.has_key("key") is False
    assert cache.touch("key") is False
    assert cache.delete("key") is False
    assert cache.delete_many(["key"]) is None
    with pytest.raises(ValueError):
        cache.incr("counter")
    assert cache.clear() is False


def test_a_redis_that_never_answers_costs_one_request_its_timeout(monkeypatch, settings):
    # Accepts connections (the kernel does, into the backlog) and never says a word.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        cache = use_redis(monkeypatch, settings, f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        assert cache.get("key") is None
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(50):
            assert cache.get("key") is None
        following = time.monotonic() - started
    assert 0.3 < first < 2, "the socket timeout from settings bounds the first attempt"
    assert following < 0.1, "then Redis is skipped, not waited for"


@pytest.mark.django_db
def test_an_outage_is_logged_once_and_the_return_once(client, monkeypatch, settings, caplog):
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    monkeypatch.setattr(tracker.cache, "RETRY_SECONDS", 0.2)
    port = free_port()
    cache = use_redis(monkeypatch, settings, f"redis://127.0.0.1:{port}/0")
    caplog.set_level(logging.WARNING, "tracker.cache")
    for _ in range(3):
        for url in ("/laws/", "/api/v1/laws/"):
            assert client.get(url).status_code == 200
        time.sleep(0.2)  # each round tries Redis again
    down = warnings_from(caplog, "tracker.cache")
    assert len(down) == 1 and "unreachable" in down[0], down

    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 5
        while not cache.reachable():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        for _ in range(3):
            assert client.get("/laws/").status_code == 200
        assert cache.get("kept", "lost") == "lost"
        cache.set("kept", "here")
        assert cache.get("kept") == "here"
    finally:
        server.terminate()
        server.wait(timeout=10)
    messages = warnings_from(caplog, "tracker.cache")
    assert len(messages) == 2 and "answers again" in messages[1], messages


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_redis_and_stays_ready(client, dead_redis):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "replica": "not configured",
        "cache": "unreachable",
        "tasks": "in process",
    }


@pytest.mark.django_db
def test_readyz_reports_a_reachable_redis(client, monkeypatch, settings):
    use_redis(monkeypatch, settings, "redis://127.0.0.1:6379/13")
    if not caches["default"].reachable():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    assert client.get("/readyz").json()["cache"] == "ok"


# The replica


def replace_replica(settings_dict):
    connections[routers.REPLICA].close()
    del connections[routers.REPLICA]
    connections.settings[routers.REPLICA] = settings_dict


def live_replica_settings():
    """Another connection to the test database, as to a replica that is in step."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    # Nothing for the test runner to create or empty: it is the test database.
    settings_dict["TEST"] = {**settings_dict["TEST"], "MIRROR": "default"}
    return settings_dict


def dead_replica_settings():
    return {**live_replica_settings(), **database(DEAD_POSTGRES)}


@pytest.fixture(scope="class")
def replica_alias(django_db_setup):
    """A "replica" alias, there before each test's database set-up (which checks it)."""
    connections.settings[routers.REPLICA] = dead_replica_settings()
    yield
    connections[routers.REPLICA].close()
    del connections[routers.REPLICA]
    del connections.settings[routers.REPLICA]


# Transactional: inside a transaction the router keeps reads on the primary, as it should.
@pytest.mark.django_db(transaction=True, databases=["default", routers.REPLICA])
@pytest.mark.usefixtures("replica_alias")
class TestReplica:
    @pytest.fixture
    def replica(self, settings, monkeypatch):
        """The replica, down until a test says otherwise, and a fresh view of its health."""
        settings.DATABASE_ROUTERS = ["tracker.routers.PrimaryReplicaRouter"]
        settings.REPLICA_CHECK_SECONDS = 60
        monkeypatch.setattr(routers, "replica_health", routers.ReplicaHealth())
        replace_replica(dead_replica_settings())
        return routers.replica_health

    def test_public_reads_go_to_the_primary_while_it_is_unreachable(
        self, client, replica, settings, caplog
    ):
        make_source("a-report", title="A report on the primary")
        settings.REPLICA_CHECK_SECONDS = 0  # checked again on every request, logged once
        caplog.set_level(logging.WARNING, "tracker.routers")
        for _ in range(3):
            response = client.get("/sources/")
            assert response.status_code == 200
            assert "A report on the primary" in response.content.decode()
            response = client.get("/api/v1/sources/")
            assert response.status_code == 200
            assert response.json()["results"][0]["slug"] == "a-report"
        assert replica.state == routers.UNREACHABLE
        down = warnings_from(caplog, "tracker.routers")
        assert len(down) == 1 and "unreachable" in down[0], down

    @pytest.mark.parametrize("url", ["/sources/", "/api/v1/sources/", "/sources/?format=csv"])
    def test_failing_mid_request_is_answered_from_the_primary(self, client, replica, url):
        make_source("a-report", title="A report on the primary")
        replace_replica(live_replica_settings())
        assert replica.current() == routers.OK
        # It goes down after the check: the next request is sent to it all the same.
        replace_replica(dead_replica_settings())
        response = client.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"a-report" in body
        assert replica.state == routers.UNREACHABLE

    def test_it_is_used_again_once_it_answers(self, client, replica, settings, caplog):
        caplog.set_level(logging.WARNING, "tracker.routers")
        assert client.get("/sources/").status_code == 200
        assert replica.state == routers.UNREACHABLE

        replace_replica(live_replica_settings())
        settings.REPLICA_CHECK_SECONDS = 0
        with CaptureQueriesContext(connections[routers.REPLICA]) as on_replica:
            assert client.get("/api/v1/sources/").status_code == 200
        assert replica.state == routers.OK
        assert any("practices_source" in query["sql"] for query in on_replica.captured_queries)
        messages = warnings_from(caplog, "tracker.routers")
        assert [message.split(" (")[0] for message in messages] == [
            "The replica is unreachable",
            "The replica is usable again: public reads go back to it.",
        ]

    def test_too_far_behind_it_is_left_out(self, client, replica, settings, caplog):
        replace_replica(live_replica_settings())
        settings.REPLICA_MAX_LAG_SECONDS = -1  # any replica is "too far behind"
        caplog.set_level(logging.WARNING, "tracker.routers")
        with CaptureQueriesContext(connections[routers.REPLICA]) as on_replica:
            for url in ("/sources/", "/api/v1/sources/", "/laws/"):
                assert client.get(url).status_code == 200
        assert len(on_replica.captured_queries) == 1, "only the lag check"
        assert replica.state == routers.LAGGING
        assert len(warnings_from(caplog, "tracker.routers")) == 1
        report = client.get("/readyz").json()
        assert (report["replica"], report["replica_lag_seconds"]) == ("lagging", 0)

    def test_the_lag_of_a_postgresql_server_in_step_is_zero(self, replica):
        if connections["default"].vendor != "postgresql":
            pytest.skip("the lag query is PostgreSQL's: runs with DATABASE_URL=postgres://...")
        replace_replica(live_replica_settings())
        with CaptureQueriesContext(connections[routers.REPLICA]) as on_replica:
            assert replica.current() == routers.OK
        assert "pg_last_wal_replay_lsn" in on_replica.captured_queries[0]["sql"]
        assert replica.lag == 0

    def test_readyz_reports_it_and_stays_ready_without_it(self, client, replica):
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {
            "status": "degraded",
            "database": "ok",
            "replica": "unreachable",
            "cache": "local memory",
            "tasks": "in process",
        }
        replace_replica(live_replica_settings())
        replica.checked_at = None  # due for a check now
        assert client.get("/readyz").json() == {
            "status": "ok",
            "database": "ok",
            "replica": "ok",
            "cache": "local memory",
            "tasks": "in process",
        }


# The primary


@pytest.fixture
def dead_primary(django_db_blocker):
    """The "default" connection of this thread goes to a closed port for the test."""
    settings_dict = {**connections["default"].settings_dict, **database(DEAD_POSTGRES)}
    dead = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    original = connections["default"]
    connections["default"] = dead
    try:
        with django_db_blocker.unblock():
            yield
    finally:
        dead.close()
        connections["default"] = original


@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_503_with_a_plain_page_while_the_database_is_unreachable(dead_primary, url):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "The ATD Tracker is temporarily unavailable" in page
    assert "Traceback" not in page and "127.0.0.1" not in page


def test_the_503_page_is_in_the_language_of_the_page_asked_for(dead_primary):
    response = Client(raise_request_exception=False).get("/es/laws/")
    assert response.status_code == 503
    assert '<html lang="es"' in response.content.decode()


@pytest.mark.parametrize("url", API)
def test_the_api_answers_503_in_json_while_the_database_is_unreachable(dead_primary, url):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert set(response.json()) == {"detail"}
    assert "temporarily unavailable" in response.json()["detail"]


def test_probes_while_the_database_is_unreachable(dead_primary):
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok"}  # alive: restarting fixes nothing
    response = client.get("/readyz")
    assert response.status_code == 503
    # Plain states only: no error message, no host name.
    assert response.json() == {
        "status": "unavailable",
        "database": "unreachable",
        "replica": "not configured",
        "cache": "local memory",
        "tasks": "in process",
    }


def test_other_server_errors_are_json_under_the_api_and_a_plain_500_elsewhere():
    def fail_on(path):
        try:
            raise RuntimeError("a bug")
        except RuntimeError:
            return server_error(RequestFactory().get(path))

    response = fail_on("/api/v1/laws/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert b'"detail"' in response.content and b"a bug" not in response.content
    response = fail_on("/laws/")
    assert response.status_code == 500
    assert b"a bug" not in response.content
    assert "Retry-After" not in response
