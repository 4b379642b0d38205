"""What the tracker keeps about itself: the builds of the whole-dataset downloads, and the
search index."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.http import quote_etag
from django.utils.translation import gettext_lazy as _


class DatasetBuildQuerySet(models.QuerySet):
    def ready(self, kind):
        """Finished builds of one download, the newest version first."""
        return self.filter(kind=kind, state=DatasetBuild.State.READY).order_by(
            "-last_modified", "-pk"
        )


class DatasetBuild(models.Model):
    """One whole-dataset download built for one version of the published dataset.

    The file lives in settings.DOWNLOADS_DIR, which every app container and the worker
    share; this row says which version it holds and whether it is finished. One row per
    download and version makes a build single-flight: whoever creates the row queues it.
    """

    class Kind(models.TextChoices):
        DATASET_JSON = "dataset.json", "dataset.json"
        DATAPACKAGE = "datapackage.zip", "datapackage.zip"

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("building")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("download"), max_length=20, choices=Kind.choices)
    version_tag = models.CharField(_("dataset version tag"), max_length=64)
    version_label = models.CharField(_("dataset version"), max_length=40)
    last_modified = models.DateTimeField(_("dataset last modified"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = DatasetBuildQuerySet.as_manager()

    class Meta:
        verbose_name = _("dataset build")
        verbose_name_plural = _("dataset builds")
        constraints = [
            models.UniqueConstraint(fields=["kind", "version_tag"], name="one_build_per_version")
        ]

    def __str__(self):
        return f"{self.kind} {self.version_label} ({self.state})"

    @property
    def path(self):
        return Path(settings.DOWNLOADS_DIR) / f"{self.version_tag[:24]}-{self.kind}"

    @property
    def etag(self):
        return quote_etag(
            hashlib.sha256(f"{self.kind}|{self.version_tag}".encode()).hexdigest()[:32]
        )


class SearchEntry(models.Model):
    """One published record's text in one language as a weighted text-search document
    (PostgreSQL), so that site search finds and ranks records without parsing every record's
    text on each query. Rebuilt whole for each dataset version (tracker.search)."""

    kind = models.CharField(max_length=20)
    language = models.CharField(max_length=10)
    object_id = models.BigIntegerField()
    # The record's title in the language: it orders results of equal rank.
    title = models.TextField(blank=True)
    document = SearchVectorField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language", "object_id"], name="one_search_entry_per_language"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id} ({self.language})"


class SearchIndex(models.Model):
    """The one row saying which dataset version the search entries hold, and which one a
    rebuild was last asked for, and when (so that only one asker queues it, and a rebuild
    lost with its worker is asked for again)."""

    version_tag = models.CharField(max_length=64, blank=True)
    requested_tag = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"search index at {self.version_tag or 'no version yet'}"

    @classmethod
    def state(cls):
        return cls.objects.get_or_create(pk=1)[0]
