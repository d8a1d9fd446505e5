"""Every 400 of the search contract: one error shape, a code, per-parameter messages."""

from __future__ import annotations

import pytest

from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/providers/"


def _error(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert field in body["errors"]
    assert body["errors"][field] and all(isinstance(m, str) for m in body["errors"][field])
    return body


def test_unknown_zip_is_a_400_with_its_own_code(api):
    body = _error(api, {"near": "00000"}, "near")

    assert body["code"] == "unknown_zip"
    assert "00000" in body["detail"]


@pytest.mark.parametrize(
    "near",
    ["40.75", "abc", "91,0", "-90.5,10", "40.75,-181", "40.75;-73.99", "1000", "40.75,-73.99,1"],
)
def test_malformed_coordinates_are_a_400(api, near):
    body = _error(api, {"near": near}, "near")

    assert body["code"] == "invalid_coordinates"
    assert "lat,lng" in body["detail"]


@pytest.mark.parametrize("radius", ["0", "501", "abc", "-5", "nan", "inf", "0.5"])
def test_radius_out_of_range_is_a_400(api, radius):
    body = _error(api, {"near": "10001", "radius": radius}, "radius")

    assert body["code"] == "invalid_radius"
    assert "1 to 500" in body["detail"]


@pytest.mark.parametrize("radius", ["1", "500", "12.5"])
def test_radius_at_the_limits_is_accepted(api, radius):
    assert api.get(URL, {"near": "10001", "radius": radius}).status_code == 200


@pytest.mark.parametrize(
    ("param", "list_url"),
    [
        ("route", "/api/v1/routes/"),
        ("specialty", "/api/v1/specialties/"),
        ("insurance", "/api/v1/insurance/"),
        ("language", "/api/v1/languages/"),
    ],
)
def test_unknown_slug_is_a_400_naming_it_and_the_list(api, param, list_url):
    body = _error(api, {param: ["no-such-thing"]}, param)

    assert body["code"] == "unknown_slug"
    assert "no-such-thing" in body["detail"]
    assert list_url in body["detail"]


def test_one_unknown_slug_among_known_ones_is_still_a_400(api):
    body = _error(api, {"route": ["iv-infusion", "iv-infusoin"]}, "route")

    assert "iv-infusoin" in body["detail"]
    assert "'iv-infusion'" not in body["detail"]


@pytest.mark.parametrize("param", ["telehealth", "accepting_new_patients"])
@pytest.mark.parametrize("value", ["maybe", "2", "truee"])
def test_bad_boolean_is_a_400(api, param, value):
    body = _error(api, {param: value}, param)

    assert body["code"] == "invalid_boolean"


def test_ordering_by_distance_without_near_is_a_400(api):
    body = _error(api, {"ordering": "distance"}, "ordering")

    assert body["code"] == "near_required"
    assert "near=" in body["detail"]


def test_unknown_ordering_is_a_400_listing_the_choices(api):
    body = _error(api, {"ordering": "price"}, "ordering")

    assert body["code"] == "invalid_choice"
    assert "distance, next_available" in body["detail"]


def test_several_bad_parameters_are_all_reported(api):
    response = api.get(URL, {"near": "00000", "radius": "900", "telehealth": "perhaps"})

    body = response.json()
    assert response.status_code == 400
    assert set(body["errors"]) == {"near", "radius", "telehealth"}
    assert body["detail"] == "Please correct these fields: near, radius, telehealth."


@pytest.mark.parametrize(
    "params",
    [
        {"near": "1" * 500},
        {"q": "x" * 1000},
        {"route": ["a" * 300] * 60},
        {"near": "\x00"},
        {"q": "a\x00b"},
        {"route": "iv\x00infusion"},
        {"specialty": "alcohol'; drop table x"},
    ],
    ids=["long-near", "long-q", "many-long-slugs", "nul-near", "nul-q", "nul-slug", "quote"],
)
def test_hostile_input_is_a_400_not_a_server_error(api, params):
    ProviderFactory()

    response = api.get(URL, params)

    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code", "errors"}
