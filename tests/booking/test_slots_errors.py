"""The slots endpoint refuses what it cannot answer with a 4xx that says why."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.booking.factories import AvailabilityRuleFactory, clinic
from tests.factories import ConsultationTypeFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def sunrise():
    provider, location, ctype = clinic(slug="sunrise")
    AvailabilityRuleFactory(location=location)
    return provider, location, ctype


def get(api, slug="sunrise", **params):
    return api.get(f"/api/v1/providers/{slug}/slots/", params)


def assert_400(response, code, field=None):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    if field:
        assert field in body["errors"]


def test_unknown_provider_is_404(api, sunrise):
    response = get(
        api, "nobody", consultation_type=sunrise[2].pk, start="2027-03-15", end="2027-03-15"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "provider_not_found"


def test_unpublished_provider_is_404(api, sunrise):
    provider, _, ctype = sunrise
    provider.is_published = False
    provider.save()

    assert (
        get(api, consultation_type=ctype.pk, start="2027-03-15", end="2027-03-15").status_code
        == 404
    )


def test_range_of_more_than_90_days_is_400(api, sunrise):
    response = get(api, consultation_type=sunrise[2].pk, start="2027-03-01", end="2027-05-30")

    assert_400(response, "range_too_long", "end")


def test_range_of_exactly_90_days_is_answered(api, sunrise):
    response = get(api, consultation_type=sunrise[2].pk, start="2027-03-01", end="2027-05-29")

    assert response.status_code == 200


def test_end_before_start_is_400(api, sunrise):
    response = get(api, consultation_type=sunrise[2].pk, start="2027-03-15", end="2027-03-14")

    assert_400(response, "invalid_range", "end")


@pytest.mark.parametrize("start", ["2027-02-30", "15/03/2027", "", "2027-03-15T09:00"])
def test_malformed_start_date_is_400(api, sunrise, start):
    response = get(api, consultation_type=sunrise[2].pk, start=start, end="2027-03-16")

    assert response.status_code == 400
    assert "start" in response.json()["errors"]


def test_missing_parameters_are_400_with_each_field(api, sunrise):
    response = get(api)

    assert response.status_code == 400
    assert {"consultation_type", "start", "end"} <= set(response.json()["errors"])


def test_unknown_consultation_type_is_400(api, sunrise):
    response = get(api, consultation_type=999999, start="2027-03-15", end="2027-03-15")

    assert_400(response, "unknown_consultation_type", "consultation_type")


def test_non_numeric_consultation_type_is_400(api, sunrise):
    response = get(api, consultation_type="abc", start="2027-03-15", end="2027-03-15")

    assert response.status_code == 400
    assert "consultation_type" in response.json()["errors"]


def test_consultation_type_of_another_provider_is_400(api, sunrise):
    other_type = ConsultationTypeFactory(provider=ProviderFactory())

    response = get(api, consultation_type=other_type.pk, start="2027-03-15", end="2027-03-15")

    assert_400(response, "unknown_consultation_type")


def test_inactive_consultation_type_is_400(api, sunrise):
    ctype = sunrise[2]
    ctype.is_active = False
    ctype.save()

    response = get(api, consultation_type=ctype.pk, start="2027-03-15", end="2027-03-15")

    assert_400(response, "unknown_consultation_type")


def test_unknown_location_is_400(api, sunrise):
    response = get(
        api, consultation_type=sunrise[2].pk, start="2027-03-15", end="2027-03-15", location=999999
    )

    assert_400(response, "unknown_location", "location")


def test_location_of_another_provider_is_400(api, sunrise):
    elsewhere = LocationFactory()

    response = get(
        api,
        consultation_type=sunrise[2].pk,
        start="2027-03-15",
        end="2027-03-15",
        location=elsewhere.pk,
    )

    assert_400(response, "unknown_location")


def test_slots_need_no_authentication_and_ignore_bad_tokens(api, sunrise):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = get(api, consultation_type=sunrise[2].pk, start="2027-03-15", end="2027-03-15")

    assert response.status_code == 200
