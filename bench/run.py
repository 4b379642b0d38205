"""`make bench`: the app's public pages, API and bulk downloads under load at 1x, 10x and 100x
the real dataset, each endpoint five ways side by side (issue #17), and the whole-dataset
builds against PostgreSQL's COPY of the same rows.

For each scale: the bench database gets the real dataset plus synthetic records
(`generate_scaled_data`) and the published records are exported to SQLite for Datasette
(bench/export_sqlite.py). Then (bench/builds.py, a fresh process each) PostgreSQL COPYs the
published rows out, and dataset.json and datapackage.zip are built as the app's worker builds
them, timed, with their peak memory; the running app serves those builds. Then each app
endpoint is measured:

- uncached: gunicorn with production settings and Redis, started with RESPONSE_CACHE=false
  (every page and API response rendered afresh; ETags still sent);
- cached: gunicorn started again with the response cache on (as deploy/load-test.sh); a
  repeated URL is a cache hit. The body it gives is saved for the floor;
- edge: nginx with the project's edge config (deploy/nginx/tracker.conf, started by
  deploy/edge-local.sh) in front of the cached gunicorn, started a third time. curl checks
  the X-Cache-Status of the first and second request and of one after the run;
- floor: the same nginx process serving the same bytes, saved by curl from the cached app, as
  a static file (a second port, EDGE_EXTRA_CONF), checked byte for byte;

then Datasette on the same records, for the endpoints with a counterpart. Each endpoint is
checked with curl (200 or the run fails), warmed up (gunicorn and Datasette only: the nginx
modes have nothing to warm), and driven alone by wrk (bench/measure.lua) for BENCH_DURATION
seconds, longer for an endpoint too slow to give BENCH_MIN_REQUESTS responses in that time
(at most BENCH_MAX_DURATION).
Writes bench/results/latest.json and latest.md, prints the markdown; exits 1 if any
endpoint failed its check or answered an error status.

    BENCH_SCALES          "1 10 100"
    BENCH_DURATION        measured seconds per endpoint and mode (2); BENCH_WARMUP before it (1)
    BENCH_MIN_REQUESTS    responses wanted per measurement (20): a slower endpoint is measured
                          for up to BENCH_MAX_DURATION seconds (4)
    BENCH_CONNECTIONS     wrk connections (8); BENCH_THREADS wrk threads (2)
    BENCH_TIMEOUT         seconds before wrk counts a request as timed out (60)
    BENCH_DATABASE_URL    postgres://postgres@127.0.0.1:5432/atd_tracker_bench (dropped and
                          created afresh by each run, so that it holds today's migrations)
    BENCH_REDIS_URL       redis://127.0.0.1:6379/3 (flushed at the start of each scale, as is
                          bench/tmp/response-cache, the app's DATASET_CACHE_DIR)
    BENCH_PORT            gunicorn on 127.0.0.1 (8170); BENCH_DATASETTE_PORT (8171);
                          BENCH_EDGE_PORT nginx's edge (8172); BENCH_FLOOR_PORT its static
                          floor (8173)
    WEB_CONCURRENCY       gunicorn workers (4)
    GUNICORN_MAX_REQUESTS 0: workers are not recycled. Production recycles each after about
                          1000 requests; a fresh worker's first requests are slow, which at
                          hundreds of requests/s puts recycling, not the data, in p95 and p99.
"""

import datetime
import hashlib
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
TMP = ROOT / "bench" / "tmp"
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "measure.lua"
# The app's shared cache is Redis (BENCH_REDIS_URL); large bodies go to this folder.
RESPONSE_CACHE = TMP / "response-cache"
# The app's built downloads (DOWNLOADS_DIR).
DOWNLOADS = TMP / "downloads"
# The static floor: each app endpoint's body as a file, served by the edge's nginx.
FLOOR = TMP / "floor"
FLOOR_CONF = TMP / "floor.conf"
EDGE_SCRIPT = ROOT / "deploy" / "edge-local.sh"
# What the app's responses depend on (tracker/release.py), for code_version().
APP_FOLDERS = ("countries", "practices", "tracker", "templates", "locale", "static", "fixtures")
HEADERS = {"X-Forwarded-Proto": "https", "Accept-Language": "en"}
# Issue #17's targets.
DATASETTE_TARGET = 2.0  # uncached API req/s / Datasette's req/s, at least
BOUNDED_GROWTH_TARGET = 1.5  # uncached p95 at the largest scale / at the smallest, at most
EDGE_TARGET = 0.5  # req/s through the edge / static floor req/s, at least
BUILD_TARGET = 5.0  # build seconds / COPY seconds, at most, at BUILD_TARGET_SCALE
BUILD_TARGET_SCALE = 100
LINEAR_GROWTH_TARGET = 1.0  # whole-table: (p95 growth) / (data growth), at most
BUSY_CPU_PCT = 15  # CPU used by other processes before a measurement: worth a warning
FEW_REQUESTS = 50  # fewer responses than this in a measurement: its p95 is rough
# Proxy cache statuses that mean nginx answered from its cache.
CACHE_HITS = ("HIT", "REVALIDATED", "UPDATING", "STALE")
MODES = ("cached", "uncached", "edge", "floor")  # of app endpoints; then "datasette"
MODE_LABELS = {
    "cached": "cached (app)",
    "uncached": "uncached (app)",
    "edge": "edge (nginx cache)",
    "floor": "static floor (nginx)",
    "datasette": "Datasette",
}
# File extensions of the floor's files, by the app's Content-Type; nginx gives them back.
FLOOR_TYPES = {
    "text/html": "html",
    "application/json": "json",
    "text/csv": "csv",
    "application/zip": "zip",
}
DOWNLOAD_KINDS = ("dataset.json", "datapackage.zip")


@dataclass(frozen=True)
class Config:
    scales: list[int]
    duration: int
    warmup: int
    min_requests: int
    max_duration: int
    connections: int
    threads: int
    timeout: int
    database_url: str
    redis_url: str
    app_port: int
    datasette_port: int
    edge_port: int
    floor_port: int
    workers: int
    max_requests: int

    @classmethod
    def from_env(cls):
        env = os.environ.get
        return cls(
            scales=[int(scale) for scale in env("BENCH_SCALES", "1 10 100").split()],
            duration=int(env("BENCH_DURATION", "2")),
            warmup=int(env("BENCH_WARMUP", "1")),
            min_requests=int(env("BENCH_MIN_REQUESTS", "20")),
            max_duration=int(env("BENCH_MAX_DURATION", "4")),
            connections=int(env("BENCH_CONNECTIONS", "8")),
            threads=int(env("BENCH_THREADS", "2")),
            timeout=int(env("BENCH_TIMEOUT", "60")),
            database_url=env(
                "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atd_tracker_bench"
            ),
            redis_url=env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
            app_port=int(env("BENCH_PORT", "8170")),
            datasette_port=int(env("BENCH_DATASETTE_PORT", "8171")),
            edge_port=int(env("BENCH_EDGE_PORT", "8172")),
            floor_port=int(env("BENCH_FLOOR_PORT", "8173")),
            workers=int(env("WEB_CONCURRENCY", "4")),
            max_requests=int(env("GUNICORN_MAX_REQUESTS", "0")),
        )


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    server: str  # "app" (measured cached, uncached, at the edge and as a floor) or "datasette"
    path: str  # "{db}" stands for the Datasette database's name
    bounded: bool  # a page of rows or one record, whatever the data's size
    grows_with: str = ""  # whole-table: the table whose rows it carries ("" = every table)
    counterpart: str = ""  # the Datasette endpoint it is compared with
    api: bool = False  # an API list or detail: held to DATASETTE_TARGET


