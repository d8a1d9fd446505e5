"""Request throttling for the login and registration endpoints (off with RATE_LIMITS=off)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle

from core.throttles import throttle_rate


class AuthRateThrottle(AnonRateThrottle):
    """Per client address; slows password guessing and mass registration.

    Counted in the shared cache (Redis or the file cache); the rate is
    ``settings.THROTTLE_RATES["auth"]`` (``THROTTLE_RATE_AUTH``, default 20/min).
    """

    scope = "auth"

    def allow_request(self, request, view) -> bool:
        if not settings.RATE_LIMITS:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self) -> str:
        return throttle_rate(self.scope) or "20/min"
