"""The web pages' view of bookable slots, read through booking.availability (never rebuilt)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from booking.availability import slots_list
from directory.models import ConsultationType, Location, Provider


@dataclass(frozen=True, slots=True)
class WebSlot:
    start: dt.datetime  # aware, in the clinic's zone
    end: dt.datetime
    location_id: int | None


def slots_for_days(
    *,
    provider: Provider,
    consultation_type: ConsultationType,
    location: Location | None,
    first_day: dt.date,
    last_day: dt.date,
) -> tuple[str, list[WebSlot]]:
    """(time zone name, slots) for the days ``first_day..last_day`` read in the clinic's zone."""
    tz_name, slots = slots_list(
        provider=provider,
        consultation_type=consultation_type,
        start_date=first_day,
        end_date=last_day,
        location=location,
    )
    zone = zoneinfo.ZoneInfo(tz_name)
    return tz_name, [
        WebSlot(
            start=slot.start.astimezone(zone),
            end=slot.end.astimezone(zone),
            location_id=slot.location_id,
        )
        for slot in slots
    ]