SINCE = "2020-01-01T00:00:00Z"
LAW = "mx-2020-migration-law-reform"  # a real record, at every scale
ENDPOINTS = [
    Endpoint("home", "home", "app", "/", True),
    Endpoint("country", "country detail", "app", "/countries/mx/", True),
    Endpoint("country_list", "filtered country list", "app", "/countries/?region=europe", True),
    Endpoint(
        "indicator", "indicator page + map", "app", "/indicators/child-detention-prohibited/", True
    ),
    Endpoint("law_list", "filtered law list", "app", "/laws/?kind=law", True),
    Endpoint("status_list", "statuses list page", "app", "/statuses/", True),
    Endpoint("compare", "compare two countries", "app", "/compare/?country=mx&country=us", True),
    Endpoint("search", "search", "app", "/search/?q=detention", True),
    Endpoint(
        "law_csv", "CSV of a filtered list", "app", "/laws/?kind=law&format=csv", False, "laws"
    ),
    Endpoint(
        "api_statuses",
        "API statuses list (100)",
        "app",
        "/api/v1/statuses/?indicator=child-detention-prohibited&page_size=100",
        True,
        counterpart="ds_statuses",
        api=True,
    ),
    Endpoint(
        "api_pilots",
        "API pilots list (100)",
        "app",
        "/api/v1/pilots/?page_size=100",
        True,
        counterpart="ds_pilots",
        api=True,
    ),
    Endpoint(
        "api_country",
        "API country detail",
        "app",
        "/api/v1/countries/mx/",
        True,
        counterpart="ds_country_statuses",
        api=True,
    ),
    Endpoint(
        "api_law",
        "API record detail (a law)",
        "app",
        f"/api/v1/laws/{LAW}/",
        True,
        counterpart="ds_law",
        api=True,
    ),
    Endpoint(
        "api_sync",
        "API sync (laws, 100)",
        "app",
        f"/api/v1/laws/?updated_since={SINCE}&page_size=100",
        True,
        counterpart="ds_sync",
        api=True,
    ),
    Endpoint(
        "api_statuses_csv",
        "API statuses, full CSV",
        "app",
        "/api/v1/statuses/?format=csv",
        False,
        "statuses",
        "ds_statuses_csv",
        api=True,
    ),
    Endpoint(
        "bulk_json",
        "bulk JSON",
        "app",
        "/api/v1/dataset.json",
        False,
        counterpart="ds_download",
    ),
    Endpoint(
        "datapackage",
        "bulk data package",
        "app",
        "/api/v1/datapackage.zip",
        False,
        counterpart="ds_download",
    ),
    Endpoint(
        "ds_statuses",
        "Datasette: statuses, 100 + labels",
        "datasette",
        "/{db}/statuses.json?indicator=child-detention-prohibited&_size=100&_labels=on",
        True,
    ),
    Endpoint(
        "ds_pilots",
        "Datasette: pilots, 100",
        "datasette",
        "/{db}/pilots.json?_size=100",
        True,
    ),
    # What our country detail holds: the country's statuses, with their labels.
    Endpoint(
        "ds_country_statuses",
        "Datasette: a country's statuses",
        "datasette",
        "/{db}/statuses.json?country=MX&_labels=on&_size=max",
        False,
        "statuses",
    ),
    Endpoint("ds_law", "Datasette: law row", "datasette", f"/{{db}}/laws/{LAW}.json", True),
    Endpoint(
        "ds_sync",
        "Datasette: laws since (100)",
        "datasette",
        f"/{{db}}/laws.json?updated_at__gte={SINCE}&_size=100",
        True,
    ),
    Endpoint(
        "ds_statuses_csv",
        "Datasette: statuses, full CSV",
        "datasette",
        "/{db}/statuses.csv?_stream=on&_size=max",
        False,
        "statuses",
    ),
    Endpoint("ds_download", "Datasette: whole database", "datasette", "/{db}.db", False),
]
BY_KEY = {endpoint.key: endpoint for endpoint in ENDPOINTS}
APP_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if endpoint.server == "app"]
DATASETTE_ENDPOINTS = [endpoint for endpoint in ENDPOINTS if endpoint.server == "datasette"]
STARTED = time.monotonic()


@dataclass
class Measurement:
    """One endpoint in one mode at one scale: the curl check, then wrk's numbers."""

    url: str
    status: int = 0
    body_bytes: int = 0
    content_type: str = ""
    check_error: str = ""
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    requests: int = 0
    duration_s: float = 0.0
    bytes_per_response: float = 0.0
    status_errors: int = 0
    socket_errors: dict = field(default_factory=dict)
    other_cpu_pct: float = 0.0  # CPU busy while our servers were idle, just before wrk
    # edge: X-Cache-Status of the first and second request, and of one after the run
    cache_status: list = field(default_factory=list)
    # edge and floor: the body is byte for byte the cached app's (None: not compared)
    same_bytes: bool | None = None

    @property
    def failed(self):
        return bool(self.check_error) or self.status_errors > 0


@dataclass
class Reply:
    status: int
    size: int
    seconds: float
    content_type: str
    cache_status: str


# -- processes ---------------------------------------------------------------------------


def log(message):
    print(f"== {time.monotonic() - STARTED:4.0f} s  {message}", flush=True)


