"""Planning: booking events write outbox rows in their own transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from booking import events
from booking import services as booking
from booking.models import Appointment
from notifications.models import OutboundEmail
from tests.booking.factories import BookingPolicyFactory
from tests.notifications.conftest import ny
from tests.notifications.helpers import appointment_without_signals, book, rows

Kind = OutboundEmail.Kind
Status = OutboundEmail.Status

pytestmark = pytest.mark.django_db


def test_booking_writes_patient_and_staff_rows_with_reminders(clinic, frozen):
    appointment = book(clinic, ny(8, 10))

    kinds = {(r.kind, r.recipient_id) for r in rows(appointment=appointment)}
    assert kinds == {
        (Kind.BOOKING_RECEIVED, clinic.alice.pk),
        (Kind.STAFF_NEW_BOOKING, clinic.carol.pk),
        (Kind.REMINDER, clinic.alice.pk),
    }
    reminders = rows(appointment=appointment, kind=Kind.REMINDER)
    assert [r.planned_for for r in reminders] == [ny(7, 10), ny(8, 8)]
    assert all(r.status == Status.PENDING for r in reminders)


def test_rows_roll_back_with_a_failed_change(clinic, frozen):
    appointment = appointment_without_signals(clinic, ny(8, 10))

    with pytest.raises(RuntimeError), transaction.atomic():
        events.appointment_changed.send(
            sender=Appointment, appointment=appointment, event=events.CONFIRMED, actor=None
        )
        assert rows(appointment=appointment)
        raise RuntimeError("the change failed after announcing it")

    assert rows(appointment=appointment) == []


def test_a_signal_sent_twice_for_one_change_makes_one_email_each(clinic, frozen):
    appointment = appointment_without_signals(clinic, ny(8, 10))

    with transaction.atomic():
        for _ in range(2):
            events.appointment_changed.send(
                sender=Appointment, appointment=appointment, event=events.CONFIRMED, actor=None
            )

    assert len(rows(appointment=appointment, kind=Kind.CONFIRMED)) == 1
    assert len(rows(appointment=appointment, kind=Kind.REMINDER)) == 2


def test_the_database_refuses_a_second_email_for_the_same_planned_time(clinic, frozen):
    appointment = book(clinic, ny(8, 10))
    first = rows(appointment=appointment, kind=Kind.REMINDER)[0]

    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundEmail.objects.create(
            kind=Kind.REMINDER,
            recipient=first.recipient,
            appointment=appointment,
            provider=clinic.provider,
            planned_for=first.planned_for,
            next_attempt_at=first.planned_for,
            appointment_sequence=99,
            message_id="<another@care.example>",
        )


def test_rescheduling_cancels_the_old_reminders_and_plans_new_ones(clinic, frozen):
    appointment = book(clinic, ny(8, 10))

    booking.appointment_reschedule(appointment=appointment, actor=clinic.alice, start=ny(9, 14))

    old = rows(appointment=appointment, kind=Kind.REMINDER, planned_for__lt=ny(8, 10))
    assert {r.status for r in old} == {Status.CANCELLED}
    new = rows(appointment=appointment, kind=Kind.REMINDER, status=Status.PENDING)
    assert [r.planned_for for r in new] == [ny(8, 14), ny(9, 12)]
    notice = rows(appointment=appointment, kind=Kind.RESCHEDULED)[0]
    assert dt.datetime.fromisoformat(notice.payload["previous_start"]) == ny(8, 10)
    assert len(rows(appointment=appointment, kind=Kind.STAFF_RESCHEDULED)) == 1


def test_rescheduling_back_revives_the_first_reminders(clinic, frozen):
    appointment = book(clinic, ny(8, 10))
    booking.appointment_reschedule(appointment=appointment, actor=clinic.alice, start=ny(9, 14))

    booking.appointment_reschedule(appointment=appointment, actor=clinic.alice, start=ny(8, 10))

    pending = rows(appointment=appointment, kind=Kind.REMINDER, status=Status.PENDING)
    assert [r.planned_for for r in pending] == [ny(7, 10), ny(8, 8)]
    assert len(rows(appointment=appointment, kind=Kind.RESCHEDULED)) == 2


def test_cancelling_cancels_pending_reminders(clinic, frozen):
    appointment = book(clinic, ny(8, 10))

    booking.appointment_cancel(appointment=appointment, actor=clinic.alice)

    reminders = rows(appointment=appointment, kind=Kind.REMINDER)
    assert {r.status for r in reminders} == {Status.CANCELLED}
    assert len(rows(appointment=appointment, kind=Kind.CANCELLED)) == 1
    assert len(rows(appointment=appointment, kind=Kind.STAFF_CANCELLED)) == 1


def test_a_reminder_whose_time_has_passed_is_not_planned(clinic, frozen):
    BookingPolicyFactory(provider=clinic.provider, min_notice_minutes=60)

    appointment = book(clinic, ny(1, 15))  # three hours from now: the 24 h reminder is past

    assert [r.planned_for for r in rows(appointment=appointment, kind=Kind.REMINDER)] == [ny(1, 13)]


def test_a_provider_schedule_replaces_the_default_reminders(clinic, frozen):
    from notifications.models import ReminderSchedule

    ReminderSchedule.objects.create(provider=clinic.provider, minutes_before=[3 * 24 * 60, 60])

    appointment = book(clinic, ny(8, 10))

    planned = [r.planned_for for r in rows(appointment=appointment, kind=Kind.REMINDER)]
    assert planned == [ny(5, 10), ny(8, 9)]


def test_staff_see_the_intake_flag_but_never_the_answers(clinic, frozen):
    appointment = book(
        clinic, ny(8, 10), intake={"psychosis_history": "yes", "current_substances": ["opioid"]}
    )
    row = rows(appointment=appointment, kind=Kind.STAFF_NEW_BOOKING)[0]

    assert row.payload == {"event": "booked"}
    assert "psychosis" not in str(row.payload)
    assert appointment.intake_flags


def test_an_empty_schedule_sends_no_reminders(clinic, frozen):
    from notifications.models import ReminderSchedule

    ReminderSchedule.objects.create(provider=clinic.provider, minutes_before=[])

    appointment = book(clinic, ny(8, 10))

    assert rows(appointment=appointment, kind=Kind.REMINDER) == []


def test_the_next_attempt_of_a_change_notice_is_now(clinic, frozen):
    appointment = book(clinic, ny(8, 10))

    row = rows(appointment=appointment, kind=Kind.BOOKING_RECEIVED)[0]
    assert row.next_attempt_at == row.planned_for == dt.datetime.now(tz=dt.UTC)
