"""Request-scoped log context and the log formatters.

The request middleware (``core.middleware.RequestLogMiddleware``) stores the request id in a
context variable; ``RequestContextFilter``, attached to the handlers in ``settings.LOGGING``,
copies it onto every record of that request, from any logger (Django's, DRF's, ours).
Context variables follow threads and asyncio tasks, so concurrent requests never mix ids.

What may appear in a log line: ids, codes, HTTP methods, paths without query strings,
statuses and durations. Never names, email addresses, reasons, intake answers or request
bodies; ``JsonFormatter`` therefore writes only a fixed set of attributes (not arbitrary
``extra``), so an object passed as ``extra`` by a library cannot leak into the output.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging

#: The id of the request being handled ("-" outside a request: workers, commands).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

#: Extra attributes a log call may set that the JSON formatter writes (ids and codes only).
JSON_EXTRA_FIELDS = (
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "user_id",
)


def request_id_get() -> str:
    """The current request's id, or "-" outside a request."""
    return request_id_var.get()


class RequestContextFilter(logging.Filter):
    """Puts ``request_id`` on every record (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and known extras."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in JSON_EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                body[field] = value
        if record.exc_info:
            body["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(body, default=str, ensure_ascii=False)


class DropTemplateVariableErrors(logging.Filter):
    """Drops ``django.template``'s "Exception while resolving variable" records.

    Django logs them at DEBUG with the whole template context in the exception, and an
    email's context holds the patient's name and appointment: attached to that logger in
    ``settings.LOGGING`` so that even ``LOG_LEVEL=DEBUG`` never writes them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "django.template" and record.levelno <= logging.DEBUG)
