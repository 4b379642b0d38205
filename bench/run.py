"""`make bench`: the app's public pages, API and bulk downloads under load at 1x, 10x and 100x
the real dataset, next to Datasette serving the same published records, and a static file.

For each scale: the bench database gets the real dataset plus synthetic records
(`generate_scaled_data`) and the published records are exported to SQLite for Datasette
(bench/export_sqlite.py). gunicorn with production settings (Redis cache, as
deploy/load-test.sh) starts once to save /api/v1/dataset.json under STATIC_ROOT (the static
floor: the fastest this machine serves those bytes), then again to be measured; then
Datasette. Each endpoint is checked with curl (200 or the run fails), warmed up and driven
alone by wrk (bench/measure.lua) for BENCH_DURATION seconds.
Writes bench/results/latest.json and latest.md, prints the markdown; exits 1 if any
endpoint failed its check or answered an error status.

    BENCH_SCALES          "1 10 100"
    BENCH_DURATION        measured seconds per endpoint (8); BENCH_WARMUP before it (2)
    BENCH_CONNECTIONS     wrk connections (8); BENCH_THREADS wrk threads (2)
    BENCH_TIMEOUT         seconds before wrk counts a request as timed out (60)
    BENCH_DATABASE_URL    postgres://postgres@127.0.0.1:5432/atd_tracker_bench (created)
    BENCH_REDIS_URL       redis://127.0.0.1:6379/3 (flushed at the start of each scale, as is
                          bench/tmp/response-cache, the app's DATASET_CACHE_DIR)
    BENCH_PORT            gunicorn on 127.0.0.1 (8170); BENCH_DATASETTE_PORT (8171)
    WEB_CONCURRENCY       gunicorn workers (4)
    GUNICORN_MAX_REQUESTS 0: workers are not recycled. Production recycles each after about
                          1000 requests; a fresh worker's first requests are slow, which at
                          hundreds of requests/s puts recycling, not the data, in p95 and p99.
"""

import datetime
import hashlib
import json
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
# tracker/settings.py: STATIC_ROOT and STATIC_URL. In production whitenoise serves every
# file found under STATIC_ROOT when the process starts, under its own name too.
STATIC_FLOOR = ROOT / "staticfiles" / "bench" / "dataset.json"
STATIC_FLOOR_URL = "/static/bench/dataset.json"
# What the app's responses depend on (tracker/release.py), for code_version().
APP_FOLDERS = ("countries", "practices", "tracker", "templates", "locale", "static", "fixtures")
HEADERS = {"X-Forwarded-Proto": "https", "Accept-Language": "en"}
BOUNDED_GROWTH_TARGET = 1.5  # p95 at the largest scale / p95 at the smallest
LINEAR_GROWTH_TARGET = 1.0  # whole-table: (p95 growth) / (data growth)
DATASETTE_TARGET = 1.0  # our rps / Datasette's rps
FLOOR_TARGET = 3.0  # static floor rps / bulk JSON rps
BUSY_CPU_PCT = 15  # CPU used by other processes before a measurement: worth a warning


