"""iCalendar (.ics) for emails and staff feeds, made with the ``icalendar`` library.

An appointment keeps one UID (``Appointment.uid``) for its whole life and its ``sequence`` as
SEQUENCE, so calendar apps update or remove the entry they already have. Summaries are
discreet ("Appointment"): a calendar entry is seen by anyone who glances at the screen.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from booking.models import Appointment

PRODID = "-//Care Directory//Appointments//EN"


def appointment_zone(appointment: Appointment) -> zoneinfo.ZoneInfo:
    """The zone an appointment is shown in: its location's, else the provider's first one's."""
    if appointment.location_id is not None:
        return appointment.location.tzinfo
    first = appointment.provider.locations.order_by("pk").first()
    return first.tzinfo if first is not None else zoneinfo.ZoneInfo("UTC")


def appointment_uid(appointment: Appointment) -> str:
    return f"{appointment.uid}@care-directory"


def _event(
    appointment: Appointment,
    *,
    cancelled: bool,
    attendee_email: str | None = None,
    organizer: bool = True,
) -> Event:
    zone = appointment_zone(appointment)
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("summary", "Appointment")
    if appointment.location_id is not None:
        loc = appointment.location
        address = ", ".join(
            p
            for p in (loc.address_line1, loc.address_line2, loc.city, loc.state, loc.postal_code)
            if p
        )
        event.add("location", address)
    else:
        event.add("location", "Video visit")
    event.add("url", f"{settings.SITE_URL.rstrip('/')}/appointments/")
    if cancelled:
        event.add("status", "CANCELLED")
    elif appointment.status == Appointment.Status.CONFIRMED:
        event.add("status", "CONFIRMED")
    else:
        event.add("status", "TENTATIVE")
    if organizer:  # invitations need one; a subscription feed does not
        address = vCalAddress(f"mailto:{parseaddr(_from_address())[1]}")
        address.params["cn"] = vText("Appointments")
        event.add("organizer", address)
    if attendee_email:
        attendee = vCalAddress(f"mailto:{attendee_email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED" if not cancelled else "DECLINED")
        event.add("attendee", attendee)
    return event


def _from_address() -> str:
    return getattr(settings, "NOTIFICATIONS_FROM_EMAIL", settings.DEFAULT_FROM_EMAIL)


def appointment_invite(
    appointment: Appointment, *, cancelled: bool, attendee_email: str | None = None
) -> bytes:
    """One appointment as METHOD:REQUEST (or METHOD:CANCEL when ``cancelled``)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    cal.add_component(_event(appointment, cancelled=cancelled, attendee_email=attendee_email))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed(appointments: Iterable[Appointment], *, name: str) -> bytes:
    """A subscription feed (METHOD:PUBLISH): times and places only, no health details."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", dt.timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    for appointment in appointments:
        cal.add_component(_event(appointment, cancelled=False, organizer=False))
    cal.add_missing_timezones()
    return cal.to_ical()
