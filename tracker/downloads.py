"""The whole-dataset downloads, built once per dataset version in the background.

A request for dataset.json or datapackage.zip never renders the dataset. It is served the
newest finished build, a file in settings.DOWNLOADS_DIR (a folder every app container and
the worker share), with that build's own ETag, Last-Modified and a Dataset-Version header.
When that build is older than the published dataset, the request also asks for a build of
the current version and goes on serving the previous one until it is ready.

Asking is single-flight across processes and containers: the DatasetBuild row of a download
and version is unique, and only the request that creates it queues the task. The task runs
on django-tasks: in the worker (`manage.py db_worker`, TASK_BACKEND=database) in
production, in the asking process itself with TASK_BACKEND=immediate (`make run`, tests).
A build fetches and writes the records a chunk at a time, so its memory stays flat, and
reads them in one snapshot, so a file holds exactly one version.

Only when no build has ever finished does a request get 503 with Retry-After.
"""

import logging
import os
import tempfile
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.http import FileResponse, HttpRequest, JsonResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django_tasks import task

from . import siteurl
from .caching import cacheable_at_the_edge
from .collector import fewer_collections
from .exports import dataset_version, write_datapackage
from .models import DatasetBuild

logger = logging.getLogger(__name__)

Kind = DatasetBuild.Kind
State = DatasetBuild.State

FILENAMES = {
    Kind.DATASET_JSON: ("application/json", 'inline; filename="atd-tracker.json"'),
    Kind.DATAPACKAGE: ("application/zip", 'attachment; filename="atd-tracker-datapackage.zip"'),
}
# Finished builds kept per download: the newest, and the one before for requests under way.
KEEP = 2
# Seconds a client is asked to wait when there is no build at all yet.
RETRY_AFTER = 10


def serve(request, kind):
    """The newest finished build of `kind`; asks for the current version's if it is older."""
    version = dataset_version()
    builds = finished(kind)
    if not builds or builds[0].version_tag != version.tag:
        ask_for_build(kind, version, base_url(request))
        # Run in this process (TASK_BACKEND=immediate), the build may be ready already.
        builds = finished(kind)
    for build in builds:
        response = build_response(request, build)
        if response is not None:
            return response
    response = JsonResponse(
        {"detail": _("The download is being prepared. Try again in a few seconds.")}, status=503
    )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def finished(kind):
    """The newest finished builds whose file is there; a build whose file is gone is forgotten."""
    builds = []
    for build in DatasetBuild.objects.ready(kind)[:KEEP]:
        if build.path.exists():
            builds.append(build)
        else:
            logger.warning("Download %s is missing its file %s", build, build.path)
            build.delete()
    return builds


def build_response(request, build):
    """The build's file with its ETag and version (or a 304), or None if the file is gone."""
    last_modified = int(build.last_modified.timestamp())
    response = get_conditional_response(request, etag=build.etag, last_modified=last_modified)
    if response is None:
        response = file_response(build)
        if response is None:
            return None  # pruned since: a newer build is ready
        content_type, disposition = FILENAMES[build.kind]
        response["Content-Type"] = content_type
        response["Content-Disposition"] = disposition
    response["ETag"] = build.etag
    response["Last-Modified"] = http_date(last_modified)
    response["Dataset-Version"] = build.version_label
    # Like the pages: the edge (deploy/nginx) keeps the file a few seconds and then
    # revalidates it by ETag, so it sends the bytes from its cache, not from the app.
    return cacheable_at_the_edge(response)


def file_response(build):
    """The file itself (gunicorn sends it with sendfile), or None if it is gone."""
    try:
        return FileResponse(open(build.path, "rb"))  # noqa: SIM115 - it closes it
    except FileNotFoundError:
        return None


def base_url(request):
    return siteurl.base_url(request)


