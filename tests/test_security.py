"""Security under production settings: headers, cookies, HTTPS, admin sign-in, escaping."""

import importlib
import re
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.urls import clear_url_caches

from tracker.middleware import client_ip

from .conftest import make_indicator, make_law, make_status
from .test_production import PRODUCTION_ENV, load_settings

ROOT = Path(__file__).resolve().parent.parent
HOST = "tracker.example.org"

# Settings that decide what a visitor's browser receives.
SECURITY_SETTINGS = [
    "ALLOWED_HOSTS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "TRUSTED_PROXY_COUNT",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_TIME",
    "AXES_LOCKOUT_PARAMETERS",
]

PUBLIC_CSP = (
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
)


@pytest.fixture
def production(settings, monkeypatch):
    """This test runs with the security settings a DEBUG=false environment computes."""
    values = load_settings(monkeypatch, **PRODUCTION_ENV)
    for name in SECURITY_SETTINGS:
        setattr(settings, name, values[name])
    return values


def visitor(**headers):
    """A browser reaching the app through the TLS-terminating proxy."""
    return Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https", **headers)


@pytest.fixture
def records(db):
    indicator = make_indicator()
    make_status("mx", indicator)
    return make_law("mx-2020-reform", "mx", summary="Prohibits detaining children.")


def directives(response):
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/countries/",
        "/countries/mx/",
        "/laws/",
        "/laws/mx-2020-reform/",
        "/search/?q=reform",
        "/es/laws/",
        "/api/v1/",
        "/api/v1/countries/",
        "/api/v1/laws/",
        "/api/v1/laws/mx-2020-reform/",
        "/api/v1/docs/",
    ],
)
def test_every_security_header_is_on_pages_and_api(production, records, path):
    response = visitor().get(path)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    if path.startswith("/api/"):
        # DRF's browsable API writes style attributes; scripts stay strict.
        assert "script-src 'self'" in directives(response)
        assert "style-src 'self' 'unsafe-inline'" in directives(response)
    else:
        assert directives(response) == set(PUBLIC_CSP)


def test_error_pages_carry_the_headers_too(production, records):
    response = visitor().get("/laws/?page=1000000000000000000000000000000")
    assert response.status_code == 400
    assert directives(response) == set(PUBLIC_CSP)
    assert response["X-Frame-Options"] == "DENY"


def test_admin_relaxes_inline_styles_only(production, staff):
    client = visitor()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in directives(response)
    assert "script-src 'self'" in directives(response)
    assert "frame-ancestors 'none'" in directives(response)


def test_plain_http_is_redirected_to_https(production, records):
    response = Client(HTTP_HOST=HOST).get("/laws/?country=mx")
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/laws/?country=mx"


def test_unknown_host_gets_400(production, records):
    response = Client(HTTP_HOST="evil.example", HTTP_X_FORWARDED_PROTO="https").get("/")
    assert response.status_code == 400


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure(production, staff):
    client = visitor()
    response = client.get("/admin/login/")
    assert response.cookies["csrftoken"]["secure"] is True
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "researcher", "password": "pw"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


# Admin sign-in: brute-force protection (django-axes)


def sign_in(client, password, address="203.0.113.7", username="researcher"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_admin_sign_in_locks_out_after_repeated_failures(production, staff):
    client = visitor()
    limit = production["AXES_FAILURE_LIMIT"]
    assert limit == 5
    for _ in range(limit - 1):
        response = sign_in(client, "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = sign_in(client, "wrong")
    assert response.status_code == 429
    # Locked: even the right password is refused until the cool-off ends.
    response = sign_in(client, "pw")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_is_per_user_name_and_address(production, staff):
    client = visitor()
    for _ in range(production["AXES_FAILURE_LIMIT"]):
        sign_in(client, "wrong", address="203.0.113.7")
    assert sign_in(client, "pw", address="203.0.113.7").status_code == 429
    # The researcher, from another address, still gets in.
    response = sign_in(visitor(), "pw", address="198.51.100.20")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.django_db
def test_a_successful_sign_in_resets_the_failure_count(production, staff):
    client = visitor()
    for _ in range(production["AXES_FAILURE_LIMIT"] - 1):
        sign_in(client, "wrong")
    assert sign_in(client, "pw").status_code == 302
    for _ in range(production["AXES_FAILURE_LIMIT"] - 1):
        assert sign_in(visitor(), "wrong").status_code == 200


def test_client_address_behind_the_proxy_is_the_one_it_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # A client claiming an address in X-Forwarded-For does not escape its lockout:
    # the proxy appends the address it saw, and that is the one used.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="172.18.0.3", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7"
    )
    assert client_ip(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "172.18.0.3"


# A configurable admin URL


@pytest.fixture
def admin_at_backstage(settings):
    import tracker.urls

    settings.ADMIN_URL = "backstage/"
    importlib.reload(tracker.urls)
    clear_url_caches()
    yield
    settings.ADMIN_URL = "admin/"
    importlib.reload(tracker.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_admin_url_is_configurable(admin_at_backstage, staff):
    client = Client()
    assert client.get("/backstage/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 404
    client.force_login(staff)
    assert client.get("/backstage/practices/law/").status_code == 200


# Researchers' text is escaped, never rendered as HTML


@pytest.mark.django_db
def test_law_summary_with_a_script_renders_escaped():
    make_law(
        "mx-2020-reform",
        "mx",
        title="Reform <b>bold</b>",
        summary='<script>alert("x")</script><img src=x onerror=alert(1)>',
    )
    html = Client().get("/laws/mx-2020-reform/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Reform &lt;b&gt;bold&lt;/b&gt;" in html


def test_no_template_or_view_turns_off_escaping():
    # Record text reaches HTML only through autoescaping: nothing marks it safe.
    unsafe = re.compile(r"\|\s*safe\b|mark_safe|SafeString|autoescape off|\{%\s*autoescape")
    sources = [*(ROOT / "templates").rglob("*.html")]
    for app in ("countries", "practices", "tracker"):
        sources += [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    offenders = [str(p.relative_to(ROOT)) for p in sources if unsafe.search(p.read_text())]
    assert offenders == []
