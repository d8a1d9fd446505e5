"""Booking in the browser without JavaScript: hold, intake, confirm, change, cancel."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.models import Appointment
from tests.web.conftest import starts_in

# On a clinic morning: late in the clinic's day there may be only one free time left.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_morning")]


def _first_start(client, clinic) -> str:
    return starts_in(client.get(f"/providers/{clinic.slug}/").content.decode())[0]


def _ctype(clinic):
    return clinic.consultation_types.get(mode="in_person")


def _hold(client, clinic, start):
    return client.post(
        f"/book/{clinic.slug}/", {"consultation_type": _ctype(clinic).pk, "start": start}
    )


def test_choosing_a_time_when_logged_out_asks_to_log_in_and_holds_nothing(client, clinic):
    start = _first_start(client, clinic)
    response = _hold(client, clinic, start)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert not Appointment.objects.exists()


def test_booking_with_intake_creates_a_requested_appointment_shown_in_my_appointments(
    client, clinic, alice
):
    client.force_login(alice)
    start = _first_start(client, clinic)
    response = _hold(client, clinic, start)
    hold = Appointment.objects.get()
    assert hold.status == "held"
    assert response["Location"] == f"/book/hold/{hold.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "We are holding this time for you" in page
    response = client.post(
        f"/book/hold/{hold.pk}/",
        {
            "action": "book",
            "reason": "Cutting down on drinking",
            "current_substances": ["alcohol", "cocaine"],
            "current_medications": "naltrexone\n",
            "psychosis_history": "no",
            "pregnant": "not_applicable",
        },
        follow=True,
    )
    appointment = Appointment.objects.get()
    assert appointment.status == "requested"
    assert appointment.reason == "Cutting down on drinking"
    assert appointment.intake["current_medications"] == ["naltrexone"]
    assert appointment.intake_flags == ["stimulant_use"]
    html = response.content.decode()
    assert "Your request is sent to Golden Gate Ketamine" in html
    assert "Waiting for the clinic to confirm" in html


def test_invalid_intake_answer_is_shown_on_the_field_and_books_nothing(client, clinic, alice):
    client.force_login(alice)
    _hold(client, clinic, _first_start(client, clinic))
    hold = Appointment.objects.get()
    response = client.post(
        f"/book/hold/{hold.pk}/", {"action": "book", "psychosis_history": "perhaps"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Appointment.objects.get().status == "held"


def test_a_time_just_taken_by_someone_else_shows_a_clear_message_and_nearest_times(
    client, clinic, alice, bob
):
    start = _first_start(client, clinic)
    client.force_login(bob)
    _hold(client, clinic, start)
    client.force_login(alice)
    response = _hold(client, clinic, start)
    assert response.status_code == 409
    html = response.content.decode()
    assert "that time was just taken" in html
    offered = starts_in(html)
    assert offered and start not in offered
    assert Appointment.objects.filter(patient=alice).count() == 0


def test_bad_start_is_a_message_not_an_error_page(client, clinic, alice):
    client.force_login(alice)
    for bad in ("", "tomorrow", "2030-01-01T09:00:00"):
        response = client.post(
            f"/book/{clinic.slug}/",
            {"consultation_type": _ctype(clinic).pk, "start": bad},
            follow=True,
        )
        assert response.status_code == 200
        assert "Please choose a type of visit and a time" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_time_outside_opening_hours_is_refused_as_taken(client, clinic, alice):
    client.force_login(alice)
    response = _hold(client, clinic, "2020-01-01T03:00:00+00:00")
    assert response.status_code == 409
    assert not Appointment.objects.exists()


def test_releasing_a_hold_frees_the_time(client, clinic, alice):
    client.force_login(alice)
    start = _first_start(client, clinic)
    _hold(client, clinic, start)
    hold = Appointment.objects.get()
    client.post(f"/book/hold/{hold.pk}/", {"action": "release"})
    assert Appointment.objects.get().status == "expired"
    assert start in starts_in(client.get(f"/providers/{clinic.slug}/").content.decode())


def test_someone_elses_hold_is_not_found(client, clinic, alice, bob):
    client.force_login(bob)
    _hold(client, clinic, _first_start(client, clinic))
    hold = Appointment.objects.get()
    client.force_login(alice)
    response = client.get(f"/book/hold/{hold.pk}/", follow=True)
    assert "no longer held for you" in response.content.decode()


def _book(client, clinic, start) -> Appointment:
    _hold(client, clinic, start)
    hold = Appointment.objects.filter(status="held").get()
    client.post(f"/book/hold/{hold.pk}/", {"action": "book"})
    return Appointment.objects.get(pk=hold.pk)


def test_my_appointments_needs_login_and_shows_only_my_own(client, clinic, alice, bob):
    assert client.get("/appointments/").status_code == 302
    client.force_login(bob)
    _book(client, clinic, _first_start(client, clinic))
    client.force_login(alice)
    html = client.get("/appointments/").content.decode()
    assert "You have no upcoming appointments" in html


def test_cancelling_frees_the_slot_at_once(client, clinic, alice):
    client.force_login(alice)
    start = _first_start(client, clinic)
    appointment = _book(client, clinic, start)
    response = client.post(f"/appointments/{appointment.pk}/cancel/", follow=True)
    assert "Your appointment is cancelled" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "cancelled_by_patient"
    assert start in starts_in(client.get(f"/providers/{clinic.slug}/").content.decode())


def test_another_patients_appointment_cannot_be_cancelled_or_moved(client, clinic, alice, bob):
    client.force_login(bob)
    appointment = _book(client, clinic, _first_start(client, clinic))
    client.force_login(alice)
    assert client.post(f"/appointments/{appointment.pk}/cancel/").status_code == 404
    assert client.get(f"/appointments/{appointment.pk}/reschedule/").status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == "requested"


def test_rescheduling_moves_the_appointment(client, clinic, alice):
    client.force_login(alice)
    appointment = _book(client, clinic, _first_start(client, clinic))
    html = client.get(f"/appointments/{appointment.pk}/reschedule/").content.decode()
    new_start = starts_in(html)[1]
    response = client.post(
        f"/appointments/{appointment.pk}/reschedule/", {"start": new_start}, follow=True
    )
    assert "Your appointment has been moved" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == dt.datetime.fromisoformat(new_start)


def test_rescheduling_to_a_taken_time_keeps_the_old_one(client, clinic, alice, bob):
    starts = starts_in(client.get(f"/providers/{clinic.slug}/").content.decode())
    client.force_login(bob)
    _book(client, clinic, starts[1])
    client.force_login(alice)
    appointment = _book(client, clinic, starts[0])
    response = client.post(f"/appointments/{appointment.pk}/reschedule/", {"start": starts[1]})
    assert response.status_code == 409
    assert "just taken" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == dt.datetime.fromisoformat(starts[0])
