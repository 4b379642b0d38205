"""Middleware for running in production: probes, bounded input, replica reads, client address."""

from urllib.parse import unquote_to_bytes

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import FileResponse, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from . import health, routers
from .routers import REPLICA, reads_from_replica, replica_reads, stop_replica_reads

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before host validation and the HTTPS redirect.

    Docker, the reverse proxy and load balancers probe an app container by its address
    ("web:8000", "127.0.0.1:8000") over plain HTTP, which ALLOWED_HOSTS and
    SECURE_SSL_REDIRECT would otherwise turn into 400 or 301.
    """

    PROBES = {
        "/healthz": health.healthz,
        "/healthz/": health.healthz,
        "/readyz": health.readyz,
        "/readyz/": health.readyz,
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = self.PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)


class ScopedCSPMiddleware(CSPMiddleware):
    """The Content-Security-Policy of settings, relaxed for styles where third-party HTML needs it.

    Public pages satisfy the strict policy. The Django admin (django-simple-history's pages)
    and DRF's browsable API write `style` attributes, so under the admin URL and /api/ the
    policy also allows inline styles; inline scripts stay forbidden everywhere.
    """

    INLINE_STYLES = {"style-src": ["'unsafe-inline'"]}

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if (
            not report_only
            and parts.update is None
            and request.path_info.startswith(("/" + settings.ADMIN_URL, "/api/"))
        ):
            parts.update = self.INLINE_STYLES
        return parts


class QueryStringMiddleware:
    """Refuse malformed query strings before any view parses them.

    - longer than MAX_QUERY_STRING_LENGTH: 414 (gunicorn's request line limit is about the
      same, deploy/gunicorn.conf.py; this holds the line under any server);
    - not UTF-8 once percent-decoded, or holding a NUL character: 400. Django would replace
      the bytes silently and PostgreSQL refuses NUL in any text it compares, so either would
      reach a filter as a value that nobody sent.

    Under /api/ the answer is JSON, like the API's other errors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if len(query) > settings.MAX_QUERY_STRING_LENGTH:
            message = _("The query string is too long: use at most %(count)d characters.") % {
                "count": settings.MAX_QUERY_STRING_LENGTH
            }
            return self.refuse(request, message, 414)
        if "%" in query:
            try:
                decoded = unquote_to_bytes(query).decode("utf-8")
            except UnicodeDecodeError:
                return self.refuse(request, _("The query string is not valid UTF-8."), 400)
            if "\x00" in decoded:
                return self.refuse(request, _("The query string holds a NUL character."), 400)
        return self.get_response(request)

    @staticmethod
    def refuse(request, message, status):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class ApiLanguageMiddleware:
    """The API answers in the language of `?lang=`, else of Accept-Language, else English.

    Public pages take their language from the URL (/es/…); the API's URLs have none, so
    LocaleMiddleware leaves it in English. Labels and record text follow the language
    chosen here, and so do the response cache's keys (tracker/caching.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = [code for code, _name in settings.LANGUAGES]

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        requested = request.GET.get("lang")
        if requested is not None and requested not in self.languages:
            message = _("Unknown language “%(lang)s”: use one of %(languages)s.") % {
                "lang": requested,
                "languages": ", ".join(self.languages),
            }
            return JsonResponse({"lang": [message]}, status=400)
        language = requested or self.accepted(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        if response.streaming and not isinstance(response, FileResponse):
            response.streaming_content = in_language(language, response.streaming_content)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Accept-Language"])
        return response

    def accepted(self, request):
        header = request.headers.get("Accept-Language", "")
        for code, _quality in translation.trans_real.parse_accept_lang_header(header):
            try:
                return translation.get_supported_language_variant(code)
            except LookupError:
                continue
        return settings.LANGUAGE_CODE


def in_language(language, chunks):
    """A streamed body (a CSV) written in the request's language, chunk after chunk."""
    with translation.override(language):
        yield from chunks


class ReplicaReadsMiddleware:
    """Let public GET requests read from the replica (see tracker/routers.py for the rule).

    Not while the replica is unreachable or too far behind; and a public GET or HEAD whose
    read fails on the replica all the same is run again on the primary, rather than a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def is_public_read(request):
        return request.method in SAFE_METHODS and not request.path_info.startswith(
            "/" + settings.ADMIN_URL
        )

    def __call__(self, request):
        public_read = self.is_public_read(request) and not routers.replica_health.unusable()
        with replica_reads(public_read):
            response = self.get_response(request)
            streams_from_replica = reads_from_replica()  # not after a fallback to the primary
        if (
            streams_from_replica
            and REPLICA in connections
            and response.streaming
            and not response.is_async
            and not isinstance(response, FileResponse)
        ):
            # CSV downloads query while the body streams, after this call has returned.
            response.streaming_content = _streamed_on_replica(response.streaming_content)
        return response

    def process_exception(self, request, exception):
        if not (
            isinstance(exception, (OperationalError, InterfaceError))
            and request.method in ("GET", "HEAD")
            and reads_from_replica()
            and REPLICA in connections
            and connections[REPLICA].errors_occurred
        ):
            return None
        routers.replica_health.mark_down(exception)
        # The rest of the request, the rendering of this response included, reads the primary.
        stop_replica_reads()
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        if hasattr(response, "render"):
            response.render()  # here, in case the failure was in rendering the first one
        return response


def _streamed_on_replica(chunks):
    with replica_reads():
        yield from chunks


def client_ip(request):
    """The visitor's address, for login lockouts (AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT reverse proxies, each appends the address it received from to
    X-Forwarded-For, so the client is that many entries from the right; anything further
    left was written by the client and is not trusted.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
