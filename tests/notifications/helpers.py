"""Small helpers shared by the notification tests."""

from __future__ import annotations

import icalendar
from django.core import mail

from booking import services as booking
from notifications.models import OutboundEmail
from notifications.services import outbound_send_due
from tests.booking.factories import AppointmentFactory


def book(clinic, start, patient=None, ctype=None, **kwargs):
    return booking.appointment_book(
        patient=patient or clinic.alice,
        provider=clinic.provider,
        consultation_type=ctype or clinic.infusion,
        start=start,
        **kwargs,
    )


def appointment_without_signals(clinic, start):
    """Alice's infusion at ``start``, written directly (no booking event, no outbox rows)."""
    return AppointmentFactory(
        provider=clinic.provider,
        patient=clinic.alice,
        consultation_type=clinic.infusion,
        location=clinic.location,
        start=start,
    )


def sweep(**kwargs) -> dict[str, int]:
    return outbound_send_due(**kwargs)


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def calendar_of(message) -> icalendar.Calendar:
    """The parsed .ics attached to a Django EmailMessage (locmem) or an email.message."""
    if hasattr(message, "attachments"):
        for part in message.attachments:
            if part.get_content_type() == "text/calendar":
                return icalendar.Calendar.from_ical(part.get_payload(decode=True))
    else:
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                return icalendar.Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no text/calendar part")


def rows(**filters) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(**filters).order_by("pk"))
