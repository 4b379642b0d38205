"""Load a dump written by `backup` into an empty database, after checking its checksum.

The database must have been migrated and hold no records or users: a new database
(`migrate`), or an existing one emptied with `flush`. Reference data loaded by the
migrations (countries, regions, subdivisions) is replaced by the dump's, so every
identifier is the same as in the database that was backed up. The load is one
transaction: an error anywhere restores nothing. Loading writes no history: the
dump carries the history of every record.
"""

from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from practices.models import Revision

from .backup import checksum_path, sha256

# Tables that must be empty, and the reference data that migrations load.
MUST_BE_EMPTY = [
    "practices.Organisation",
    "practices.Source",
    "practices.Indicator",
    "practices.Status",
    "practices.Law",
    "practices.Pilot",
    "practices.Pledge",
    "practices.PledgeProgress",
    "practices.Figure",
    "practices.Citation",
]
REPLACED = ["countries.Subdivision", "countries.Country", "countries.Region"]


class Command(BaseCommand):
    help = (
        "Restore a dump written by `backup` into an empty, migrated database, after "
        "verifying its SHA-256 checksum (FILE.sha256)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, path, database, **options):
        path = Path(path)
        self.verify(path)
        self.check_empty(database)
        with transaction.atomic(using=database):
            for label in REPLACED:
                apps.get_model(label)._default_manager.using(database).all().delete()
            loaded = self.load(path, database)
            Revision.bump(database)  # cached pages and ETags of the old data are void
        total = sum(loaded.values())
        self.stdout.write(f"Restored {total:,} objects of {len(loaded)} kinds from {path}.")

    def verify(self, path):
        checksum = checksum_path(path)
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        if not checksum.exists():
            raise CommandError(f"{checksum} is missing: cannot verify {path}.")
        expected = checksum.read_text(encoding="utf-8").split()[0].lower()
        actual = sha256(path)
        if actual != expected:
            raise CommandError(
                f"{path} does not match its checksum (expected {expected}, got {actual}): "
                "the file is damaged or was edited. Nothing was restored."
            )

    def check_empty(self, database):
        models = [apps.get_model(label) for label in MUST_BE_EMPTY] + [get_user_model()]
        full = [
            model._meta.verbose_name_plural
            for model in models
            if model._default_manager.using(database).exists()
        ]
        if full:
            raise CommandError(
                f"The database already holds data ({', '.join(map(str, full))}). Restore "
                "into a new database after `migrate`, or empty this one with `flush` first."
            )

    def load(self, path, database):
        connection = connections[database]
        loaded, deferred = {}, []
        with open(path, encoding="utf-8") as stream, connection.constraint_checks_disabled():
            objects = serializers.deserialize(
                "json", stream, using=database, handle_forward_references=True
            )
            for item in objects:
                # The dump has every version of every record: saving writes no new one.
                item.object.skip_history_when_saving = True
                item.save(using=database)
                if item.deferred_fields:
                    deferred.append(item)
                model = type(item.object)
                loaded[model] = loaded.get(model, 0) + 1
            for item in deferred:
                item.save_deferred_fields(using=database)
        connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
        # Rows kept their ids: new ones must start after them (PostgreSQL sequences).
        statements = connection.ops.sequence_reset_sql(no_style(), list(loaded))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        return loaded
