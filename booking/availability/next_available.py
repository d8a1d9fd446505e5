"""``Provider.next_available``: the first slot, kept current cheaply.

It is exactly the first start ``slots_list`` returns for the provider's shortest active
consultation type at any location. It is refreshed when something changes (bookings, rules,
time off: ``next_available_refresh_on_commit``) and by a periodic task for what time alone
changes (``providers_stale_ids``), never on a search request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from booking.availability.engine import (
    _POLICY_FIELDS,
    DEFAULT_POLICY,
    Policy,
    _active_appointments_q,
    _bookable_range,
    _Calendar,
    _calendars_load,
    _location_starts,
    provider_filter,
)
from booking.models import Appointment, BookingPolicy
from directory.models import ConsultationType, Provider

logger = logging.getLogger(__name__)


def _first_start(calendar: _Calendar, *, duration: timedelta, now: datetime) -> datetime | None:
    """The first slot ``slots_list`` would return for any location (UTC), or None.

    Telehealth slots are the union of every location's starts and an in-person request
    without a location lists all of them, so either way the first is the minimum of each
    location's first start.
    """
    earliest, latest = _bookable_range(calendar.policy, now)
    best: datetime | None = None
    for hours in calendar.locations:
        until = latest if best is None else min(latest, best)
        if earliest >= until:
            break
        first = next(
            _location_starts(hours, calendar, duration=duration, since=earliest, until=until),
            None,
        )
        if first is not None and (best is None or first < best):
            best = first
    return best


def _shortest_durations(provider_ids: Sequence[int]) -> dict[int, int]:
    """provider id -> duration in minutes of its shortest active consultation type."""
    shortest: dict[int, int] = {}
    for provider_id, minutes in (
        ConsultationType.objects.filter(provider_filter(provider_ids), is_active=True)
        .order_by("provider_id", "duration_minutes", "pk")
        .values_list("provider_id", "duration_minutes")
    ):
        shortest.setdefault(provider_id, minutes)
    return shortest


def _compute_next_available(
    provider_ids: Sequence[int], *, now: datetime
) -> dict[int, datetime | None]:
    shortest = _shortest_durations(provider_ids)
    with_types = [pid for pid in provider_ids if pid in shortest]
    result: dict[int, datetime | None] = dict.fromkeys(provider_ids)
    if not with_types:
        return result
    policies = {
        row[0]: Policy.from_values(*row[1:])
        for row in BookingPolicy.objects.filter(provider_filter(with_types)).values_list(
            "provider_id", *_POLICY_FIELDS
        )
    }
    longest_horizon = max((p.horizon for p in policies.values()), default=DEFAULT_POLICY.horizon)
    longest_horizon = max(longest_horizon, DEFAULT_POLICY.horizon)
    now_utc = now.astimezone(UTC)
    calendars = _calendars_load(
        with_types,
        now=now,
        since=now_utc,
        until=now_utc + longest_horizon,
        policies=policies,
    )
    for provider_id in with_types:
        result[provider_id] = _first_start(
            calendars[provider_id], duration=timedelta(minutes=shortest[provider_id]), now=now
        )
    return result


def provider_refresh_next_available(
    *, provider_id: int, now: datetime | None = None
) -> datetime | None:
    """Recompute and store ``Provider.next_available``; returns the new value.

    It is exactly the first slot ``slots_list`` returns for the provider's shortest active
    consultation type (any location), or None. The provider row is locked while reading,
    so of two refreshes racing after two bookings, the one that writes last read last.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = list(
            Provider.objects.filter(pk=provider_id)
            .select_for_update()
            .values_list("pk", "next_available")
        )
        if not locked:
            return None
        value = _compute_next_available([provider_id], now=now)[provider_id]
        if locked[0][1] != value:
            Provider.objects.filter(pk=provider_id).update(next_available=value)
    return value


def next_available_refresh_on_commit(*, provider_id: int) -> None:
    """Refresh the provider's ``next_available`` once the current transaction commits.

    For services that change bookings or availability (call it inside their atomic block).
    A failure is logged and left to the periodic task, never raised into the request.
    """
    transaction.on_commit(
        lambda: provider_refresh_next_available(provider_id=provider_id), robust=True
    )


