"""Settings for the ATD Tracker, every value read from the environment.

With no environment at all this runs on an embedded SQLite database, so that a
newcomer can `make run`. Production sets DATABASE_URL, SECRET_KEY and friends.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(os.environ.get(name, default))


def envlist(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY.strip() in ("", DEVELOPMENT_SECRET_KEY):
    # Anyone could sign sessions, password-reset links and device cookies with a known key.
    raise ImproperlyConfigured(
        "SECRET_KEY is unset, empty or the public development key, and DEBUG is off. Set "
        "SECRET_KEY to a long random value, e.g. the output of: python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'"
    )
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# Empty: absolute links follow the address each request came to (tracker/siteurl.py).
SITE_URL = os.environ.get("SITE_URL", "")

INSTALLED_APPS = [
    "modeltranslation",  # before the admin, so translated fields show there
    # django.contrib.admin, with the curation dashboard on admin.site (practices/dashboard.py)
    "practices.dashboard.CurationAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files for /api/v1/docs/, as static files
    "simple_history",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "countries",
    "practices",
    "curation",
    "corrections",
    "tracker",
    "axes",  # last: its admin lists login attempts and lockouts
]

MIDDLEWARE = [
    # Probes answer before host validation and the HTTPS redirect (see tracker/health.py).
    "tracker.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tracker.middleware.ScopedCSPMiddleware",  # django-csp, see CONTENT_SECURITY_POLICY
    "tracker.middleware.QueryStringMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that reads the database: decides primary or replica for the request.
    "tracker.middleware.ReplicaReadsMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "tracker.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "tracker.login.LoginProtectionMiddleware",  # sign-in protection by user name, see there
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tracker.context_processors.site",
            ],
        },
    },
]


def database(url):
    """A database from its URL, with connections that survive a server restart.

    A persistent connection is checked before each request reuses it, so that a PostgreSQL
    restart costs no request an error. An unreachable server fails fast rather than hanging.
    The embedded SQLite database waits for a lock instead of failing with "database is
    locked": write-ahead logging lets readers go on while one process writes, and
    transactions take the write lock at their start, where waiting is safe.
    """
    settings = dj_database_url.parse(
        url, conn_max_age=envint("DB_CONN_MAX_AGE", 0), conn_health_checks=True
    )
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        settings["OPTIONS"] = {
            "timeout": envint("SQLITE_BUSY_TIMEOUT", 20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA synchronous=NORMAL;",  # WAL: tracker/sqlite.py
        }
    else:
        settings["OPTIONS"] = {"connect_timeout": envint("DB_CONNECT_TIMEOUT", 3)}
    return settings


DATABASES = {
    "default": database(os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}
# An optional PostgreSQL replica for public reads (tracker/routers.py): GET requests to the
# public pages and the API read from it; the admin, every write, and commands use "default".
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database(os.environ["DATABASE_REPLICA_URL"])
    # The test runner creates no second database: "replica" reads the test "default".
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["tracker.routers.PrimaryReplicaRouter"]
# Each process checks the replica at most this often; public reads go to the primary while it
# is unreachable or more than REPLICA_MAX_LAG_SECONDS behind (tracker/routers.py).
REPLICA_CHECK_SECONDS = envint("REPLICA_CHECK_SECONDS", 5)
REPLICA_MAX_LAG_SECONDS = envint("REPLICA_MAX_LAG_SECONDS", 30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Indicators and their vocabularies are translated as data; English fills any gap.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
# A record written in Spanish has no English text: every language falls back, in this
# order, to whichever one holds the text.
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "es", "fr", "ar")
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Spreadsheet imports run in a transaction: a file with any bad row writes nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True

# Where the dataset lives (YAML, see fixtures/README.md).
DATASET_DIR = Path(os.environ.get("DATASET_DIR", BASE_DIR / "fixtures"))

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": False,
}
# Anonymous API requests per client address (see tracker.api.AnonymousThrottle); "off" for none.
API_ANON_THROTTLE_RATE = os.environ.get("API_ANON_THROTTLE_RATE", "120/min")
if API_ANON_THROTTLE_RATE.lower() in ("", "off", "none"):
    API_ANON_THROTTLE_RATE = None

# Corrections a reader may send per client address (corrections/views.py); "off" for none.
CORRECTION_RATE = os.environ.get("CORRECTION_RATE", "5/h")
if CORRECTION_RATE.lower() in ("", "off", "none"):
    CORRECTION_RATE = None

# Browser apps on any origin may read the API (GET only); nothing else is shared.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "if-modified-since", "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Link", "Retry-After", "Content-Disposition"]

SPECTACULAR_SETTINGS = {
    "TITLE": "ATD Tracker API",
    "DESCRIPTION": "Published records of the ATD Tracker: countries, indicators, statuses, "
    "laws, pilots, pledges, figures, sources and organisations.",
    "VERSION": "1",
    # The docs page's Swagger UI (and Redoc) from the sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {
        # No badge fetched from validator.swagger.io: the page asks no other host for anything.
        "validatorUrl": None,
        "displayRequestDuration": True,
        "defaultModelsExpandDepth": 0,
    },
    # Every partial date's precision is one choice set, whichever date it qualifies.
    "ENUM_NAME_OVERRIDES": {"DatePrecisionEnum": "practices.models.DatePrecision"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracker.api.describe_the_api",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
}

# Shared cache (API throttling, pages, API responses and bulk downloads cached on the dataset
# version, see tracker/caching.py) in Redis when REDIS_URL is set, so that every app container
# sees the same; otherwise per-process memory, fine for one `make run`.
# Sessions live in the database (Django's default engine): app processes keep no state.
if os.environ.get("REDIS_URL"):
    CACHES = {
        # Redis unreachable is a cache miss (tracker/cache.py); one that drops packets costs
        # at most these seconds before it is left alone for a while.
        "default": {
            "BACKEND": "tracker.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "atd",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # A spreadsheet import is previewed, then confirmed in a second request that may reach
    # another app container: keep the uploaded file in the shared cache, not in /tmp.
    IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate limits (API throttling, sign-in protection: tracker/throttling.py) count in a cache of
# their own: atomic counters in Redis shared by every app container, with short timeouts so
# that a dead Redis costs little; while it does not answer, each process counts in memory.
# Without REDIS_URL, the count in this process's memory is the limit.
if os.environ.get("REDIS_URL"):
    CACHES["ratelimit"] = {
        "BACKEND": "tracker.cache.RedisWithMemoryFallbackCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": "atd",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
else:
    CACHES["ratelimit"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
RATELIMIT_USE_CACHE = "ratelimit"
# Seconds a cached response is kept. A data change makes it unreachable at once (its key holds
# the dataset version); this only bounds how long an old version's entries take up memory.
DATASET_CACHE_TIMEOUT = int(os.environ.get("DATASET_CACHE_TIMEOUT", str(24 * 3600)))
# Cached bodies this large (the bulk downloads) go to each app container's disk, in this folder,
# which keeps at most DATASET_CACHE_DISK_BYTES (the most recent first).
DATASET_CACHE_FILE_BYTES = int(os.environ.get("DATASET_CACHE_FILE_BYTES", str(256 * 1024)))
DATASET_CACHE_DIR = os.environ.get(
    "DATASET_CACHE_DIR", os.path.join(tempfile.gettempdir(), "atd-tracker-responses")
)
# Seconds the proxy in front (deploy/nginx, the "edge" service) may keep a public page or API
# response before asking the app again with its ETag: how long a published edit may take to
# reach every visitor. Browsers always ask again.
EDGE_CACHE_SECONDS = envint("EDGE_CACHE_SECONDS", 10)
DATASET_CACHE_DISK_BYTES = int(os.environ.get("DATASET_CACHE_DISK_BYTES", str(2 * 1024**3)))
# Off, every request renders afresh (ETags still work): what visitors get after each edit,
# which `make bench` measures as "uncached".
RESPONSE_CACHE = envbool("RESPONSE_CACHE", True)

# Background work (the whole-dataset downloads, tracker/downloads.py) runs on django-tasks.
# "immediate" runs each task in the process that asks for it, so `make run` needs no worker;
# "database" queues it in the database for `manage.py db_worker` (docker-compose.yml's worker).
TASK_BACKEND = os.environ.get("TASK_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[TASK_BACKEND]
    }
}

# The whole-dataset downloads' builds (tracker/downloads.py): a folder every app container and
# the worker share, and how long a queued or started build may take before it is queued again.
DOWNLOADS_DIR = os.environ.get(
    "DOWNLOADS_DIR", os.path.join(tempfile.gettempdir(), "atd-tracker-downloads")
)
DOWNLOAD_BUILD_TIMEOUT = envint("DOWNLOAD_BUILD_TIMEOUT", 15 * 60)
# How long a search-index rebuild may take, once asked for, before the next search asks again.
SEARCH_REBUILD_TIMEOUT = envint("SEARCH_REBUILD_TIMEOUT", 15 * 60)
# /readyz reports the worker "stalled" when a task has waited this long (seconds).
TASKS_STALLED_AFTER = envint("TASKS_STALLED_AFTER", 5 * 60)

# Security. DEBUG=false is the production path: it turns on the secure defaults below, each
# of which an environment variable can still override (docs/deployment.md lists them).
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip().strip("/") + "/"
# TLS ends at the reverse proxy, which says so in this header (Caddy and nginx: X-Forwarded-Proto).
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"),
        "https",
    )
# How many reverse proxies append to X-Forwarded-For in front of the app (1 with the compose
# file): the client address for login lockouts and API throttling is that many from the right.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Longer query strings get 414 (tracker.middleware); gunicorn's request line limit matches.
MAX_QUERY_STRING_LENGTH = 8192

# Content-Security-Policy (django-csp): everything from this origin, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Admin sign-in: django-axes locks a user name out from one address after repeated failures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tracker.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "tracker.login.axes_lockout_response"  # 429 with Retry-After
AXES_VERBOSE = False  # no banner on every start; failures and lockouts are still logged
# On top of axes: failed sign-ins for one user name from browsers that never signed in as that
# user count across all addresses; past this rate such browsers are refused for that user name
# while the user's own browsers, holding a signed device cookie, still sign in (tracker/login.py).
LOGIN_UNTRUSTED_FAILURE_RATE = os.environ.get("LOGIN_UNTRUSTED_FAILURE_RATE", "10/h")
LOGIN_DEVICE_COOKIE_AGE = timedelta(days=envint("LOGIN_DEVICE_COOKIE_DAYS", 365))

# A request naming a host outside ALLOWED_HOSTS gets 400 and its access log line; scanners
# send many, so no traceback for each.
LOGGING.setdefault("loggers", {})["django.security.DisallowedHost"] = {
    "handlers": [],
    "propagate": False,
}
