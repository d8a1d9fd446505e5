"""Writes of availability: weekly rules, exceptions, time off and the booking policy.

Each service validates, writes in its own transaction and refreshes the provider's
``next_available`` once it commits. The location's row is locked before the overlap check
so two simultaneous rule creations at one location cannot both pass it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from booking.availability.next_available import next_available_refresh_on_commit
from booking.models import AvailabilityException, AvailabilityRule, BookingPolicy, TimeOff
from core.exceptions import InvalidInput
from directory.models import Location, Provider

_UNSET: Any = object()


def _location_of(provider: Provider, location_id: int | None, *, lock: bool = False) -> Location:
    qs = Location.objects.filter(pk=location_id, provider_id=provider.pk)
    if lock:
        qs = qs.select_for_update()
    location = qs.first() if location_id is not None else None
    if location is None:
        raise InvalidInput(
            "That location does not belong to your practice.",
            code="unknown_location",
            errors={"location": ["Not one of your locations."]},
        )
    return location


def _times_check(start: time | datetime, end: time | datetime, *, fields=("start", "end")) -> None:
    if end <= start:
        raise InvalidInput(
            "The end must be after the start.",
            code="end_before_start",
            errors={fields[1]: ["Must be after the start."]},
        )


def _rule_overlap_check(
    *, location: Location, weekday: int, start_time: time, end_time: time, exclude_pk=None
) -> None:
    clash = AvailabilityRule.objects.filter(
        location=location, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
    )
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    other = clash.order_by("start_time").first()
    if other is not None:
        raise InvalidInput(
            f"These hours overlap the existing rule {other.start_time:%H:%M}-"
            f"{other.end_time:%H:%M} on the same day; change that one instead.",
            code="rule_overlap",
            errors={"start_time": ["Overlaps another rule of this location and weekday."]},
        )


def availability_rule_create(
    *, provider: Provider, location_id: int, weekday: int, start_time: time, end_time: time
) -> AvailabilityRule:
    """Add weekly opening hours (local wall time) to one of the provider's locations.

    Raises ``InvalidInput`` (``unknown_location``, ``end_before_start``, ``rule_overlap``).
    """
    _times_check(start_time, end_time, fields=("start_time", "end_time"))
    with transaction.atomic():
        location = _location_of(provider, location_id, lock=True)
        _rule_overlap_check(
            location=location, weekday=weekday, start_time=start_time, end_time=end_time
        )
        rule = AvailabilityRule.objects.create(
            location=location, weekday=weekday, start_time=start_time, end_time=end_time
        )
        next_available_refresh_on_commit(provider_id=provider.pk)
    return rule


def availability_rule_update(
    *,
    rule: AvailabilityRule,
    location_id: int = _UNSET,
    weekday: int = _UNSET,
    start_time: time = _UNSET,
    end_time: time = _UNSET,
) -> AvailabilityRule:
    """Change a rule; fields not given keep their value. Same errors as creation."""
    provider = rule.location.provider
    location_id = rule.location_id if location_id is _UNSET else location_id
    weekday = rule.weekday if weekday is _UNSET else weekday
    start_time = rule.start_time if start_time is _UNSET else start_time
    end_time = rule.end_time if end_time is _UNSET else end_time
    _times_check(start_time, end_time, fields=("start_time", "end_time"))
    with transaction.atomic():
        location = _location_of(provider, location_id, lock=True)
        _rule_overlap_check(
            location=location,
            weekday=weekday,
            start_time=start_time,
            end_time=end_time,
            exclude_pk=rule.pk,
        )
        rule.location = location
        rule.weekday = weekday
        rule.start_time = start_time
        rule.end_time = end_time
        rule.save()
        next_available_refresh_on_commit(provider_id=provider.pk)
    return rule


def availability_rule_delete(*, rule: AvailabilityRule) -> None:
    """Remove weekly hours. Booked appointments in them are kept."""
    provider_id = rule.location.provider_id
    with transaction.atomic():
        rule.delete()
        next_available_refresh_on_commit(provider_id=provider_id)


def _aware_check(**values: datetime) -> None:
    naive = [name for name, value in values.items() if timezone.is_naive(value)]
    if naive:
        raise InvalidInput(
            "Times need a UTC offset, e.g. 2027-03-15T09:00:00-04:00.",
            code="naive_datetime",
            errors={name: ["Include a UTC offset."] for name in naive},
        )


def time_off_create(
    *,
    provider: Provider,
    start: datetime,
    end: datetime,
    reason: str = "",
    location_id: int | None = None,
) -> TimeOff:
    """Block time (everywhere, or at one location). Existing appointments are kept.

    Raises ``InvalidInput`` (``naive_datetime``, ``end_before_start``, ``unknown_location``).
    """
    _aware_check(start=start, end=end)
    _times_check(start, end)
    with transaction.atomic():
        location = _location_of(provider, location_id) if location_id is not None else None
        block = TimeOff.objects.create(
            provider=provider, location=location, start=start, end=end, reason=reason
        )
        next_available_refresh_on_commit(provider_id=provider.pk)
    return block


def time_off_update(
    *,
    time_off: TimeOff,
    start: datetime = _UNSET,
    end: datetime = _UNSET,
    reason: str = _UNSET,
    location_id: int | None = _UNSET,
) -> TimeOff:
    """Change a time-off block; fields not given keep their value."""
    start = time_off.start if start is _UNSET else start
    end = time_off.end if end is _UNSET else end
    _aware_check(start=start, end=end)
    _times_check(start, end)
    with transaction.atomic():
        if location_id is not _UNSET:
            time_off.location = (
                _location_of(time_off.provider, location_id) if location_id is not None else None
            )
        if reason is not _UNSET:
            time_off.reason = reason
        time_off.start = start
        time_off.end = end
        time_off.save()
        next_available_refresh_on_commit(provider_id=time_off.provider_id)
    return time_off


def time_off_delete(*, time_off: TimeOff) -> None:
    """Remove a time-off block; its hours are bookable again at once."""
    with transaction.atomic():
        time_off.delete()
        next_available_refresh_on_commit(provider_id=time_off.provider_id)


def _exception_check(kind: str, start_time: time | None, end_time: time | None) -> None:
    if kind == AvailabilityException.Kind.CLOSED:
        if start_time is not None or end_time is not None:
            raise InvalidInput(
                "A closed day has no hours; leave start_time and end_time empty.",
                code="closed_with_hours",
                errors={"start_time": ["Must be empty for a closed day."]},
            )
        return
    if start_time is None or end_time is None:
        raise InvalidInput(
            "Extra hours need a start_time and an end_time.",
            code="extra_without_hours",
            errors={
                name: ["Required for extra hours."]
                for name, value in (("start_time", start_time), ("end_time", end_time))
                if value is None
            },
        )
    _times_check(start_time, end_time, fields=("start_time", "end_time"))


def availability_exception_create(
    *,
    provider: Provider,
    location_id: int,
    date: date,
    kind: str,
    start_time: time | None = None,
    end_time: time | None = None,
) -> AvailabilityException:
    """Close a location for a date, or open extra hours on it (local wall time).

    A closed date has no hours at all, extra hours on the same date included.
    """
    _exception_check(kind, start_time, end_time)
    with transaction.atomic():
        location = _location_of(provider, location_id)
        exception = AvailabilityException.objects.create(
            location=location, date=date, kind=kind, start_time=start_time, end_time=end_time
        )
        next_available_refresh_on_commit(provider_id=provider.pk)
    return exception


def availability_exception_update(
    *,
    exception: AvailabilityException,
    location_id: int = _UNSET,
    date: date = _UNSET,
    kind: str = _UNSET,
    start_time: time | None = _UNSET,
    end_time: time | None = _UNSET,
) -> AvailabilityException:
    """Change an exception; fields not given keep their value."""
    provider = exception.location.provider
    kind = exception.kind if kind is _UNSET else kind
    if kind == AvailabilityException.Kind.CLOSED:
        # Switching to closed drops the hours unless they were sent explicitly.
        start_time = None if start_time is _UNSET else start_time
        end_time = None if end_time is _UNSET else end_time
    start_time = exception.start_time if start_time is _UNSET else start_time
    end_time = exception.end_time if end_time is _UNSET else end_time
    _exception_check(kind, start_time, end_time)
    with transaction.atomic():
        if location_id is not _UNSET:
            exception.location = _location_of(provider, location_id)
        if date is not _UNSET:
            exception.date = date
        exception.kind = kind
        exception.start_time = start_time
        exception.end_time = end_time
        exception.save()
        next_available_refresh_on_commit(provider_id=provider.pk)
    return exception


def availability_exception_delete(*, exception: AvailabilityException) -> None:
    provider_id = exception.location.provider_id
    with transaction.atomic():
        exception.delete()
        next_available_refresh_on_commit(provider_id=provider_id)


def booking_policy_get(*, provider: Provider) -> BookingPolicy:
    """The provider's policy, or an unsaved one holding the defaults."""
    return BookingPolicy.objects.filter(provider=provider).first() or BookingPolicy(
        provider=provider
    )


def booking_policy_update(*, provider: Provider, **values: int) -> BookingPolicy:
    """Create or change the provider's booking policy (fields of ``BookingPolicy``).

    Values are expected to be validated already (the API's serializer applies the model's
    validators); unknown names raise ``InvalidInput``.
    """
    allowed = {
        "min_notice_minutes",
        "horizon_days",
        "buffer_minutes",
        "slot_step_minutes",
        "hold_minutes",
    }
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise InvalidInput(f"Unknown policy fields: {', '.join(unknown)}.", code="invalid")
    with transaction.atomic():
        policy, _ = BookingPolicy.objects.select_for_update().get_or_create(provider=provider)
        for name, value in values.items():
            setattr(policy, name, value)
        try:
            policy.full_clean(exclude=["provider"])
        except ValidationError as exc:
            raise InvalidInput(
                "Some policy values are out of range.",
                code="invalid_policy",
                errors=exc.message_dict,
            ) from None
        policy.save()
        next_available_refresh_on_commit(provider_id=provider.pk)
    return policy