def run(command, env=None, quiet=False):
    """Run a command from the project's root; on failure show its output and stop."""
    result = subprocess.run(
        [str(part) for part in command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed ({result.returncode}): {' '.join(map(str, command))}")
    if not quiet and result.stdout.strip():
        print(result.stdout.rstrip(), flush=True)
    return result.stdout


def output(command):
    """A command's first line of output, or "" when it cannot run (for version strings)."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=20)
    except OSError:
        return ""
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0].strip() if lines else ""


def port_is_free(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def stop(process):
    """SIGTERM the process group started for a server, then SIGKILL what is left after 30 s."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            os.killpg(process.pid, 0)  # workers left behind in the group?
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return
        time.sleep(1)


def wait_until_answers(name, url, alive, log_path):
    for _ in range(120):
        if not alive():
            raise SystemExit(f"{name} exited:\n{tail(log_path)}")
        if curl(url).status == 200:
            return
        time.sleep(0.5)
    raise SystemExit(f"{name} did not answer {url}:\n{tail(log_path)}")


@contextmanager
def serving(name, command, env, port, ready_path, log_path):
    """Start a server in its own process group, wait until it answers, always stop it."""
    if not port_is_free(port):
        raise SystemExit(f"port {port} is in use: stop what listens there or set BENCH_*PORT")
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            [str(part) for part in command],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}{ready_path}"
            wait_until_answers(name, url, lambda: process.poll() is None, log_path)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)


@contextmanager
def edge(config, scale):
    """nginx as deploy/edge-local.sh runs it, in front of the app on BENCH_PORT, plus the
    static floor's server (FLOOR_CONF); a fresh cache for each scale. Always stopped."""
    for port in (config.edge_port, config.floor_port):
        if not port_is_free(port):
            raise SystemExit(f"port {port} is in use: set BENCH_EDGE_PORT or BENCH_FLOOR_PORT")
    edge_dir = TMP / f"edge-{scale}x"
    shutil.rmtree(edge_dir, ignore_errors=True)
    FLOOR_CONF.write_text(floor_conf(config.floor_port))
    env = dict(os.environ, EDGE_DIR=str(edge_dir), EDGE_EXTRA_CONF=str(FLOOR_CONF))
    script = ["bash", EDGE_SCRIPT]
    pid_file = edge_dir / "nginx.pid"
    log_path = edge_dir / "error.log"
    try:
        run([*script, "start", config.edge_port, config.app_port], env=env)
        master = int(pid_file.read_text())
        wait_until_answers(
            "nginx",
            f"http://127.0.0.1:{config.edge_port}/healthz",
            lambda: alive(master),
            log_path,
        )
        yield f"http://127.0.0.1:{config.edge_port}", f"http://127.0.0.1:{config.floor_port}"
    finally:
        if pid_file.exists():
            master = int(pid_file.read_text())
            subprocess.run([*map(str, script), "stop"], cwd=ROOT, env=env, capture_output=True)
            for _ in range(40):
                if not alive(master):
                    break
                time.sleep(0.25)
            else:
                os.kill(master, signal.SIGTERM)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def floor_conf(port):
    """The static floor, a server of the edge's nginx (included in its http block)."""
    types = "".join(f"        {mime} {ext};\n" for mime, ext in FLOOR_TYPES.items())
    return (
        "# Written by bench/run.py: each app endpoint's body as a static file.\n"
        "server {\n"
        f"    listen 127.0.0.1:{port};\n"
        f"    root {FLOOR};\n"
        "    types {\n" + types + "    }\n"
        "    default_type application/octet-stream;\n"
        "    charset utf-8;\n"
        "    charset_types text/csv;\n"  # and text/html, always
        "    location / { try_files $uri =404; }\n"
        "}\n"
    )


# -- the environment ---------------------------------------------------------------------


def app_env(config, **changes):
    """Production settings as deploy/load-test.sh gives them; no API throttle for wrk."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=config.database_url,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SITE_URL="https://localhost",
        DB_CONN_MAX_AGE="60",
        API_ANON_THROTTLE_RATE="off",
        LOG_LEVEL="WARNING",
        REDIS_URL=config.redis_url,
        DATASET_CACHE_DIR=str(RESPONSE_CACHE),
        DOWNLOADS_DIR=str(DOWNLOADS),
        TASK_BACKEND="immediate",
        RESPONSE_CACHE="true",
        WEB_CONCURRENCY=str(config.workers),
        GUNICORN_MAX_REQUESTS=str(config.max_requests),
        GUNICORN_BIND=f"127.0.0.1:{config.app_port}",
    )
    env.update(changes)
    return env


def check_tools(config):
    for tool in ("wrk", "curl", "psql", "redis-cli", "nginx"):
        if not output(["which", tool]):
            raise SystemExit(f"{tool} is missing (apt-get install {tool})")
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
        raise SystemExit("PostgreSQL is not answering on 127.0.0.1:5432")
    if output(["redis-cli", "-u", config.redis_url, "ping"]) != "PONG":
        raise SystemExit(f"Redis is not answering at {config.redis_url}")
    ports = (config.app_port, config.datasette_port, config.edge_port, config.floor_port)
    if len(set(ports)) < len(ports):
        raise SystemExit(f"BENCH_*PORT must differ: {ports}")
    for port in ports:
        if not port_is_free(port):
            raise SystemExit(f"port {port} is in use")


def create_database(database_url):
    """A new, empty database: one left by an earlier run could hold a migration as it was
    when applied, not as it is now."""
    server, name = database_url.rsplit("/", 1)
    psql = ["psql", f"{server}/postgres"]
    run([*psql, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'])
    run([*psql, "-qc", f'CREATE DATABASE "{name}"'])


def manage(env, *args):
    return run([BIN / "python", "manage.py", *args], env=env, quiet=True)


def prepare_once(config, env):
    log(f"database {config.database_url.rsplit('/', 1)[1]}, translations, static files")
    create_database(config.database_url)
    if (ROOT / "locale").is_dir():
        run([BIN / "pybabel", "-q", "compile", "--domain", "django", "--directory", "locale"])
    manage(env, "collectstatic", "--noinput", "-v0")


def prepare_scale(scale, env, config):
    """The real dataset plus synthetic records to `scale` times it; an empty cache."""
    log(f"scale {scale}x: migrate, load_dataset, generate_scaled_data")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_dataset")
    manage(env, "generate_scaled_data", "--remove")
    if scale > 1:
        manage(env, "generate_scaled_data", "--scale", scale, "--seed", 1)
    run(["redis-cli", "-u", config.redis_url, "flushdb"], quiet=True)
    shutil.rmtree(RESPONSE_CACHE, ignore_errors=True)
    log(f"scale {scale}x: SQLite export for Datasette")
    database = TMP / f"tracker-{scale}x.db"
    export = [BIN / "python", "bench/export_sqlite.py", database]
    counts = run([*export, "--metadata", metadata_path(database)], env=env, quiet=True)
    return database, json.loads(counts.strip().splitlines()[-1])


def metadata_path(database):
    return database.with_suffix(".metadata.json")


def builds(scale, env):
    """COPY of the published rows, then each download built in a fresh process (which the
    app then serves): seconds, bytes, peak memory."""
    log(f"scale {scale}x: COPY of the published rows, dataset.json and datapackage.zip builds")
    results = {"copy": build_result([BIN / "python", "bench/builds.py", "copy"], env)}
    for kind in DOWNLOAD_KINDS:
        results[kind] = build_result([BIN / "python", "bench/builds.py", "build", kind], env)
    copy = results["copy"]["seconds"]
    print(
        f"   COPY {copy:.3f} s ({results['copy']['rows']} rows, "
        f"{size(results['copy']['bytes'])})  "
        + "  ".join(
            f"{kind} {results[kind]['seconds']:.2f} s ({size(results[kind]['bytes'])}, "
            f"max RSS {results[kind]['max_rss_mb']:.0f} MB)"
            for kind in DOWNLOAD_KINDS
        ),
        flush=True,
    )
    return results


def build_result(command, env):
    started = time.monotonic()
    stdout = run(command, env=env, quiet=True)
    line = next(line for line in stdout.splitlines() if line.startswith("BENCH_BUILD "))
    result = json.loads(line.removeprefix("BENCH_BUILD "))
    result["process_seconds"] = round(time.monotonic() - started, 2)
    return result


# -- measuring ---------------------------------------------------------------------------


def curl(url, body_path=os.devnull, host=None):
    """One GET with the benchmark's headers, as wrk sends them (no Accept: the API varies on
    it, and so does the edge's cache); status 0 if unreachable."""
    headers = {"Accept": "", **HEADERS} | ({"Host": host} if host else {})
    headers = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    command = ["curl", "-s", "--max-time", "300", "-o", str(body_path), *headers, url]
    written = "%{http_code}\t%{size_download}\t%{time_total}\t%{content_type}\t"
    written += "%header{x-cache-status}"
    result = subprocess.run([*command, "-w", written], capture_output=True, text=True)
    parts = (result.stdout.split("\t") + ["0", "0", "0", "", ""])[:5]
    return Reply(
        status=int(parts[0] or 0),
        size=int(float(parts[1] or 0)),
        seconds=float(parts[2] or 0),
        content_type=parts[3].strip(),
        cache_status=parts[4].strip(),
    )


