"""slot_check: the booking services' question "is this exact start bookable right now?"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from booking.availability import slot_check, slots_list
from booking.exceptions import SlotUnavailable
from tests.booking.factories import AppointmentFactory, AvailabilityRuleFactory, clinic
from tests.factories import ConsultationTypeFactory, LocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
NOW = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
NINE = dt.datetime(2027, 3, 15, 9, tzinfo=NY)  # a Monday


@pytest.fixture
def sunrise():
    provider, location, ctype = clinic()
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(12)
    )
    return provider, location, ctype


def test_a_listed_start_is_bookable_and_comes_back_as_the_slot(sunrise):
    provider, location, ctype = sunrise

    slot = slot_check(provider=provider, consultation_type=ctype, start=NINE, now=NOW)

    assert slot.start == NINE
    assert slot.end == NINE + dt.timedelta(minutes=30)
    assert slot.location_id == location.pk
    assert slot.start.utcoffset() == dt.timedelta(hours=-4)


def test_the_same_instant_in_another_zone_is_the_same_slot(sunrise):
    provider, _, ctype = sunrise

    slot = slot_check(
        provider=provider, consultation_type=ctype, start=NINE.astimezone(dt.UTC), now=NOW
    )

    assert slot.start == NINE


def test_every_listed_slot_passes_the_check_and_nothing_between(sunrise):
    provider, _, ctype = sunrise
    _, slots = slots_list(
        provider=provider,
        consultation_type=ctype,
        start_date=NINE.date(),
        end_date=NINE.date(),
        now=NOW,
    )

    for slot in slots:
        assert slot_check(provider=provider, consultation_type=ctype, start=slot.start, now=NOW)
        with pytest.raises(SlotUnavailable):
            slot_check(
                provider=provider,
                consultation_type=ctype,
                start=slot.start + dt.timedelta(minutes=5),
                now=NOW,
            )


@pytest.mark.parametrize(
    "start",
    [
        NINE - dt.timedelta(hours=1),  # before opening
        dt.datetime(2027, 3, 15, 11, 45, tzinfo=NY),  # would end after closing
        dt.datetime(2027, 3, 16, 9, tzinfo=NY),  # no hours on Tuesday
        dt.datetime(2027, 6, 14, 9, tzinfo=NY),  # beyond the horizon
    ],
)
def test_starts_outside_the_hours_or_horizon_are_unavailable(sunrise, start):
    provider, _, ctype = sunrise

    with pytest.raises(SlotUnavailable) as caught:
        slot_check(provider=provider, consultation_type=ctype, start=start, now=NOW)

    assert caught.value.code == "slot_unavailable"


def test_a_start_inside_the_minimum_notice_is_unavailable(sunrise):
    provider, _, ctype = sunrise

    with pytest.raises(SlotUnavailable):
        slot_check(
            provider=provider,
            consultation_type=ctype,
            start=NINE,
            now=NINE - dt.timedelta(hours=23),
        )


def test_a_taken_start_is_unavailable_unless_its_own_appointment_is_ignored(sunrise):
    provider, location, ctype = sunrise
    own = AppointmentFactory(
        provider=provider,
        location=location,
        consultation_type=ctype,
        start=NINE,
    )

    with pytest.raises(SlotUnavailable):
        slot_check(provider=provider, consultation_type=ctype, start=NINE, now=NOW)
    slot = slot_check(
        provider=provider,
        consultation_type=ctype,
        start=NINE + dt.timedelta(minutes=15),
        now=NOW,
        ignore_appointment_ids=[own.pk],
    )
    assert slot.start == NINE + dt.timedelta(minutes=15)


def test_a_naive_start_is_unavailable(sunrise):
    provider, _, ctype = sunrise

    with pytest.raises(SlotUnavailable):
        slot_check(
            provider=provider, consultation_type=ctype, start=NINE.replace(tzinfo=None), now=NOW
        )


def test_a_type_or_location_of_another_provider_is_unavailable(sunrise):
    provider, _, ctype = sunrise
    other = ProviderFactory()

    with pytest.raises(SlotUnavailable):
        slot_check(
            provider=provider,
            consultation_type=ConsultationTypeFactory(provider=other),
            start=NINE,
            now=NOW,
        )
    with pytest.raises(SlotUnavailable):
        slot_check(
            provider=provider,
            consultation_type=ctype,
            start=NINE,
            location=LocationFactory(provider=other),
            now=NOW,
        )


def test_without_a_location_the_first_open_location_is_chosen(sunrise):
    provider, first, ctype = sunrise
    second = LocationFactory(provider=provider)
    AvailabilityRuleFactory(
        location=second, weekday=0, start_time=dt.time(13), end_time=dt.time(14)
    )

    afternoon = dt.datetime(2027, 3, 15, 13, tzinfo=NY)

    assert (
        slot_check(provider=provider, consultation_type=ctype, start=NINE, now=NOW).location_id
        == first.pk
    )
    assert (
        slot_check(provider=provider, consultation_type=ctype, start=afternoon, now=NOW).location_id
        == second.pk
    )
    with pytest.raises(SlotUnavailable):
        slot_check(
            provider=provider, consultation_type=ctype, start=afternoon, location=first, now=NOW
        )


def test_telehealth_slots_have_no_location(sunrise):
    provider, location, _ = sunrise
    tele = ConsultationTypeFactory(provider=provider, mode="telehealth")

    slot = slot_check(
        provider=provider, consultation_type=tele, start=NINE, location=location, now=NOW
    )

    assert slot.location_id is None
