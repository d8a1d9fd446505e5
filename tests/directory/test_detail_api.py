"""GET /api/v1/providers/{slug}/: the profile a patient reads before booking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from directory.models import AdministrationRoute, ConsultationType, Language, ProviderRoute
from tests.directory.conftest import add_location, make_provider_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(db):
    provider = make_provider_at(
        2,
        0,
        name="Sunrise Ketamine",
        slug="sunrise",
        description="Integration circles every week.",
        credentials=["MD", "psychiatrist"],
        mat_coordination=["buprenorphine"],
        telehealth=True,
        esketamine_rems_certified=True,
        last_verified=date(2027, 1, 5),
        specialties=["alcohol", "opioid"],
        insurance=["self-pay", "medicare"],
    )
    ProviderRoute.objects.create(
        provider=provider,
        route=AdministrationRoute.objects.get(slug="iv-infusion"),
        price_per_session=Decimal("450.00"),
        price_per_course=Decimal("2400.00"),
        course_sessions=6,
    )
    provider.languages.set(Language.objects.filter(slug__in=["en", "es"]))
    add_location(provider, 5, 90, city="Salina")
    return provider


def test_profile_has_the_contract_fields(api, provider):
    body = api.get("/api/v1/providers/sunrise/").json()

    assert body["slug"] == "sunrise"
    assert body["name"] == "Sunrise Ketamine"
    assert body["distance_miles"] is None
    assert body["description"] == "Integration circles every week."
    assert body["credentials"] == ["MD", "psychiatrist"]
    assert body["mat_coordination"] == ["buprenorphine"]
    assert body["routes"] == ["iv-infusion"]
    assert body["specialties"] == ["opioid", "alcohol"]  # reference-table order
    assert body["insurance"] == ["self-pay", "medicare"]
    assert [p["slug"] for p in body["insurance_plans"]] == ["self-pay", "medicare"]
    assert body["languages"] == ["en", "es"]
    assert body["telehealth"] is True
    assert body["accepting_new_patients"] is True
    assert body["next_available"] is None
    assert body["last_verified"] == "2027-01-05"


def test_profile_locations_carry_coordinates_and_time_zone(api, provider):
    locations = api.get("/api/v1/providers/sunrise/").json()["locations"]

    assert [loc["city"] for loc in locations] == ["Great Bend", "Salina"]
    first = locations[0]
    assert set(first) >= {"id", "city", "state", "postal_code", "latitude", "longitude"}
    assert first["id"] == provider.locations.order_by("pk").first().pk
    assert (first["state"], first["postal_code"], first["timezone"]) == (
        "KS",
        "67530",
        "America/Chicago",
    )
    assert first["latitude"] == pytest.approx(38.5 + 2 / 69.0934, abs=1e-6)


def test_profile_lists_route_prices(api, provider):
    body = api.get("/api/v1/providers/sunrise/").json()

    assert body["route_prices"] == [
        {
            "route": "iv-infusion",
            "name": "IV infusion",
            "price_per_session": "450.00",
            "price_per_course": "2400.00",
            "course_sessions": 6,
        }
    ]
    assert body["price_from"] == "450.00"


def test_profile_lists_only_active_consultation_types(api, provider, active_and_inactive_types):
    active, _inactive = active_and_inactive_types(provider)
    tele = ConsultationType.objects.create(
        provider=provider, name="Video intake", duration_minutes=20, mode="telehealth"
    )

    types = api.get("/api/v1/providers/sunrise/").json()["consultation_types"]

    assert [t["id"] for t in types] == [tele.pk, active.pk]  # shortest first
    assert {k: types[1][k] for k in ("id", "name", "duration_minutes", "price", "mode")} == {
        "id": active.pk,
        "name": "First consultation",
        "duration_minutes": 30,
        "price": "150.00",
        "mode": "in_person",
    }
    assert types[0]["mode"] == "telehealth"
    assert types[0]["price"] is None


def test_unknown_slug_is_a_json_404(api, provider):
    response = api.get("/api/v1/providers/no-such-clinic/")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No provider with that name is listed.",
        "code": "provider_not_found",
    }


def test_unpublished_provider_profile_is_a_404(api, provider):
    provider.is_published = False
    provider.save()

    response = api.get("/api/v1/providers/sunrise/")

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


def test_profile_ignores_a_bad_token_because_it_is_public(api, provider):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api.get("/api/v1/providers/sunrise/").status_code == 200