def wrk(config, url, seconds):
    command = [
        "wrk",
        f"-t{config.threads}",
        f"-c{config.connections}",
        f"-d{seconds}s",
        f"--timeout={config.timeout}s",
        "-s",
        LUA,
        url,
    ]
    stdout = run(command, quiet=True)
    line = next(line for line in stdout.splitlines() if line.startswith("BENCH_RESULT "))
    return json.loads(line.removeprefix("BENCH_RESULT "))


def measure(config, endpoint, mode, url, log_path, body=None):
    """Check `url` with curl (its body saved to `body`), warm up, then drive it with wrk."""
    result = Measurement(url=url)
    body = body or TMP / "check.body"
    body.unlink(missing_ok=True)
    reply = curl(url, body)
    result.status, result.body_bytes = reply.status, reply.size
    result.content_type, result.cache_status = reply.content_type, [reply.cache_status]
    label = f"{endpoint.label} [{mode}]"
    if reply.status != 200:
        excerpt = " ".join(body.read_text(errors="replace").split())[:300] if body.exists() else ""
        result.check_error = f"HTTP {reply.status}: {excerpt}"
        print(f"!! FAILED CHECK {label} {url}: {result.check_error}", flush=True)
        print(f"!! server log tail:\n{tail(log_path)}", flush=True)
        return result
    result.other_cpu_pct = round(cpu_busy(), 1)
    # Seconds per response: from the warm-up, or at worst one request at a time.
    per_response = reply.seconds
    if mode not in ("edge", "floor"):  # nginx has nothing to warm up
        warm = wrk(config, url, config.warmup) if config.warmup else {"requests": 0}
        drained = curl(url)  # waits behind the warm-up's requests still under way
        per_response = drained.seconds
        if warm["requests"] >= 3:
            per_response = warm["duration_s"] / warm["requests"]
    seconds = config.duration
    if seconds < config.min_requests * per_response:  # too slow for min_requests: longer
        needed = math.ceil(config.min_requests * per_response)
        seconds = min(config.max_duration, needed)
    numbers = wrk(config, url, seconds)
    requests = numbers["requests"]
    result.requests = requests
    result.duration_s = numbers["duration_s"]
    result.rps = requests / numbers["duration_s"] if numbers["duration_s"] else 0.0
    result.bytes_per_response = numbers["bytes"] / requests if requests else 0.0
    for name in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "status_errors"):
        setattr(result, name, numbers[name])
    result.socket_errors = {
        name: numbers[name]
        for name in ("connect_errors", "read_errors", "write_errors", "timeouts")
        if numbers[name]
    }
    flag = "  !! ERRORS" if result.status_errors or result.socket_errors else ""
    longer = f" ({seconds} s)" if seconds != config.duration else ""
    print(
        f"   {label:50} {result.rps:9.1f} req/s  p50 {result.p50_ms:8.1f}  "
        f"p95 {result.p95_ms:8.1f}  p99 {result.p99_ms:8.1f} ms  "
        f"{result.body_bytes:>10} B{longer}{flag}",
        flush=True,
    )
    if result.failed:
        print(f"!! server log tail:\n{tail(log_path)}", flush=True)
    return result


