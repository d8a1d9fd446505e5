"""Result cards (directory.cards) and the reference slugs a process keeps in memory."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from directory import selectors
from directory.models import AddictionSpecialty, AdministrationRoute, ProviderRoute
from tests.directory.conftest import add_location, make_provider_at

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/providers/"


def _offer(provider, slug: str, price: str | None) -> None:
    ProviderRoute.objects.create(
        provider=provider,
        route=AdministrationRoute.objects.get(slug=slug),
        price_per_session=None if price is None else Decimal(price),
    )


@pytest.fixture
def varied_providers(db):
    """Cards with every shape a field can take: prices with cents, nulls, several locations."""
    full = make_provider_at(
        3,
        10,
        name="Cents Clinic",
        specialties=["opioid", "alcohol", "nicotine"],
        insurance=["medicaid", "self-pay"],
        last_verified=dt.date(2026, 10, 1),
        telehealth=True,
        psychotherapy_integration=True,
    )
    _offer(full, "sublingual-oral", "349.99")
    _offer(full, "iv-infusion", "0.50")
    _offer(full, "im-injection", None)
    add_location(full, 12, 200, city="Hays")
    full.next_available = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)
    full.save(update_fields=["next_available"])

    bare = make_provider_at(6, 90, name="Bare Practice", kind="practitioner")
    unpriced = make_provider_at(9, 180, name="Ask Us", specialties=["cocaine"])
    _offer(unpriced, "im-injection", None)
    return [full, bare, unpriced]


def test_a_card_in_the_list_is_the_card_of_the_profile(api, varied_providers):
    """The list renders cards directly; the profile renders the same fields one by one."""
    results = api.get(SEARCH, {"near": "38.5,-98.0", "radius": 50}).json()["results"]

    assert [r["name"] for r in results] == ["Cents Clinic", "Bare Practice", "Ask Us"]
    for card in results:
        profile = api.get(f"{SEARCH}{card['slug']}/").json()
        assert {key: profile[key] for key in card if key != "distance_miles"} == {
            key: value for key, value in card.items() if key != "distance_miles"
        }
        assert profile["distance_miles"] is None


def test_a_card_lists_routes_labels_and_prices_in_display_order(api, varied_providers):
    # Operators order the reference lists; the order differs from the ids here.
    AddictionSpecialty.objects.filter(slug="opioid").update(sort_order=100)

    card = api.get(SEARCH, {"near": "38.5,-98.0", "radius": 50}).json()["results"][0]

    assert card["routes"] == ["iv-infusion", "im-injection", "sublingual-oral"]
    assert card["specialties"] == ["alcohol", "nicotine", "opioid"]
    assert card["insurance"] == ["self-pay", "medicaid"]
    assert card["price_from"] == "0.50"
    assert card["next_available"] == "2026-12-01T15:30:00Z"
    assert card["last_verified"] == "2026-10-01"
    assert [loc["city"] for loc in card["locations"]] == ["Great Bend", "Hays"]
    assert isinstance(card["locations"][0]["latitude"], float)


def test_a_card_without_prices_or_labels_has_empty_lists_and_no_price(api, varied_providers):
    results = api.get(SEARCH, {"near": "38.5,-98.0", "radius": 50}).json()["results"]
    bare, unpriced = results[1], results[2]

    assert (bare["routes"], bare["specialties"], bare["insurance"]) == ([], [], [])
    assert bare["price_from"] is None and bare["next_available"] is None
    assert unpriced["routes"] == ["im-injection"] and unpriced["price_from"] is None


def test_the_search_page_shows_the_cheapest_price_with_cents_dropped(client, varied_providers):
    html = client.get("/", {"near": "38.5,-98.0", "radius": 50}).content.decode()

    assert "$1 per session" in html  # 0.50, rounded as the page rounds prices


def test_a_specialty_an_operator_adds_is_searchable_at_once(api):
    make_provider_at(1, specialties=["alcohol"])
    assert api.get(SEARCH, {"specialty": "alcohol"}).status_code == 200  # copy is read

    kratom = AddictionSpecialty.objects.create(slug="kratom", name="Kratom", sort_order=99)
    provider = make_provider_at(2, name="Odds Clinic")
    provider.specialties.add(kratom)

    response = api.get(SEARCH, {"specialty": "kratom"})
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["Odds Clinic"]


def _names(api, **params) -> list[str]:
    return [r["name"] for r in api.get(SEARCH, params).json()["results"]]


def test_a_slug_renamed_in_another_process_is_found_at_once(api):
    make_provider_at(1, name="Cane Clinic", specialties=["cocaine"])
    assert _names(api, specialty="cocaine") == ["Cane Clinic"]  # the copy is read
    # A queryset update sends no signal: as if another process had renamed it.
    AddictionSpecialty.objects.filter(slug="cocaine").update(slug="stimulants")

    assert _names(api, specialty="cocaine") == ["Cane Clinic"], "the copy still names the row"
    assert _names(api, specialty="stimulants") == ["Cane Clinic"], "a miss reads the table"
    stale = api.get(SEARCH, {"specialty": "cocaine"})
    assert stale.status_code == 400, "the copy read on the miss no longer has the old slug"
    assert stale.json()["code"] == "unknown_slug"


def test_an_old_slug_stops_working_when_the_copy_is_too_old(api, monkeypatch):
    make_provider_at(1, name="Cane Clinic", specialties=["cocaine"])
    assert _names(api, specialty="cocaine") == ["Cane Clinic"]
    AddictionSpecialty.objects.filter(slug="cocaine").update(slug="stimulants")
    assert _names(api, specialty="cocaine") == ["Cane Clinic"]

    monkeypatch.setattr(selectors, "REFERENCE_IDS_MAX_AGE", 0.0)  # every copy is too old now
    stale = api.get(SEARCH, {"specialty": "cocaine"})

    assert stale.status_code == 400
    assert "cocaine" in stale.json()["errors"]["specialty"][0]


def test_a_slug_an_operator_renames_in_this_process_changes_at_once(api):
    make_provider_at(1, name="Cane Clinic", specialties=["cocaine"])
    assert _names(api, specialty="cocaine") == ["Cane Clinic"]
    specialty = AddictionSpecialty.objects.get(slug="cocaine")
    specialty.slug = "stimulants"
    specialty.save()  # as the admin does: the receiver drops the copy

    assert api.get(SEARCH, {"specialty": "cocaine"}).status_code == 400
    assert _names(api, specialty="stimulants") == ["Cane Clinic"]


def test_an_unknown_slug_is_a_400_even_when_the_copy_is_fresh(api):
    assert api.get(SEARCH, {"route": "iv-infusion"}).status_code == 200
    response = api.get(SEARCH, {"route": "iv-drip"})

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_slug"
