"""Provider staff manage their hours, exceptions, time off and policy; nobody else can."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from booking.models import AvailabilityException, AvailabilityRule, BookingPolicy, TimeOff
from tests.booking.factories import (
    AvailabilityExceptionFactory,
    AvailabilityRuleFactory,
    TimeOffFactory,
    clinic,
)
from tests.factories import LocationFactory, ProviderStaffFactory, UserFactory

pytestmark = pytest.mark.django_db

RULES = "/api/v1/provider/availability/"
TIME_OFF = "/api/v1/provider/time-off/"
EXCEPTIONS = "/api/v1/provider/availability-exceptions/"
POLICY = "/api/v1/provider/booking-policy/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def sunrise():
    provider, location, _ = clinic(slug="sunrise")
    return provider, location


@pytest.fixture
def carol(api, sunrise):
    """Staff of sunrise, logged in with a token."""
    user = ProviderStaffFactory(provider=sunrise[0]).user
    api.force_authenticate(user)
    return user


@pytest.fixture
def dave():
    """Staff of another provider."""
    provider, _, _ = clinic(slug="elsewhere")
    return ProviderStaffFactory(provider=provider).user


def rule_body(location, **extra):
    body = {"location": location.pk, "weekday": 0, "start_time": "09:00", "end_time": "17:00"}
    body.update(extra)
    return body


# --- Weekly rules -----------------------------------------------------------------------


def test_staff_create_a_weekly_rule(api, sunrise, carol):
    response = api.post(RULES, rule_body(sunrise[1]), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body == {
        "id": body["id"],
        "location": sunrise[1].pk,
        "weekday": 0,
        "start_time": "09:00",
        "end_time": "17:00",
    }
    assert AvailabilityRule.objects.filter(pk=body["id"], location=sunrise[1]).exists()


def test_staff_list_only_their_rules_paginated(api, sunrise, carol, django_assert_num_queries):
    for weekday in range(3):
        AvailabilityRuleFactory(location=sunrise[1], weekday=weekday)
    AvailabilityRuleFactory()  # another provider's

    # staff link + provider, count, page of rules (the token is forced: no auth query).
    with django_assert_num_queries(3):
        response = api.get(RULES)

    body = response.json()
    assert body["count"] == 3
    assert {"next", "previous", "results"} <= set(body)
    assert [r["weekday"] for r in body["results"]] == [0, 1, 2]


def test_rule_ending_before_it_starts_is_400(api, sunrise, carol):
    response = api.post(RULES, rule_body(sunrise[1], end_time="08:00"), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "end_before_start"
    assert not AvailabilityRule.objects.exists()


def test_overlapping_rules_on_one_weekday_are_400(api, sunrise, carol):
    AvailabilityRuleFactory(
        location=sunrise[1], weekday=0, start_time=dt.time(9), end_time=dt.time(12)
    )

    response = api.post(
        RULES, rule_body(sunrise[1], start_time="11:00", end_time="13:00"), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "rule_overlap"
    assert AvailabilityRule.objects.count() == 1


def test_adjacent_rules_and_other_weekdays_do_not_overlap(api, sunrise, carol):
    AvailabilityRuleFactory(
        location=sunrise[1], weekday=0, start_time=dt.time(9), end_time=dt.time(12)
    )

    after = api.post(RULES, rule_body(sunrise[1], start_time="12:00"), format="json")
    other_day = api.post(RULES, rule_body(sunrise[1], weekday=1), format="json")

    assert after.status_code == 201
    assert other_day.status_code == 201


@pytest.mark.parametrize(
    "change",
    [
        {"weekday": 7},
        {"weekday": -1},
        {"start_time": "25:00"},
        {"start_time": "nine"},
        {"location": "x"},
    ],
)
def test_malformed_rule_fields_are_400(api, sunrise, carol, change):
    body = {**rule_body(sunrise[1]), **change}

    response = api.post(RULES, body, format="json")

    assert response.status_code == 400
    assert set(change) <= set(response.json()["errors"])
    assert not AvailabilityRule.objects.exists()


def test_rule_at_another_providers_location_is_400_and_not_created(api, sunrise, carol):
    elsewhere = LocationFactory()

    response = api.post(RULES, rule_body(elsewhere), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_location"
    assert not AvailabilityRule.objects.exists()


def test_staff_update_and_delete_a_rule(api, sunrise, carol):
    rule = AvailabilityRuleFactory(location=sunrise[1])

    patched = api.patch(f"{RULES}{rule.pk}/", {"end_time": "12:30"}, format="json")
    deleted = api.delete(f"{RULES}{rule.pk}/")

    assert patched.status_code == 200
    assert patched.json()["end_time"] == "12:30"
    assert deleted.status_code == 204
    assert not AvailabilityRule.objects.exists()


def test_moving_a_rule_to_another_providers_location_is_400(api, sunrise, carol):
    rule = AvailabilityRuleFactory(location=sunrise[1])

    response = api.patch(f"{RULES}{rule.pk}/", {"location": LocationFactory().pk}, format="json")

    assert response.status_code == 400
    rule.refresh_from_db()
    assert rule.location == sunrise[1]


def test_staff_of_another_provider_get_404_on_our_rules(api, sunrise, dave):
    rule = AvailabilityRuleFactory(location=sunrise[1])
    api.force_authenticate(dave)

    assert api.get(f"{RULES}{rule.pk}/").status_code == 404
    assert api.patch(f"{RULES}{rule.pk}/", {"weekday": 3}, format="json").status_code == 404
    assert api.delete(f"{RULES}{rule.pk}/").status_code == 404
    assert api.get(RULES).json()["count"] == 0
    assert AvailabilityRule.objects.get(pk=rule.pk).weekday == 0


def test_anonymous_requests_are_401(api, sunrise):
    rule = AvailabilityRuleFactory(location=sunrise[1])

    assert api.get(RULES).status_code == 401
    assert api.post(RULES, rule_body(sunrise[1]), format="json").status_code == 401
    assert api.delete(f"{RULES}{rule.pk}/").status_code == 401
    assert api.post(TIME_OFF, {}, format="json").status_code == 401
    assert api.put(POLICY, {}, format="json").status_code == 401


def test_patients_are_refused_the_staff_api(api, sunrise):
    api.force_authenticate(UserFactory())

    response = api.post(RULES, rule_body(sunrise[1]), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "not_provider_staff"
    assert api.get(TIME_OFF).status_code == 403
    assert not AvailabilityRule.objects.exists()


def test_token_authentication_works_for_staff(api, sunrise):
    user = ProviderStaffFactory(provider=sunrise[0]).user
    token = api.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": "correct-horse-battery"},
        format="json",
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api.get(RULES).status_code == 200


# --- Time off ---------------------------------------------------------------------------


def test_staff_create_time_off_everywhere(api, sunrise, carol):
    response = api.post(
        TIME_OFF,
        {"start": "2027-03-15T09:00:00-04:00", "end": "2027-03-15T13:00:00-04:00", "reason": "CME"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    block = TimeOff.objects.get()
    assert block.provider == sunrise[0]
    assert block.location is None
    assert block.start == dt.datetime(2027, 3, 15, 13, tzinfo=dt.UTC)
    assert response.json()["location"] is None


def test_staff_create_time_off_at_one_location(api, sunrise, carol):
    response = api.post(
        TIME_OFF,
        {
            "start": "2027-03-15T09:00:00Z",
            "end": "2027-03-15T10:00:00Z",
            "location": sunrise[1].pk,
        },
        format="json",
    )

    assert response.status_code == 201
    assert TimeOff.objects.get().location == sunrise[1]


def test_time_off_without_an_offset_is_400(api, sunrise, carol):
    response = api.post(
        TIME_OFF, {"start": "2027-03-15T09:00:00", "end": "2027-03-15T10:00:00Z"}, format="json"
    )

    assert response.status_code == 400
    assert "start" in response.json()["errors"]
    assert not TimeOff.objects.exists()


def test_time_off_ending_before_it_starts_is_400(api, sunrise, carol):
    response = api.post(
        TIME_OFF, {"start": "2027-03-15T10:00:00Z", "end": "2027-03-15T09:00:00Z"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "end_before_start"


def test_time_off_at_another_providers_location_is_400(api, sunrise, carol):
    response = api.post(
        TIME_OFF,
        {
            "start": "2027-03-15T09:00:00Z",
            "end": "2027-03-15T10:00:00Z",
            "location": LocationFactory().pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert not TimeOff.objects.exists()


def test_staff_of_another_provider_get_404_on_our_time_off(api, sunrise, dave):
    block = TimeOffFactory(provider=sunrise[0])
    api.force_authenticate(dave)

    assert api.get(f"{TIME_OFF}{block.pk}/").status_code == 404
    assert api.delete(f"{TIME_OFF}{block.pk}/").status_code == 404
    assert TimeOff.objects.filter(pk=block.pk).exists()


def test_staff_change_and_remove_time_off(api, sunrise, carol):
    block = TimeOffFactory(provider=sunrise[0])

    patched = api.patch(
        f"{TIME_OFF}{block.pk}/", {"end": "2027-03-15T18:00:00+00:00"}, format="json"
    )
    deleted = api.delete(f"{TIME_OFF}{block.pk}/")

    assert patched.status_code == 200
    assert dt.datetime.fromisoformat(patched.json()["end"].replace("Z", "+00:00")) == dt.datetime(
        2027, 3, 15, 18, tzinfo=dt.UTC
    )
    assert deleted.status_code == 204


# --- Exceptions and policy ----------------------------------------------------------------


def test_staff_close_a_date(api, sunrise, carol):
    response = api.post(
        EXCEPTIONS,
        {"location": sunrise[1].pk, "date": "2027-03-15", "kind": "closed"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert AvailabilityException.objects.get().kind == "closed"


def test_extra_hours_need_their_times(api, sunrise, carol):
    response = api.post(
        EXCEPTIONS,
        {"location": sunrise[1].pk, "date": "2027-03-15", "kind": "extra"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "extra_without_hours"


def test_closed_day_with_hours_is_400(api, sunrise, carol):
    response = api.post(
        EXCEPTIONS,
        {
            "location": sunrise[1].pk,
            "date": "2027-03-15",
            "kind": "closed",
            "start_time": "09:00",
            "end_time": "10:00",
        },
        format="json",
    )

    assert response.status_code == 400
    assert not AvailabilityException.objects.exists()


def test_staff_of_another_provider_get_404_on_our_exceptions(api, sunrise, dave):
    exception = AvailabilityExceptionFactory(location=sunrise[1])
    api.force_authenticate(dave)

    assert api.delete(f"{EXCEPTIONS}{exception.pk}/").status_code == 404


def test_policy_shows_defaults_before_it_is_set(api, sunrise, carol):
    response = api.get(POLICY)

    assert response.json() == {
        "min_notice_minutes": 1440,
        "horizon_days": 60,
        "buffer_minutes": 0,
        "slot_step_minutes": 15,
        "hold_minutes": 10,
    }
    assert not BookingPolicy.objects.exists()


def test_staff_change_their_policy(api, sunrise, carol):
    response = api.patch(POLICY, {"buffer_minutes": 10, "min_notice_minutes": 120}, format="json")

    assert response.status_code == 200
    policy = BookingPolicy.objects.get(provider=sunrise[0])
    assert (policy.buffer_minutes, policy.min_notice_minutes, policy.horizon_days) == (10, 120, 60)


@pytest.mark.parametrize(
    "change", [{"slot_step_minutes": 1}, {"horizon_days": 0}, {"buffer_minutes": -5}]
)
def test_out_of_range_policy_is_400(api, sunrise, carol, change):
    response = api.patch(POLICY, change, format="json")

    assert response.status_code == 400
    assert set(change) <= set(response.json()["errors"])
    assert not BookingPolicy.objects.exists()
