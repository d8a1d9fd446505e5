"""The slots endpoint: opening hours, notice, horizon, time off, exceptions and bookings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from booking.models import Appointment, AvailabilityException
from tests.booking.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    AvailabilityRuleFactory,
    TimeOffFactory,
    clinic,
    weekly_hours,
)
from tests.factories import ConsultationTypeFactory, LocationFactory

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
# Monday 2027-03-01 12:00 UTC (07:00 in New York): everything below is at least a day later.
NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2027, 3, 15)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def get_slots(api, provider, ctype, start, end=None, **extra):
    params = {"consultation_type": ctype.pk, "start": str(start), "end": str(end or start)}
    params.update(extra)
    return api.get(f"/api/v1/providers/{provider.slug}/slots/", params)


def starts(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [slot["start"] for slot in response.json()["slots"]]


def ny(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NY).isoformat()


def test_weekly_rule_gives_a_start_every_step_in_local_time(api):
    provider, location, ctype = clinic()
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(12)
    )

    response = get_slots(api, provider, ctype, MONDAY)

    body = response.json()
    assert body["timezone"] == "America/New_York"
    assert body["slots"][0] == {
        "start": "2027-03-15T09:00:00-04:00",
        "end": "2027-03-15T09:30:00-04:00",
        "location": location.pk,
    }
    assert starts(response)[-1] == "2027-03-15T11:30:00-04:00"
    assert len(body["slots"]) == 11  # 09:00 .. 11:30 every 15 minutes


def test_other_weekdays_without_rules_have_no_slots(api):
    provider, location, ctype = clinic()
    AvailabilityRuleFactory(location=location, weekday=0)

    assert starts(get_slots(api, provider, ctype, MONDAY + dt.timedelta(days=1))) == []


def test_slot_step_and_duration_come_from_policy_and_type(api):
    provider, location, ctype = clinic(duration=60, policy={"slot_step_minutes": 30})
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(11)
    )

    assert starts(get_slots(api, provider, ctype, MONDAY)) == [
        ny(MONDAY, 9),
        ny(MONDAY, 9, 30),
        ny(MONDAY, 10),
    ]


def test_slots_of_several_days_are_in_order(api):
    provider, location, ctype = clinic(duration=60, policy={"slot_step_minutes": 60})
    weekly_hours(location, dt.time(9), dt.time(11))

    result = starts(get_slots(api, provider, ctype, MONDAY, MONDAY + dt.timedelta(days=2)))

    assert len(result) == 6
    assert result == sorted(result)


def test_dates_are_read_in_the_location_time_zone(api):
    provider, location, ctype = clinic(tz="America/Los_Angeles", duration=60)
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(20), end_time=dt.time(23)
    )

    body = get_slots(api, provider, ctype, MONDAY).json()

    # 20:00 in Los Angeles is already Tuesday in UTC; it is still Monday's slot.
    assert body["timezone"] == "America/Los_Angeles"
    assert body["slots"][0]["start"] == "2027-03-15T20:00:00-07:00"
    assert len(body["slots"]) == 9


# --- Daylight saving ----------------------------------------------------------------------


def test_spring_forward_day_keeps_nine_to_five_local(api):
    provider, location, ctype = clinic()
    day = dt.date(2027, 3, 14)  # a Sunday; clocks jump 02:00 -> 03:00 in New York
    AvailabilityRuleFactory(location=location, weekday=6)

    result = starts(get_slots(api, provider, ctype, day))

    assert result[0] == "2027-03-14T09:00:00-04:00"
    assert result[-1] == "2027-03-14T16:30:00-04:00"
    assert len(result) == 31


def test_spring_forward_gives_no_start_at_a_time_that_does_not_exist(api):
    provider, location, ctype = clinic()
    day = dt.date(2027, 3, 14)
    AvailabilityRuleFactory(
        location=location, weekday=6, start_time=dt.time(0), end_time=dt.time(4)
    )

    result = starts(get_slots(api, provider, ctype, day))

    assert not any("T02:" in start for start in result)
    assert result[:2] == ["2027-03-14T00:00:00-05:00", "2027-03-14T00:15:00-05:00"]
    assert "2027-03-14T01:45:00-05:00" in result  # ends 03:15 EDT, inside the window
    assert "2027-03-14T03:00:00-04:00" in result
    assert result[-1] == "2027-03-14T03:30:00-04:00"
    assert len(result) == 8 + 3


def test_fall_back_day_lists_the_repeated_hour_once(api):
    provider, location, ctype = clinic()
    day = dt.date(2027, 11, 7)  # a Sunday; clocks go back 02:00 -> 01:00 in New York
    AvailabilityRuleFactory(
        location=location, weekday=6, start_time=dt.time(0), end_time=dt.time(4)
    )
    with time_machine.travel(dt.datetime(2027, 11, 1, 12, tzinfo=dt.UTC), tick=False):
        result = starts(get_slots(api, provider, ctype, day))

    wall_times = [start[11:16] for start in result]
    assert len(wall_times) == len(set(wall_times))
    assert len(result) == len(set(result))
    instants = [dt.datetime.fromisoformat(start) for start in result]
    assert instants == sorted(instants)
    assert "2027-11-07T01:00:00-04:00" in result  # the first 01:00, still daylight time
    assert "2027-11-07T01:00:00-05:00" not in result
    assert result[-1] == "2027-11-07T03:30:00-05:00"


def test_fall_back_day_keeps_nine_to_five_local(api):
    provider, location, ctype = clinic()
    AvailabilityRuleFactory(location=location, weekday=6)
    with time_machine.travel(dt.datetime(2027, 11, 1, 12, tzinfo=dt.UTC), tick=False):
        result = starts(get_slots(api, provider, ctype, dt.date(2027, 11, 7)))

    assert result[0] == "2027-11-07T09:00:00-05:00"
    assert result[-1] == "2027-11-07T16:30:00-05:00"
    assert len(result) == 31


def test_london_spring_forward_skips_the_missing_hour(api):
    provider, location, ctype = clinic(tz="Europe/London")
    day = dt.date(2027, 3, 28)  # a Sunday; clocks jump 01:00 -> 02:00 in London
    AvailabilityRuleFactory(
        location=location, weekday=6, start_time=dt.time(0), end_time=dt.time(3)
    )

    body = get_slots(api, provider, ctype, day).json()
    result = [slot["start"] for slot in body["slots"]]

    assert body["timezone"] == "Europe/London"
    assert not any("T01:" in start for start in result)
    assert result[0] == "2027-03-28T00:00:00+00:00"
    assert "2027-03-28T02:00:00+01:00" in result
    assert result[-1] == "2027-03-28T02:30:00+01:00"


def test_london_fall_back_day_keeps_office_hours_and_no_duplicates(api):
    provider, location, ctype = clinic(tz="Europe/London")
    day = dt.date(2027, 10, 31)  # clocks go back 02:00 -> 01:00 in London
    AvailabilityRuleFactory(
        location=location, weekday=6, start_time=dt.time(0), end_time=dt.time(17)
    )
    with time_machine.travel(dt.datetime(2027, 10, 20, 12, tzinfo=dt.UTC), tick=False):
        result = starts(get_slots(api, provider, ctype, day))

    assert len(result) == len({start[11:16] for start in result})
    assert "2027-10-31T09:00:00+00:00" in result
    assert "2027-10-31T01:00:00+01:00" in result


def test_sydney_daylight_saving_end_keeps_local_hours(api):
    provider, location, ctype = clinic(tz="Australia/Sydney")
    day = dt.date(2027, 4, 4)  # a Sunday; Sydney leaves daylight time at 03:00 -> 02:00
    AvailabilityRuleFactory(location=location, weekday=6)

    result = starts(get_slots(api, provider, ctype, day, location=location.pk))

    assert result[0] == "2027-04-04T09:00:00+10:00"
    assert result[-1] == "2027-04-04T16:30:00+10:00"


# --- Notice and horizon ------------------------------------------------------------------


def test_default_minimum_notice_is_24_hours(api):
    provider, location, ctype = clinic()
    weekly_hours(location)
    now = dt.datetime(2027, 3, 15, 10, 0, tzinfo=NY)
    with time_machine.travel(now, tick=False):
        result = starts(get_slots(api, provider, ctype, MONDAY, MONDAY + dt.timedelta(days=1)))

    assert result[0] == "2027-03-16T10:00:00-04:00"


def test_minimum_notice_from_the_policy(api):
    provider, location, ctype = clinic(policy={"min_notice_minutes": 60})
    weekly_hours(location)
    with time_machine.travel(dt.datetime(2027, 3, 15, 10, 5, tzinfo=NY), tick=False):
        result = starts(get_slots(api, provider, ctype, MONDAY))

    assert result[0] == "2027-03-15T11:15:00-04:00"


def test_nothing_in_the_past_is_offered(api):
    provider, location, ctype = clinic(policy={"min_notice_minutes": 0})
    weekly_hours(location)

    assert starts(get_slots(api, provider, ctype, dt.date(2027, 2, 20), dt.date(2027, 2, 27))) == []


def test_default_horizon_is_60_days(api):
    provider, location, ctype = clinic()
    weekly_hours(location)
    last_day = (NOW + dt.timedelta(days=60)).astimezone(NY).date()  # 2027-04-30

    result = starts(get_slots(api, provider, ctype, last_day - dt.timedelta(days=1), last_day))

    # The horizon ends at 08:00 New York time on the 30th, before its opening hours.
    assert result[-1] == "2027-04-29T16:30:00-04:00"


def test_horizon_from_the_policy_includes_its_last_instant(api):
    provider, location, ctype = clinic(policy={"horizon_days": 7, "min_notice_minutes": 0})
    weekly_hours(location)
    now = dt.datetime(2027, 3, 15, 9, 0, tzinfo=NY)
    with time_machine.travel(now, tick=False):
        result = starts(get_slots(api, provider, ctype, MONDAY, MONDAY + dt.timedelta(days=8)))

    assert result[-1] == "2027-03-22T09:00:00-04:00"


# --- Exceptions and time off -------------------------------------------------------------


def test_closed_exception_removes_the_whole_day(api):
    provider, location, ctype = clinic()
    weekly_hours(location)
    AvailabilityExceptionFactory(location=location, date=MONDAY)
    AvailabilityExceptionFactory(
        location=location,
        date=MONDAY,
        kind=AvailabilityException.Kind.EXTRA,
        start_time=dt.time(18),
        end_time=dt.time(19),
    )

    assert starts(get_slots(api, provider, ctype, MONDAY)) == []


def test_extra_hours_open_a_day_without_rules(api):
    provider, location, ctype = clinic(duration=60, policy={"slot_step_minutes": 60})
    AvailabilityExceptionFactory(
        location=location,
        date=MONDAY,
        kind=AvailabilityException.Kind.EXTRA,
        start_time=dt.time(13),
        end_time=dt.time(15),
    )

    assert starts(get_slots(api, provider, ctype, MONDAY)) == [ny(MONDAY, 13), ny(MONDAY, 14)]


def test_extra_hours_next_to_the_rule_make_one_window(api):
    provider, location, ctype = clinic(duration=60, policy={"slot_step_minutes": 30})
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(10)
    )
    AvailabilityExceptionFactory(
        location=location,
        date=MONDAY,
        kind=AvailabilityException.Kind.EXTRA,
        start_time=dt.time(10),
        end_time=dt.time(11),
    )

    assert ny(MONDAY, 9, 30) in starts(get_slots(api, provider, ctype, MONDAY))


def test_time_off_blocks_every_start_it_touches(api):
    provider, location, ctype = clinic()
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(12)
    )
    TimeOffFactory(
        provider=provider,
        start=dt.datetime.combine(MONDAY, dt.time(10), tzinfo=NY),
        end=dt.datetime.combine(MONDAY, dt.time(11), tzinfo=NY),
    )

    result = starts(get_slots(api, provider, ctype, MONDAY))

    assert ny(MONDAY, 9, 30) in result
    assert ny(MONDAY, 9, 45) not in result  # would end at 10:15
    assert ny(MONDAY, 10, 45) not in result
    assert ny(MONDAY, 11) in result


def test_time_off_at_another_location_does_not_block_this_one(api):
    provider, location, ctype = clinic()
    other = LocationFactory(provider=provider)
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(10)
    )
    TimeOffFactory(
        provider=provider,
        location=other,
        start=dt.datetime.combine(MONDAY, dt.time(0), tzinfo=NY),
        end=dt.datetime.combine(MONDAY, dt.time(23), tzinfo=NY),
    )

    assert len(starts(get_slots(api, provider, ctype, MONDAY, location=location.pk))) == 3


# --- Existing appointments and buffers ---------------------------------------------------


def make_appointment(provider, start_local: dt.datetime, minutes: int, **extra):
    ctype = ConsultationTypeFactory(provider=provider, duration_minutes=minutes)
    start = start_local
    end = start + dt.timedelta(minutes=minutes)
    extra.setdefault("occupied_until", end)
    return AppointmentFactory(
        provider=provider, consultation_type=ctype, start=start, end=end, **extra
    )


def test_a_longer_appointment_blocks_overlapping_shorter_starts(api):
    provider, location, ctype = clinic()
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(12)
    )
    make_appointment(provider, dt.datetime.combine(MONDAY, dt.time(10), tzinfo=NY), 60)

    result = starts(get_slots(api, provider, ctype, MONDAY))

    assert ny(MONDAY, 9, 30) in result
    for blocked in ((9, 45), (10, 0), (10, 30), (10, 45)):
        assert ny(MONDAY, *blocked) not in result
    assert ny(MONDAY, 11) in result


def test_buffer_keeps_time_free_after_each_appointment(api):
    provider, location, ctype = clinic(policy={"buffer_minutes": 15})
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(12)
    )
    start = dt.datetime.combine(MONDAY, dt.time(10), tzinfo=NY)
    make_appointment(provider, start, 30, occupied_until=start + dt.timedelta(minutes=45))

    result = starts(get_slots(api, provider, ctype, MONDAY))

    assert ny(MONDAY, 9, 15) in result
    assert ny(MONDAY, 9, 30) not in result  # its own buffer would run into 10:00
    assert ny(MONDAY, 10, 30) not in result  # inside the earlier visit's buffer
    assert ny(MONDAY, 10, 45) in result


def test_an_appointment_at_another_location_blocks_the_provider(api):
    provider, location, ctype = clinic()
    other = LocationFactory(provider=provider)
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(10)
    )
    make_appointment(
        provider, dt.datetime.combine(MONDAY, dt.time(9), tzinfo=NY), 60, location=other
    )

    assert starts(get_slots(api, provider, ctype, MONDAY, location=location.pk)) == []


def test_an_unexpired_hold_blocks_its_slot(api):
    provider, location, ctype = clinic()
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(10)
    )
    make_appointment(
        provider,
        dt.datetime.combine(MONDAY, dt.time(9), tzinfo=NY),
        30,
        status=Appointment.Status.HELD,
        hold_expires_at=NOW + dt.timedelta(minutes=5),
    )

    assert starts(get_slots(api, provider, ctype, MONDAY)) == [ny(MONDAY, 9, 30)]


def test_a_hold_past_its_expiry_frees_the_slot_even_before_the_expiry_task(api):
    provider, location, ctype = clinic()
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(10)
    )
    make_appointment(
        provider,
        dt.datetime.combine(MONDAY, dt.time(9), tzinfo=NY),
        30,
        status=Appointment.Status.HELD,
        hold_expires_at=NOW - dt.timedelta(seconds=1),
    )

    assert ny(MONDAY, 9) in starts(get_slots(api, provider, ctype, MONDAY))


@pytest.mark.parametrize(
    "status",
    [
        Appointment.Status.CANCELLED_BY_PATIENT,
        Appointment.Status.CANCELLED_BY_PROVIDER,
        Appointment.Status.DECLINED,
        Appointment.Status.EXPIRED,
    ],
)
def test_inactive_appointments_do_not_block(api, status):
    provider, location, ctype = clinic()
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(10)
    )
    make_appointment(
        provider, dt.datetime.combine(MONDAY, dt.time(9), tzinfo=NY), 60, status=status
    )

    assert len(starts(get_slots(api, provider, ctype, MONDAY))) == 3


def test_requested_appointments_block(api):
    provider, location, ctype = clinic()
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(10)
    )
    make_appointment(
        provider,
        dt.datetime.combine(MONDAY, dt.time(9), tzinfo=NY),
        60,
        status=Appointment.Status.REQUESTED,
    )

    assert starts(get_slots(api, provider, ctype, MONDAY)) == []


# --- Locations and telehealth -------------------------------------------------------------


def test_without_location_every_location_is_listed_with_its_id(api):
    provider, first, ctype = clinic(duration=60, policy={"slot_step_minutes": 60})
    second = LocationFactory(provider=provider, timezone="America/Chicago")
    AvailabilityRuleFactory(location=first, weekday=0, start_time=dt.time(9), end_time=dt.time(10))
    AvailabilityRuleFactory(location=second, weekday=0, start_time=dt.time(9), end_time=dt.time(10))

    body = get_slots(api, provider, ctype, MONDAY).json()

    assert body["timezone"] == "America/New_York"
    assert body["slots"] == [
        {"start": ny(MONDAY, 9), "end": ny(MONDAY, 10), "location": first.pk},
        {
            "start": "2027-03-15T09:00:00-05:00",
            "end": "2027-03-15T10:00:00-05:00",
            "location": second.pk,
        },
    ]


def test_location_filter_keeps_only_that_location(api):
    provider, first, ctype = clinic(duration=60, policy={"slot_step_minutes": 60})
    second = LocationFactory(provider=provider)
    AvailabilityRuleFactory(location=first, weekday=0, start_time=dt.time(9), end_time=dt.time(10))
    AvailabilityRuleFactory(
        location=second, weekday=0, start_time=dt.time(11), end_time=dt.time(12)
    )

    body = get_slots(api, provider, ctype, MONDAY, location=second.pk).json()

    assert [s["location"] for s in body["slots"]] == [second.pk]


def test_telehealth_follows_the_union_of_all_locations_hours(api):
    provider, first, _ = clinic()
    tele = ConsultationTypeFactory(provider=provider, duration_minutes=60, mode="telehealth")
    second = LocationFactory(provider=provider, timezone="America/Chicago")
    AvailabilityRuleFactory(location=first, weekday=0, start_time=dt.time(9), end_time=dt.time(10))
    # 09:00-10:00 in Chicago is 10:00-11:00 in New York: the union is 09:00-11:00 NY.
    AvailabilityRuleFactory(location=second, weekday=0, start_time=dt.time(9), end_time=dt.time(10))

    body = get_slots(api, provider, tele, MONDAY).json()

    assert body["timezone"] == "America/New_York"
    assert [s["start"] for s in body["slots"]] == [ny(MONDAY, 9), ny(MONDAY, 10)]
    assert {s["location"] for s in body["slots"]} == {None}


def test_telehealth_starts_shared_by_two_locations_are_listed_once(api):
    provider, first, _ = clinic()
    tele = ConsultationTypeFactory(provider=provider, duration_minutes=30, mode="telehealth")
    second = LocationFactory(provider=provider)
    weekly_hours(first)
    weekly_hours(second)

    result = starts(get_slots(api, provider, tele, MONDAY))

    assert len(result) == len(set(result)) == 31


def test_telehealth_ignores_time_off_of_one_location_when_another_is_open(api):
    provider, first, _ = clinic()
    tele = ConsultationTypeFactory(provider=provider, duration_minutes=60, mode="telehealth")
    second = LocationFactory(provider=provider)
    AvailabilityRuleFactory(location=first, weekday=0, start_time=dt.time(9), end_time=dt.time(10))
    AvailabilityRuleFactory(location=second, weekday=0, start_time=dt.time(9), end_time=dt.time(10))
    TimeOffFactory(
        provider=provider,
        location=first,
        start=dt.datetime.combine(MONDAY, dt.time(0), tzinfo=NY),
        end=dt.datetime.combine(MONDAY, dt.time(23), tzinfo=NY),
    )

    assert starts(get_slots(api, provider, tele, MONDAY)) == [ny(MONDAY, 9)]


def test_provider_wide_time_off_blocks_telehealth(api):
    provider, location, _ = clinic()
    tele = ConsultationTypeFactory(provider=provider, duration_minutes=60, mode="telehealth")
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(10)
    )
    TimeOffFactory(
        provider=provider,
        start=dt.datetime.combine(MONDAY, dt.time(0), tzinfo=NY),
        end=dt.datetime.combine(MONDAY, dt.time(23), tzinfo=NY),
    )

    assert starts(get_slots(api, provider, tele, MONDAY)) == []


def test_a_course_is_offered_at_its_first_session_start(api):
    provider, location, _ = clinic()
    course = ConsultationTypeFactory(
        provider=provider, duration_minutes=60, course_sessions=6, course_interval_days=3
    )
    AvailabilityRuleFactory(
        location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(10)
    )

    assert starts(get_slots(api, provider, course, MONDAY)) == [ny(MONDAY, 9)]


def test_slots_endpoint_query_count_does_not_grow_with_the_calendar(api, django_assert_num_queries):
    provider, location, ctype = clinic(policy={})
    weekly_hours(location)
    for day in range(5):
        make_appointment(
            provider,
            dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(10), tzinfo=NY),
            30,
        )
        TimeOffFactory(
            provider=provider,
            start=dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(14), tzinfo=NY),
            end=dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time(15), tzinfo=NY),
        )

    # provider, consultation type, then: policy, locations, rules, exceptions, time off,
    # appointments.
    with django_assert_num_queries(8):
        response = get_slots(api, provider, ctype, MONDAY, MONDAY + dt.timedelta(days=30))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "tz", ["America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe"]
)
def test_every_day_of_the_year_gives_existing_distinct_grid_times(tz, monkeypatch):
    """Night-time hours cross every clock change of 2027; the quick path for steady days
    must agree with the careful one, and every start must be a real, distinct wall time."""
    from booking.availability import engine

    provider, location, ctype = clinic(tz=tz, policy={"min_notice_minutes": 0, "horizon_days": 365})
    weekly_hours(location, dt.time(0), dt.time(4))
    zone = ZoneInfo(tz)
    with time_machine.travel(dt.datetime(2026, 12, 31, tzinfo=dt.UTC), tick=False):
        fast = [
            engine.slots_list(
                provider=provider,
                consultation_type=ctype,
                start_date=dt.date(2027, 1, 1) + dt.timedelta(days=chunk),
                end_date=dt.date(2027, 1, 1) + dt.timedelta(days=chunk + 89),
            )[1]
            for chunk in range(0, 360, 90)
        ]
        monkeypatch.setattr(engine, "_steady_offset", lambda *args: None)
        careful = [
            engine.slots_list(
                provider=provider,
                consultation_type=ctype,
                start_date=dt.date(2027, 1, 1) + dt.timedelta(days=chunk),
                end_date=dt.date(2027, 1, 1) + dt.timedelta(days=chunk + 89),
            )[1]
            for chunk in range(0, 360, 90)
        ]

    assert fast == careful
    slots = [slot for chunk in fast for slot in chunk]
    walls = [slot.start.astimezone(zone).replace(tzinfo=None) for slot in slots]
    assert len(set(walls)) == len(walls)
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    for slot, wall in zip(slots, walls, strict=True):
        assert wall.minute % 15 == 0
        # The wall time exists: reading it back in the zone gives the same instant.
        assert wall.replace(tzinfo=zone).astimezone(dt.UTC) == slot.start.astimezone(dt.UTC)
        assert dt.time(0) <= wall.time() < dt.time(4)
