"""Write a full dump of the data with its SHA-256 checksum: the backup half of a restore.

The dump is Django's JSON fixture format, with natural keys for content types, users,
groups and permissions, so it loads into any database of this project, SQLite or
PostgreSQL, after `migrate`: see the `restore` command and docs/curation.md. Unlike
`dumpdata`, times keep their microseconds (history is ordered by them) and the models
come in a fixed order, so the same data always gives the same file and checksum.
"""

import datetime
import hashlib
import os
from itertools import chain
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from practices.models import Revision

# Everything people made: users and groups, the admin's log, reference data (countries
# may be refreshed by sync_countries), records with their full history, citations,
# vocabularies and withdrawals, readers' corrections. Content types, permissions and
# sessions are not data: `migrate` creates the first two again; nor is the dataset
# revision, a counter for caches that `restore` bumps. Referenced models come first.
LABELS = [
    "auth.group",
    "auth.user",
    "admin.logentry",
    "countries",
    "practices",
    "corrections",
]


class FullPrecisionEncoder(DjangoJSONEncoder):
    """Times with their microseconds (Django's encoder keeps milliseconds only)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


def models_to_dump():
    for label in LABELS:
        if "." in label:
            yield apps.get_model(label)
            continue
        # By name: simple-history registers some models in an order that varies by run.
        models = sorted(apps.get_app_config(label).get_models(), key=lambda m: m._meta.label)
        yield from (
            m for m in models if m._meta.managed and not m._meta.proxy and m is not Revision
        )


def dump(path, using="default"):
    querysets = [
        model._default_manager.using(using).order_by(model._meta.pk.name)
        for model in models_to_dump()
    ]
    with open_private(path) as stream:
        serializers.serialize(
            "json",
            chain.from_iterable(queryset.iterator() for queryset in querysets),
            stream=stream,
            indent=1,
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
            cls=FullPrecisionEncoder,
        )


def open_private(path):
    """Open `path` for writing, readable by its owner only: a dump holds password hashes.

    Made so from the start, with no moment at which others could open it.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that was already there keeps its mode otherwise
    return open(descriptor, "w", encoding="utf-8")


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum_path(path):
    return Path(f"{path}.sha256")


class Command(BaseCommand):
    help = (
        "Dump all data to a JSON file, and its SHA-256 checksum to FILE.sha256 "
        "(`sha256sum -c` reads it). Restore with `manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="where to write (default: backups/atd-tracker-<date>-<time>.json)",
        )
        parser.add_argument("--database", default="default")

    def handle(self, path=None, database="default", **options):
        if path is None:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = Path(settings.BASE_DIR) / "backups" / f"atd-tracker-{stamp}.json"
        path = Path(path)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        dump(path, using=database)
        digest = sha256(path)
        checksum_path(path).write_text(f"{digest}  {path.name}\n", encoding="utf-8")
        self.stdout.write(f"Wrote {path} ({path.stat().st_size:,} bytes), SHA-256 {digest}")
