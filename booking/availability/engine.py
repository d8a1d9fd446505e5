"""The slot engine: which starts a patient can book, and ``Provider.next_available``.

Everything a patient can book comes from here, so the slots endpoint, the booking services
(``slot_check`` inside their transaction) and ``next_available`` can never disagree.

How a slot is found, per location:

* the location's local dates are walked in its IANA zone; a date's opening windows are its
  weekly rules (local wall time) plus any *extra hours* exception, merged; a *closed*
  exception removes the whole date (extra hours on a closed date included);
* candidate starts are stepped through each window in **wall time** (``slot_step_minutes``
  from the window's start). A wall time that does not exist (spring forward) is skipped; a
  repeated wall time (fall back) is taken once, at its first occurrence. So a 09:00-17:00
  rule gives 09:00-17:00 local on both daylight-saving days and no start is listed twice;
* a candidate is kept when the visit ``[start, start + duration)`` ends inside the window,
  does not touch time off (provider-wide, or of that location), and the range it would
  occupy ``[start, start + duration + buffer)`` overlaps no active appointment's
  ``[start, occupied_until)`` at any location (held appointments count until their hold
  expires);
* the start is at least ``min_notice`` after now and at most ``horizon`` after now.

Telehealth consultation types are not tied to a location but follow the provider's hours:
their windows are the union of every location's windows (time off of one location blocks
only that location's share), dates and rendering use the zone of the provider's first
location (lowest id), and slots carry ``location_id=None``. An in-person request without a
location lists every location's slots, each read and rendered in its own zone.

A course (``course_sessions > 1``) is offered at its first session's start; the booking
service checks the later sessions.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from booking.exceptions import SlotUnavailable
from booking.models import (
    Appointment,
    AvailabilityException,
    AvailabilityRule,
    BookingPolicy,
    TimeOff,
)
from core.exceptions import InvalidInput
from directory.models import ConsultationType, Location, Provider

logger = logging.getLogger(__name__)

#: Longest date range the slots endpoint answers (inclusive days).
MAX_RANGE_DAYS = 90
#: Calendar arithmetic (a day either side, any zone) stays inside datetime's range between
#: these; nothing outside is ever bookable, so such dates are refused up front.
EARLIEST_DATE = date(2, 1, 1)
LATEST_DATE = date(9998, 12, 31)

_POLICY_FIELDS = ("min_notice_minutes", "horizon_days", "buffer_minutes", "slot_step_minutes")
_DEFAULTS = {name: BookingPolicy._meta.get_field(name).default for name in _POLICY_FIELDS}


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable start. ``start``/``end`` are aware, in the zone they should be shown in."""

    start: datetime
    end: datetime
    location_id: int | None


@dataclass(frozen=True, slots=True)
class Policy:
    min_notice: timedelta
    horizon: timedelta
    buffer: timedelta
    step: timedelta

    @classmethod
    def from_values(
        cls, min_notice_minutes: int, horizon_days: int, buffer_minutes: int, slot_step_minutes: int
    ) -> Policy:
        return cls(
            min_notice=timedelta(minutes=min_notice_minutes),
            horizon=timedelta(days=horizon_days),
            buffer=timedelta(minutes=buffer_minutes),
            step=timedelta(minutes=max(slot_step_minutes, 5)),
        )


DEFAULT_POLICY = Policy.from_values(**_DEFAULTS)


def policy_get(*, provider_id: int) -> Policy:
    """The provider's booking policy, or the defaults when it has no policy row."""
    row = BookingPolicy.objects.filter(provider_id=provider_id).values(*_POLICY_FIELDS).first()
    return Policy.from_values(**row) if row else DEFAULT_POLICY


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# --- Calendar data ----------------------------------------------------------------------


