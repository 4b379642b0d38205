"""Starting app containers: migrations run once however many start together, and a production
start refuses a missing or public SECRET_KEY."""

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from .conftest import ready_processes
from .test_production import load_settings, manage

ROOT = Path(__file__).resolve().parent.parent
WAITING = "Another process is migrating this database: waiting for it.\n"

# SECRET_KEY ---------------------------------------------------------------------------------


def test_the_app_refuses_to_start_with_debug_off_and_no_secret_key():
    result = manage("check", env={"DEBUG": "false"})
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is unset, empty or the public development key" in (
        result.stderr
    )


@pytest.mark.parametrize("key", ["", "  ", "insecure-development-key-change-me"])
def test_an_empty_or_public_secret_key_is_refused_with_debug_off(monkeypatch, key):
    with pytest.raises(ImproperlyConfigured, match="Set SECRET_KEY to a long random value"):
        load_settings(monkeypatch, DEBUG="false", SECRET_KEY=key)


def test_development_keeps_its_key_and_production_takes_the_one_given(monkeypatch):
    assert load_settings(monkeypatch)["SECRET_KEY"] == "insecure-development-key-change-me"
    production = load_settings(monkeypatch, DEBUG="false", SECRET_KEY="k" * 50)
    assert production["SECRET_KEY"] == "k" * 50


# Migrations and the first dataset load, once --------------------------------------------------


def small_dataset(folder):
    for name in ["indicators.yaml", "vocabularies.yaml"]:
        shutil.copy(settings.DATASET_DIR / name, folder / name)
    return folder


@pytest.fixture
def fresh_postgresql_database():
    """An empty database of its own on the test server, dropped afterwards."""
    server = settings.DATABASES["default"]
    params = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
    }
    name = f"atd_startup_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    credentials = params["user"] + (f":{params['password']}" if params["password"] else "")
    yield f"postgres://{credentials}@{params['host']}:{params['port']}/{name}", params, name
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the PostgreSQL server")
def test_containers_starting_together_migrate_and_load_the_dataset_once(
    fresh_postgresql_database, tmp_path
):
    database_url, params, name = fresh_postgresql_database
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATASET_DIR": str(small_dataset(tmp_path)),
        "LOAD_DATASET": "first",
        "PYTHON": sys.executable,
    }
    containers = [
        subprocess.Popen(
            ["sh", "deploy/start.sh", "migrate"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [container.communicate(timeout=180)[0] for container in containers]
    assert [container.returncode for container in containers] == [0, 0], outputs
    loaded = [output for output in outputs if "Dataset: loading (--load first)" in output]
    skipped = [output for output in outputs if "Dataset: not loaded" in output]
    assert len(loaded) == 1 and len(skipped) == 1, outputs
    assert WAITING in skipped[0]
    assert "No migrations to apply." in skipped[0]
    with psycopg.connect(dbname=name, **params) as database:
        (indicators,) = database.execute("SELECT count(*) FROM practices_indicator").fetchone()
    assert indicators > 0


OPEN_AT_ONCE = """
import os, sys, time
import django

django.setup()
from django.db import connection

assert connection.vendor == "sqlite"  # the backend is loaded: opening a file is left
print("ready", flush=True)
start = float(sys.stdin.readline())
modes = []
for number, name in enumerate(os.environ["NEW_FILES"].split(os.pathsep)):
    connection.close()
    connection.settings_dict["NAME"] = name
    moment = start + number * 0.05
    time.sleep(max(0, moment - time.time() - 0.01))
    while time.time() < moment:  # both processes open the file in the same instant
        pass
    with connection.cursor() as cursor:
        modes.append(cursor.execute("PRAGMA journal_mode").fetchone()[0])
print(*modes)
"""


def test_on_sqlite_processes_opening_a_new_file_together_all_get_write_ahead_logging(tmp_path):
    files = [tmp_path / f"{number}.sqlite3" for number in range(30)]
    for file in files:
        with sqlite3.connect(file) as new:  # in SQLite's default rollback mode
            new.execute("CREATE TABLE example (id integer)")
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{files[0]}",
        "NEW_FILES": os.pathsep.join(map(str, files)),
    }
    processes = ready_processes(OPEN_AT_ONCE, [environment, environment])
    try:
        start = f"{time.time() + 0.3}\n"
        for process in processes:
            process.stdin.write(start)
            process.stdin.flush()
        outputs = [process.communicate(timeout=60) for process in processes]
    finally:
        for process in processes:
            process.kill()
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert [out for out, _err in outputs] == [" ".join(["wal"] * 30) + "\n"] * 2


def test_on_sqlite_a_second_process_waits_for_the_one_migrating(tmp_path):
    database = tmp_path / "db.sqlite3"
    with open(tmp_path / "db.sqlite3.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process is migrating
        process = subprocess.Popen(
            [sys.executable, "manage.py", "migrate_once", "--load", "never"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout.readline() == WAITING
            time.sleep(0.5)
            assert process.poll() is None
            assert not database.exists()  # nothing migrated meanwhile
        finally:
            process.kill()
            process.wait()
