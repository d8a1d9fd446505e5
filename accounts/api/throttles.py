"""Request throttling for the login and registration endpoints (off with RATE_LIMITS=off)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AuthRateThrottle(AnonRateThrottle):
    """Per client address; slows password guessing and mass registration."""

    scope = "auth"
    rate = "20/min"

    def allow_request(self, request, view) -> bool:
        if not settings.RATE_LIMITS:
            return True
        return super().allow_request(request, view)

    def get_rate(self) -> str:
        return self.rate