class _Intervals:
    """Sorted, merged half-open UTC intervals with an O(log n) overlap test."""

    __slots__ = ("ends", "starts")

    def __init__(self, pairs: Iterable[tuple[datetime, datetime]]) -> None:
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        for start, end in sorted(pairs):
            if self.ends and start <= self.ends[-1]:
                if end > self.ends[-1]:
                    self.ends[-1] = end
            else:
                self.starts.append(start)
                self.ends.append(end)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        i = bisect_right(self.ends, start)  # first interval ending after `start`
        return i < len(self.starts) and self.starts[i] < end


@dataclass(slots=True)
class _LocationHours:
    id: int
    tz: ZoneInfo
    weekly: dict[int, list[tuple[time, time]]] = field(default_factory=lambda: defaultdict(list))
    closed: set[date] = field(default_factory=set)
    extra: dict[date, list[tuple[time, time]]] = field(default_factory=lambda: defaultdict(list))
    time_off: _Intervals | None = None


@dataclass(slots=True)
class _Calendar:
    """What the engine needs to know about one provider, loaded in a few queries."""

    policy: Policy
    locations: list[_LocationHours]
    busy: _Intervals


def _active_appointments_q(now: datetime) -> Q:
    # Held appointments block their slot only until the hold runs out, even before the
    # expiry task has flipped their status.
    return Q(status__in=Appointment.ACTIVE_STATUSES) & ~Q(
        status=Appointment.Status.HELD, hold_expires_at__lte=now
    )


def provider_filter(provider_ids: Sequence[int], field: str = "provider_id") -> Q:
    """Rows whose ``field`` is one of ``provider_ids`` (or location ids): a range for a
    dense list (cheap to build and to plan for the bulk refresh's chunks of 1,000), else IN.
    A range may match extra rows, which callers drop."""
    if len(provider_ids) > 64:
        low, high = min(provider_ids), max(provider_ids)
        if high - low + 1 <= 2 * len(provider_ids):
            # Two comparisons: foreign keys have no __range lookup.
            return Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return Q(**{f"{field}__in": list(provider_ids)})


def _calendars_load(
    provider_ids: Sequence[int],
    *,
    now: datetime,
    since: datetime,
    until: datetime,
    policies: dict[int, Policy] | None = None,
    ignore_appointment_ids: Iterable[int] = (),
) -> dict[int, _Calendar]:
    """Load the calendars of ``provider_ids`` for starts in ``[since, until)`` (UTC).

    Six queries whatever the number of providers (five when ``policies`` is given,
    three when none of them has a location).
    """
    wanted = set(provider_ids)
    if policies is None:
        policies = {
            row[0]: Policy.from_values(*row[1:])
            for row in BookingPolicy.objects.filter(provider_filter(provider_ids)).values_list(
                "provider_id", *_POLICY_FIELDS
            )
        }
    locations: dict[int, _LocationHours] = {}
    by_provider: dict[int, list[_LocationHours]] = defaultdict(list)
    for loc_id, provider_id, tz_name in (
        Location.objects.filter(provider_filter(provider_ids))
        .order_by("provider_id", "pk")
        .values_list("pk", "provider_id", "timezone")
    ):
        if provider_id not in wanted:
            continue
        hours = _LocationHours(id=loc_id, tz=_zone(tz_name))
        locations[loc_id] = hours
        by_provider[provider_id].append(hours)

    # Filtered by location id (known by now) rather than joined to the locations: the
    # (location, weekday) and (location, date) indexes answer directly.
    location_ids = sorted(locations)
    if not location_ids:
        return {
            provider_id: _Calendar(
                policy=policies.get(provider_id, DEFAULT_POLICY), locations=[], busy=_Intervals(())
            )
            for provider_id in provider_ids
        }
    for loc_id, weekday, start, end in AvailabilityRule.objects.filter(
        provider_filter(location_ids, "location_id")
    ).values_list("location_id", "weekday", "start_time", "end_time"):
        if loc_id in locations:
            locations[loc_id].weekly[weekday].append((start, end))

    # Local dates differ from UTC dates by less than a day either side.
    first_day, last_day = since.date() - timedelta(days=1), until.date() + timedelta(days=1)
    for loc_id, day, kind, start, end in AvailabilityException.objects.filter(
        provider_filter(location_ids, "location_id"),
        date__range=(first_day, last_day),
    ).values_list("location_id", "date", "kind", "start_time", "end_time"):
        if loc_id not in locations:
            continue
        if kind == AvailabilityException.Kind.CLOSED:
            locations[loc_id].closed.add(day)
        else:
            locations[loc_id].extra[day].append((start, end))

    off_everywhere: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    off_at: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for provider_id, loc_id, start, end in TimeOff.objects.filter(
        provider_filter(provider_ids), end__gt=since, start__lt=until + timedelta(days=1)
    ).values_list("provider_id", "location_id", "start", "end"):
        (off_at[loc_id] if loc_id else off_everywhere[provider_id]).append((start, end))
    for provider_id, hours_list in by_provider.items():
        for hours in hours_list:
            hours.time_off = _Intervals(off_everywhere[provider_id] + off_at[hours.id])

    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    appointments = Appointment.objects.filter(
        _active_appointments_q(now),
        provider_filter(provider_ids),
        occupied_until__gt=since,
        start__lt=until + timedelta(days=1),  # no visit is longer than 10 hours
    )
    ignore = list(ignore_appointment_ids)
    if ignore:
        appointments = appointments.exclude(pk__in=ignore)
    for provider_id, start, occupied_until in appointments.values_list(
        "provider_id", "start", "occupied_until"
    ):
        busy[provider_id].append((start, occupied_until))

    return {
        provider_id: _Calendar(
            policy=policies.get(provider_id, DEFAULT_POLICY),
            locations=by_provider.get(provider_id, []),
            busy=_Intervals(busy[provider_id]),
        )
        for provider_id in provider_ids
    }


