"""Responses cached on the dataset's version: public pages, API responses and bulk downloads.

A response is stored in the shared cache (Redis when REDIS_URL is set, otherwise the
process's memory) under a key made of the dataset version (the revision every save or
delete bumps, the release and today's date), the language, the absolute URL and the
representation. A change to the data changes the key, so a stale response is never served;
old entries simply expire. Large bodies are kept on the container's disk instead and sent
like static files. The ETag is the same key, so a client's conditional request costs
the one query that reads the revision, and nothing else. A conditional request is answered
304 only when it is valid: a success stored under its key proves it, otherwise the view
runs first (a bad parameter is a 400, whatever If-None-Match says).

    @cache_on_dataset              # a public page
    def country_detail(request, code): ...

The API (tracker.api.ConditionalMixin) uses `response_key`, `cached_response` and `store`
itself, after its throttling and content negotiation.
"""

import functools
import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag

from .exports import dataset_version

KEY_PREFIX = "dataset-response:"
# Bodies of DATASET_CACHE_FILE_BYTES or more (the bulk downloads) are kept on the app
# container's own disk and sent from there with sendfile, like a static file; the shared
# cache holds their headers and this mark.
ON_DISK = "on-disk"
# Streamed exports (CSV of every matching row) larger than this are streamed afresh each time.
MAX_STREAMED_BYTES = 64 * 1024 * 1024


def response_key(request, version, representation=""):
    """The cache key and ETag of what `request` gets at this dataset version."""
    language = translation.get_language()
    identity = f"{version.tag}|{language}|{request.build_absolute_uri()}|{representation}"
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def cached_response(key):
    """The stored response under `key`, or None."""
    if not settings.RESPONSE_CACHE:
        return None
    stored = cache.get(KEY_PREFIX + key)
    if stored is None:
        return None
    content, headers = stored
    if content == ON_DISK:
        try:
            response = FileResponse(open(disk_path(key), "rb"))  # noqa: SIM115 - it closes it
        except FileNotFoundError:
            return None  # kept by another app container: this one renders its own
        if "Content-Disposition" not in headers:
            del response["Content-Disposition"]  # FileResponse names the file by its key
        for name, value in headers.items():
            response[name] = value
    else:
        response = HttpResponse(content, headers=headers)
    response.from_cache = True
    return response


def is_cached(key):
    """Whether a response is stored under `key`: then that request succeeded."""
    return settings.RESPONSE_CACHE and cache.get(KEY_PREFIX + key) is not None


def is_cacheable(response):
    return (
        response.status_code == 200
        and not response.cookies
        and not getattr(response, "from_cache", False)
    )


def store(key, response):
    """Keep a successful response under `key`; a streamed one once it has all been sent."""
    if not settings.RESPONSE_CACHE or not is_cacheable(response):
        return
    headers = dict(response.items())
    if response.streaming:
        response.streaming_content = _kept_once_complete(key, response.streaming_content, headers)
    else:
        _set(key, response.content, headers)


def _set(key, content, headers):
    if len(content) >= settings.DATASET_CACHE_FILE_BYTES:
        _write_to_disk(key, content)
        content = ON_DISK
    cache.set(KEY_PREFIX + key, (content, headers), settings.DATASET_CACHE_TIMEOUT)


def disk_path(key):
    return Path(settings.DATASET_CACHE_DIR) / key


def _write_to_disk(key, content):
    """Write a large body to this container's disk, whole or not at all; trim old ones."""
    folder = Path(settings.DATASET_CACHE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".", delete=False) as partial:
        partial.write(content)
    os.replace(partial.name, disk_path(key))
    _trim(folder)


def _trim(folder):
    """Keep the newest bodies within DATASET_CACHE_DISK_BYTES, removing the oldest.

    Other workers trim the same folder at the same moment: a file one of them removed
    after it was listed is simply left out.
    """
    kept = []
    for path in folder.glob("[!.]*"):
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        kept.append((status.st_mtime, status.st_size, path))
    total = 0
    for _modified, size, path in sorted(kept, reverse=True):
        total += size
        if total > settings.DATASET_CACHE_DISK_BYTES:
            path.unlink(missing_ok=True)


def _kept_once_complete(key, chunks, headers):
    """Pass the chunks on and keep a copy: stored only if the stream ends, and not too big."""
    kept, size = [], 0
    for chunk in chunks:
        yield chunk
        size += len(chunk)
        if size <= MAX_STREAMED_BYTES:
            kept.append(chunk)
    if size <= MAX_STREAMED_BYTES:
        _set(key, b"".join(kept), headers)


def stamp(response, etag, version):
    """ETag and Last-Modified from the dataset version.

    Browsers revalidate every time (a 304 costs one query); the site's own proxy cache
    (deploy/nginx) may keep the response EDGE_CACHE_SECONDS before revalidating, so an edit
    reaches every visitor within that time.
    """
    response["ETag"] = etag
    response["Last-Modified"] = http_date(version.last_modified.timestamp())
    return cacheable_at_the_edge(response)


def cacheable_at_the_edge(response):
    """Browsers revalidate every time; the site's proxy keeps it EDGE_CACHE_SECONDS."""
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        must_revalidate=True,
        s_maxage=settings.EDGE_CACHE_SECONDS,
    )
    return response


def not_modified(request, etag, version):
    """Django's 304 (or 412) when the request's conditions hold, else None."""
    return get_conditional_response(
        request, etag=etag, last_modified=int(version.last_modified.timestamp())
    )


def cache_on_dataset(view):
    """Serve a public page from the cache while the dataset is unchanged, with an ETag."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        version = dataset_version()
        request.dataset_version = version  # for fragments cached on it (the world map)
        key = response_key(request, version)
        etag = quote_etag(key)
        conditional = not_modified(request, etag, version)
        if conditional is not None and is_cached(key):
            response = conditional  # this very request succeeded before: it is valid
        else:
            response = cached_response(key) if conditional is None else None
            if response is None:
                response = view(request, *args, **kwargs)
                store(key, response)
            if conditional is not None and response.status_code == 200:
                # Only now that the view found the request valid: a bad filter is a 400,
                # even with If-None-Match: *.
                response = conditional
        if response.status_code in (200, 304):
            stamp(response, etag, version)
        return response

    return cached_view
