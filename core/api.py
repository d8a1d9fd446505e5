"""API plumbing shared by every app: the error shape and pagination."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ServiceError

logger = logging.getLogger(__name__)


class ErrorSerializer(serializers.Serializer):
    """The one error shape: ``{"detail", "code"}`` plus per-field ``errors`` for validation.

    Named ``Error`` in the OpenAPI schema; core.openapi adds it to every operation.
    """

    detail = serializers.CharField(help_text="A sentence a person can act on.")
    code = serializers.CharField(help_text="Machine-readable, e.g. slot_unavailable.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: messages per field or parameter.",
    )

    class Meta:
        ref_name = "Error"


class Pagination(PageNumberPagination):
    """``page`` (past the last page: 404) and ``page_size`` (default 20, above 100: 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    page_size_error = "Use a whole number from 1 to 100."

    def get_page_size(self, request) -> int:
        # DRF silently falls back to the default on garbage; a client that asked for
        # something it does not get should hear about it (400), as for any other parameter.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError({self.page_size_query_param: [self.page_size_error]})
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page (default {self.page_size}; above "
                    f"{self.max_page_size} counts as {self.max_page_size})."
                )
        return parameters


def _flatten(errors: Any) -> dict[str, list[str]]:
    """DRF's nested error detail -> {"field": ["message", ...]} (nested keys dotted)."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                flat.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
            else:
                for index, sub in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), sub)
        else:
            flat.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", errors)
    return flat


def _first_code(codes: Any) -> str | None:
    if isinstance(codes, dict):
        for value in codes.values():
            found = _first_code(value)
            if found:
                return found
    elif isinstance(codes, list):
        for value in codes:
            found = _first_code(value)
            if found:
                return found
    elif codes:
        return str(codes)
    return None


def error_body(detail: str, code: str, errors: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every error becomes ``{"detail", "code"}``; validation errors add ``errors``."""
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.detail, exc.code, exc.errors), status=exc.status_code)

    if isinstance(exc, OperationalError | InterfaceError) or type(exc) is DatabaseError:
        # The database is down or restarting: tell the client to retry, never a bare 500.
        logger.warning("database unavailable during request: %s", type(exc).__name__)
        return Response(
            error_body("The service is briefly unavailable. Please try again.", "unavailable"),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )

    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("The request body is too large. Send less data.", "request_too_large"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):
        # Django's own refusals (too many fields, malformed multipart, ...): the client's
        # fault, so a 400, never the 500 Django would otherwise log and render.
        logger.info("suspicious request refused: %s", type(exc).__name__)
        return Response(
            error_body("The request could not be read.", "bad_request"),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RecursionError):
        # json.loads of a very deeply nested document (the parser re-raises it as is).
        exc = exceptions.ParseError("JSON nested too deeply.")

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        code = _first_code(exc.get_codes()) or "invalid"
        if code in {"invalid", "required", "null", "blank"}:
            code = "validation_error"
        messages = [(field, msg) for field, msgs in errors.items() for msg in msgs]
        if len(messages) == 1:
            field, msg = messages[0]
            detail = msg if field == "non_field_errors" else f"{field}: {msg}"
        else:
            fields = ", ".join(k for k in errors if k != "non_field_errors")
            detail = f"Please correct these fields: {fields}." if fields else messages[0][1]
        response.data = error_body(detail, code, errors)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, dict | list):
            response.data = error_body("The request is not valid.", "invalid", _flatten(detail))
        else:
            response.data = error_body(str(detail), getattr(detail, "code", exc.default_code))
    return response
