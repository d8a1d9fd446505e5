"""The OpenAPI schema describes the directory as the contract does."""

from __future__ import annotations

import pytest
import yaml

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_lists_every_directory_path(schema):
    assert {
        "/api/v1/routes/",
        "/api/v1/specialties/",
        "/api/v1/insurance/",
        "/api/v1/languages/",
        "/api/v1/providers/",
        "/api/v1/providers/{slug}/",
    } <= set(schema["paths"])


def test_schema_documents_every_search_parameter(schema):
    params = {p["name"]: p for p in schema["paths"]["/api/v1/providers/"]["get"]["parameters"]}

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
    } <= set(params)
    for repeatable in ("route", "specialty", "insurance"):
        assert params[repeatable]["schema"]["type"] == "array"
        assert params[repeatable]["explode"] is True
    assert params["telehealth"]["schema"]["type"] == "boolean"
    assert params["radius"]["schema"]["type"] == "number"
    assert {"distance", "next_available", "name"} <= set(params["ordering"]["schema"]["enum"])


def test_schema_documents_the_search_result_and_error_shapes(schema):
    responses = schema["paths"]["/api/v1/providers/"]["get"]["responses"]
    page_ref = responses["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][page_ref.rsplit("/", 1)[1]]
    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    card_ref = page["properties"]["results"]["items"]["$ref"]
    card = schema["components"]["schemas"][card_ref.rsplit("/", 1)[1]]
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

    error = responses["400"]["content"]["application/json"]["schema"]
    if "$ref" in error:  # the shared Error component (core.api.ErrorSerializer)
        error = schema["components"]["schemas"][error["$ref"].rsplit("/", 1)[1]]
    assert {"detail", "code", "errors"} <= set(error["properties"])
    assert set(error["required"]) == {"detail", "code"}


def test_schema_documents_consultation_types_on_the_profile(schema):
    responses = schema["paths"]["/api/v1/providers/{slug}/"]["get"]["responses"]
    ref = responses["200"]["content"]["application/json"]["schema"]["$ref"]
    profile = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "consultation_types" in profile["properties"]
    assert "404" in responses


def test_reference_lists_are_documented_as_plain_arrays(schema):
    for path in ("/api/v1/routes/", "/api/v1/specialties/"):
        body = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert body["schema"]["type"] == "array"
