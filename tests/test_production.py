"""Running in production: settings from the environment, the probes, the replica router."""

import copy
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from tracker import routers
from tracker.middleware import ReplicaReadsMiddleware

from .conftest import make_source

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "tracker" / "settings.py"

# What docker-compose.yml gives every app container.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "tracker.example.org",
    "SITE_URL": "https://tracker.example.org",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "TRUSTED_PROXY_COUNT": "1",
}
# Variables these tests set, removed first so that the developer's shell does not leak in.
VARIABLES = [
    *PRODUCTION_ENV,
    "DATABASE_REPLICA_URL",
    "REDIS_URL",
    "ADMIN_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_COOKIES",
    "CSRF_TRUSTED_ORIGINS",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests, refused by check --deploy
    "API_ANON_THROTTLE_RATE",
]


def load_settings(monkeypatch, **env):
    """The values tracker/settings.py computes under this environment."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in VARIABLES}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_flags_development_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={"DEBUG": "true"})
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W009", "security.W018"):
        assert check in result.stderr + result.stdout


def test_debug_false_turns_on_the_secure_defaults(monkeypatch):
    values = load_settings(monkeypatch, **PRODUCTION_ENV)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["STORAGES"]["staticfiles"]["BACKEND"].endswith(
        "CompressedManifestStaticFilesStorage"
    )


def test_development_keeps_plain_http_working(monkeypatch):
    values = load_settings(monkeypatch)
    assert values["DEBUG"] is True
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert "replica" not in values["DATABASES"]
    assert values["ADMIN_URL"] == "admin/"


def test_each_secure_default_can_be_overridden(monkeypatch):
    values = load_settings(
        monkeypatch,
        **PRODUCTION_ENV,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_PRELOAD="false",
        CSRF_TRUSTED_ORIGINS="https://tracker.example.org, https://www.tracker.example.org",
        ADMIN_URL="/backstage",
        AXES_FAILURE_LIMIT="10",
        AXES_COOLOFF_MINUTES="5",
    )
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["CSRF_TRUSTED_ORIGINS"] == [
        "https://tracker.example.org",
        "https://www.tracker.example.org",
    ]
    assert values["ADMIN_URL"] == "backstage/"
    assert values["AXES_FAILURE_LIMIT"] == 10
    assert values["AXES_COOLOFF_TIME"].total_seconds() == 300


def test_redis_url_moves_the_cache_to_redis_and_a_replica_url_adds_the_router(monkeypatch):
    values = load_settings(
        monkeypatch,
        REDIS_URL="redis://redis:6379/0",
        DATABASE_URL="postgres://postgres:pw@db:5432/atd_tracker",
        DATABASE_REPLICA_URL="postgres://reader:pw@replica:5432/atd_tracker",
    )
    cache = values["CACHES"]["default"]
    assert cache["BACKEND"] == "tracker.cache.ResilientRedisCache"
    assert cache["LOCATION"] == "redis://redis:6379/0"
    assert values["IMPORT_EXPORT_TMP_STORAGE_CLASS"].endswith("CacheStorage")
    replica = values["DATABASES"]["replica"]
    assert (replica["HOST"], replica["USER"]) == ("replica", "reader")
    assert replica["TEST"] == {"MIRROR": "default"}
    assert values["DATABASE_ROUTERS"] == ["tracker.routers.PrimaryReplicaRouter"]
    # Sessions stay in the database: no app process keeps them.
    assert "SESSION_ENGINE" not in values


def test_the_redis_cache_is_shared_between_processes():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    from django.core.cache.backends.redis import RedisCache

    location = "redis://127.0.0.1:6379/15"
    key = f"shared-{secrets.token_hex(4)}"
    RedisCache(location, {"KEY_PREFIX": "atd-test"}).set(key, "from one process", 30)
    other = RedisCache(location, {"KEY_PREFIX": "atd-test"})
    assert other.get(key) == "from one process"
    other.delete(key)


# /healthz and /readyz


@pytest.mark.django_db
def test_healthz_says_the_process_is_alive_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_a_reachable_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "replica": "not configured",
        "cache": "local memory",
        "tasks": "in process",
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("probe", ["/healthz", "/readyz"])
def test_probes_answer_by_address_and_over_plain_http(settings, probe):
    # Docker and the proxy call a container by its address, without TLS.
    settings.ALLOWED_HOSTS = ["tracker.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get(probe, HTTP_HOST="172.18.0.5:8000")
    assert response.status_code == 200
    # Everything else still insists on a known host.
    assert Client().get("/", HTTP_HOST="172.18.0.5:8000").status_code == 400


@pytest.mark.django_db
def test_readyz_reports_a_failing_database_as_unavailable(client):
    with mock.patch.object(
        connections["default"], "cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # alive all the same
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "unreachable"


def test_readyz_reports_an_unreachable_database_server_as_unavailable():
    # A real connection attempt, to a port where no server listens.
    script = (
        "from django.test import Client; r = Client().get('/readyz'); "
        "print(r.status_code, r.content.decode())"
    )
    result = manage(
        "shell",
        "-c",
        script,
        env={"DATABASE_URL": "postgres://postgres@127.0.0.1:1/atd_tracker"},
    )
    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith('503 {"status": "unavailable", "database": "unreachable"')


# The replica router


ROUTER = routers.PrimaryReplicaRouter()


def with_replica(test):
    """Run `test` as if DATABASES had a "replica" alias."""
    aliases = {"default": connections["default"], "replica": None}
    return mock.patch.object(routers, "connections", aliases)(test)


@with_replica
def test_router_sends_reads_to_the_primary_outside_public_requests():
    # Management commands, shells and tests never mark their reads.
    assert ROUTER.db_for_read(None) == "default"


@with_replica
def test_router_sends_public_reads_to_the_replica_and_writes_to_the_primary():
    with (
        mock.patch.object(connections["default"], "in_atomic_block", False),
        routers.replica_reads(),
    ):
        assert ROUTER.db_for_read(None) == "replica"
        assert ROUTER.db_for_write(None) == "default"


@with_replica
def test_router_keeps_reads_inside_a_transaction_on_the_primary():
    with (
        mock.patch.object(connections["default"], "in_atomic_block", True),
        routers.replica_reads(),
    ):
        assert ROUTER.db_for_read(None) == "default"


def test_router_without_a_replica_reads_from_the_primary():
    aliases = {"default": connections["default"]}
    with mock.patch.object(routers, "connections", aliases), routers.replica_reads():
        assert ROUTER.db_for_read(None) == "default"


def test_router_migrates_only_the_primary():
    assert ROUTER.allow_migrate("default", "practices")
    assert not ROUTER.allow_migrate("replica", "practices")


@pytest.mark.parametrize(
    "method, path, public",
    [
        ("GET", "/countries/", True),
        ("HEAD", "/laws/", True),
        ("GET", "/api/v1/laws/", True),
        ("GET", "/admin/", False),
        ("GET", "/admin/practices/law/", False),
        ("POST", "/admin/login/", False),
        ("POST", "/search/", False),
        ("PUT", "/api/v1/laws/x/", False),
    ],
)
def test_only_public_safe_requests_may_read_from_the_replica(method, path, public):
    seen = []

    def view(request):
        seen.append(routers.reads_from_replica())
        return HttpResponse()

    ReplicaReadsMiddleware(view)(RequestFactory().generic(method, path))
    assert seen == [public]
    assert routers.reads_from_replica() is False  # reset after the request


@pytest.fixture(scope="module")
def replica_alias(django_db_setup, django_db_blocker):
    """A "replica" alias on the test database: a second connection, as to a real replica."""
    if connections["default"].vendor != "postgresql":
        pytest.skip(
            "two connections to one in-memory SQLite test database do not share rows: "
            "runs on PostgreSQL (DATABASE_URL=postgres://...)"
        )
    created = "replica" not in connections.settings
    if created:
        settings_dict = copy.deepcopy(connections["default"].settings_dict)
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": "default"}
        connections.settings["replica"] = settings_dict
    yield "replica"
    if created:
        connections["replica"].close()
        del connections["replica"]
        del connections.settings["replica"]


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_public_pages_read_from_the_replica_and_the_admin_from_the_primary(replica_alias, staff):
    make_source("replicated-report", title="A replicated report")
    primary, replica = connections["default"], connections["replica"]
    with override_settings(DATABASE_ROUTERS=["tracker.routers.PrimaryReplicaRouter"]):
        client = Client()
        with (
            CaptureQueriesContext(primary) as on_primary,
            CaptureQueriesContext(replica) as on_replica,
        ):
            response = client.get("/sources/")
        assert response.status_code == 200
        assert "A replicated report" in response.content.decode()
        assert any("practices_source" in q["sql"] for q in on_replica.captured_queries)
        assert on_primary.captured_queries == []

        # A CSV download queries while its body streams, after the middleware has returned.
        with (
            CaptureQueriesContext(primary) as on_primary,
            CaptureQueriesContext(replica) as on_replica,
        ):
            response = client.get("/sources/?format=csv")
            body = b"".join(response.streaming_content).decode()
        assert "replicated-report" in body
        assert any("practices_source" in q["sql"] for q in on_replica.captured_queries)
        assert on_primary.captured_queries == []

        client.force_login(staff)
        with (
            CaptureQueriesContext(primary) as on_primary,
            CaptureQueriesContext(replica) as on_replica,
        ):
            response = client.get("/admin/practices/source/")
        assert response.status_code == 200
        assert on_replica.captured_queries == []
        assert any("practices_source" in q["sql"] for q in on_primary.captured_queries)


def test_api_throttling_can_be_turned_off(monkeypatch):
    assert load_settings(monkeypatch)["API_ANON_THROTTLE_RATE"] == "120/min"
    assert load_settings(monkeypatch, API_ANON_THROTTLE_RATE="30/min")["API_ANON_THROTTLE_RATE"]
    assert (
        load_settings(monkeypatch, API_ANON_THROTTLE_RATE="off")["API_ANON_THROTTLE_RATE"] is None
    )
