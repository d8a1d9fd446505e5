"""Reference lists (routes, specialties, insurance, languages) and /healthz."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_routes_are_a_plain_array_with_the_contract_slugs_in_order(api):
    response = api.get("/api/v1/routes/")

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert [r["slug"] for r in body] == [
        "iv-infusion",
        "im-injection",
        "intranasal-esketamine",
        "sublingual-oral",
    ]
    assert all(r["name"] and r["description"] for r in body)
    assert [r["requires_rems"] for r in body] == [False, False, True, False]


def test_specialties_include_every_contract_slug_with_a_description(api):
    body = api.get("/api/v1/specialties/").json()

    assert isinstance(body, list)
    slugs = [s["slug"] for s in body]
    assert slugs[:7] == [
        "opioid",
        "alcohol",
        "cocaine",
        "nicotine",
        "methamphetamine",
        "cannabis",
        "benzodiazepine",
    ]
    assert all(s["name"] and s["description"] for s in body)


def test_insurance_plans_include_self_pay_medicare_and_medicaid(api):
    body = api.get("/api/v1/insurance/").json()

    kinds = {p["slug"]: p["kind"] for p in body}
    assert kinds["self-pay"] == "self_pay"
    assert kinds["medicare"] == "medicare"
    assert kinds["medicaid"] == "medicaid"
    assert "commercial" in kinds.values()


def test_languages_are_listed_by_code(api):
    body = api.get("/api/v1/languages/").json()

    assert {"slug": "es", "name": "Spanish"} in body
    assert body[0] == {"slug": "en", "name": "English"}


@pytest.mark.parametrize(
    "url", ["/api/v1/routes/", "/api/v1/specialties/", "/api/v1/insurance/", "/api/v1/languages/"]
)
def test_reference_lists_are_public_even_with_a_bad_token(api, url):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api.get(url).status_code == 200


def test_reference_lists_refuse_writes(api):
    response = api.post("/api/v1/routes/", {"slug": "x", "name": "X"}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(client):
    with mock.patch("core.views.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection refused")
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] != "ok"
