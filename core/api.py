"""API plumbing shared by every app: the error shape and pagination."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ServiceError

logger = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


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
