"""Turning an outbox row into an email: subject, text and HTML parts, .ics, headers.

Subjects and preview lines are discreet on purpose: they show the time only, never the
clinic's name, the treatment or a substance (a lock screen or a shared inbox shows them).
"""

from __future__ import annotations

import datetime as dt
from email.mime.text import MIMEText
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from booking.models import Appointment
from notifications import ics
from notifications.models import OutboundEmail

Kind = OutboundEmail.Kind

UNSUBSCRIBE_SALT = "notifications.unsubscribe"

CRISIS_LINES = (
    "If you are in crisis or thinking about harming yourself, call or text 988 "
    "(988 Suicide & Crisis Lifeline), any time.",
    "SAMHSA National Helpline (free, confidential, 24/7): 1-800-662-4357.",
)


def short_when(moment: dt.datetime) -> str:
    """'Tue 14 Mar at 09:00 EDT' (in the zone ``moment`` carries)."""
    return f"{moment:%a} {moment.day} {moment:%b} at {moment:%H:%M} {moment:%Z}"


def long_when(start: dt.datetime, end: dt.datetime) -> str:
    """'Tuesday 14 March 2027, 09:00-09:30 EDT (America/New_York)'."""
    return (
        f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M}-{end:%H:%M} {start:%Z} "
        f"({start.tzinfo.key if hasattr(start.tzinfo, 'key') else start.tzinfo})"
    )


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_user_id(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def unsubscribe_url(user_id: int) -> str:
    return f"{_site()}/notifications/unsubscribe/{unsubscribe_token(user_id)}/"


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


_SUBJECTS = {
    Kind.BOOKING_RECEIVED: "Request received: your appointment on {when}",
    Kind.CONFIRMED: "Confirmed: your appointment on {when}",
    Kind.DECLINED: "Your appointment request for {when}",
    Kind.RESCHEDULED: "Moved: your appointment is now on {when}",
    Kind.CANCELLED: "Cancelled: your appointment on {when}",
    Kind.REMINDER: "Reminder: your appointment on {when}",
    Kind.WAITLIST_OFFER: "An earlier time is free: {when}",
    Kind.STAFF_NEW_BOOKING: "New appointment request for {when}",
    Kind.STAFF_RESCHEDULED: "Appointment moved to {when}",
    Kind.STAFF_CANCELLED: "Appointment cancelled: {when}",
}


def subject_for(row: OutboundEmail, start_local: dt.datetime) -> str:
    return _SUBJECTS[row.kind].format(when=short_when(start_local))


def _preparation(appointment: Appointment) -> list[str]:
    ctype = appointment.consultation_type
    items: list[str] = []
    if ctype.requires_fasting:
        items.append(
            "Do not eat for 6 hours before your visit (clear fluids are fine until 2 hours before)."
        )
    if ctype.requires_driver:
        items.append(
            "Arrange for someone to drive you home afterwards; you should not drive that day."
        )
    if ctype.arrive_early_minutes:
        items.append(f"Please arrive {ctype.arrive_early_minutes} minutes early.")
    if ctype.preparation_notes:
        items.append(ctype.preparation_notes)
    return items


def _appointment_context(row: OutboundEmail) -> dict[str, Any]:
    appointment = row.appointment
    zone = ics.appointment_zone(appointment)
    start = appointment.start.astimezone(zone)
    end = appointment.end.astimezone(zone)
    previous = row.payload.get("previous_start")
    location = appointment.location
    return {
        "appointment": appointment,
        "provider": appointment.provider,
        "consultation_type": appointment.consultation_type,
        "location": location,
        "telehealth": location is None,
        "telehealth_url": f"{_site()}/appointments/",
        "when": long_when(start, end),
        "short_when": short_when(start),
        "previous_when": (
            short_when(dt.datetime.fromisoformat(previous).astimezone(zone)) if previous else ""
        ),
        "zone_name": zone.key,
        "start_local": start,
        "preparation": _preparation(appointment),
        "manage_url": f"{_site()}/appointments/",
        "staff_url": f"{_site()}/dashboard/",
        "cancelled_by_patient": appointment.status == Appointment.Status.CANCELLED_BY_PATIENT,
        "intake_needs_review": bool(appointment.intake_flags),
        "reference": appointment.pk,
    }


def _waitlist_context(row: OutboundEmail) -> dict[str, Any]:
    from notifications.waitlist import offer_book_url

    provider = row.provider
    first = provider.locations.order_by("pk").first()
    zone = first.tzinfo if first else dt.UTC
    start = dt.datetime.fromisoformat(row.payload["slot_start"]).astimezone(zone)
    end = dt.datetime.fromisoformat(row.payload["slot_end"]).astimezone(zone)
    return {
        "provider": provider,
        "when": long_when(start, end),
        "short_when": short_when(start),
        "start_local": start,
        "book_url": offer_book_url(row),
        "waitlist_url": f"{_site()}/appointments/",
    }


def build_message(row: OutboundEmail) -> EmailMultiAlternatives:
    """The complete email for a claimed row (rendered from the current database state)."""
    user = row.recipient
    if row.kind == Kind.WAITLIST_OFFER:
        context = _waitlist_context(row)
    else:
        context = _appointment_context(row)
    context.update(
        {
            "kind": row.kind,
            "name": user.get_short_name() or "there",
            "crisis_lines": CRISIS_LINES,
            "site_url": _site(),
            "is_reminder": row.kind == Kind.REMINDER,
        }
    )
    headers = {"Message-ID": row.message_id, "X-Auto-Response-Suppress": "All"}
    if row.kind == Kind.REMINDER:
        url = unsubscribe_url(user.pk)
        context["unsubscribe_url"] = url
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    audience = "patient" if row.to_patient else "staff"
    subject = subject_for(row, context["start_local"])
    context["subject"] = subject
    text = render_to_string(f"notifications/email/{audience}.txt", context)
    html = render_to_string(f"notifications/email/{audience}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.NOTIFICATIONS_FROM_EMAIL,
        to=[user.email],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    if row.appointment is not None:
        cancelled = row.kind in (Kind.CANCELLED, Kind.DECLINED, Kind.STAFF_CANCELLED)
        data = ics.appointment_invite(
            row.appointment, cancelled=cancelled, attendee_email=user.email
        )
        part = MIMEText(data.decode("utf-8"), "calendar", "utf-8")
        part.set_param("method", "CANCEL" if cancelled else "REQUEST")
        part.add_header("Content-Disposition", "attachment", filename="appointment.ics")
        message.attach(part)
    return message
