"""The API's error shape for errors that happen before (or outside) a DRF view.

DRF views answer through ``core.api.exception_handler``. Some refusals happen earlier: Django
rejects a request with a forged ``Host`` (DisallowedHost), a URL that matches no route is a
404, and a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` must be refused before a parser
reads it (DRF's JSON parser reads the stream directly and would ignore Django's limit). Under
``/api/`` these become the same ``{"detail", "code"}`` JSON; the web pages keep Django's
templates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


class ApiRequestLimitMiddleware:
    """Refuses an API request whose declared body is too large (413) or unreadable (400).

    Checked on ``Content-Length`` before anything reads the body, so an oversized upload
    costs the server nothing. Page forms keep Django's own limit (RequestDataTooBig).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_request(request):
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            return api_error("The Content-Length header is not valid.", "bad_request", 400)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            logger.info("api request body refused: %d bytes (limit %d)", length, limit)
            return api_error(
                f"The request body is too large (at most {limit} bytes). Send less data.",
                "request_too_large",
                413,
            )
        return None


# --- handler400/403/404 (config/urls.py) -------------------------------------------------


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 for SuspiciousOperation raised outside a DRF view (e.g. a disallowed Host)."""
    if is_api_request(request):
        return api_error("The request could not be read.", "bad_request", 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return api_error("You do not have permission to do this.", "permission_denied", 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a URL no route matches (e.g. ``/api/v1/appointments/abc/``)."""
    if is_api_request(request):
        return api_error(
            "There is nothing at this address. Check the path against /api/docs/.",
            "not_found",
            404,
        )
    return defaults.page_not_found(request, exception)
