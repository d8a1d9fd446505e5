"""Provider.next_available is exactly the first slot the slots endpoint returns."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from booking import availability
from booking.models import Appointment
from booking.tasks import refresh_provider_next_available, refresh_stale_next_available
from directory.models import Provider
from tests.booking.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    AvailabilityRuleFactory,
    BookingPolicyFactory,
    TimeOffFactory,
    clinic,
    weekly_hours,
)
from tests.factories import ConsultationTypeFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)  # Monday, 07:00 in New York


@pytest.fixture(autouse=True)
def _empty_cache():
    """The periodic task remembers its hourly sweep in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def first_slot_from_api(api, provider, ctype, days=30) -> dt.datetime | None:
    today = NOW.astimezone(NY).date()
    response = api.get(
        f"/api/v1/providers/{provider.slug}/slots/",
        {
            "consultation_type": ctype.pk,
            "start": str(today),
            "end": str(today + dt.timedelta(days=days)),
        },
    )
    assert response.status_code == 200
    slots = response.json()["slots"]
    return dt.datetime.fromisoformat(slots[0]["start"]) if slots else None


def stored(provider) -> dt.datetime | None:
    return Provider.objects.get(pk=provider.pk).next_available


def listed(api, provider) -> str | None:
    return api.get(f"/api/v1/providers/{provider.slug}/").json()["next_available"]


def test_next_available_equals_the_first_slot_of_the_shortest_type(api):
    provider, location, long_type = clinic(duration=90)
    short_type = ConsultationTypeFactory(provider=provider, duration_minutes=15)
    AvailabilityRuleFactory(
        location=location, weekday=1, start_time=dt.time(9), end_time=dt.time(10, 30)
    )
    # Tuesday 2027-03-02 09:00-10:15 is taken: only a 15-minute visit fits at 10:15.
    AppointmentFactory(
        provider=provider,
        start=dt.datetime(2027, 3, 2, 9, tzinfo=NY),
        end=dt.datetime(2027, 3, 2, 10, 15, tzinfo=NY),
        occupied_until=dt.datetime(2027, 3, 2, 10, 15, tzinfo=NY),
    )

    value = availability.provider_refresh_next_available(provider_id=provider.pk)

    assert value == first_slot_from_api(api, provider, short_type)
    assert value == dt.datetime(2027, 3, 2, 10, 15, tzinfo=NY)
    assert stored(provider) == value
    assert first_slot_from_api(api, provider, long_type) > value


def test_next_available_honors_notice_time_off_and_closed_days(api):
    provider, location, ctype = clinic(policy={"min_notice_minutes": 48 * 60})
    weekly_hours(location)
    AvailabilityExceptionFactory(location=location, date=dt.date(2027, 3, 3))
    TimeOffFactory(
        provider=provider,
        start=dt.datetime(2027, 3, 4, 0, tzinfo=NY),
        end=dt.datetime(2027, 3, 4, 12, tzinfo=NY),
    )

    value = availability.provider_refresh_next_available(provider_id=provider.pk)

    assert value == dt.datetime(2027, 3, 4, 12, tzinfo=NY)
    assert value == first_slot_from_api(api, provider, ctype)


def test_next_available_is_none_without_hours_or_types():
    provider, _, _ = clinic()
    bare = ProviderFactory()
    LocationFactory(provider=bare)
    AvailabilityRuleFactory(location=bare.locations.get())

    assert availability.provider_refresh_next_available(provider_id=provider.pk) is None
    assert availability.provider_refresh_next_available(provider_id=bare.pk) is None


def test_next_available_uses_telehealth_when_it_is_the_shortest_type(api):
    provider, location, _ = clinic(duration=60)
    tele = ConsultationTypeFactory(provider=provider, duration_minutes=20, mode="telehealth")
    AvailabilityRuleFactory(
        location=location, weekday=2, start_time=dt.time(13), end_time=dt.time(14)
    )

    value = availability.provider_refresh_next_available(provider_id=provider.pk)

    assert value == first_slot_from_api(api, provider, tele)
    assert value == dt.datetime(2027, 3, 3, 13, tzinfo=NY)


def test_the_shown_value_renders_with_an_offset(api):
    provider, location, _ = clinic()
    weekly_hours(location)
    availability.provider_refresh_next_available(provider_id=provider.pk)

    value = listed(api, provider)

    assert value is not None
    assert dt.datetime.fromisoformat(value.replace("Z", "+00:00")) == stored(provider)


def test_bulk_refresh_agrees_with_single_refresh_for_every_provider(api):
    expected = {}
    for index in range(12):
        provider, location, ctype = clinic(policy={"min_notice_minutes": 60 * index})
        weekly_hours(location, dt.time(8 + index % 5), dt.time(17), weekdays=range(index % 7, 7))
        if index % 3 == 0:
            AppointmentFactory(
                provider=provider,
                start=dt.datetime(2027, 3, 2, 8 + index % 5, tzinfo=NY),
                end=dt.datetime(2027, 3, 2, 9 + index % 5, tzinfo=NY),
                occupied_until=dt.datetime(2027, 3, 2, 9 + index % 5, tzinfo=NY),
            )
        expected[provider.pk] = first_slot_from_api(api, provider, ctype)
    empty = ProviderFactory()
    expected[empty.pk] = None

    count = availability.providers_refresh_next_available(batch_size=5)

    assert count == Provider.objects.count()
    assert {pk: stored(Provider(pk=pk)) for pk in expected} == expected


