"""iCalendar (.ics) for emails and staff feeds, made with the ``icalendar`` library.

An appointment keeps one UID (``Appointment.uid``) for its whole life and its ``sequence`` as
SEQUENCE, so calendar apps update or remove the entry they already have. Summaries are
discreet ("Appointment"): a calendar entry is seen by anyone who glances at the screen.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from booking.models import Appointment

PRODID = "-//Care Directory//Appointments//EN"


def appointment_zone(appointment: Appointment) -> zoneinfo.ZoneInfo:
    """The zone an appointment is shown in: its location's, else the provider's first one's."""
    cached = getattr(appointment, "_display_zone", None)
    if cached is not None:
        return cached
    if appointment.location_id is not None:
        zone = appointment.location.tzinfo
    else:
        first = appointment.provider.locations.order_by("pk").first()
        zone = first.tzinfo if first is not None else zoneinfo.ZoneInfo("UTC")
    appointment._display_zone = zone  # one lookup per email, not one per use
    return zone


@functools.lru_cache(maxsize=128)
def _vtimezone(key: str, first_year: int, last_year: int) -> Timezone:
    # Building a VTIMEZONE walks the zone's transitions; the default span (1970-2038) costs
    # ~10 ms per email, so the span is a few years around the events and the result cached.
    return Timezone.from_tzid(
        key, first_date=dt.date(first_year - 1, 1, 1), last_date=dt.date(last_year + 2, 1, 1)
    )


def _add_timezones(cal: Calendar, appointments: list[Appointment]) -> None:
    spans: dict[str, tuple[int, int]] = {}
    for appointment in appointments:
        key = appointment_zone(appointment).key
        year = appointment.start.year
        low, high = spans.get(key, (year, year))
        spans[key] = (min(low, year), max(high, year))
    for key, (low, high) in sorted(spans.items()):
        if key != "UTC":
            cal.add_component(_vtimezone(key, low, high))


def appointment_uid(appointment: Appointment) -> str:
    return f"{appointment.uid}@care-directory"


def _event(
    appointment: Appointment,
    *,
    cancelled: bool,
    attendee_email: str | None = None,
    organizer: bool = True,
    summary: str = "Appointment",
) -> Event:
    zone = appointment_zone(appointment)
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("summary", summary)
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
    _add_timezones(cal, [appointment])
    cal.add_component(_event(appointment, cancelled=cancelled, attendee_email=attendee_email))
    return cal.to_ical()


def feed(appointments: Iterable[Appointment], *, name: str) -> bytes:
    """A subscription feed (METHOD:PUBLISH): times and places only, no health details."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", dt.timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    appointments = list(appointments)
    _add_timezones(cal, appointments)
    for appointment in appointments:
        # Staff see the reference and status to find it on the dashboard; nothing clinical.
        label = "confirmed" if appointment.status == Appointment.Status.CONFIRMED else "request"
        cal.add_component(
            _event(
                appointment,
                cancelled=False,
                organizer=False,
                summary=f"Appointment #{appointment.pk} ({label})",
            )
        )
    return cal.to_ical()
