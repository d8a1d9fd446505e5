"""Sending: what arrives, claims and leases, retries, discretion, logs."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from django.core import mail

from booking import services as booking
from notifications import services
from notifications.models import OutboundEmail
from tests.notifications.conftest import NY, ny
from tests.notifications.helpers import book, calendar_of, rows, sent_to, sweep
from tests.notifications.smtp_sink import free_port

Kind = OutboundEmail.Kind
Status = OutboundEmail.Status

pytestmark = pytest.mark.django_db

FORBIDDEN_IN_SUBJECTS = re.compile(
    r"ketamine|esketamine|spravato|addiction|substance|opioid|alcohol|cocaine|meth|cannabis|"
    r"benzo|nicotine|sunrise|clinic|infusion|detox|rehab",
    re.IGNORECASE,
)


def _html(message) -> str:
    return next(body for body, mime in message.alternatives if mime == "text/html")


def test_the_patient_gets_text_html_and_an_ics_in_the_locations_zone(clinic, frozen):
    appointment = book(clinic, ny(8, 10))

    sweep()

    [message] = sent_to("alice@patient.test")
    assert message.subject == "Request received: your appointment on Mon 8 Mar at 10:00 EST"
    assert "Monday 8 March 2027, 10:00-11:00 EST (America/New_York)" in message.body
    assert "12 Hope Street" in message.body
    assert "10:00-11:00 EST (America/New_York)" in _html(message)
    cal = calendar_of(message)
    assert cal["METHOD"] == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == f"{appointment.uid}@care-directory"
    assert event["SEQUENCE"] == appointment.sequence
    assert event.decoded("DTSTART") == ny(8, 10)
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert cal.walk("VTIMEZONE")


def test_every_patient_email_ends_with_the_crisis_lines(clinic, frozen):
    appointment = book(clinic, ny(8, 10))
    booking.appointment_cancel(appointment=appointment, actor=clinic.alice)

    sweep()

    patient_mail = sent_to("alice@patient.test")
    assert len(patient_mail) == 1  # the received notice is superseded by the cancellation
    for message in patient_mail:
        tail = message.body.strip().splitlines()[-2:]
        assert "988" in tail[0]
        assert "1-800-662-4357" in tail[1]
        assert "1-800-662-4357" in _html(message)


def test_cancellation_sends_method_cancel_with_the_same_uid_and_a_higher_sequence(clinic, frozen):
    appointment = book(clinic, ny(8, 10))
    sweep()
    first = calendar_of(sent_to("alice@patient.test")[0]).walk("VEVENT")[0]

    booking.appointment_cancel(appointment=appointment, actor=clinic.alice)
    sweep()

    message = sent_to("alice@patient.test")[-1]
    assert message.subject == "Cancelled: your appointment on Mon 8 Mar at 10:00 EST"
    assert "as you asked" in message.body
    cal = calendar_of(message)
    assert cal["METHOD"] == "CANCEL"
    event = cal.walk("VEVENT")[0]
    assert event["UID"] == first["UID"]
    assert event["SEQUENCE"] > first["SEQUENCE"]
    assert event["STATUS"] == "CANCELLED"


def test_confirmation_and_decline_reach_the_patient(clinic, frozen):
    kept = book(clinic, ny(8, 10))
    refused = book(clinic, ny(9, 10), patient=clinic.bob)
    booking.appointment_confirm(appointment=kept, actor=clinic.carol)
    booking.appointment_decline(appointment=refused, actor=clinic.carol)

    sweep()

    subjects = [m.subject for m in sent_to("alice@patient.test")]
    assert "Confirmed: your appointment on Mon 8 Mar at 10:00 EST" in subjects
    bob = sent_to("bob@patient.test")
    assert [m.subject for m in bob] == ["Your appointment request for Tue 9 Mar at 10:00 EST"]
    assert calendar_of(bob[0])["METHOD"] == "CANCEL"


def test_staff_hear_of_new_bookings_with_the_review_flag_but_not_the_answers(clinic, frozen):
    book(
        clinic,
        ny(8, 10),
        reason="I drink every day",
        intake={"psychosis_history": "yes", "current_substances": ["alcohol"]},
    )

    sweep()

    [message] = sent_to("carol@clinic.test")
    assert message.subject == "New appointment request for Mon 8 Mar at 10:00 EST"
    assert "answers to review" in message.body
    everything = message.message().as_string().lower()
    for secret in ("psychosis", "alcohol", "drink", "alice"):
        assert secret not in everything


def test_subjects_never_name_the_treatment_the_clinic_or_a_substance(clinic, frozen):
    moved = book(clinic, ny(8, 10))
    booking.appointment_reschedule(appointment=moved, actor=clinic.alice, start=ny(9, 14))
    confirmed = book(clinic, ny(10, 10), patient=clinic.bob)
    booking.appointment_confirm(appointment=confirmed, actor=clinic.carol)
    cancelled = book(clinic, ny(11, 10), patient=clinic.bob)
    booking.appointment_cancel(appointment=cancelled, actor=clinic.carol, as_staff=True)
    declined = book(clinic, ny(12, 10))
    booking.appointment_decline(appointment=declined, actor=clinic.carol)
    sweep()
    frozen.move_to(ny(9, 12, 30))
    sweep()  # the 2 h reminder of the moved appointment (and the others due by now)

    kinds = set(OutboundEmail.objects.filter(status=Status.SENT).values_list("kind", flat=True))
    assert Kind.REMINDER in kinds and Kind.RESCHEDULED in kinds and Kind.DECLINED in kinds
    assert len(mail.outbox) >= 10
    for message in mail.outbox:
        assert not FORBIDDEN_IN_SUBJECTS.search(message.subject), message.subject
        assert "ketamine" not in message.from_email.split("<")[0].lower()


def test_a_sent_email_is_not_sent_again_by_a_second_task_or_sweep(clinic, frozen):
    appointment = book(clinic, ny(8, 10))
    row = rows(appointment=appointment, kind=Kind.BOOKING_RECEIVED)[0]

    assert services.outbound_send(outbound_id=row.pk) == "sent"
    assert services.outbound_send(outbound_id=row.pk) == "not_claimed"
    sweep()

    assert len(sent_to("alice@patient.test")) == 1
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 1


def test_two_claims_of_one_row_have_one_winner(clinic, frozen):
    appointment = book(clinic, ny(8, 10))
    row = rows(appointment=appointment, kind=Kind.BOOKING_RECEIVED)[0]

    first = services.outbound_claim(outbound_id=row.pk)
    second = services.outbound_claim(outbound_id=row.pk)

    assert first is not None and second is None
    ids, _ = services.outbound_claim_batch(limit=10)
    assert row.pk not in ids


def test_an_email_claimed_by_a_worker_that_died_is_sent_once_after_the_lease(
    clinic, frozen, settings
):
    appointment = book(clinic, ny(8, 10))
    row = rows(appointment=appointment, kind=Kind.BOOKING_RECEIVED)[0]
    # A worker claims the row and is killed before it talks to SMTP.
    assert services.outbound_claim(outbound_id=row.pk) is not None

    sweep()
    assert sent_to("alice@patient.test") == []

    frozen.shift(dt.timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS + 1))
    sweep()
    sweep()

    assert len(sent_to("alice@patient.test")) == 1
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.attempts == 2  # the dead worker's claim counts


def test_an_unreachable_server_is_retried_with_exponential_backoff_then_fails(
    clinic, frozen, settings, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens: connection refused
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    appointment = book(clinic, ny(8, 10))
    row = rows(appointment=appointment, kind=Kind.BOOKING_RECEIVED)[0]
    OutboundEmail.objects.exclude(pk=row.pk).delete()  # follow one email

    sweep()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.next_attempt_at == ny(1, 12, 1)
    assert row.last_error == "ConnectionRefusedError"

    sweep()  # not due yet: nothing happens
    row.refresh_from_db()
    assert row.attempts == 1

    frozen.move_to(ny(1, 12, 1))
    sweep()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (
        Status.PENDING,
        2,
        ny(1, 12, 3),
    )

    frozen.move_to(ny(1, 12, 3))
    sweep()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 3)
    assert row.last_error == "ConnectionRefusedError"
    assert "alice" not in caplog.text.lower()


def test_a_temporary_smtp_refusal_is_retried_and_then_delivered(clinic, frozen, real_smtp):
    real_smtp.fail_with = "451 4.3.0 Try again later"
    appointment = book(clinic, ny(8, 10))
    row = rows(appointment=appointment, kind=Kind.BOOKING_RECEIVED)[0]

    sweep()
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.PENDING, "SMTPDataError 451")

    real_smtp.fail_with = None
    frozen.shift(dt.timedelta(minutes=5))
    sweep()

    row.refresh_from_db()
    assert row.status == Status.SENT
    to_alice = [m for m in real_smtp.messages if m["To"] == "alice@patient.test"]
    assert len(to_alice) == 1
    assert to_alice[0]["Message-ID"] == row.message_id


def test_a_permanent_smtp_refusal_fails_at_once_and_shows_in_admin(
    clinic, frozen, real_smtp, admin_client
):
    real_smtp.fail_with = "554 5.7.1 Rejected"
    appointment = book(clinic, ny(8, 10))
    row = rows(appointment=appointment, kind=Kind.BOOKING_RECEIVED)[0]

    sweep()

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.FAILED, 1, "SMTPDataError 554")
    page = admin_client.get("/admin/notifications/outboundemail/?status=failed")
    assert page.status_code == 200
    assert "SMTPDataError 554" in page.content.decode()


def test_the_sink_receives_a_multipart_email_with_an_ics_part(clinic, frozen, real_smtp):
    appointment = book(clinic, ny(8, 10), ctype=clinic.video)

    sweep()

    [message] = [m for m in real_smtp.messages if m["To"] == "alice@patient.test"]
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types and "text/calendar" in types
    assert "video visit" in message.get_body(("plain",)).get_content().lower()
    event = calendar_of(message).walk("VEVENT")[0]
    assert str(event["UID"]).startswith(str(appointment.uid))


def test_sending_logs_ids_and_never_personal_details(clinic, frozen, caplog, settings):
    caplog.set_level(logging.DEBUG)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    book(clinic, ny(8, 10), reason="Cocaine since 2019", intake={"pregnant": "yes"})

    sweep()  # fails (connection refused): the error path logs too
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    frozen.shift(dt.timedelta(minutes=5))
    sweep()

    assert len(mail.outbox) == 2
    logged = caplog.text.lower()
    assert "email" in logged and "sent" in logged
    for secret in ("alice", "patient.test", "carol", "cocaine", "pregnan", "hope street"):
        assert secret not in logged, secret


def test_a_sweep_with_no_time_left_releases_what_it_claimed(clinic, frozen):
    book(clinic, ny(8, 10))

    counts = sweep(time_budget=0)

    assert counts == {}
    assert not OutboundEmail.objects.filter(status=Status.SENDING).exists()


def test_reminder_times_are_named_in_the_zone_across_a_dst_change(clinic, frozen):
    # 14 Mar 2027 is the spring-forward day in New York: 10:00 that day is EDT.
    frozen.move_to(ny(10, 12))
    book(clinic, ny(15, 10))
    frozen.move_to(ny(14, 10, 1))  # 24 h before, across the change (23 wall-clock hours)

    sweep()

    reminder = [m for m in sent_to("alice@patient.test") if m.subject.startswith("Reminder")]
    assert [m.subject for m in reminder] == [
        "Reminder: your appointment on Mon 15 Mar at 10:00 EDT"
    ]
    assert NY.key in reminder[0].body


def test_the_command_sends_what_is_due_and_summarises(clinic, frozen):
    from io import StringIO

    from django.core.management import call_command

    book(clinic, ny(8, 10))
    out = StringIO()

    call_command("send_due_notifications", stdout=out)

    assert "Done: sent=2" in out.getvalue()
    assert len(mail.outbox) == 2


def test_the_command_exits_non_zero_when_the_server_is_down(clinic, frozen, settings):
    from django.core.management import CommandError, call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    book(clinic, ny(8, 10))

    with pytest.raises(CommandError, match="EMAIL_HOST"):
        call_command("send_due_notifications", stdout=__import__("io").StringIO())


def test_the_preview_line_is_as_discreet_as_the_subject(clinic, frozen):
    book(clinic, ny(8, 10))
    frozen.move_to(ny(7, 10))

    sweep()

    for message in sent_to("alice@patient.test"):
        preview = " ".join(message.body.split())[:160]  # inboxes show ~100-140 characters
        # ("the clinic will confirm" is fine; the clinic's name is not)
        assert not FORBIDDEN_IN_SUBJECTS.search(preview.replace("clinic", "")), preview
        html = _html(message)
        hidden = html.split('overflow: hidden;">', 1)[1].split("&nbsp;", 1)[0]
        assert hidden == message.subject