@dataclass(frozen=True)
class Config:
    scales: list[int]
    duration: int
    warmup: int
    connections: int
    threads: int
    timeout: int
    database_url: str
    redis_url: str
    app_port: int
    datasette_port: int
    workers: int
    max_requests: int

    @classmethod
    def from_env(cls):
        env = os.environ.get
        return cls(
            scales=[int(scale) for scale in env("BENCH_SCALES", "1 10 100").split()],
            duration=int(env("BENCH_DURATION", "8")),
            warmup=int(env("BENCH_WARMUP", "2")),
            connections=int(env("BENCH_CONNECTIONS", "8")),
            threads=int(env("BENCH_THREADS", "2")),
            timeout=int(env("BENCH_TIMEOUT", "60")),
            database_url=env(
                "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atd_tracker_bench"
            ),
            redis_url=env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
            app_port=int(env("BENCH_PORT", "8170")),
            datasette_port=int(env("BENCH_DATASETTE_PORT", "8171")),
            workers=int(env("WEB_CONCURRENCY", "4")),
            max_requests=int(env("GUNICORN_MAX_REQUESTS", "0")),
        )


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    server: str  # "app" (gunicorn, static floor included) or "datasette"
    path: str  # "{db}" stands for the Datasette database's name
    bounded: bool  # a page of rows or one record, whatever the data's size
    grows_with: str = ""  # whole-table: the table whose rows it carries ("" = every table)
    counterpart: str = ""  # the Datasette endpoint it is compared with


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
    ),
    Endpoint(
        "api_country",
        "API country detail",
        "app",
        "/api/v1/countries/mx/",
        True,
        counterpart="ds_country_statuses",
    ),
    Endpoint(
        "api_law",
        "API record detail (a law)",
        "app",
        f"/api/v1/laws/{LAW}/",
        True,
        counterpart="ds_law",
    ),
    Endpoint(
        "api_sync",
        "API sync (laws, 100)",
        "app",
        f"/api/v1/laws/?updated_since={SINCE}&page_size=100",
        True,
        counterpart="ds_sync",
    ),
    Endpoint(
        "api_statuses_csv",
        "API statuses, full CSV",
        "app",
        "/api/v1/statuses/?format=csv",
        False,
        "statuses",
        "ds_statuses_csv",
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
    Endpoint("static_floor", "static floor (dataset.json)", "app", STATIC_FLOOR_URL, False),
    Endpoint(
        "ds_statuses",
        "Datasette: statuses, 100 + labels",
        "datasette",
        "/{db}/statuses.json?indicator=child-detention-prohibited&_size=100&_labels=on",
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
STARTED = time.monotonic()


@dataclass
class Measurement:
    """One endpoint at one scale: the curl check, then wrk's numbers."""

    url: str
    status: int = 0
    body_bytes: int = 0
    check_error: str = ""
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    requests: int = 0
    bytes_per_response: float = 0.0
    status_errors: int = 0
    socket_errors: dict = field(default_factory=dict)
    other_cpu_pct: float = 0.0  # CPU busy while our servers were idle, just before wrk

    @property
    def failed(self):
        return bool(self.check_error) or self.status_errors > 0


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
            for _ in range(120):
                if process.poll() is not None:
                    raise SystemExit(f"{name} exited:\n{Path(log_path).read_text()}")
                if curl(url)[0] == 200:
                    break
                time.sleep(0.5)
            else:
                raise SystemExit(f"{name} did not answer {url}:\n{Path(log_path).read_text()}")
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(process)


# -- the environment ---------------------------------------------------------------------


def app_env(config):
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
        WEB_CONCURRENCY=str(config.workers),
        GUNICORN_MAX_REQUESTS=str(config.max_requests),
        GUNICORN_BIND=f"127.0.0.1:{config.app_port}",
    )
    return env


def check_tools(config):
    for tool in ("wrk", "curl", "psql", "redis-cli"):
        if not output(["which", tool]):
            raise SystemExit(f"{tool} is missing (apt-get install {tool})")
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
        raise SystemExit("PostgreSQL is not answering on 127.0.0.1:5432")
    if output(["redis-cli", "-u", config.redis_url, "ping"]) != "PONG":
        raise SystemExit(f"Redis is not answering at {config.redis_url}")
    for port in (config.app_port, config.datasette_port):
        if not port_is_free(port):
            raise SystemExit(f"port {port} is in use")


def create_database(database_url):
    server, name = database_url.rsplit("/", 1)
    psql = ["psql", f"{server}/postgres"]
    exists = run([*psql, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"], quiet=True)
    if exists.strip() != "1":
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


# -- measuring ---------------------------------------------------------------------------


def curl(url, body_path=os.devnull):
    """(status, body bytes) of one GET with the benchmark's headers; status 0 if unreachable."""
    headers = [arg for name, value in HEADERS.items() for arg in ("-H", f"{name}: {value}")]
    command = ["curl", "-s", "--max-time", "300", "-o", str(body_path), *headers, url]
    result = subprocess.run(
        [*command, "-w", "%{http_code} %{size_download}"], capture_output=True, text=True
    )
    status, size = (result.stdout.split() + ["0", "0"])[:2]
    return int(status), int(float(size))


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


def measure(config, endpoint, url, log_path):
    result = Measurement(url=url)
    body = TMP / "check.body"
    body.unlink(missing_ok=True)
    result.status, result.body_bytes = curl(url, body)
    if result.status != 200:
        excerpt = " ".join(body.read_text(errors="replace").split())[:300] if body.exists() else ""
        result.check_error = f"HTTP {result.status}: {excerpt}"
        print(f"!! FAILED CHECK {endpoint.label} {url}: {result.check_error}", flush=True)
        print(f"!! server log tail:\n{tail(log_path)}", flush=True)
        return result
    result.other_cpu_pct = round(cpu_busy(), 1)
    wrk(config, url, config.warmup)
    numbers = wrk(config, url, config.duration)
    requests = numbers["requests"]
    result.requests = requests
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
    print(
        f"   {endpoint.label:36} {result.rps:9.1f} req/s  p50 {result.p50_ms:8.1f}  "
        f"p95 {result.p95_ms:8.1f}  p99 {result.p99_ms:8.1f} ms  "
        f"{result.body_bytes:>10} B{flag}",
        flush=True,
    )
    if result.failed:
        print(f"!! server log tail:\n{tail(log_path)}", flush=True)
    return result


def cpu_busy(seconds=0.5):
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


def save_floor(base):
    """The bytes the app serves as dataset.json, where its static-file server will find them."""
    STATIC_FLOOR.parent.mkdir(parents=True, exist_ok=True)
    STATIC_FLOOR.unlink(missing_ok=True)
    curl(base + "/api/v1/dataset.json", STATIC_FLOOR)


def check_floor(base):
    """The static file must hold exactly the bytes the app now serves as dataset.json."""
    live = TMP / "dataset.live.json"
    served = TMP / "dataset.static.json"
    curl(base + "/api/v1/dataset.json", live)
    status, _ = curl(base + STATIC_FLOOR_URL, served)
    if status != 200 or sha256(live) != sha256(served):
        return f"{STATIC_FLOOR_URL} (HTTP {status}) is not what /api/v1/dataset.json gives"
    return ""


def code_version():
    """The commit, plus a digest of uncommitted changes to the app: did it change mid-run?"""
    git = ["git", "-C", str(ROOT)]
    changed = subprocess.run(
        [*git, "diff", "HEAD", "--", *APP_FOLDERS], capture_output=True
    ).stdout
    untracked = subprocess.run(
        [*git, "ls-files", "-z", "--others", "--exclude-standard", "--", *APP_FOLDERS],
        capture_output=True,
    ).stdout
    for name in filter(None, untracked.split(b"\0")):
        changed += name + (ROOT / name.decode()).read_bytes()
    commit = output([*git, "rev-parse", "--short=12", "HEAD"])
    return commit + (f"+{hashlib.sha256(changed).hexdigest()[:8]}" if changed else "")


def measure_server(config, server, base, database, log_path):
    results = {}
    for endpoint in ENDPOINTS:
        if endpoint.server == server:
            url = base + endpoint.path.format(db=database.stem)
            results[endpoint.key] = measure(config, endpoint, url, log_path)
    return results


def gunicorn(config, env, scale):
    command = [BIN / "gunicorn", "tracker.wsgi", "-c", "deploy/gunicorn.conf.py"]
    command += ["--access-logfile", os.devnull]
    log_path = TMP / f"gunicorn-{scale}x.log"
    return serving("gunicorn", command, env, config.app_port, "/healthz", log_path), log_path


def datasette(config, env, scale, database, counts):
    command = [BIN / "datasette", "serve", "-i", database, "--host", "127.0.0.1"]
    command += ["--port", config.datasette_port, "--metadata", metadata_path(database)]
    command += datasette_settings(counts)
    log_path = TMP / f"datasette-{scale}x.log"
    ready = "/-/versions.json"
    return serving("datasette", command, env, config.datasette_port, ready, log_path), log_path


def run_scale(config, scale, env):
    database, counts = prepare_scale(scale, env, config)
    log(f"scale {scale}x: gunicorn, {config.workers} workers, to save the static floor")
    server, _ = gunicorn(config, env, scale)
    with server as base:
        save_floor(base)
    # Again: whitenoise finds the static files when a worker starts.
    log(f"scale {scale}x: gunicorn, {config.workers} workers")
    code = code_version()
    server, log_path = gunicorn(config, env, scale)
    with server as base:
        floor_error = check_floor(base)
        results = measure_server(config, "app", base, database, log_path)
    if floor_error:
        print(f"!! {floor_error}", flush=True)
        results["static_floor"].check_error = floor_error
    log(f"scale {scale}x: datasette")
    server, log_path = datasette(config, env, scale, database, counts)
    with server as base:
        results |= measure_server(config, "datasette", base, database, log_path)
    return {"scale": scale, "code": code, "counts": counts, "endpoints": results}


def datasette_settings(counts):
    """Every row of the largest table in one response; no suggested facets (an API's setup)."""
    settings = {
        "max_returned_rows": max(counts.values()) + 1,
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
        "wrk": output(["wrk", "--version"]).split(" Copyright")[0],
        "git_commit": commit + ("-dirty" if dirty else ""),
    }


def settings_used(config):
    return {
        **{name: value for name, value in asdict(config).items()},
        "gunicorn": "deploy/gunicorn.conf.py (sync workers), access log off, production "
        "settings (DEBUG=false), Redis cache (large bodies in bench/tmp/response-cache), "
        "API throttle off",
        "datasette": "immutable (-i), suggest_facets off, max_csv_mb 0, max_returned_rows "
        "above the largest table, indexes on foreign keys and updated_at",
        "headers": HEADERS,
    }


def ratio(numerator, denominator):
    return numerator / denominator if numerator and denominator else None


def size(count):
    for unit in ("B", "KB", "MB"):
        if count < 1000 or unit == "MB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000


def fmt(value, digits=1):
    return "—" if value is None else f"{value:,.{digits}f}"


def verdict(value, target, at_most):
    if value is None:
        return "n/a"
    return "ok" if (value <= target if at_most else value >= target) else "**MISS**"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def numbers(report, key, scale_index, name):
    measurement = report["scales"][scale_index]["endpoints"].get(key)
    if not measurement or measurement["check_error"] or not measurement["requests"]:
        return None
    return measurement[name]


def endpoint_table(report):
    scales = [entry["scale"] for entry in report["scales"]]
    header = ["endpoint", "path"]
    for scale in scales:
        header += [f"{scale}x req/s", f"{scale}x p95 ms"]
    header += ["body size per scale", "errors"]
    rows = []
    for endpoint in ENDPOINTS:
        row = [endpoint.label, f"`{endpoint.path.format(db='tracker-Nx')}`"]
        errors = 0
        sizes = []
        for index, _ in enumerate(scales):
            sizes.append(size(report["scales"][index]["endpoints"][endpoint.key]["body_bytes"]))
            row += [
                fmt(numbers(report, endpoint.key, index, "rps")),
                fmt(numbers(report, endpoint.key, index, "p95_ms")),
            ]
            measurement = report["scales"][index]["endpoints"].get(endpoint.key, {})
            errors += measurement.get("status_errors", 0) + bool(measurement.get("check_error"))
            errors += sum(measurement.get("socket_errors", {}).values())
        rows.append([*row, " / ".join(sizes), errors])
    return table(header, rows)


def data_growth(report, table_name):
    first, last = report["scales"][0]["counts"], report["scales"][-1]["counts"]
    if table_name:
        return ratio(last[table_name], first[table_name])
    return ratio(sum(last.values()), sum(first.values()))


def growth_table(report):
    first, last = report["scales"][0]["scale"], report["scales"][-1]["scale"]
    header = [
        "endpoint",
        "kind",
        f"p95 {first}x",
        f"p95 {last}x",
        "p95 growth",
        "data growth",
        "growth / data",
        "target",
        "verdict",
    ]
    rows = []
    for endpoint in ENDPOINTS:
        p95_first = numbers(report, endpoint.key, 0, "p95_ms")
        p95_last = numbers(report, endpoint.key, -1, "p95_ms")
        growth = ratio(p95_last, p95_first)
        if endpoint.bounded:
            data, relative = None, None
            target = f"growth ≤ {BOUNDED_GROWTH_TARGET}"
            ok = verdict(growth, BOUNDED_GROWTH_TARGET, at_most=True)
        else:
            data = data_growth(report, endpoint.grows_with)
            relative = ratio(growth, data)
            target = f"growth / data ≤ {LINEAR_GROWTH_TARGET}"
            ok = verdict(relative, LINEAR_GROWTH_TARGET, at_most=True)
        kind = "bounded" if endpoint.bounded else f"whole ({endpoint.grows_with or 'all'})"
        rows.append(
            [
                endpoint.label,
                kind,
                fmt(p95_first),
                fmt(p95_last),
                fmt(growth, 2),
                fmt(data, 1),
                fmt(relative, 2),
                target,
                ok,
            ]
        )
    return table(header, rows)


def datasette_table(report):
    scales = [entry["scale"] for entry in report["scales"]]
    header = ["ours", "Datasette"] + [f"{scale}x ours / Datasette req/s" for scale in scales]
    header.append(f"body at {scales[-1]}x: ours / Datasette")
    rows = []
    for endpoint in ENDPOINTS:
        if not endpoint.counterpart:
            continue
        row = [endpoint.label, BY_KEY[endpoint.counterpart].label.removeprefix("Datasette: ")]
        for index, _ in enumerate(scales):
            value = ratio(
                numbers(report, endpoint.key, index, "rps"),
                numbers(report, endpoint.counterpart, index, "rps"),
            )
            row.append(f"{fmt(value, 2)} {verdict(value, DATASETTE_TARGET, at_most=False)}")
        bodies = report["scales"][-1]["endpoints"]
        sizes = (size(bodies[key]["body_bytes"]) for key in (endpoint.key, endpoint.counterpart))
        rows.append([*row, " / ".join(sizes)])
    return table(header, rows)


def floor_table(report):
    header = ["scale", "bulk JSON req/s", "static floor req/s", "floor / bulk", "verdict"]
    rows = []
    for index, entry in enumerate(report["scales"]):
        bulk = numbers(report, "bulk_json", index, "rps")
        floor = numbers(report, "static_floor", index, "rps")
        value = ratio(floor, bulk)
        rows.append(
            [
                f"{entry['scale']}x",
                fmt(bulk),
                fmt(floor),
                fmt(value, 2),
                verdict(value, FLOOR_TARGET, at_most=True),
            ]
        )
    return table(header, rows)


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
        f"{s['max_requests']}), Django {m['django']}, "
        f"Datasette {m['datasette']}, {m['wrk']}.  \n"
        f"Each endpoint alone: wrk with {s['connections']} connections and {s['threads']} "
        f"threads, {s['warmup']} s warm-up then {s['duration']} s measured, same machine."
    )


def load_warning(report):
    busiest = max(
        (
            (value["other_cpu_pct"], entry["scale"], key)
            for entry in report["scales"]
            for key, value in entry["endpoints"].items()
        ),
        default=(0, 0, ""),
    )
    cpu, scale, key = busiest
    if cpu < BUSY_CPU_PCT:
        return f"Other processes used at most {cpu:.0f}% of the CPU before a measurement."
    busy = sum(
        value["other_cpu_pct"] >= BUSY_CPU_PCT
        for entry in report["scales"]
        for value in entry["endpoints"].values()
    )
    return (
        f"**Other processes were busy during the run**: {busy} measurements started with at "
        f"least {BUSY_CPU_PCT}% of the CPU in use (at most {cpu:.0f}%, {scale}x "
        f"{BY_KEY[key].label}); other_cpu_pct in latest.json says which."
    )


def code_warning(report):
    versions = {entry["scale"]: entry["code"] for entry in report["scales"]}
    if len(set(versions.values())) < 2:
        return f"App code: `{next(iter(versions.values()), '')}` at every scale."
    listed = ", ".join(f"{scale}x `{code}`" for scale, code in versions.items())
    return f"**The app's code changed during the run** ({listed}): scales are not comparable."


def failures(report):
    lines = [
        f"- {entry['scale']}x {BY_KEY[key].label}: "
        + (value["check_error"] or f"{value['status_errors']} error responses")
        for entry in report["scales"]
        for key, value in entry["endpoints"].items()
        if value["check_error"] or value["status_errors"]
    ]
    return "\n".join(lines) or "None: every endpoint answered 200 and no request failed."


def markdown(report):
    sections = [
        "# `make bench` results",
        intro(report),
        code_warning(report),
        load_warning(report),
        "## Published records per scale",
        counts_table(report),
        "## (a) Requests per second and p95 latency, per endpoint and scale",
        endpoint_table(report),
        "## (b) Growth of p95 from the smallest to the largest scale",
        "Bounded endpoints (a page of rows or one record) should stay within "
        f"{BOUNDED_GROWTH_TARGET}×; whole-table ones should grow no faster than the data.",
        growth_table(report),
        f"## (c) Our req/s / Datasette's on the same records (target ≥ {DATASETTE_TARGET})",
        datasette_table(report),
        f"## (d) Static floor req/s / bulk JSON req/s (target ≤ {FLOOR_TARGET})",
        "The floor is the bytes of /api/v1/dataset.json served as a static file by "
        "whitenoise from the same gunicorn.",
        floor_table(report),
        "## Failures",
        failures(report),
    ]
    return "\n\n".join(sections) + "\n"


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that servers get stopped
    config = Config.from_env()
    TMP.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    check_tools(config)
    env = app_env(config)
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(config),
        "settings": settings_used(config),
        "scales": [],
    }
    try:
        prepare_once(config, env)
        for scale in config.scales:
            entry = run_scale(config, scale, env)
            entry["endpoints"] = {key: asdict(value) for key, value in entry["endpoints"].items()}
            report["scales"].append(entry)
    finally:
        STATIC_FLOOR.unlink(missing_ok=True)
    report["wall_seconds"] = round(time.monotonic() - STARTED, 1)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    text = markdown(report)
    (RESULTS / "latest.md").write_text(text)
    print("\n" + text)
    failed = any(
        value["check_error"] or value["status_errors"]
        for entry in report["scales"]
        for value in entry["endpoints"].values()
    )
    log(f"done in {report['wall_seconds']:.0f} s; results in bench/results/latest.{{json,md}}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