def test_bulk_refresh_queries_do_not_grow_with_providers(django_assert_max_num_queries):
    for _ in range(30):
        _, location, _ = clinic()
        weekly_hours(location)
        AppointmentFactory(
            provider=location.provider,
            start=dt.datetime(2027, 3, 2, 9, tzinfo=NY),
            end=dt.datetime(2027, 3, 2, 10, tzinfo=NY),
            occupied_until=dt.datetime(2027, 3, 2, 10, tzinfo=NY),
        )

    # Per chunk: lock the providers, shortest types, policies, locations, rules, exceptions,
    # time off, appointments, one bulk write; plus savepoints and the id page queries.
    with django_assert_max_num_queries(16):
        assert availability.providers_refresh_next_available(batch_size=100) == 30


def test_a_new_rule_from_the_staff_api_refreshes_next_available(
    api, django_capture_on_commit_callbacks
):
    provider, location, _ = clinic()
    staff = _staff_of(provider)
    api.force_authenticate(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/provider/availability/",
            {"location": location.pk, "weekday": 2, "start_time": "10:00", "end_time": "12:00"},
            format="json",
        )

    assert response.status_code == 201
    assert stored(provider) == dt.datetime(2027, 3, 3, 10, tzinfo=NY)


def test_time_off_from_the_staff_api_moves_next_available_and_back(
    api, django_capture_on_commit_callbacks
):
    provider, location, ctype = clinic()
    weekly_hours(location)
    availability.provider_refresh_next_available(provider_id=provider.pk)
    api.force_authenticate(_staff_of(provider))

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/provider/time-off/",
            {"start": "2027-03-01T00:00:00-05:00", "end": "2027-03-05T00:00:00-05:00"},
            format="json",
        )
    assert stored(provider) == dt.datetime(2027, 3, 5, 9, tzinfo=NY)
    assert stored(provider) == first_slot_from_api(api, provider, ctype)

    with django_capture_on_commit_callbacks(execute=True):
        api.delete(f"/api/v1/provider/time-off/{response.json()['id']}/")
    assert stored(provider) == dt.datetime(2027, 3, 2, 9, tzinfo=NY)


def test_refresh_task_recomputes_one_provider(api):
    provider, location, _ = clinic()
    weekly_hours(location)

    refresh_provider_next_available(provider.pk)
    refresh_provider_next_available(999999)  # gone: ignored

    assert stored(provider) == dt.datetime(2027, 3, 2, 9, tzinfo=NY)


def test_periodic_task_recomputes_providers_whose_first_slot_went_stale(frozen):
    provider, location, _ = clinic()
    weekly_hours(location)
    availability.provider_refresh_next_available(provider_id=provider.pk)
    assert stored(provider) == dt.datetime(2027, 3, 2, 9, tzinfo=NY)

    frozen.move_to(dt.datetime(2027, 3, 1, 9, 30, tzinfo=NY))  # 09:00 tomorrow is now < 24 h
    refresh_stale_next_available()

    assert stored(provider) == dt.datetime(2027, 3, 2, 9, 30, tzinfo=NY)


def test_periodic_task_leaves_fresh_values_alone(frozen):
    fresh, location, _ = clinic()
    weekly_hours(location)
    availability.provider_refresh_next_available(provider_id=fresh.pk)
    # A value stored by hand stays: the task only recomputes stale ones.
    Provider.objects.filter(pk=fresh.pk).update(next_available=dt.datetime(2027, 4, 1, tzinfo=NY))

    assert fresh.pk not in availability.providers_stale_ids()


def test_stale_check_uses_each_policy_notice(frozen):
    provider, location, _ = clinic(policy={"min_notice_minutes": 72 * 60})
    weekly_hours(location)
    availability.provider_refresh_next_available(provider_id=provider.pk)
    assert stored(provider) == dt.datetime(2027, 3, 4, 7, tzinfo=NY) + dt.timedelta(hours=2)

    frozen.move_to(NOW + dt.timedelta(hours=3))

    assert provider.pk in availability.providers_stale_ids()


def test_periodic_task_catches_a_first_slot_booked_without_a_refresh(frozen):
    provider, location, _ = clinic()
    weekly_hours(location)
    availability.provider_refresh_next_available(provider_id=provider.pk)
    first = stored(provider)
    AppointmentFactory(provider=provider, start=first)  # as if the on-commit refresh failed

    refresh_stale_next_available()

    assert stored(provider) == first + dt.timedelta(minutes=30)


def test_periodic_task_sweeps_providers_without_a_slot_hourly(frozen):
    provider, location, _ = clinic(policy={"horizon_days": 2})
    AvailabilityRuleFactory(location=location, weekday=3)  # Thursdays: beyond the horizon
    availability.provider_refresh_next_available(provider_id=provider.pk)
    assert stored(provider) is None

    frozen.move_to(NOW + dt.timedelta(days=2))
    refresh_stale_next_available()

    assert stored(provider) is not None


def test_an_expired_hold_does_not_hide_next_available():
    provider, location, _ = clinic()
    AvailabilityRuleFactory(
        location=location, weekday=1, start_time=dt.time(9), end_time=dt.time(10)
    )
    BookingPolicyFactory(provider=provider, slot_step_minutes=30)
    AppointmentFactory(
        provider=provider,
        start=dt.datetime(2027, 3, 2, 9, tzinfo=NY),
        status=Appointment.Status.HELD,
        hold_expires_at=NOW - dt.timedelta(minutes=1),
    )

    value = availability.provider_refresh_next_available(provider_id=provider.pk)

    assert value == dt.datetime(2027, 3, 2, 9, tzinfo=NY)


def _staff_of(provider):
    from tests.factories import ProviderStaffFactory

    return ProviderStaffFactory(provider=provider).user
