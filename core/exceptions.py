"""The project's exception hierarchy.

Services raise these; the one API exception handler (``core.api.exception_handler``) and the
web views turn them into responses. Each carries a human ``detail``, a machine ``code`` and
the HTTP status a client should see.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a client can cause and act on."""

    status_code = 400
    default_code = "invalid"
    default_detail = "The request could not be processed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        self.errors = errors
        super().__init__(self.detail)


class InvalidInput(ServiceError):
    status_code = 400
    default_code = "invalid"
    default_detail = "Some of the information sent is not valid."


class NotFound(ServiceError):
    status_code = 404
    default_code = "not_found"
    default_detail = "Not found."


class Conflict(ServiceError):
    status_code = 409
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."


class UnknownZip(InvalidInput):
    default_code = "unknown_zip"
    default_detail = "We don't know that ZIP code. Check it, or search by city instead."
