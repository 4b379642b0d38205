"""`manage.py migrate_once`: migrations, then the dataset on first start, one process at a time.

Several app containers may start together against one database (deploy/start.sh). Two
`migrate` at once fail ("relation ... already exists"), and "load the dataset if there is no
indicator yet" is a check-then-act race. This command runs both under one lock:

- on PostgreSQL, a session-level advisory lock (pg_advisory_lock) on MIGRATION_LOCK_KEY, held
  on a connection of its own so that nothing `migrate` does to its connection releases it;
- on SQLite, an exclusive file lock (fcntl) on a file next to the database file.

A process that finds the lock taken says so and waits; once it holds the lock, `migrate` has
nothing left to do and the dataset is no longer missing.

--load first (default): load fixtures/ only into a database without indicators, so that a
restart never overwrites what researchers changed in the admin; always: load it (it is
idempotent); never: skip it.
"""

import fcntl
from contextlib import contextmanager
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

# Any fixed 64-bit number, the same for every container of this app: "ATDmigr" in ASCII.
MIGRATION_LOCK_KEY = 0x41_54_44_6D_69_67_72


class Command(BaseCommand):
    help = (
        "Migrate, then load the dataset on first start (--load), under a lock so that "
        "containers starting together do it once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--load", choices=["first", "always", "never"], default="first")

    def handle(self, load, verbosity, **options):
        with self.migration_lock(connections[DEFAULT_DB_ALIAS]):
            call_command("migrate", interactive=False, verbosity=verbosity, stdout=self.stdout)
            if self.should_load(load):
                self.stdout.write(f"Dataset: loading (--load {load})")
                call_command("load_dataset", stdout=self.stdout)
            else:
                self.stdout.write(f"Dataset: not loaded (--load {load}, the database has records)")

    @staticmethod
    def should_load(load):
        if load == "first":
            from practices.models import Indicator

            return not Indicator.objects.exists()
        return load == "always"

    @contextmanager
    def migration_lock(self, connection):
        if connection.vendor == "postgresql":
            with self.advisory_lock(connection):
                yield
        elif connection.vendor == "sqlite" and not connection.is_in_memory_db():
            with self.file_lock(Path(connection.settings_dict["NAME"])):
                yield
        else:
            yield

    @contextmanager
    def advisory_lock(self, connection):
        lock_connection = connections.create_connection(connection.alias)
        try:
            with lock_connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    self.say_waiting()
                    cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
            yield
        finally:
            # Closing the session releases its advisory lock.
            lock_connection.close()

    @contextmanager
    def file_lock(self, database):
        with open(database.with_name(database.name + ".migrate-lock"), "a") as lock_file:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.say_waiting()
                fcntl.flock(lock_file, fcntl.LOCK_EX)
            # Closing the file releases the lock.
            yield

    def say_waiting(self):
        self.stdout.write("Another process is migrating this database: waiting for it.")
