"""/healthz: is this app process able to serve, that is, can it reach its database(s)?

Container health checks (Dockerfile), the reverse proxy (deploy/Caddyfile) and the smoke test
call it. It answers 200 {"status": "ok", "database": "ok"} after a `SELECT 1` on each
configured database, or 503 {"status": "error", "database": "unreachable"} when one fails, so
that a proxy stops sending visitors to an app container that has lost its database.
"""

import logging

from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# The key each database alias reports under.
NAMES = {"default": "database", "replica": "replica"}


def database_reachable(alias):
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("Health check: database %r unreachable: %s", alias, error)
        return False
    return True


@never_cache
@require_safe
def healthz(request):
    report = {
        NAMES.get(alias, alias): "ok" if database_reachable(alias) else "unreachable"
        for alias in connections
    }
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **report}, status=200 if healthy else 503
    )
