"""Patient appointment API: book, list, detail, cancel, reschedule (per the contract)."""

from __future__ import annotations

import datetime as dt

import pytest

from booking import events
from booking.models import Appointment, AppointmentTransition
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import NY, booking_body, iso, local

# Fixtures shared by the appointment tests.
frozen = support.frozen
world = support.world

URL = "/api/v1/appointments/"


def book(api, world, user, start, ctype=None, **extra):
    api.force_authenticate(user)
    return api.post(URL, booking_body(world, start, ctype, **extra), format="json")


def test_booking_a_free_slot_returns_201_with_the_locations_offset(api, world):
    response = book(api, world, world.alice, local(3, 9))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "requested"
    assert body["start"] == "2027-03-03T09:00:00-05:00"
    assert body["end"] == "2027-03-03T09:30:00-05:00"
    assert body["provider"] == "sunrise"
    assert body["location"] == world.location.pk
    assert body["consultation_type"] == world.ctype30.pk
    assert body["intake_flags"] == []
    assert body["series"] is None
    assert Appointment.objects.get(pk=body["id"]).patient == world.alice


def test_booking_records_the_transition_and_announces_it(api, world):
    received = []

    def listener(sender, **kwargs):
        received.append((kwargs["event"], kwargs["actor"], kwargs["appointment"].pk))

    events.appointment_changed.connect(listener)
    try:
        response = book(api, world, world.alice, local(3, 9))
    finally:
        events.appointment_changed.disconnect(listener)

    appointment_id = response.json()["id"]
    assert received == [(events.BOOKED, world.alice, appointment_id)]
    transition = AppointmentTransition.objects.get(appointment_id=appointment_id)
    assert (transition.from_status, transition.to_status) == ("", "requested")
    assert transition.actor == world.alice
    assert transition.actor_role == "patient"


def test_a_taken_slot_is_409_slot_unavailable(api, world):
    assert book(api, world, world.alice, local(3, 9)).status_code == 201

    response = book(api, world, world.bob, local(3, 9))

    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"
    assert Appointment.objects.count() == 1


def test_a_longer_visit_blocks_a_shorter_one_that_overlaps_it(api, world):
    assert book(api, world, world.alice, local(3, 9), world.ctype60).status_code == 201

    response = book(api, world, world.bob, local(3, 9, 30))

    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"


@pytest.mark.parametrize(
    "start",
    [
        local(3, 7),  # before opening
        local(3, 17, 45),  # would end after closing
        local(3, 9, 7),  # not on the 15-minute step
        dt.datetime(2027, 3, 1, 12, 30, tzinfo=dt.UTC),  # inside the one-hour notice
        local(3, 9, month=5),  # beyond the 60-day horizon
        dt.datetime(2027, 2, 1, 14, tzinfo=dt.UTC),  # in the past
    ],
)
def test_a_start_that_is_not_a_slot_is_409(api, world, start):
    response = book(api, world, world.alice, start)

    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"
    assert not Appointment.objects.exists()


def test_a_start_without_offset_is_400(api, world):
    api.force_authenticate(world.alice)
    body = booking_body(world, local(3, 9)) | {"start": "2027-03-03T09:00:00"}

    response = api.post(URL, body, format="json")

    assert response.status_code == 400
    assert "start" in response.json()["errors"]
    assert not Appointment.objects.exists()


def test_an_unknown_provider_or_type_is_400(api, world):
    api.force_authenticate(world.alice)
    other_type = world.other_provider.consultation_types.create(name="X", duration_minutes=30)

    unknown = api.post(URL, booking_body(world, local(3, 9)) | {"provider": "nope"}, format="json")
    foreign = api.post(
        URL, booking_body(world, local(3, 9)) | {"consultation_type": other_type.pk}, format="json"
    )

    assert unknown.status_code == 400 and "provider" in unknown.json()["errors"]
    assert foreign.status_code == 400 and "consultation_type" in foreign.json()["errors"]


def test_anonymous_booking_is_401(api, world):
    response = api.post(URL, booking_body(world, local(3, 9)), format="json")

    assert response.status_code == 401


def test_the_list_shows_only_the_callers_appointments(api, world, django_assert_num_queries):
    book(api, world, world.alice, local(3, 9))
    book(api, world, world.alice, local(4, 9))
    book(api, world, world.bob, local(5, 9))
    api.force_authenticate(world.alice)

    # 1 count, 2 the page with provider/location/type joined, 3 the providers' locations
    with django_assert_num_queries(3):
        response = api.get(URL)

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert [a["start"] for a in body["results"]] == [
        "2027-03-03T09:00:00-05:00",
        "2027-03-04T09:00:00-05:00",
    ]


