"""Security headers for the server-rendered pages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def content_security_policy() -> str:
    """The policy of every web page: scripts and styles from our own origin only.

    No inline script or style is allowed, so an injected ``<script>`` cannot run. Map tiles
    are the one outside resource (images only); without them the page still works.
    """
    tile_origin = getattr(settings, "MAP_TILE_ORIGIN", "")
    img = "'self' data:" + (f" {tile_origin}" if tile_origin else "")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {img}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Adds the CSP header to responses of the ``web`` pages (the admin and API docs differ)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.namespace == "web":
            response.headers.setdefault("Content-Security-Policy", content_security_policy())
        return response