def ask_for_build(kind, version, url):
    """Queue a build of `kind` at `version` unless one is queued, under way or done.

    A build that failed, or was queued or started longer than DOWNLOAD_BUILD_TIMEOUT ago
    (its worker died), is queued again, by one asker only.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            DatasetBuild.objects.create(
                kind=kind,
                version_tag=version.tag,
                version_label=version.label,
                last_modified=version.last_modified,
                requested_at=now,
            )
    except IntegrityError:
        stale = now - timedelta(seconds=settings.DOWNLOAD_BUILD_TIMEOUT)
        retry = now - timedelta(seconds=RETRY_AFTER)
        claimed = (
            DatasetBuild.objects.filter(kind=kind, version_tag=version.tag)
            .exclude(state=State.READY)
            .filter(
                (Q(state=State.FAILED) & Q(requested_at__lt=retry)) | Q(requested_at__lt=stale)
            )
            .update(state=State.QUEUED, requested_at=now)
        )
        if not claimed:
            return
    build_download.enqueue(kind=kind, base_url=url)


@task()
def build_download(kind, base_url):
    """Build `kind` at the current dataset version, unless another worker already is."""
    version = dataset_version()
    build, _created = DatasetBuild.objects.get_or_create(
        kind=kind,
        version_tag=version.tag,
        defaults={"version_label": version.label, "last_modified": version.last_modified},
    )
    now = timezone.now()
    stale = now - timedelta(seconds=settings.DOWNLOAD_BUILD_TIMEOUT)
    claimed = (
        DatasetBuild.objects.filter(pk=build.pk)
        .filter(Q(state__in=[State.QUEUED, State.FAILED]) | Q(started_at__lt=stale))
        .exclude(state=State.READY)
        .update(state=State.BUILDING, started_at=now)
    )
    if not claimed:
        return
    try:
        with snapshot(), fewer_collections():
            built = dataset_version()
            size = write(kind, built, base_url)
    except Exception as error:
        DatasetBuild.objects.filter(pk=build.pk).update(
            state=State.FAILED, error=f"{type(error).__name__}: {error}"
        )
        raise
    if built.tag != version.tag:
        # The data changed between asking and reading: the file holds the newer version.
        build.delete()
        build, _created = DatasetBuild.objects.update_or_create(
            kind=kind,
            version_tag=built.tag,
            defaults={"version_label": built.label, "last_modified": built.last_modified},
        )
    DatasetBuild.objects.filter(pk=build.pk).update(
        state=State.READY, finished_at=timezone.now(), size=size, error=""
    )
    prune(kind)
    logger.info("Built %s %s: %d bytes", kind, built.label, size)


def path_of(kind, tag):
    return DatasetBuild(kind=kind, version_tag=tag).path


def write(kind, version, url):
    """Write the download into its file, whole or not at all; its size."""
    from .api import write_dataset_json

    folder = settings.DOWNLOADS_DIR
    os.makedirs(folder, exist_ok=True)
    with (
        tempfile.NamedTemporaryFile(dir=folder, prefix=".", delete=False) as partial,
        # Whoever asked for it, a download holds the English text (else the original);
        # the data package's translations resource holds every language.
        translation.override(settings.LANGUAGE_CODE),
    ):
        try:
            with siteurl.at(url):
                if kind == Kind.DATASET_JSON:
                    write_dataset_json(partial, version, site_request(url))
                else:
                    write_datapackage(partial, version)
        except BaseException:
            os.unlink(partial.name)
            raise
    os.chmod(partial.name, 0o644)
    # Dated by the version, so that a proxy sending the file says the same Last-Modified.
    timestamp = version.last_modified.timestamp()
    os.utime(partial.name, (timestamp, timestamp))
    os.replace(partial.name, path_of(kind, version.tag))
    return os.path.getsize(path_of(kind, version.tag))


@contextmanager
def snapshot():
    """On PostgreSQL, read the version and every record from one state of the database.

    (The embedded SQLite database, for development, would lock out writers meanwhile.)
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def prune(kind):
    """Drop the files and rows of finished builds older than the newest KEEP, and requests
    for versions older than the newest build (it read the data after they were made)."""
    finished = list(DatasetBuild.objects.ready(kind))
    for build in finished[KEEP:]:
        build.path.unlink(missing_ok=True)
        build.delete()
    DatasetBuild.objects.filter(
        kind=kind,
        state__in=[State.QUEUED, State.FAILED],
        requested_at__lt=finished[0].started_at,
    ).delete()


class SiteRequest(HttpRequest):
    """A request for `url`, so that serializers outside a request write absolute links."""

    def __init__(self, url):
        super().__init__()
        parts = urlsplit(url)
        self._scheme, self._host = parts.scheme, parts.netloc

    def _get_scheme(self):
        return self._scheme

    def get_host(self):
        return self._host


def site_request(url):
    return SiteRequest(url or siteurl.base_url())
