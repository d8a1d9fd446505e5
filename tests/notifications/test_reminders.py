"""Reminders: timing with frozen time, re-checks, opt-out and the one-click link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from booking import services as booking
from booking.models import Appointment
from notifications.emails import unsubscribe_token
from notifications.models import NotificationPreference, OutboundEmail
from tests.booking.factories import weekly_hours
from tests.factories import ConsultationTypeFactory, LocationFactory
from tests.notifications.conftest import LA, ny
from tests.notifications.helpers import book, rows, sent_to, sweep

Kind = OutboundEmail.Kind
Status = OutboundEmail.Status

pytestmark = pytest.mark.django_db


def reminders_to(address: str) -> list:
    return [m for m in sent_to(address) if m.subject.startswith("Reminder")]


def test_the_24_hour_reminder_goes_out_at_its_time_and_not_before(clinic, frozen):
    book(clinic, ny(8, 10))
    sweep()

    frozen.move_to(ny(7, 9, 59))
    sweep()
    assert reminders_to("alice@patient.test") == []

    frozen.move_to(ny(7, 10))
    sweep()
    [message] = reminders_to("alice@patient.test")
    assert message.subject == "Reminder: your appointment on Mon 8 Mar at 10:00 EST"

    frozen.move_to(ny(8, 8))
    sweep()
    assert len(reminders_to("alice@patient.test")) == 2


def test_a_reminder_says_how_to_prepare_where_to_go_and_how_to_change(clinic, frozen):
    book(clinic, ny(8, 10))
    frozen.move_to(ny(7, 10))

    sweep()

    [message] = reminders_to("alice@patient.test")
    body = message.body
    assert "Do not eat for 6 hours" in body
    assert "drive you home" in body
    assert "arrive 15 minutes early" in body
    assert "Wear comfortable clothes." in body
    assert "12 Hope Street, New York, NY 10001" in body
    assert "http://localhost:8000/appointments/" in body
    assert "/notifications/unsubscribe/" in body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://localhost:8000/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_telehealth_reminder_carries_the_video_link(clinic, frozen):
    book(clinic, ny(8, 10), ctype=clinic.video)
    frozen.move_to(ny(8, 8))

    sweep()

    [message] = reminders_to("alice@patient.test")
    assert "video visit" in message.body
    assert "http://localhost:8000/appointments/" in message.body


def test_no_reminder_for_a_cancelled_appointment(clinic, frozen):
    appointment = book(clinic, ny(8, 10))
    booking.appointment_cancel(appointment=appointment, actor=clinic.alice)

    frozen.move_to(ny(8, 9))
    sweep()

    assert reminders_to("alice@patient.test") == []


def test_a_reminder_is_rechecked_even_if_its_row_was_left_pending(clinic, frozen):
    appointment = book(clinic, ny(8, 10))
    # Cancelled behind the outbox's back (no event): the re-check still catches it.
    Appointment.objects.filter(pk=appointment.pk).update(
        status=Appointment.Status.CANCELLED_BY_PROVIDER
    )

    frozen.move_to(ny(8, 9))
    sweep()

    assert reminders_to("alice@patient.test") == []
    assert {r.skip_reason for r in rows(appointment=appointment, kind=Kind.REMINDER)} == {
        "not_booked"
    }


def test_a_rescheduled_appointment_is_reminded_of_its_new_time_only(clinic, frozen):
    appointment = book(clinic, ny(8, 10))
    booking.appointment_reschedule(appointment=appointment, actor=clinic.alice, start=ny(10, 15))

    for moment in (ny(7, 10), ny(8, 8), ny(9, 15), ny(10, 13)):
        frozen.move_to(moment)
        sweep()

    subjects = [m.subject for m in reminders_to("alice@patient.test")]
    assert subjects == [
        "Reminder: your appointment on Wed 10 Mar at 15:00 EST",
        "Reminder: your appointment on Wed 10 Mar at 15:00 EST",
    ]


def test_reminders_in_another_zone_name_that_zone_across_its_dst_change(clinic, frozen):
    west = LocationFactory(
        provider=clinic.provider,
        city="Los Angeles",
        state="CA",
        postal_code="90012",
        timezone="America/Los_Angeles",
        latitude=34.05,
        longitude=-118.24,
    )
    weekly_hours(west)
    ctype = ConsultationTypeFactory(provider=clinic.provider, duration_minutes=45)
    start = dt.datetime(2027, 3, 15, 9, 0, tzinfo=LA)  # the day after spring-forward
    book(clinic, start, ctype=ctype, location=west)

    frozen.move_to(start - dt.timedelta(hours=24))
    sweep()

    [message] = reminders_to("alice@patient.test")
    assert message.subject == "Reminder: your appointment on Mon 15 Mar at 09:00 PDT"
    assert "09:00-09:45 PDT (America/Los_Angeles)" in message.body


def test_a_patient_who_turned_reminders_off_gets_changes_but_no_reminders(api, clinic, frozen):
    api.force_authenticate(clinic.alice)
    response = api.patch(
        "/api/v1/me/notification-preferences/", {"reminders_enabled": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"reminders_enabled": False}
    appointment = book(clinic, ny(8, 10))
    booking.appointment_confirm(appointment=appointment, actor=clinic.carol)

    frozen.move_to(ny(8, 9))
    sweep()

    assert reminders_to("alice@patient.test") == []
    assert any(m.subject.startswith("Confirmed") for m in sent_to("alice@patient.test"))
    assert {r.skip_reason for r in rows(appointment=appointment, kind=Kind.REMINDER)} == {
        "opted_out"
    }


def test_preferences_default_to_reminders_on(api, clinic):
    api.force_authenticate(clinic.bob)

    response = api.get("/api/v1/me/notification-preferences/")

    assert response.status_code == 200
    assert response.json() == {"reminders_enabled": True}
    assert not NotificationPreference.objects.exists()


def test_preferences_reject_a_non_boolean_without_changing_anything(api, clinic):
    api.force_authenticate(clinic.bob)

    response = api.patch(
        "/api/v1/me/notification-preferences/", {"reminders_enabled": "maybe"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "reminders_enabled" in response.json()["errors"]
    assert not NotificationPreference.objects.exists()


def test_preferences_need_a_login(api, db):
    assert api.get("/api/v1/me/notification-preferences/").status_code == 401


def test_one_patient_cannot_change_anothers_preferences(api, clinic):
    api.force_authenticate(clinic.bob)
    api.patch("/api/v1/me/notification-preferences/", {"reminders_enabled": False}, format="json")

    assert NotificationPreference.objects.get().user == clinic.bob
    api.force_authenticate(clinic.alice)
    assert api.get("/api/v1/me/notification-preferences/").json() == {"reminders_enabled": True}


def test_the_unsubscribe_link_asks_first_and_a_post_turns_reminders_off(client, clinic, frozen):
    book(clinic, ny(8, 10))
    frozen.move_to(ny(7, 10))
    sweep()
    [message] = reminders_to("alice@patient.test")
    url = message.extra_headers["List-Unsubscribe"].strip("<>").replace("http://localhost:8000", "")

    page = client.get(url)
    assert page.status_code == 200
    assert "Turn off reminders" in page.content.decode()
    assert not NotificationPreference.objects.exists()  # a GET (link scanner) changes nothing

    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert NotificationPreference.objects.get(user=clinic.alice).reminders_enabled is False

    frozen.move_to(ny(8, 8))
    mail.outbox.clear()
    sweep()
    assert reminders_to("alice@patient.test") == []


def test_a_forged_unsubscribe_token_is_404_and_changes_nothing(client, clinic):
    token = unsubscribe_token(clinic.alice.pk)[:-3] + "abc"

    response = client.post(f"/notifications/unsubscribe/{token}/")

    assert response.status_code == 404
    assert not NotificationPreference.objects.exists()
