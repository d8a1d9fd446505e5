"""Request throttling of search and booking (DRF), counted in the shared Django cache.

One class, set as ``DEFAULT_THROTTLE_CLASSES``, picks a scope from the route and method:

- ``search``: ``GET /api/v1/providers/`` and ``GET /api/v1/providers/{slug}/slots/``, per
  client address (or per user when logged in);
- ``booking``: ``POST`` to appointments, holds and reschedule, per user.

Rates come from ``settings.THROTTLE_RATES`` (environment: ``THROTTLE_RATE_SEARCH``,
``THROTTLE_RATE_BOOKING``). Counts live in the ``default`` cache: Redis when ``REDIS_URL`` is
set, the file cache shared by all processes otherwise, never one process's memory.
``RATE_LIMITS=off`` turns every throttle off. A throttled request gets 429
``{"detail", "code": "throttled"}`` with ``Retry-After`` (core.api's exception handler).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

#: (method, URL name) -> scope. URL names are those of directory's and booking's API.
SCOPES: dict[tuple[str, str], str] = {
    ("GET", "provider-list"): "search",
    ("GET", "provider-slots"): "search",
    ("POST", "appointment-list"): "booking",
    ("POST", "appointment-reschedule"): "booking",
    ("POST", "hold-list"): "booking",
}


def throttle_rate(scope: str) -> str | None:
    """The configured rate of ``scope`` ("120/min"), or None (unthrottled)."""
    return getattr(settings, "THROTTLE_RATES", {}).get(scope)


class RequestRateThrottle(SimpleRateThrottle):
    """Throttles the search and booking endpoints; every other request passes."""

    def __init__(self) -> None:
        # Rates are read per request (settings may change in tests); nothing to parse yet.
        self.rate = None
        self.num_requests = self.duration = None

    def allow_request(self, request: Request, view) -> bool:
        if not settings.RATE_LIMITS:
            return True
        match = getattr(request, "resolver_match", None)
        url_name = match.url_name if match is not None else None
        self.scope = SCOPES.get((request.method, url_name or ""))
        if self.scope is None:
            return True
        self.rate = throttle_rate(self.scope)
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view) -> str:
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
