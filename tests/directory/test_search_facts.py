"""A search near a point reads copies of provider facts on locations: every edit reaches it.

Each test changes a provider the way an operator would (model methods as the admin and
the shell use them, either side of a many-to-many, the import command) and then searches
through the HTTP API, where a stale copy would show as a wrong result.
"""

from __future__ import annotations

import pytest

from directory.models import AddictionSpecialty, AdministrationRoute, InsurancePlan, ProviderRoute
from tests.directory.conftest import CENTER, add_location, make_provider_at, slugs
from tests.directory.test_import_providers import GOOD, run, write_json

pytestmark = pytest.mark.django_db

URL = "/api/v1/providers/"
NEAR = f"{CENTER[0]},{CENTER[1]}"


def near(api, **params) -> list[str]:
    return slugs(api.get(URL, {"near": NEAR, "radius": 50, **params}))


def test_publishing_accepting_and_telehealth_changes_reach_the_search(api):
    provider = make_provider_at(5, accepting_new_patients=True, telehealth=False)

    provider.is_published = False
    provider.save()
    assert near(api) == []

    provider.is_published = True
    provider.accepting_new_patients = False
    provider.telehealth = True
    provider.save(update_fields=["is_published", "accepting_new_patients", "telehealth"])
    assert near(api) == [provider.slug]
    assert near(api, accepting_new_patients="true") == []
    assert near(api, telehealth="true") == [provider.slug]


def test_routes_added_and_removed_reach_the_search(api):
    provider = make_provider_at(5, routes=["iv-infusion"])
    im = AdministrationRoute.objects.get(slug="im-injection")

    ProviderRoute.objects.create(provider=provider, route=im)
    assert near(api, route="im-injection") == [provider.slug]

    provider.provider_routes.filter(route=im).delete()
    assert near(api, route="im-injection") == []
    assert near(api, route="iv-infusion") == [provider.slug]


def test_specialties_and_insurance_changed_from_either_side_reach_the_search(api):
    first = make_provider_at(5, specialties=["alcohol"], insurance=["medicaid"])
    second = make_provider_at(6)
    opioid = AddictionSpecialty.objects.get(slug="opioid")
    medicare = InsurancePlan.objects.get(slug="medicare")

    first.specialties.add(opioid)
    opioid.providers.add(second)  # the reverse side of the link
    medicare.providers.add(first, second)
    assert near(api, specialty="opioid") == [first.slug, second.slug]
    assert near(api, insurance="medicare") == [first.slug, second.slug]

    first.specialties.remove(opioid)
    opioid.providers.clear()
    medicare.providers.remove(second)
    first.insurance.clear()
    assert near(api, specialty="opioid") == []
    assert near(api, specialty="alcohol") == [first.slug]
    assert near(api, insurance="medicare") == []
    assert near(api, insurance="medicaid") == []


def test_a_new_location_and_a_moved_one_are_found_with_the_providers_facts(api):
    provider = make_provider_at(200, routes=["iv-infusion"])  # outside the radius
    assert near(api, route="iv-infusion") == []

    location = add_location(provider, 10)
    assert near(api, route="iv-infusion") == [provider.slug]

    location.latitude, location.longitude = 45.0, -120.0
    location.save()
    assert near(api, route="iv-infusion") == []


def test_an_id_beyond_the_bit_masks_is_still_searched(api):
    far_id = AdministrationRoute.objects.create(
        pk=500, slug="experimental-route", name="Experimental", sort_order=99
    )
    provider = make_provider_at(5, routes=["iv-infusion"])
    ProviderRoute.objects.create(provider=provider, route=far_id)
    make_provider_at(6, routes=["iv-infusion"])

    assert near(api, route="experimental-route") == [provider.slug]
    assert near(api, route=["experimental-route", "im-injection"]) == [provider.slug]


def test_an_import_that_changes_routes_and_specialties_reaches_the_search(api, tmp_path):
    boston = {"near": "42.35,-71.07", "radius": 10}
    run(write_json(tmp_path, [GOOD]))
    assert slugs(api.get(URL, {**boston, "route": "iv-infusion"})) == ["good-clinic"]

    change = {
        "slug": "good-clinic",
        "routes": [{"route": "im-injection"}],
        "specialties": ["opioid"],
        "accepting_new_patients": False,
    }
    run(write_json(tmp_path, [change]))

    assert slugs(api.get(URL, {**boston, "route": "iv-infusion"})) == []
    assert slugs(api.get(URL, {**boston, "route": "im-injection"})) == ["good-clinic"]
    assert slugs(api.get(URL, {**boston, "specialty": "alcohol"})) == []
    assert slugs(api.get(URL, {**boston, "specialty": "opioid"})) == ["good-clinic"]
    assert slugs(api.get(URL, {**boston, "accepting_new_patients": "true"})) == []
