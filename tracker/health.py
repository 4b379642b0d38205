"""Probes: /healthz (is this process alive?) and /readyz (can it serve?).

/healthz answers 200 {"status": "ok"} as long as the process answers requests, without
touching the database: a restart would not fix a dead database, so a liveness probe must
not depend on one.

/readyz runs every check in CHECKS and answers 503 when one says this process cannot serve
(only the primary database: without the replica, reads go to the primary; without Redis,
pages are rendered uncached). Each part reports a plain state, nothing more, since the probe
is reachable from outside:

    {"status": "ok", "database": "ok", "replica": "not configured", "cache": "local memory",
     "tasks": "in process"}
    {"status": "degraded", "database": "ok", "replica": "lagging",
     "replica_lag_seconds": 42, "cache": "unreachable"}
    {"status": "unavailable", "database": "unreachable", ...}              (503)

Both answer any Host over plain HTTP (tracker.middleware.HealthCheckMiddleware).
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import routers
from .cache import ResilientRedisCache

logger = logging.getLogger(__name__)

OK, DEGRADED, UNAVAILABLE = "ok", "degraded", "unavailable"
LEVELS = (OK, DEGRADED, UNAVAILABLE)  # from best to worst


@dataclass
class Check:
    """One part's answer: its state, how much it matters, and any numbers worth showing."""

    state: str
    level: str = OK  # DEGRADED: serving without it; UNAVAILABLE: cannot serve
    details: dict = field(default_factory=dict)


def database():
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except (DatabaseError, InterfaceError) as error:
        logger.error("Readiness: the database is unreachable: %s", error)
        return Check("unreachable", UNAVAILABLE)
    return Check("ok")


def replica():
    state = routers.replica_health.current()
    if state == routers.LAGGING:
        return Check(state, DEGRADED, {"lag_seconds": round(routers.replica_health.lag)})
    if state == routers.UNREACHABLE:
        return Check(state, DEGRADED)
    return Check(state)


def shared_cache():
    backend = caches["default"]
    if isinstance(backend, LocMemCache):
        return Check("local memory")
    if isinstance(backend, ResilientRedisCache) and not backend.reachable():
        return Check("unreachable", DEGRADED)
    return Check("ok")


def tasks():
    """The worker that builds the downloads: does it take what is queued?

    Without one (TASK_BACKEND=immediate) tasks run in the process that queues them. With the
    database queue, a task waiting longer than TASKS_STALLED_AFTER means no worker runs;
    visitors still get the previous downloads meanwhile.
    """
    if settings.TASK_BACKEND == "immediate":
        return Check("in process")
    from django_tasks_db.models import DBTaskResult

    stalled_since = timezone.now() - timedelta(seconds=settings.TASKS_STALLED_AFTER)
    try:
        stalled = DBTaskResult.objects.ready().filter(enqueued_at__lt=stalled_since).exists()
    except (DatabaseError, InterfaceError):
        return Check("unknown", DEGRADED)  # the database check says why
    return Check("stalled", DEGRADED) if stalled else Check("ok")


# Name -> check, in the order of the report.
CHECKS = {"database": database, "replica": replica, "cache": shared_cache, "tasks": tasks}


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    results = {name: check() for name, check in CHECKS.items()}
    status = max((result.level for result in results.values()), key=LEVELS.index)
    report = {"status": status}
    for name, result in results.items():
        report[name] = result.state
        report.update({f"{name}_{key}": value for key, value in result.details.items()})
    return JsonResponse(report, status=503 if status == UNAVAILABLE else 200)
