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
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

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
