"""Geographic search checked against a brute-force great-circle computation."""

from __future__ import annotations

import pytest

from directory.geo import haversine_miles, zip_lookup
from tests.directory.conftest import (
    CENTER,
    add_location,
    brute_force,
    generate_providers,
    make_provider_at,
    results,
    slugs,
)
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/providers/"
NEAR = f"{CENTER[0]},{CENTER[1]}"


def _search(api, **params):
    params.setdefault("page_size", 100)
    return api.get(URL, params, format="json")


@pytest.fixture
def generated(db):
    return generate_providers(seed=20270315)


@pytest.mark.parametrize("radius", [5, 25, 60, 120])
def test_results_within_radius_match_brute_force_in_order(api, generated, radius):
    expected = brute_force(generated, near=CENTER, radius=radius)
    # The generated data must exercise the case: some inside and, below 90 miles (the
    # farthest generated location), some outside.
    assert expected
    if radius < 90:
        assert len(expected) < sum(p.published for p in generated)

    response = _search(api, near=NEAR, radius=radius)

    assert slugs(response) == [slug for slug, _ in expected]
    assert response.json()["count"] == len(expected)


def test_distance_miles_is_the_brute_force_distance_to_the_nearest_location(api, generated):
    expected = dict(brute_force(generated, near=CENTER, radius=60))

    rows = results(_search(api, near=NEAR, radius=60))

    assert len(rows) == len(expected)
    for row in rows:
        assert row["distance_miles"] == pytest.approx(expected[row["slug"]], abs=0.006)


@pytest.mark.parametrize(
    "filters",
    [
        {"route": ["iv-infusion"]},
        {"route": ["iv-infusion", "intranasal-esketamine"]},
        {"route": ["im-injection"], "specialty": ["alcohol"]},
        {"specialty": ["opioid", "cocaine"], "insurance": ["medicaid"]},
        {"insurance": ["self-pay"], "telehealth": True},
        {"accepting": False, "language": ["es"]},
        {"route": ["sublingual-oral", "iv-infusion"], "accepting": True, "telehealth": False},
        {"q": "prairie", "specialty": ["alcohol", "nicotine", "opioid"]},
        {"q": "salina"},
    ],
    ids=lambda f: "+".join(sorted(f)),
)
def test_combined_filters_match_brute_force(api, generated, filters):
    expected = brute_force(generated, near=CENTER, radius=80, **filters)
    params = {"near": NEAR, "radius": 80}
    for key, value in filters.items():
        name = "accepting_new_patients" if key == "accepting" else key
        params[name] = str(value).lower() if isinstance(value, bool) else value

    response = _search(api, **params)

    assert slugs(response) == [slug for slug, _ in expected]


def test_combined_filters_without_near_match_brute_force_by_name(api, generated):
    expected = brute_force(generated, specialty=["alcohol", "cannabis"], insurance=["aetna"])
    assert expected, "the generated data should contain a match"

    response = _search(api, specialty=["alcohol", "cannabis"], insurance="aetna")

    assert slugs(response) == [slug for slug, _ in expected]
    assert all(row["distance_miles"] is None for row in results(response))


@pytest.mark.parametrize("bearing", [0, 90, 180, 270, 45, 225])
def test_location_just_inside_the_radius_is_found(api, bearing):
    provider = make_provider_at(9.98, bearing)

    response = _search(api, near=NEAR, radius=10)

    assert slugs(response) == [provider.slug]
    assert results(response)[0]["distance_miles"] == pytest.approx(9.98, abs=0.01)


@pytest.mark.parametrize("bearing", [0, 90, 180, 270, 45, 225])
def test_location_just_outside_the_radius_is_not_found(api, bearing):
    make_provider_at(10.02, bearing)

    response = _search(api, near=NEAR, radius=10)

    assert results(response) == []
    assert response.json()["count"] == 0


def test_default_radius_is_25_miles(api):
    inside = make_provider_at(24.95, 10)
    make_provider_at(25.05, 200)

    response = _search(api, near=NEAR)

    assert slugs(response) == [inside.slug]


def test_nearest_of_several_locations_gives_the_distance_and_the_rank(api):
    multi = make_provider_at(40, 0)  # far location first ...
    add_location(multi, 3, 90)  # ... then a near one
    single = make_provider_at(5, 180)

    rows = results(_search(api, near=NEAR, radius=50))

    assert [r["slug"] for r in rows] == [multi.slug, single.slug]
    assert rows[0]["distance_miles"] == pytest.approx(3, abs=0.01)
    assert len(rows[0]["locations"]) == 2, "every location is listed, not just the near one"


def test_provider_with_a_near_location_is_found_though_its_other_location_is_far(api):
    multi = make_provider_at(200, 0)
    add_location(multi, 8, 270)

    assert slugs(_search(api, near=NEAR, radius=10)) == [multi.slug]


def test_provider_with_several_locations_in_range_is_listed_once(api):
    provider = make_provider_at(2, 0)
    add_location(provider, 3, 90)
    add_location(provider, 4, 180)

    response = _search(api, near=NEAR, radius=10)

    assert slugs(response) == [provider.slug]
    assert response.json()["count"] == 1


def test_zip_code_searches_from_the_zip_centroid(api):
    info = zip_lookup("10001")
    near = make_provider_at(3, 45, center=(info.latitude, info.longitude))
    make_provider_at(30, 45, center=(info.latitude, info.longitude))

    rows = results(_search(api, near="10001", radius=10))

    assert [r["slug"] for r in rows] == [near.slug]
    location = rows[0]["locations"][0]
    expected = haversine_miles(
        info.latitude, info.longitude, location["latitude"], location["longitude"]
    )
    assert rows[0]["distance_miles"] == pytest.approx(expected, abs=0.006)


def test_zip_plus_four_is_read_as_its_zip(api):
    info = zip_lookup("10001")
    provider = make_provider_at(1, 0, center=(info.latitude, info.longitude))

    assert slugs(_search(api, near="10001-1234", radius=5)) == [provider.slug]


def test_coordinates_with_spaces_around_the_comma_are_accepted(api):
    provider = make_provider_at(1, 0)

    assert slugs(_search(api, near=f" {CENTER[0]} , {CENTER[1]} ", radius=5)) == [provider.slug]


def test_without_near_every_provider_is_listed_with_null_distance(api):
    far = make_provider_at(900, 0, name="Alpha Far")
    nowhere = ProviderFactory(name="Beta No Location")

    rows = results(_search(api))

    assert [r["slug"] for r in rows] == [far.slug, nowhere.slug]
    assert [r["distance_miles"] for r in rows] == [None, None]


def test_provider_without_locations_is_never_in_a_near_search(api):
    ProviderFactory()

    assert results(_search(api, near=NEAR, radius=500)) == []
