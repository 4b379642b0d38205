"""The site's absolute address: SITE_URL when it is set, else the address a request came to.

With SITE_URL unset (development, `make run PORT=8001`), canonical links, citations and
the public_url of CSV rows follow the host and port the visitor used. A CSV is written
after the view returns, and a dataset build in the background, so both take the
address with them (`at`).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

FALLBACK = "http://127.0.0.1:8000"
_serving = ContextVar("serving", default=None)


def base_url(request=None):
    """ "https://tracker.example.org", without a trailing slash."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return _serving.get() or FALLBACK


def absolute(path):
    return base_url() + path


@contextmanager
def at(url):
    """Absolute addresses written meanwhile start with `url`."""
    token = _serving.set(url)
    try:
        yield
    finally:
        _serving.reset(token)