def test_the_list_is_paginated(api, world):
    for day in range(3, 8):
        book(api, world, world.alice, local(day, 9))
    api.force_authenticate(world.alice)

    body = api.get(URL, {"page_size": 2}).json()

    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_the_patient_sees_their_own_appointment(api, world):
    appointment_id = book(api, world, world.alice, local(3, 9)).json()["id"]

    response = api.get(f"{URL}{appointment_id}/")

    assert response.status_code == 200
    assert response.json()["id"] == appointment_id


def test_another_patients_appointment_is_404(api, world):
    appointment_id = book(api, world, world.alice, local(3, 9)).json()["id"]
    api.force_authenticate(world.bob)

    assert api.get(f"{URL}{appointment_id}/").status_code == 404
    assert api.post(f"{URL}{appointment_id}/cancel/", {}, format="json").status_code == 404
    reschedule = api.post(
        f"{URL}{appointment_id}/reschedule/", {"start": iso(local(4, 9))}, format="json"
    )
    assert reschedule.status_code == 404
    assert Appointment.objects.get().status == "requested"


def test_anonymous_reads_are_401(api, world):
    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}1/").status_code == 401


def test_cancel_frees_the_slot_at_once(api, world, django_capture_on_commit_callbacks):
    appointment_id = book(api, world, world.alice, local(3, 9)).json()["id"]
    freed = []

    def listener(sender, **kwargs):
        freed.append((kwargs["provider_id"], kwargs["start"]))

    events.slot_freed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                f"{URL}{appointment_id}/cancel/", {"reason": "Feeling better"}, format="json"
            )
    finally:
        events.slot_freed.disconnect(listener)

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled_by_patient"
    assert freed == [(world.provider.pk, local(3, 9))]
    assert book(api, world, world.bob, local(3, 9)).status_code == 201


def test_cancelling_twice_is_409_invalid_transition(api, world):
    appointment_id = book(api, world, world.alice, local(3, 9)).json()["id"]
    api.post(f"{URL}{appointment_id}/cancel/", {}, format="json")

    response = api.post(f"{URL}{appointment_id}/cancel/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_reschedule_moves_the_appointment_and_records_both_starts(api, world):
    appointment_id = book(api, world, world.alice, local(3, 9)).json()["id"]

    response = api.post(
        f"{URL}{appointment_id}/reschedule/", {"start": iso(local(4, 11))}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["start"] == "2027-03-04T11:00:00-05:00"
    appointment = Appointment.objects.get(pk=appointment_id)
    assert appointment.sequence == 1
    last = appointment.transitions.last()
    assert (last.from_start, last.to_start) == (local(3, 9), local(4, 11))
    assert book(api, world, world.bob, local(3, 9)).status_code == 201


def test_reschedule_may_overlap_the_appointments_own_time(api, world):
    appointment_id = book(api, world, world.alice, local(3, 9), world.ctype60).json()["id"]

    response = api.post(
        f"{URL}{appointment_id}/reschedule/", {"start": iso(local(3, 9, 30))}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["start"] == "2027-03-03T09:30:00-05:00"


def test_reschedule_to_a_taken_time_is_409_and_keeps_the_old_time(api, world):
    appointment_id = book(api, world, world.alice, local(3, 9)).json()["id"]
    book(api, world, world.bob, local(4, 9))
    api.force_authenticate(world.alice)

    response = api.post(
        f"{URL}{appointment_id}/reschedule/", {"start": iso(local(4, 9))}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"
    appointment = Appointment.objects.get(pk=appointment_id)
    assert appointment.start == local(3, 9)
    assert appointment.sequence == 0


def test_a_cancelled_appointment_cannot_be_rescheduled(api, world):
    appointment_id = book(api, world, world.alice, local(3, 9)).json()["id"]
    api.post(f"{URL}{appointment_id}/cancel/", {}, format="json")

    response = api.post(
        f"{URL}{appointment_id}/reschedule/", {"start": iso(local(4, 9))}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_times_are_shown_in_the_locations_zone_across_daylight_saving(api, world):
    response = book(api, world, world.alice, local(15, 9))  # the day after spring forward

    assert response.json()["start"] == "2027-03-15T09:00:00-04:00"
    assert response.json()["timezone"] == "America/New_York"
    assert NY.key == "America/New_York"
