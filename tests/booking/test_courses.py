"""Courses: a consultation type with several sessions is booked as a series, all or nothing."""

from __future__ import annotations

from booking import services
from booking.models import Appointment, AppointmentSeries
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import booking_body, local
from tests.factories import ConsultationTypeFactory

# Fixtures shared by the appointment tests.
frozen = support.frozen
world = support.world

URL = "/api/v1/appointments/"


def course(world, sessions=3, interval=7):
    return ConsultationTypeFactory(
        provider=world.provider,
        name="Induction course",
        duration_minutes=60,
        course_sessions=sessions,
        course_interval_days=interval,
    )


def test_a_course_books_every_session_at_the_same_local_time(api, world):
    # 2027-03-10 is before and 03-17 / 03-24 after New York springs forward (03-14).
    api.force_authenticate(world.alice)

    response = api.post(URL, booking_body(world, local(10, 9), course(world)), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["series"] == AppointmentSeries.objects.get().pk
    assert [s["start"] for s in body["sessions"]] == [
        "2027-03-10T09:00:00-05:00",
        "2027-03-17T09:00:00-04:00",
        "2027-03-24T09:00:00-04:00",
    ]
    assert Appointment.objects.filter(series__isnull=False, status="requested").count() == 3


def test_a_course_with_one_taken_session_books_nothing_and_names_it(api, world):
    services.appointment_book(
        patient=world.bob,
        provider=world.provider,
        consultation_type=world.ctype30,
        start=local(17, 9, 30),
    )
    api.force_authenticate(world.alice)

    response = api.post(URL, booking_body(world, local(10, 9), course(world)), format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "slot_unavailable"
    assert "Session 2 of 3" in body["detail"]
    assert "2027-03-17T09:00:00-04:00" in body["detail"]
    assert Appointment.objects.count() == 1
    assert not AppointmentSeries.objects.exists()


def test_a_course_running_past_the_horizon_books_nothing(api, world):
    api.force_authenticate(world.alice)
    long_course = course(world, sessions=6, interval=14)

    response = api.post(URL, booking_body(world, local(3, 9), long_course), format="json")

    assert response.status_code == 409
    # Sessions on 03-03, 03-17, 03-31, 04-14, 04-28 and 05-12; the horizon ends 04-30.
    assert "Session 6 of 6 (2027-05-12T09:00:00-04:00)" in response.json()["detail"]
    assert not Appointment.objects.exists()


def test_cancelling_one_session_keeps_the_others(api, world):
    api.force_authenticate(world.alice)
    body = api.post(URL, booking_body(world, local(10, 9), course(world)), format="json").json()
    second = body["sessions"][1]["id"]

    api.post(f"{URL}{second}/cancel/", {}, format="json")

    statuses = list(Appointment.objects.order_by("start").values_list("status", flat=True))
    assert statuses == ["requested", "cancelled_by_patient", "requested"]


def test_a_course_cannot_be_held(api, world):
    api.force_authenticate(world.alice)

    response = api.post(
        "/api/v1/holds/", booking_body(world, local(10, 9), course(world)), format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "course_hold_unsupported"
