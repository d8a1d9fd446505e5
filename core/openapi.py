"""OpenAPI generation: every operation documents the error responses it can really give.

Views annotate their success bodies and the errors only they produce (409 ``slot_unavailable``,
422 ``idempotency_key_reused``). The errors that come from the plumbing shared by every view
(parsing, authentication, permissions, pagination, throttling, a lost database) are added
here from what the view declares, so the schema cannot drift from the code: clients and
schemathesis see each status code that a request can get, always with the one error body.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny, IsAuthenticated

from core.api import ErrorSerializer

#: status -> why a client may get it, for the errors this module adds.
SHARED_ERRORS: dict[int, str] = {
    400: "Invalid input: `errors` has a message per field or parameter.",
    401: "Not logged in, or the token is not valid.",
    403: "Logged in, but this account may not do this.",
    404: "Not found (or not yours), or a page number past the last page.",
    413: "The request body is larger than the server accepts.",
    415: "The body is not JSON (or a form).",
    429: "Too many requests: wait for the number of seconds in `Retry-After`.",
    503: "The database is briefly unavailable: retry after `Retry-After` seconds.",
}

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class AutoSchema(BaseAutoSchema):
    """drf-spectacular's AutoSchema plus the shared error responses of each operation."""

    def _error_statuses(self) -> set[int]:
        view = self.view
        statuses = {503}
        has_body = self.method in _BODY_METHODS
        has_query = bool(
            self._get_filter_parameters()
            or self._get_pagination_parameters()
            or any(
                getattr(p, "location", None) == "query" or not hasattr(p, "location")
                for p in self.get_override_parameters()
            )
        )
        if has_body:
            statuses |= {400, 413, 415}
        elif has_query:
            statuses.add(400)
        if "{" in self.path or (self._is_list_view() and self._get_pagination_parameters()):
            statuses.add(404)
        if view.get_authenticators():
            # A malformed or unknown token is a 401 even where anonymous access is allowed.
            statuses.add(401)
            permissions = view.get_permissions()
            plain = all(type(p) in (AllowAny, IsAuthenticated) for p in permissions)
            # Session auth refuses an unsafe request without a CSRF token (403).
            if not plain or has_body or self.method == "DELETE":
                statuses.add(403)
        if view.get_throttles():
            statuses.add(429)
        return statuses

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        # Errors the view described without a body get the error body too.
        described = {int(code) for code, r in responses.items() if code[0] in "45"}
        for status in sorted(self._error_statuses() | described):
            code = str(status)
            existing = responses.get(code)
            if existing is not None and "content" in existing:
                continue  # the view documented this one itself
            description = (existing or {}).get("description") or SHARED_ERRORS[status]
            responses[code] = self._get_response_for_code(
                OpenApiResponse(ErrorSerializer, description=description), code
            )
        return dict(sorted(responses.items()))
