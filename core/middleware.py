"""Turns a lost database during a page view into a 503 to retry, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.views import is_database_unavailable, service_unavailable

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """``OperationalError``/``InterfaceError`` raised by a view -> 503 with Retry-After.

    DRF views already answer 503 through core.api.exception_handler; this covers the pages
    and plain views (and works with DEBUG on, where handler500 is not used). Errors raised
    outside a view (another middleware) reach ``core.views.server_error`` instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        logger.warning("database unavailable during request: %s", type(exception).__name__)
        return service_unavailable(request)
