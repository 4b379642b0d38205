"""Public reads from a PostgreSQL replica, everything else from the primary.

Installed only when DATABASE_REPLICA_URL is set (tracker/settings.py). The rule is one
context variable, set per request by tracker.middleware.ReplicaReadsMiddleware:

- a GET, HEAD or OPTIONS request outside the admin (public pages, feeds, the API) reads
  from "replica";
- the admin, every other method (so every write and the reads around it), management
  commands, shells and tests read from "default", the primary;
- inside a transaction on the primary, reads stay on the primary too, so that a view
  always sees what it has just written.

Writes and migrations always go to the primary; the replica gets them by replication.

A replica that is unreachable, or further behind than REPLICA_MAX_LAG_SECONDS, is left out:
each process checks it at most every REPLICA_CHECK_SECONDS (`replica_health`), and public
requests read from the primary meanwhile. A public request whose read fails on the replica
marks it down and is answered from the primary (tracker.middleware.ReplicaReadsMiddleware).
"""

import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"

_reads_from_replica = ContextVar("reads_from_replica", default=False)


def reads_from_replica():
    return _reads_from_replica.get()


@contextmanager
def replica_reads(enabled=True):
    """Within the block, reads may go to the replica (`enabled`) or must not."""
    token = _reads_from_replica.set(enabled)
    try:
        yield
    finally:
        _reads_from_replica.reset(token)


def stop_replica_reads():
    """From now until the end of the enclosing `replica_reads` block, read from the primary."""
    _reads_from_replica.set(False)


# How far the replica is behind, in seconds: none when it has replayed all it has received
# (an idle primary sends nothing, so the last replayed transaction can be old), else the age
# of the last transaction replayed. Not a replica at all, or nothing replayed yet: 0.
LAG_QUERY = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
    END
"""

OK, UNREACHABLE, LAGGING, NOT_CONFIGURED = "ok", "unreachable", "lagging", "not configured"


class ReplicaHealth:
    """What this process last saw of the replica: ok, unreachable, or lagging (by `lag`)."""

    def __init__(self):
        self.state = OK
        self.lag = 0.0
        self.checked_at = None  # time.monotonic() of the last check
        self._checking = threading.Lock()
        self._recording = threading.Lock()

    def current(self):
        """The replica's state, checked again if the last check is REPLICA_CHECK_SECONDS old."""
        if REPLICA not in connections:
            return NOT_CONFIGURED
        due = (
            self.checked_at is None
            or time.monotonic() - self.checked_at >= settings.REPLICA_CHECK_SECONDS
        )
        # One thread checks; the others go on with the last state meanwhile.
        if due and self._checking.acquire(blocking=False):
            try:
                self.check()
            finally:
                self._checking.release()
        return self.state

    def unusable(self):
        """Whether public reads must avoid the replica (never when there is none)."""
        return self.current() in (UNREACHABLE, LAGGING)

    def check(self):
        connection = connections[REPLICA]
        try:
            with connection.cursor() as cursor:
                cursor.execute(LAG_QUERY if connection.vendor == "postgresql" else "SELECT 0")
                lag = float(cursor.fetchone()[0])
        except (DatabaseError, InterfaceError) as error:
            connection.close()
            self.mark_down(error)
            return
        self.lag = lag
        if lag > settings.REPLICA_MAX_LAG_SECONDS:
            limit = settings.REPLICA_MAX_LAG_SECONDS
            self._record(LAGGING, f"{lag:.0f} s behind, over {limit} s")
        else:
            self._record(OK)

    def mark_down(self, error):
        self._record(UNREACHABLE, str(error).strip())

    def _record(self, state, reason=""):
        """Keep the state; log once when it changes."""
        with self._recording:
            self.checked_at = time.monotonic()
            changed, self.state = state != self.state, state
        if not changed:
            return
        if state == OK:
            logger.warning("The replica is usable again: public reads go back to it.")
        else:
            logger.warning(
                "The replica is %s (%s): public reads go to the primary.", state, reason
            )


replica_health = ReplicaHealth()


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _reads_from_replica.get()
            and REPLICA in connections
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
