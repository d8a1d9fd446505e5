"""Operational endpoints: liveness (/healthz), readiness (/readyz) and the 500/503 handler."""

from __future__ import annotations

import datetime as dt
import logging
import sys

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.tasks import HEARTBEAT_INTERVAL_SECONDS, HEARTBEAT_KEY

logger = logging.getLogger(__name__)

#: Beat counts as alive when a heartbeat ran within this many seconds (three intervals).
BEAT_MAX_AGE_SECONDS = 3 * HEARTBEAT_INTERVAL_SECONDS
#: A probe must answer fast even when a server is unreachable (not refused, just silent).
PROBE_TIMEOUT_SECONDS = 1.0


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: 200 when the database answers, 503 otherwise."""
    if not _database_ok():
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok"})


def _check_database() -> dict:
    return {"ok": _database_ok()}


def _check_broker() -> dict:
    if not settings.REDIS_URL:
        # The filesystem broker lives in this machine's var/ folder: nothing to reach.
        return {"ok": True, "kind": "embedded"}
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=PROBE_TIMEOUT_SECONDS,
        socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        # The class only: the message can carry the server's address.
        return {"ok": False, "kind": "redis", "error": type(exc).__name__}
    finally:
        client.close()
    return {"ok": True, "kind": "redis"}


def _check_beat(now: dt.datetime) -> dict:
    try:
        seen = cache.get(HEARTBEAT_KEY)
    except Exception as exc:  # the cache is Redis: down means "cannot tell", i.e. not alive
        return {"ok": False, "last_heartbeat": None, "error": type(exc).__name__}
    if not seen:
        return {"ok": False, "last_heartbeat": None, "age_seconds": None}
    try:
        at = dt.datetime.fromisoformat(seen)
    except (TypeError, ValueError):
        return {"ok": False, "last_heartbeat": None, "age_seconds": None}
    age = (now - at).total_seconds()
    return {
        "ok": -5 <= age <= BEAT_MAX_AGE_SECONDS,  # a little clock skew between hosts is fine
        "last_heartbeat": at.isoformat(),
        "age_seconds": round(age, 1),
    }


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, broker (Redis, or the embedded filesystem one) and beat.

    Beat is alive when the ``core.tasks.heartbeat`` it schedules every 30 s was run by a
    worker within the last 90 s, so a 200 also means at least one worker is consuming.
    200 when every check passes, 503 otherwise; the body lists each check.
    """
    checks = {
        "database": _check_database(),
        "broker": _check_broker(),
        "beat": _check_beat(timezone.now()),
    }
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


_UNAVAILABLE_HTML = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Briefly unavailable</title>"
    "<h1>Briefly unavailable</h1><p>The service is restarting. Please try again in a "
    "few seconds.</p></html>"
)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 for a request that failed because the database is down or restarting.

    JSON ``{"detail", "code"}`` under /api/, a small HTML page elsewhere, with Retry-After.
    """
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "detail": "The service is briefly unavailable. Please try again.",
                "code": "unavailable",
            },
            status=503,
        )
    else:
        response = HttpResponse(_UNAVAILABLE_HTML, status=503, content_type="text/html")
    response["Retry-After"] = "5"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a lost database is a 503 to retry, anything else a plain 500."""
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        logger.warning("database unavailable during request: %s", type(exc).__name__)
        return service_unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Something went wrong on our side.", "code": "server_error"}, status=500
        )
    return HttpResponse(
        "<!doctype html><html lang=en><meta charset=utf-8><title>Server error</title>"
        "<h1>Something went wrong</h1><p>Please try again later.</p></html>",
        status=500,
        content_type="text/html",
    )


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` means the database could not be reached (not a bad query)."""
    from django.db import InterfaceError, OperationalError

    return isinstance(exc, OperationalError | InterfaceError)
