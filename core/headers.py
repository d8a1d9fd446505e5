"""Security headers that Django's SecurityMiddleware does not add.

``Permissions-Policy`` on every response, and a Content Security Policy on the responses the
web app's own policy (``web.middleware``) does not cover: the admin, the Swagger UI at
``/api/docs/``, and everything else (API JSON, the unsubscribe page, the calendar feed).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse

#: Browser features no page of ours uses; geolocation only for "use my location" on search.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(self), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

#: Everything that is not a web page, the admin or the API docs: JSON, the calendar feed,
#: the unsubscribe page, DRF's browsable API in development.
DEFAULT_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

#: Django's admin loads only its own scripts, but its templates carry a few style attributes.
ADMIN_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

_INLINE_SCRIPT_RE = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def docs_csp(html: bytes) -> str:
    """Swagger UI's policy: its bundle from the configured CDN, our schema from 'self'.

    drf-spectacular renders the UI's start-up code as one inline script; rather than allow
    every inline script, the policy allows exactly the scripts in this response by hash.
    """
    from drf_spectacular.settings import spectacular_settings

    cdn = _origin(str(spectacular_settings.SWAGGER_UI_DIST))
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT_RE.findall(html)
    )
    script_src = " ".join(part for part in ("'self'", cdn, hashes) if part)
    style_src = " ".join(part for part in ("'self'", cdn, "'unsafe-inline'") if part)
    img_src = " ".join(part for part in ("'self' data:", cdn) if part)
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script_src}",
            f"style-src {style_src}",
            f"img-src {img_src}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """``Permissions-Policy`` everywhere, and a CSP wherever the web app did not set one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = self._policy(request, response)
        return response

    def _policy(self, request: HttpRequest, response: HttpResponse) -> str:
        path = request.path_info
        if path.startswith("/admin/"):
            return ADMIN_CSP
        if path.startswith("/api/docs/") and not response.streaming:
            return docs_csp(response.content)
        return DEFAULT_CSP
