"""Request ids and one structured log line per request.

``RequestLogMiddleware`` goes first in ``MIDDLEWARE`` so that its id is set before anything
else logs and its duration covers the whole stack. The line carries the method, the path
without its query string (secret URL tokens replaced by their name), the status, the
duration in ms, the user id or "-", and the request id: never bodies, names or emails.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from core.logging import request_id_var

logger = logging.getLogger("core.request")

#: The request being handled, for code that records *who* acted but is not given the
#: request (the audit trail's model-signal receivers). None outside a request.
_request_var: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "request", default=None
)


def current_request() -> HttpRequest | None:
    """The request this thread or task is handling, or None (commands, Celery tasks)."""
    return _request_var.get()


REQUEST_ID_HEADER = "X-Request-ID"
#: A client's (or proxy's) request id is kept when it is short and plain; otherwise a new
#: one is made, so a header cannot inject text or newlines into the logs.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{8,64}$")
#: URL arguments that are credentials (unsubscribe and calendar feed tokens): never logged.
_SECRET_URL_KWARGS = frozenset({"token", "key", "uidb64"})
_MAX_LOGGED_PATH = 200


def request_id_from(request: HttpRequest) -> str:
    """The id to use for ``request``: its valid ``X-Request-ID``, or a new random one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if _REQUEST_ID_RE.match(given):
        return given
    return uuid.uuid4().hex


def _logged_path(request: HttpRequest) -> str:
    """The path without query string, secret URL arguments replaced by their name."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in _SECRET_URL_KWARGS and value:
                path = path.replace(str(value), f"<{name}>")
    return path[:_MAX_LOGGED_PATH]


def _user_id(request: HttpRequest) -> str:
    """The authenticated user's id, or "-"; never loads a user just to log it."""
    user = getattr(request, "user", None)
    if user is None:
        return "-"
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return "-"  # nobody asked who it was: not worth a session and user query
    if getattr(user, "is_authenticated", False):
        return str(user.pk)
    return "-"


class RequestLogMiddleware:
    """Gives each request an id (``X-Request-ID`` in and out) and logs one line for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        request_token = _request_var.set(request)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response.headers[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            path = _logged_path(request)
            user_id = _user_id(request)
            logger.log(
                logging.WARNING if status >= 500 else logging.INFO,
                "%s %s %s %sms user=%s",
                request.method,
                path,
                status,
                duration_ms,
                user_id,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": status,
                    "duration_ms": duration_ms,
                    "user_id": user_id,
                },
            )
            request_id_var.reset(token)
            _request_var.reset(request_token)