def _bulk_write(values: dict[int, datetime | None]) -> None:
    if not values:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE directory_provider AS p SET next_available = v.na "
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, na) WHERE p.id = v.id",
                [list(values), list(values.values())],
            )
        return
    objs = [Provider(pk=pk, next_available=value) for pk, value in values.items()]
    Provider.objects.bulk_update(objs, ["next_available"], batch_size=500)


def _id_chunks(provider_ids: Iterable[int] | None, batch_size: int) -> Iterator[list[int]]:
    if provider_ids is not None:
        ids = sorted(set(provider_ids))
        for i in range(0, len(ids), batch_size):
            yield ids[i : i + batch_size]
        return
    last = 0
    while True:  # keyset pagination: no OFFSET scans over 100,000 rows
        chunk = list(
            Provider.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1]


def providers_refresh_next_available(
    *,
    provider_ids: Iterable[int] | None = None,
    now: datetime | None = None,
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Recompute ``next_available`` of many providers (all when ``provider_ids`` is None).

    Works in chunks of ``batch_size``: per chunk about eight queries load the policies,
    locations, rules, exceptions, time off and appointments of every provider in it, the
    first slots are computed in memory, and only the changed values are written in one
    statement. Each chunk's provider rows are locked while it is computed (rows being
    refreshed elsewhere are skipped). Returns how many providers were recomputed;
    ``progress`` is called with the running total after each chunk.
    """
    now = now or timezone.now()
    done = 0
    changed = 0
    skip_locked = connection.features.has_select_for_update_skip_locked
    for chunk in _id_chunks(provider_ids, batch_size):
        with transaction.atomic():
            wanted = set(chunk)
            current = {
                pk: value
                for pk, value in Provider.objects.filter(provider_filter(chunk, "pk"))
                .select_for_update(skip_locked=skip_locked)
                .values_list("pk", "next_available")
                if pk in wanted
            }
            values = _compute_next_available(list(current), now=now)
            updates = {pk: v for pk, v in values.items() if current[pk] != v}
            _bulk_write(updates)
        done += len(current)
        changed += len(updates)
        if progress is not None:
            progress(done)
    logger.info("next_available refreshed providers=%s changed=%s", done, changed)
    return done


def providers_stale_ids(*, now: datetime | None = None) -> list[int]:
    """Providers whose ``next_available`` time has let it go stale.

    A stored first slot stops being bookable once it falls inside the minimum notice, so
    ``next_available < now + min_notice`` is recomputed. Everything else that moves it
    (bookings, cancellations, rules, time off) refreshes it when it happens; as a safety net
    for a refresh that failed after its commit, a provider whose stored first slot lies
    inside an active appointment is recomputed too. Providers with no value but with
    weekly hours may gain a slot as the horizon moves on; callers choose how often to
    include them (``providers_without_slot_ids``).
    """
    now = now or timezone.now()
    ids: set[int] = set(
        Provider.objects.filter(
            booking_policy__isnull=True,
            next_available__lt=now + DEFAULT_POLICY.min_notice,
        ).values_list("pk", flat=True)
    )
    for minutes in (
        BookingPolicy.objects.values_list("min_notice_minutes", flat=True)
        .distinct()
        .order_by("min_notice_minutes")
    ):
        ids.update(
            Provider.objects.filter(
                booking_policy__min_notice_minutes=minutes,
                next_available__lt=now + timedelta(minutes=minutes),
            ).values_list("pk", flat=True)
        )
    taken = Appointment.objects.filter(
        _active_appointments_q(now),
        provider_id=OuterRef("pk"),
        start__lte=OuterRef("next_available"),
        occupied_until__gt=OuterRef("next_available"),
    )
    ids.update(
        Provider.objects.filter(next_available__gte=now)
        .filter(Exists(taken))
        .values_list("pk", flat=True)
    )
    return sorted(ids)


def providers_without_slot_ids() -> list[int]:
    """Providers with weekly hours but no ``next_available`` (fully booked or closed)."""
    return sorted(
        Provider.objects.filter(next_available__isnull=True, locations__weekly_rules__isnull=False)
        .values_list("pk", flat=True)
        .distinct()
    )