def cpu_busy(seconds=0.25):
    """How busy all cores are (percent) over a moment: other processes' load, if ours idle."""

    def sample():
        ticks = [int(tick) for tick in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(ticks[:8]), ticks[3] + ticks[4]  # user..steal; idle + iowait

    total, idle = sample()
    time.sleep(seconds)
    total_after, idle_after = sample()
    return 100 * (1 - (idle_after - idle) / max(total_after - total, 1))


def tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def floor_file(endpoint, content_type):
    mime = content_type.split(";")[0].strip().lower()
    return FLOOR / f"{endpoint.key}.{FLOOR_TYPES.get(mime, 'bin')}"


def code_version():
    """The app's code (its folders' trees at HEAD), plus a digest of its uncommitted changes:
    did it change mid-run? A commit elsewhere (bench/, docs) changes neither."""
    git = ["git", "-C", str(ROOT)]
    trees = subprocess.run([*git, "ls-tree", "HEAD", "--", *APP_FOLDERS], capture_output=True)
    changed = subprocess.run(
        [*git, "diff", "HEAD", "--", *APP_FOLDERS], capture_output=True
    ).stdout
    untracked = subprocess.run(
        [*git, "ls-files", "-z", "--others", "--exclude-standard", "--", *APP_FOLDERS],
        capture_output=True,
    ).stdout
    for name in filter(None, untracked.split(b"\0")):
        changed += name + (ROOT / name.decode()).read_bytes()
    code = hashlib.sha256(trees.stdout).hexdigest()[:12]
    return code + (f"+{hashlib.sha256(changed).hexdigest()[:8]}" if changed else "")


def gunicorn(config, env, scale, mode):
    command = [BIN / "gunicorn", "tracker.wsgi", "-c", "deploy/gunicorn.conf.py"]
    command += ["--access-logfile", os.devnull]
    log_path = TMP / f"gunicorn-{scale}x-{mode}.log"
    return serving("gunicorn", command, env, config.app_port, "/healthz", log_path), log_path


def datasette(config, env, scale, database, counts):
    command = [BIN / "datasette", "serve", "-i", database, "--host", "127.0.0.1"]
    command += ["--port", config.datasette_port, "--metadata", metadata_path(database)]
    command += datasette_settings(config, counts)
    log_path = TMP / f"datasette-{scale}x.log"
    ready = "/-/versions.json"
    return serving("datasette", command, env, config.datasette_port, ready, log_path), log_path


def measure_app(config, scale, env, mode, codes):
    """Every app endpoint against a gunicorn started with `env`; cached: bodies to FLOOR."""
    log(f"scale {scale}x: gunicorn, {config.workers} workers, {MODE_LABELS[mode]}")
    codes.append(code_version())
    server, log_path = gunicorn(config, env, scale, mode)
    results = {}
    with server as base:
        for endpoint in APP_ENDPOINTS:
            url = base + endpoint.path
            result = measure(config, endpoint, mode, url, log_path)
            if mode == "cached" and not result.check_error:
                # The floor: these bytes, as the edge gets them (nginx sends Host: $host).
                saved = curl(url, floor_file(endpoint, result.content_type), host="127.0.0.1")
                if saved.status != 200 or saved.content_type != result.content_type:
                    result.check_error = f"with Host 127.0.0.1: {saved}"
            results[endpoint.key] = result
    return results


def measure_edge(config, scale, env, cached, codes):
    """Through nginx's cache in front of the cached app, and the static floor, endpoint by
    endpoint; both compared byte for byte with what the cached app gave."""
    log(f"scale {scale}x: gunicorn (cached) behind nginx + floor")
    codes.append(code_version())
    server, app_log = gunicorn(config, env, scale, "edge")
    edges, floors = {}, {}
    with server, edge(config, scale) as (edge_base, floor_base):
        edge_log = TMP / f"edge-{scale}x" / "error.log"
        for endpoint in APP_ENDPOINTS:
            app_result = cached[endpoint.key]
            if app_result.check_error:
                message = "not measured: the cached app failed its check"
                edges[endpoint.key] = Measurement(url="", check_error=message)
                floors[endpoint.key] = Measurement(url="", check_error=message)
                continue
            app_body = floor_file(endpoint, app_result.content_type)
            url = edge_base + endpoint.path
            seen = curl(url, TMP / "edge.body")
            same = seen.status == 200 and sha256(TMP / "edge.body") == sha256(app_body)
            # Its check is the second request.
            result = measure(config, endpoint, "edge", url, edge_log, TMP / "edge.body")
            result.cache_status = [seen.cache_status, *result.cache_status]
            result.cache_status.append(curl(url).cache_status)
            result.same_bytes = same
            if not same:
                print(f"   (edge: not the cached app's bytes for {endpoint.label})", flush=True)
            if result.cache_status[0] and not any(
                status in CACHE_HITS for status in result.cache_status[1:]
            ):
                print(f"   (edge: never a HIT: {result.cache_status})", flush=True)
            edges[endpoint.key] = result
            url = f"{floor_base}/{app_body.name}"
            result = measure(config, endpoint, "floor", url, edge_log, TMP / "floor.body")
            result.same_bytes = sha256(TMP / "floor.body") == sha256(app_body)
            if not result.check_error and not result.same_bytes:
                result.check_error = f"{url} is not the bytes the cached app gave"
            floors[endpoint.key] = result
        if tail(app_log).strip():
            print(f"   (gunicorn behind the edge said:)\n{tail(app_log, 10)}", flush=True)
    return edges, floors


def run_scale(config, scale):
    env = app_env(config)
    database, counts = prepare_scale(scale, env, config)
    codes = [code_version()]
    built = builds(scale, env)
    shutil.rmtree(FLOOR, ignore_errors=True)
    FLOOR.mkdir(parents=True)
    modes = {}
    modes["uncached"] = measure_app(
        config, scale, app_env(config, RESPONSE_CACHE="false"), "uncached", codes
    )
    modes["cached"] = measure_app(config, scale, env, "cached", codes)
    modes["edge"], modes["floor"] = measure_edge(config, scale, env, modes["cached"], codes)
    log(f"scale {scale}x: datasette")
    server, log_path = datasette(config, env, scale, database, counts)
    modes["datasette"] = {}
    with server as base:
        for endpoint in DATASETTE_ENDPOINTS:
            url = base + endpoint.path.format(db=database.stem)
            modes["datasette"][endpoint.key] = measure(
                config, endpoint, "datasette", url, log_path
            )
    return {
        "scale": scale,
        "code": sorted(set(codes), key=codes.index),
        "counts": counts,
        "builds": built,
        "modes": {
            mode: {key: asdict(value) for key, value in results.items()}
            for mode, results in modes.items()
        },
    }


def datasette_settings(config, counts):
    """Every row of the largest table in one response; no suggested facets (an API's setup);
    a query may take as long as wrk waits for a response (the default 1 s interrupts the
    full CSV at 100x on a busy machine)."""
    settings = {
        "max_returned_rows": max(counts.values()) + 1,
        "sql_time_limit_ms": config.timeout * 1000,
        "max_csv_mb": 0,
        "suggest_facets": "off",
    }
    return [arg for name, value in settings.items() for arg in ("--setting", name, value)]


# -- the report --------------------------------------------------------------------------


def machine(config):
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    meminfo = Path("/proc/meminfo").read_text().split()
    memory_gb = int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024 / 1024
    os_release = dict(
        line.split("=", 1)
        for line in Path("/etc/os-release").read_text().splitlines()
        if "=" in line
    )
    server = config.database_url.rsplit("/", 1)[0] + "/postgres"
    redis_info = subprocess.run(
        ["redis-cli", "-u", config.redis_url, "info", "server"], capture_output=True, text=True
    ).stdout
    commit = output(["git", "-C", str(ROOT), "rev-parse", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "os": f"{os_release.get('PRETTY_NAME', '').strip(chr(34))}, Linux {platform.release()}",
        "python": platform.python_version(),
        "postgresql": output(["psql", server, "-tAc", "SHOW server_version"]),
        "redis": next(
            (
                line.split(":", 1)[1].strip()
                for line in redis_info.splitlines()
                if line.startswith("redis_version:")
            ),
            "",
        ),
        "gunicorn": metadata.version("gunicorn"),
        "django": metadata.version("Django"),
        "datasette": metadata.version("datasette"),
        "nginx": output(["nginx", "-v"]).removeprefix("nginx version: nginx/"),
        "wrk": output(["wrk", "--version"]).split(" Copyright")[0],
        "git_commit": commit + ("-dirty" if dirty else ""),
    }


def settings_used(config):
    return {
        **{name: value for name, value in asdict(config).items()},
        "gunicorn": "deploy/gunicorn.conf.py (sync workers), access log off, production "
        "settings (DEBUG=false), Redis cache (large bodies in bench/tmp/response-cache), "
        "API throttle off; uncached: RESPONSE_CACHE=false",
        "edge": "nginx via deploy/edge-local.sh: deploy/nginx/tracker.conf + proxy.conf, "
        "2 workers, a fresh cache per scale; the floor is a second server of the same nginx "
        "(bench/tmp/floor.conf via EDGE_EXTRA_CONF)",
        "datasette": "immutable (-i), suggest_facets off, max_csv_mb 0, max_returned_rows "
        "above the largest table, sql_time_limit_ms BENCH_TIMEOUT, indexes on foreign keys "
        "and updated_at",
        "headers": HEADERS,
    }


def ratio(numerator, denominator):
    return numerator / denominator if numerator is not None and denominator else None


def size(count):
    for unit in ("B", "KB", "MB"):
        if count < 1000 or unit == "MB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000


def fmt(value, digits=1):
    return "—" if value is None else f"{value:,.{digits}f}"


def verdict(value, target, at_most):
    """ "ok", or "**MISS**" with by how much, or "n/a" without a value."""
    if value is None:
        return "n/a"
    if value <= target if at_most else value >= target:
        return "ok"
    if at_most:
        return f"**MISS** ({value / target - 1:.1%} over)"
    return f"**MISS** ({1 - value / target:.1%} short)"


def missed(text):
    return text.startswith("**MISS**")


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def scales_of(report):
    return [entry["scale"] for entry in report["scales"]]


def result_of(report, index, mode, key):
    return report["scales"][index]["modes"].get(mode, {}).get(key)


def numbers(report, index, mode, key, name):
    """A figure of a measurement; None when it failed or was not made. When no response
    came back within the measured seconds, the rate is 0 and the latencies are unknown."""
    measurement = result_of(report, index, mode, key)
    if not measurement or measurement["check_error"]:
        return None
    if not measurement["requests"]:
        return 0.0 if name == "rps" and measurement.get("duration_s") else None
    return measurement[name]


def mode_of(endpoint):
    return "datasette" if endpoint.server == "datasette" else "uncached"


def cache_cell(measurement):
    """The edge's X-Cache-Status on the 2nd request and after the run, or why none."""
    if not measurement or measurement["check_error"]:
        return "—"
    statuses = measurement["cache_status"]
    if not any(statuses):
        return "not cached (no X-Cache-Status)"
    text = " / ".join(statuses[1:])
    if not any(status in CACHE_HITS for status in statuses[1:]):
        text += " **never HIT**"
    return text


def scale_table(report, index):
    """Every endpoint in every mode at one scale: req/s, p95, the edge's cache status."""
    header = ["endpoint", "path"]
    for mode in (*MODES, "datasette"):
        header += [f"{MODE_LABELS[mode]} req/s", "p95 ms"]
    header += ["edge cache: 2nd / after", "body"]
    rows = []
    for endpoint in APP_ENDPOINTS:
        row = [endpoint.label, f"`{endpoint.path}`"]
        for mode in MODES:
            row += rps_p95(report, index, mode, endpoint.key)
        if endpoint.counterpart:
            row += rps_p95(report, index, "datasette", endpoint.counterpart)
        else:
            row += ["", ""]
        cached = result_of(report, index, "cached", endpoint.key) or {}
        row += [cache_cell(result_of(report, index, "edge", endpoint.key)), body_cell(cached)]
        rows.append(row)
    for endpoint in DATASETTE_ENDPOINTS:
        row = [endpoint.label, f"`{endpoint.path.format(db='tracker-Nx')}`"]
        row += ["", ""] * len(MODES) + rps_p95(report, index, "datasette", endpoint.key)
        measurement = result_of(report, index, "datasette", endpoint.key) or {}
        rows.append([*row, "", body_cell(measurement)])
    return table(header, rows)


def rps_p95(report, index, mode, key):
    measurement = result_of(report, index, mode, key)
    rps = numbers(report, index, mode, key, "rps")
    if measurement and measurement["check_error"]:
        return ["**failed**", ""]
    few = "†" if measurement and rps is not None and measurement["requests"] < FEW_REQUESTS else ""
    errors = ""
    if measurement and (measurement["status_errors"] or measurement["socket_errors"]):
        errors = " **errors**"
    if rps == 0.0:
        seconds = f"{measurement['duration_s']:.0f}"
        return [f"0 (no response in {seconds} s)" + errors, f"> {seconds} s"]
    return [fmt(rps) + few + errors, fmt(numbers(report, index, mode, key, "p95_ms"))]


def body_cell(measurement):
    return size(measurement["body_bytes"]) if measurement.get("status") == 200 else "—"


def datasette_verdicts(report):
    """(1) uncached app req/s / Datasette's on the equivalent query, every scale."""
    scales = scales_of(report)
    header = ["ours (uncached)", "Datasette"]
    header += [f"{scale}x ours / Datasette" for scale in scales]
    header.append(f"body at {scales[-1]}x: ours / Datasette")
    rows, misses = [], []
    for endpoint in APP_ENDPOINTS:
        if not endpoint.counterpart:
            continue
        row = [endpoint.label, BY_KEY[endpoint.counterpart].label.removeprefix("Datasette: ")]
        for index, scale in enumerate(scales):
            value = ratio(
                numbers(report, index, "uncached", endpoint.key, "rps"),
                numbers(report, index, "datasette", endpoint.counterpart, "rps"),
            )
            if endpoint.api:
                ok = verdict(value, DATASETTE_TARGET, at_most=False)
                if ok != "ok":
                    misses.append(f"(1) {scale}x {endpoint.label}: {fmt(value, 2)} — {ok}")
            else:
                ok = "(not a list or detail: no target)"
            row.append(f"{fmt(value, 2)} {ok}")
        bodies = [
            result_of(report, -1, "uncached", endpoint.key) or {},
            result_of(report, -1, "datasette", endpoint.counterpart) or {},
        ]
        rows.append([*row, " / ".join(body_cell(body) for body in bodies)])
    return table(header, rows), misses


def growth_verdicts(report):
    """(2) bounded endpoints: uncached p95 at the largest scale / at the smallest."""
    first, last = scales_of(report)[0], scales_of(report)[-1]
    if first == last:
        return "Not judged: needs two scales.", []
    header = ["endpoint", f"uncached p95 {first}x", f"uncached p95 {last}x", "growth", "verdict"]
    # Bounded is not constant: a page whose bound the smaller dataset does not fill grows.
    header += ["body growth", "growth / body growth"]
    rows, misses = [], []
    for endpoint in APP_ENDPOINTS:
        if not endpoint.bounded:
            continue
        p95_first = numbers(report, 0, "uncached", endpoint.key, "p95_ms")
        p95_last = numbers(report, -1, "uncached", endpoint.key, "p95_ms")
        growth = ratio(p95_last, p95_first)
        body = ratio(
            numbers(report, -1, "uncached", endpoint.key, "body_bytes"),
            numbers(report, 0, "uncached", endpoint.key, "body_bytes"),
        )
        ok = verdict(growth, BOUNDED_GROWTH_TARGET, at_most=True)
        if ok != "ok":
            misses.append(f"(2) {endpoint.label}: p95 growth {fmt(growth, 2)} — {ok}")
        row = [endpoint.label, fmt(p95_first), fmt(p95_last), fmt(growth, 2), ok]
        rows.append([*row, fmt(body, 2), fmt(ratio(growth, body), 2)])
    return table(header, rows), misses


def edge_verdicts(report):
    """(3) req/s through the edge / the static floor's, every endpoint and scale."""
    scales = scales_of(report)
    header = ["endpoint"] + [f"{scale}x edge / floor" for scale in scales]
    header.append("edge cache status (2nd request / after the run), per scale")
    rows, misses = [], []
    for endpoint in APP_ENDPOINTS:
        row = [endpoint.label]
        statuses = []
        for index, scale in enumerate(scales):
            value = ratio(
                numbers(report, index, "edge", endpoint.key, "rps"),
                numbers(report, index, "floor", endpoint.key, "rps"),
            )
            ok = verdict(value, EDGE_TARGET, at_most=False)
            if ok != "ok":
                misses.append(f"(3) {scale}x {endpoint.label}: {fmt(value, 2)} — {ok}")
            row.append(f"{fmt(value, 2)} {ok}")
            statuses.append(
                f"{scale}x {cache_cell(result_of(report, index, 'edge', endpoint.key))}"
            )
        rows.append([*row, "; ".join(statuses)])
    return table(header, rows), misses


def never_hit(report):
    """Endpoints the edge never answered from its cache, per scale."""
    notes = []
    for index, scale in enumerate(scales_of(report)):
        for endpoint in APP_ENDPOINTS:
            measurement = result_of(report, index, "edge", endpoint.key)
            cell = cache_cell(measurement)
            if "never HIT" in cell or cell.startswith("not cached"):
                notes.append(f"{scale}x {endpoint.label}: {cell.replace('**', '')}")
    return notes


def build_verdicts(report):
    """(4) build seconds / COPY seconds, with the builds' peak memory, every scale."""
    header = ["scale", "COPY s (rows, bytes)"]
    for kind in DOWNLOAD_KINDS:
        header += [f"{kind} s", "/ COPY", "peak RSS MB (before)", "file"]
    rows, misses = [], []
    scales = scales_of(report)
    target_scale = BUILD_TARGET_SCALE if BUILD_TARGET_SCALE in scales else scales[-1]
    for entry in report["scales"]:
        built = entry["builds"]
        copy = built["copy"]
        row = [
            f"{entry['scale']}x",
            f"{copy['seconds']:.3f} ({copy['rows']:,}, {size(copy['bytes'])})",
        ]
        for kind in DOWNLOAD_KINDS:
            result = built[kind]
            value = ratio(result["seconds"], copy["seconds"])
            if entry["scale"] == target_scale:
                ok = verdict(value, BUILD_TARGET, at_most=True)
                if ok != "ok":
                    misses.append(f"(4) {entry['scale']}x {kind}: {fmt(value, 1)} — {ok}")
            else:
                ok = "(target at 100x)"
            row += [
                f"{result['seconds']:.2f}",
                f"{fmt(value, 1)} {ok}",
                f"{result['max_rss_mb']:.0f} ({result['rss_before_mb']:.0f})",
                size(result["bytes"]),
            ]
        rows.append(row)
    note = ""
    if target_scale != BUILD_TARGET_SCALE:
        note = (
            f"\n\n100x was not run: the verdict is given at {target_scale}x, the largest "
            "scale run."
        )
    return table(header, rows) + note, misses


def data_growth(report, table_name):
    first, last = report["scales"][0]["counts"], report["scales"][-1]["counts"]
    if table_name:
        return ratio(last[table_name], first[table_name])
    return ratio(sum(last.values()), sum(first.values()))


def whole_table_growth(report):
    """Whole-table endpoints (app uncached, Datasette): p95 growth against data growth."""
    first, last = scales_of(report)[0], scales_of(report)[-1]
    if first == last:
        return "Not judged: needs two scales.", []
    header = ["endpoint", "mode", "rows", f"p95 {first}x", f"p95 {last}x", "p95 growth"]
    header += ["data growth", "growth / data", "verdict"]
    rows, misses = [], []
    for endpoint in ENDPOINTS:
        if endpoint.bounded:
            continue
        mode = mode_of(endpoint)
        p95_first = numbers(report, 0, mode, endpoint.key, "p95_ms")
        p95_last = numbers(report, -1, mode, endpoint.key, "p95_ms")
        growth = ratio(p95_last, p95_first)
        data = data_growth(report, endpoint.grows_with)
        relative = ratio(growth, data)
        ok = verdict(relative, LINEAR_GROWTH_TARGET, at_most=True)
        if ok != "ok" and endpoint.server == "app":
            misses.append(f"whole-table {endpoint.label}: {fmt(relative, 2)} — {ok}")
        rows.append(
            [
                endpoint.label,
                mode,
                endpoint.grows_with or "all",
                fmt(p95_first),
                fmt(p95_last),
                fmt(growth, 2),
                fmt(data, 1),
                fmt(relative, 2),
                ok,
            ]
        )
    return table(header, rows), misses


def counts_table(report):
    names = list(report["scales"][0]["counts"])
    rows = [
        [f"{entry['scale']}x", *(entry["counts"][name] for name in names)]
        for entry in report["scales"]
    ]
    return table(["scale", *names], rows)


def intro(report):
    m, s = report["machine"], report["settings"]
    return (
        f"{report['date']}, commit `{m['git_commit']}`, {report['wall_seconds']:.0f} s.  \n"
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}.  \n"
        f"Python {m['python']}, PostgreSQL {m['postgresql']}, Redis {m['redis']}, "
        f"gunicorn {m['gunicorn']} ({s['workers']} sync workers, max_requests "
        f"{s['max_requests']}), Django {m['django']}, nginx {m['nginx']}, "
        f"Datasette {m['datasette']}, {m['wrk']}.  \n"
        f"Each endpoint alone: wrk with {s['connections']} connections and {s['threads']} "
        f"threads, {s['warmup']} s warm-up (gunicorn and Datasette) then {s['duration']} s "
        f"measured (up to {s['max_duration']} s for an endpoint too slow to give "
        f"{s['min_requests']} responses), same machine. † marks fewer than {FEW_REQUESTS} "
        "responses: a rough p95.  \n"
        "Modes: **cached**: gunicorn, response cache on (Redis), the same URL again and again; "
        "**uncached**: the same, started with RESPONSE_CACHE=false; **edge**: nginx "
        "(deploy/nginx/tracker.conf, s-maxage 10 s then revalidation by ETag) in front of the "
        "cached gunicorn; **floor**: the same nginx sending the cached app's bytes for that "
        "endpoint as a static file; **Datasette**: the equivalent query on a SQLite export of "
        "the same published records."
    )


def all_measurements(report):
    for entry in report["scales"]:
        for mode, results in entry["modes"].items():
            for key, value in results.items():
                yield entry["scale"], mode, key, value


def load_warning(report):
    busiest = max(
        (
            (value["other_cpu_pct"], scale, mode, key)
            for scale, mode, key, value in all_measurements(report)
        ),
        default=(0, 0, "", ""),
    )
    cpu, scale, mode, key = busiest
    if cpu < BUSY_CPU_PCT:
        return f"Other processes used at most {cpu:.0f}% of the CPU before a measurement."
    busy = sum(value["other_cpu_pct"] >= BUSY_CPU_PCT for *_, value in all_measurements(report))
    total = sum(1 for _ in all_measurements(report))
    return (
        f"**Other processes were busy during the run**: {busy} of {total} measurements "
        f"started with at least {BUSY_CPU_PCT}% of the CPU in use (at most {cpu:.0f}%, "
        f"{scale}x {BY_KEY[key].label}, {mode}); other_cpu_pct in latest.json says which."
    )


def code_warning(report):
    versions = [code for entry in report["scales"] for code in entry["code"]]
    if len(set(versions)) < 2:
        return f"App code: `{next(iter(versions), '')}` at every scale and server start."
    listed = ", ".join(
        f"{entry['scale']}x " + " → ".join(f"`{code}`" for code in entry["code"])
        for entry in report["scales"]
    )
    return f"**The app's code changed during the run** ({listed}): results are not comparable."


def same_type(one, other):
    return one.replace(" ", "").lower() == other.replace(" ", "").lower()


def failures(report):
    lines = []
    for scale, mode, key, value in all_measurements(report):
        if mode == "floor" and value["status"] == 200:
            index = scales_of(report).index(scale)
            app_type = result_of(report, index, "cached", key)["content_type"]
            if not same_type(value["content_type"], app_type):
                lines.append(
                    f"- {scale}x {BY_KEY[key].label} [floor]: Content-Type "
                    f"{value['content_type']!r}, the app's {app_type!r}"
                )
        if value["check_error"] or value["status_errors"] or value["socket_errors"]:
            problem = value["check_error"] or (
                f"{value['status_errors']} error responses, socket errors "
                f"{value['socket_errors'] or 'none'}"
            )
            lines.append(f"- {scale}x {BY_KEY[key].label} [{mode}]: {problem}")
        elif mode == "edge" and value["same_bytes"] is False:
            lines.append(
                f"- {scale}x {BY_KEY[key].label} [edge]: not the bytes the cached app gave "
                "(compared once, before the run)"
            )
    return "\n".join(lines) or "None: every endpoint answered 200 and no request failed."


def markdown(report):
    datasette, misses_1 = datasette_verdicts(report)
    growth, misses_2 = growth_verdicts(report)
    edges, misses_3 = edge_verdicts(report)
    built, misses_4 = build_verdicts(report)
    whole, misses_whole = whole_table_growth(report)
    misses = misses_1 + misses_2 + misses_3 + misses_4 + misses_whole
    summary = [f"**{len(misses)} misses**" if misses else "Every target met."]
    summary += [f"- {miss}" for miss in misses]
    notes = never_hit(report)
    if notes:
        summary.append("\nThe edge never answered these from its cache:")
        summary += [f"- {note}" for note in notes]
    first, last = scales_of(report)[0], scales_of(report)[-1]
    sections = [
        "# `make bench` results",
        intro(report),
        code_warning(report),
        load_warning(report),
        "## Summary",
        "\n".join(summary),
        "## Published records per scale",
        counts_table(report),
    ]
    for index, scale in enumerate(scales_of(report)):
        sections += [
            f"## (a) {scale}x: requests per second and p95 latency, every mode",
            scale_table(report, index),
        ]
    sections += [
        f"## (1) Uncached API req/s / Datasette's on the equivalent query (target ≥ "
        f"{DATASETTE_TARGET}, every scale)",
        datasette,
        f"## (2) Bounded endpoints: uncached p95 at {last}x / at {first}x (target ≤ "
        f"{BOUNDED_GROWTH_TARGET})",
        growth,
        f"## (3) Through the edge: req/s / the static floor's (target ≥ {EDGE_TARGET}, "
        "every endpoint and scale)",
        "The floor is the same nginx sending the bytes the cached app gave for the endpoint "
        "(checked byte for byte) as a static file.",
        edges,
        f"## (4) Whole-dataset builds / COPY of the same rows (target ≤ {BUILD_TARGET} at "
        f"{BUILD_TARGET_SCALE}x)",
        "Each build in a fresh process, as the app's worker runs it "
        "(tracker.downloads.build_download); peak RSS is the process's max RSS, with its max "
        "RSS before the build (Django loaded) in brackets. COPY: `COPY (published select) TO "
        "STDOUT WITH CSV` of every resource's published rows, the citations of published "
        "records and their many-to-many links, read to the end by psycopg; the faster of "
        "two runs.",
        built,
        f"## Whole-table endpoints: p95 growth / data growth (target ≤ {LINEAR_GROWTH_TARGET})",
        "The app's uncached, Datasette's own.",
        whole,
        "## Failures",
        failures(report),
    ]
    return "\n\n".join(sections) + "\n"


def main():
    if sys.argv[1:] == ["--report"]:  # latest.md again from latest.json, measuring nothing
        report = json.loads((RESULTS / "latest.json").read_text())
        (RESULTS / "latest.md").write_text(markdown(report))
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that servers get stopped
    config = Config.from_env()
    TMP.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    check_tools(config)
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(config),
        "settings": settings_used(config),
        "scales": [],
    }
    prepare_once(config, app_env(config))
    for scale in config.scales:
        report["scales"].append(run_scale(config, scale))
    report["wall_seconds"] = round(time.monotonic() - STARTED, 1)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    text = markdown(report)
    (RESULTS / "latest.md").write_text(text)
    print("\n" + text)
    failed = any(
        value["check_error"] or value["status_errors"] for *_, value in all_measurements(report)
    )
    log(f"done in {report['wall_seconds']:.0f} s; results in bench/results/latest.{{json,md}}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