# --- The engine -------------------------------------------------------------------------


def _merged_windows(hours: _LocationHours, day: date) -> list[tuple[time, time]]:
    if day in hours.closed:
        return []
    windows = hours.weekly.get(day.weekday(), [])
    extra = hours.extra.get(day)
    if extra:
        windows = windows + extra
    if len(windows) < 2:
        return windows
    merged: list[tuple[time, time]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    # fold=0: an ambiguous wall time is read as its first occurrence; a non-existent one is
    # read with the offset before the gap (i.e. lands after it), which callers check.
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _steady_offset(first: datetime, last: datetime, tz: ZoneInfo) -> timedelta | None:
    """The UTC offset of the wall times ``first..last`` if no clock change falls between.

    Both folds of both ends are compared, so a window that starts or ends in a gap or a
    repeated hour is never taken as steady; no zone changes its clocks twice in a day.
    """
    offset = first.replace(tzinfo=tz).utcoffset()
    for moment in (first.replace(tzinfo=tz, fold=1), last.replace(tzinfo=tz)):
        if moment.utcoffset() != offset:
            return None
    if last.replace(tzinfo=tz, fold=1).utcoffset() != offset:
        return None
    return offset


def _location_starts(
    hours: _LocationHours,
    calendar: _Calendar,
    *,
    duration: timedelta,
    since: datetime,
    until: datetime,
) -> Iterator[datetime]:
    """Bookable starts (UTC, ascending) at one location with ``since <= start < until``."""
    policy = calendar.policy
    tz = hours.tz
    step = policy.step
    occupied = duration + policy.buffer
    time_off = hours.time_off
    busy = calendar.busy
    since_wall = since.astimezone(tz).replace(tzinfo=None)
    day = since_wall.date()
    last_day = until.astimezone(tz).date()
    while day <= last_day:
        for w_start, w_end in _merged_windows(hours, day):
            naive = datetime.combine(day, w_start)
            naive_end = datetime.combine(day, w_end)
            if naive_end <= since_wall:
                continue
            if naive < since_wall:
                # Jump to the first step at or after `since` (wall time maps monotonically
                # to UTC here, so no earlier wall time can be at or after it).
                naive += -((naive - since_wall) // step) * step
            window_end = _to_utc(naive_end, tz)
            offset = _steady_offset(naive, naive_end, tz)
            while naive < naive_end:
                if offset is not None:  # the usual day: plain arithmetic
                    start = naive.replace(tzinfo=UTC) - offset
                    naive += step
                else:
                    start = _to_utc(naive, tz)
                    wall = naive
                    naive += step
                    if start.astimezone(tz).replace(tzinfo=None) != wall:
                        continue  # this wall time does not exist (clocks jumped forward)
                end = start + duration
                if end > window_end:
                    break  # later starts end later still
                if start < since:
                    continue
                if start >= until:
                    return
                if time_off is not None and time_off.overlaps(start, end):
                    continue
                if busy.overlaps(start, start + occupied):
                    continue
                yield start
        day += timedelta(days=1)


def _bookable_range(policy: Policy, now: datetime) -> tuple[datetime, datetime]:
    """``[earliest, until)``: the horizon is inclusive, hence the microsecond."""
    now = now.astimezone(UTC)
    return now + policy.min_notice, now + policy.horizon + timedelta(microseconds=1)


def _day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = _to_utc(datetime.combine(first, time.min), tz)
    end = _to_utc(datetime.combine(last + timedelta(days=1), time.min), tz)
    return start, end


def _is_telehealth(consultation_type: ConsultationType) -> bool:
    return consultation_type.mode == ConsultationType.Mode.TELEHEALTH


def _collect(
    calendar: _Calendar,
    *,
    duration: timedelta,
    telehealth: bool,
    locations: list[_LocationHours],
    ranges: Callable[[_LocationHours], tuple[datetime, datetime]],
    now: datetime,
) -> list[Slot]:
    earliest, latest = _bookable_range(calendar.policy, now)
    found: list[tuple[datetime, int | None]] = []
    for hours in locations:
        since, until = ranges(hours)
        since, until = max(since, earliest), min(until, latest)
        if since >= until:
            continue
        location_id = None if telehealth else hours.id
        found.extend(
            (start, location_id)
            for start in _location_starts(
                hours, calendar, duration=duration, since=since, until=until
            )
        )
    if telehealth:
        found = [(start, None) for start in sorted({start for start, _ in found})]
    else:
        found.sort(key=lambda item: (item[0], item[1]))
    zones = {hours.id: hours.tz for hours in locations}
    default_tz = locations[0].tz if locations else UTC
    return [
        Slot(
            start=start.astimezone(zones.get(loc_id, default_tz) if loc_id else default_tz),
            end=(start + duration).astimezone(
                zones.get(loc_id, default_tz) if loc_id else default_tz
            ),
            location_id=loc_id,
        )
        for start, loc_id in found
    ]


def _select_locations(
    calendar: _Calendar, consultation_type: ConsultationType, location: Location | None
) -> list[_LocationHours]:
    if location is None or _is_telehealth(consultation_type):
        return calendar.locations
    return [hours for hours in calendar.locations if hours.id == location.pk]


def _check_ownership(
    provider: Provider, consultation_type: ConsultationType, location: Location | None
) -> None:
    if consultation_type.provider_id != provider.pk or not consultation_type.is_active:
        raise InvalidInput(
            "That consultation type is not offered by this provider.",
            code="unknown_consultation_type",
            errors={"consultation_type": ["Not a consultation type of this provider."]},
        )
    if location is not None and location.provider_id != provider.pk:
        raise InvalidInput(
            "That location does not belong to this provider.",
            code="unknown_location",
            errors={"location": ["Not a location of this provider."]},
        )


def slots_list(
    *,
    provider: Provider,
    consultation_type: ConsultationType,
    start_date: date,
    end_date: date,
    location: Location | None = None,
    now: datetime | None = None,
) -> tuple[str, list[Slot]]:
    """Every start a patient could book right now, in order, and the zone to show them in.

    ``start_date``..``end_date`` (inclusive) are local dates of the location (each location
    when none is given; the provider's first location for telehealth). Returns
    ``(timezone_name, slots)``; the name is that of ``location`` or of the provider's first
    location (``"UTC"`` when it has none). Raises ``InvalidInput`` for a range that ends
    before it starts or spans more than ``MAX_RANGE_DAYS`` days, and for a consultation type
    or location of another provider. A location given with a telehealth type is ignored.
    """
    for name, value in (("start", start_date), ("end", end_date)):
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            raise InvalidInput(
                "That date is out of range; pick dates in the coming months.",
                code="invalid_range",
                errors={name: ["Out of range."]},
            )
    if end_date < start_date:
        raise InvalidInput(
            "The end date is before the start date.",
            code="invalid_range",
            errors={"end": ["Must be on or after start."]},
        )
    if (end_date - start_date).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"Ask for at most {MAX_RANGE_DAYS} days at a time.",
            code="range_too_long",
            errors={"end": [f"At most {MAX_RANGE_DAYS} days after start."]},
        )
    _check_ownership(provider, consultation_type, location)
    now = now or timezone.now()
    telehealth = _is_telehealth(consultation_type)
    duration = timedelta(minutes=consultation_type.duration_minutes)

    # Starts are loaded for the widest possible span of the local dates (UTC-14..UTC+14).
    since = datetime.combine(start_date, time.min, tzinfo=UTC) - timedelta(hours=15)
    until = datetime.combine(end_date, time.min, tzinfo=UTC) + timedelta(hours=39)
    calendar = _calendars_load([provider.pk], now=now, since=since, until=until)[provider.pk]
    locations = _select_locations(calendar, consultation_type, location)
    if not locations:
        return (location.timezone if location is not None else "UTC"), []
    shown_tz = locations[0].tz
    if telehealth:
        bounds = _day_bounds(start_date, end_date, shown_tz)
        ranges = lambda hours: bounds  # noqa: E731 - one range for the union
    else:
        ranges = lambda hours: _day_bounds(start_date, end_date, hours.tz)  # noqa: E731
    slots = _collect(
        calendar,
        duration=duration,
        telehealth=telehealth,
        locations=locations,
        ranges=ranges,
        now=now,
    )
    return shown_tz.key, slots


def slot_check(
    *,
    provider: Provider,
    consultation_type: ConsultationType,
    start: datetime,
    location: Location | None = None,
    now: datetime | None = None,
    ignore_appointment_ids: Iterable[int] = (),
) -> Slot:
    """The bookable slot starting exactly at ``start``, or ``SlotUnavailable``.

    Meant to run inside the booking transaction, after the rows that serialise bookings
    are locked. ``ignore_appointment_ids`` are left out of the busy times (a reschedule
    ignores the appointment being moved). For an in-person type without ``location``, the
    first location (lowest id) where the start is bookable is returned; for telehealth the
    location is ignored and the slot's ``location_id`` is None. A naive ``start``, a
    consultation type or location of another provider, or an inactive type also raise
    ``SlotUnavailable``.
    """
    if timezone.is_naive(start):
        raise SlotUnavailable("The start time needs a UTC offset.")
    if consultation_type.provider_id != provider.pk or not consultation_type.is_active:
        raise SlotUnavailable()
    if location is not None and location.provider_id != provider.pk:
        raise SlotUnavailable()
    now = now or timezone.now()
    start_utc = start.astimezone(UTC)
    if not EARLIEST_DATE <= start_utc.date() <= LATEST_DATE:
        raise SlotUnavailable()
    duration = timedelta(minutes=consultation_type.duration_minutes)
    calendar = _calendars_load(
        [provider.pk],
        now=now,
        since=start_utc - timedelta(days=1),
        until=start_utc + timedelta(days=1),
        ignore_appointment_ids=ignore_appointment_ids,
    )[provider.pk]
    locations = _select_locations(calendar, consultation_type, location)
    window = (start_utc, start_utc + timedelta(microseconds=1))
    slots = _collect(
        calendar,
        duration=duration,
        telehealth=_is_telehealth(consultation_type),
        locations=locations,
        ranges=lambda hours: window,
        now=now,
    )
    if not slots:
        raise SlotUnavailable()
    return slots[0]
