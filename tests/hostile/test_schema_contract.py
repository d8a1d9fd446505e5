"""The served OpenAPI schema says what /work/shared/API.md (the public contract) says.

Every path, method, parameter and key field the contract names must be in the schema that
/api/schema/ serves, with the error responses a client can get.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

V1 = "/api/v1"

CONTRACT_OPERATIONS = {
    ("post", "/auth/register/"),
    ("post", "/auth/token/"),
    ("get", "/routes/"),
    ("get", "/specialties/"),
    ("get", "/providers/"),
    ("get", "/providers/{slug}/"),
    ("get", "/providers/{slug}/slots/"),
    ("get", "/appointments/"),
    ("post", "/appointments/"),
    ("get", "/appointments/{id}/"),
    ("post", "/appointments/{id}/cancel/"),
    ("post", "/appointments/{id}/reschedule/"),
    *(
        (method, path)
        for base in ("/provider/availability/", "/provider/time-off/")
        for method, path in (
            ("get", base),
            ("post", base),
            ("get", base + "{id}/"),
            ("put", base + "{id}/"),
            ("patch", base + "{id}/"),
            ("delete", base + "{id}/"),
        )
    ),
    ("get", "/provider/appointments/"),
    ("get", "/provider/appointments/{id}/"),
    *(
        ("post", f"/provider/appointments/{{id}}/{action}/")
        for action in ("confirm", "decline", "complete", "no-show", "cancel")
    ),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def operation(schema, method: str, path: str) -> dict[str, Any]:
    return schema["paths"][V1 + path][method]


def params(schema, method: str, path: str) -> dict[tuple[str, str], dict]:
    return {(p["in"], p["name"]): p for p in operation(schema, method, path).get("parameters", [])}


def request_fields(schema, method: str, path: str) -> set[str]:
    body = operation(schema, method, path)["requestBody"]["content"]["application/json"]
    return set(resolve(schema, body["schema"])["properties"])


def response_schema(schema, method: str, path: str, status: str) -> dict[str, Any]:
    body = operation(schema, method, path)["responses"][status]["content"]["application/json"]
    return resolve(schema, body["schema"])


def page_item(schema, method: str, path: str) -> dict[str, Any]:
    page = response_schema(schema, method, path, "200")
    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    return resolve(schema, page["properties"]["results"]["items"])


def test_every_contract_operation_is_in_the_schema(schema):
    served = {
        (method, path.removeprefix(V1))
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }

    assert CONTRACT_OPERATIONS - served == set()


def test_operation_ids_are_unique(schema):
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]

    assert len(ids) == len(set(ids))


def test_the_error_component_is_detail_code_and_optional_errors(schema):
    error = schema["components"]["schemas"]["Error"]

    assert set(error["required"]) == {"detail", "code"}
    assert set(error["properties"]) == {"detail", "code", "errors"}
    assert error["properties"]["errors"]["type"] == "object"


def test_every_error_response_uses_the_error_component(schema):
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    body = response["content"]["application/json"]["schema"]
                    assert body == {"$ref": "#/components/schemas/Error"}, (method, path, status)


def test_register_and_token_bodies_and_results(schema):
    assert {"email", "password", "full_name"} <= request_fields(schema, "post", "/auth/register/")
    registered = response_schema(schema, "post", "/auth/register/", "201")
    assert {"token", "user"} <= set(registered["properties"])
    assert {"email", "password"} <= request_fields(schema, "post", "/auth/token/")
    assert "token" in response_schema(schema, "post", "/auth/token/", "200")["properties"]
    for path in ("/auth/register/", "/auth/token/"):
        assert {"400", "429"} <= set(operation(schema, "post", path)["responses"])


@pytest.mark.parametrize("path", ["/routes/", "/specialties/"])
def test_reference_lists_are_arrays_of_slug_and_name(schema, path):
    body = operation(schema, "get", path)["responses"]["200"]["content"]["application/json"]

    assert body["schema"]["type"] == "array"
    assert {"slug", "name"} <= set(resolve(schema, body["schema"]["items"])["properties"])


def test_provider_search_parameters_and_result_fields(schema):
    query = {name for (where, name) in params(schema, "get", "/providers/") if where == "query"}
    assert {
        "near",
        "radius",
        "route",
        "specialty",
        "insurance",
        "telehealth",
        "accepting_new_patients",
        "q",
        "ordering",
        "page",
        "page_size",
    } <= query
    card = page_item(schema, "get", "/providers/")
    assert {
        "slug",
        "name",
        "distance_miles",
        "locations",
        "routes",
        "specialties",
        "accepting_new_patients",
        "telehealth",
        "next_available",
    } <= set(card["properties"])
    location = resolve(schema, card["properties"]["locations"]["items"])
    assert {"id", "city", "state", "postal_code", "latitude", "longitude", "timezone"} <= set(
        location["properties"]
    )
    assert "400" in operation(schema, "get", "/providers/")["responses"]


def test_provider_profile_fields(schema):
    profile = response_schema(schema, "get", "/providers/{slug}/", "200")

    assert {
        "consultation_types",
        "languages",
        "credentials",
        "description",
        "insurance",
    } <= set(profile["properties"])
    ctype = resolve(schema, profile["properties"]["consultation_types"]["items"])
    assert {"id", "name", "duration_minutes", "price", "mode"} <= set(ctype["properties"])
    assert set(resolve(schema, ctype["properties"]["mode"])["enum"]) == {"in_person", "telehealth"}
    assert "404" in operation(schema, "get", "/providers/{slug}/")["responses"]


def test_slots_parameters_and_result(schema):
    assert {
        ("path", "slug"),
        ("query", "consultation_type"),
        ("query", "start"),
        ("query", "end"),
        ("query", "location"),
    } <= set(params(schema, "get", "/providers/{slug}/slots/"))
    body = response_schema(schema, "get", "/providers/{slug}/slots/", "200")
    assert {"timezone", "slots"} <= set(body["properties"])
    slot = resolve(schema, body["properties"]["slots"]["items"])
    assert {"start", "end", "location"} <= set(slot["properties"])
    assert "400" in operation(schema, "get", "/providers/{slug}/slots/")["responses"]


def test_booking_body_header_result_and_errors(schema):
    assert {"provider", "consultation_type", "start", "location", "reason", "intake"} <= (
        request_fields(schema, "post", "/appointments/")
    )
    assert ("header", "Idempotency-Key") in params(schema, "post", "/appointments/")
    booked = response_schema(schema, "post", "/appointments/", "201")
    assert {"id", "status", "start", "end", "provider"} <= set(booked["properties"])
    assert {"400", "401", "409", "413", "415"} <= set(
        operation(schema, "post", "/appointments/")["responses"]
    )


def test_patient_appointment_reads_and_actions(schema):
    listed = page_item(schema, "get", "/appointments/")
    assert {"id", "status", "start", "end", "provider"} <= set(listed["properties"])
    assert {"401", "404"} <= set(operation(schema, "get", "/appointments/{id}/")["responses"])
    assert ("path", "id") in params(schema, "get", "/appointments/{id}/")
    assert params(schema, "get", "/appointments/{id}/")[("path", "id")]["schema"]["type"] == (
        "integer"
    )
    assert "reason" in request_fields(schema, "post", "/appointments/{id}/cancel/")
    assert "start" in request_fields(schema, "post", "/appointments/{id}/reschedule/")
    assert ("header", "Idempotency-Key") in params(schema, "post", "/appointments/{id}/reschedule/")
    assert "409" in operation(schema, "post", "/appointments/{id}/reschedule/")["responses"]


def test_staff_hours_and_time_off_bodies(schema):
    assert {"location", "weekday", "start_time", "end_time"} <= request_fields(
        schema, "post", "/provider/availability/"
    )
    assert {"start", "end", "reason"} <= request_fields(schema, "post", "/provider/time-off/")
    for base in ("/provider/availability/", "/provider/time-off/"):
        item = params(schema, "get", base + "{id}/")[("path", "id")]
        assert item["schema"]["type"] == "integer"
        assert {"401", "403", "404"} <= set(operation(schema, "get", base + "{id}/")["responses"])


def test_staff_appointment_actions_document_conflicts_and_permissions(schema):
    for action in ("confirm", "decline", "complete", "no-show", "cancel"):
        responses = operation(schema, "post", f"/provider/appointments/{{id}}/{action}/")[
            "responses"
        ]
        assert {"200", "401", "403", "404", "409"} <= set(responses), action


def test_lists_document_page_and_page_size(schema):
    for path in ("/providers/", "/appointments/", "/provider/appointments/"):
        names = {name for (_, name) in params(schema, "get", path)}
        assert {"page", "page_size"} <= names, path
