"""Waitlist services: patients asking to hear about an earlier slot at a provider.

When booking announces ``slot_freed`` (after its commit), the longest-waiting eligible
patients are offered the slot by email, a few at a time: each freed slot goes to the next
``NOTIFICATIONS_WAITLIST_BATCH`` people (those offered least recently first), and the link
books it only if it is still free when they click.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from booking.availability import slot_check
from booking.exceptions import SlotUnavailable
from booking.models import Appointment
from core.exceptions import Conflict, InvalidInput, NotFound
from directory.models import ConsultationType, Provider
from notifications.models import OutboundEmail, WaitlistEntry
from notifications.services import _insert, enqueue

logger = logging.getLogger(__name__)


def waitlist_join(
    *,
    patient: Any,
    provider: Provider,
    consultation_type: ConsultationType | None = None,
    earliest_date: dt.date | None = None,
    latest_date: dt.date | None = None,
) -> WaitlistEntry:
    """Put a patient on a provider's waitlist (once per provider)."""
    if consultation_type is not None and consultation_type.provider_id != provider.pk:
        raise InvalidInput(
            "That consultation type is not offered by this provider.",
            errors={"consultation_type": ["Not offered by this provider."]},
        )
    if earliest_date and latest_date and latest_date < earliest_date:
        raise InvalidInput(
            "The latest date is before the earliest date.",
            code="invalid_range",
            errors={"latest_date": ["Must be on or after earliest_date."]},
        )
    with transaction.atomic():
        if WaitlistEntry.objects.filter(patient=patient, provider=provider).exists():
            raise Conflict(
                "You are already on this provider's waitlist; remove that entry to change it.",
                code="already_waiting",
            )
        return WaitlistEntry.objects.create(
            patient=patient,
            provider=provider,
            consultation_type=consultation_type,
            earliest_date=earliest_date,
            latest_date=latest_date,
        )


def waitlist_leave(*, patient: Any, entry_id: int) -> None:
    """Remove one of the patient's own entries (404 for anyone else's)."""
    deleted, _ = WaitlistEntry.objects.filter(pk=entry_id, patient=patient).delete()
    if not deleted:
        raise NotFound("No such waitlist entry.")


def _consultation_type(entry: WaitlistEntry) -> ConsultationType | None:
    if entry.consultation_type_id is not None:
        return entry.consultation_type
    return (
        ConsultationType.objects.filter(provider_id=entry.provider_id, is_active=True)
        .order_by("duration_minutes", "pk")
        .first()
    )


def _still_bookable(
    provider: Provider, ctype: ConsultationType | None, start: dt.datetime, now: dt.datetime
) -> Any:
    if ctype is None or not ctype.is_active or start <= now:
        return None
    try:
        return slot_check(provider=provider, consultation_type=ctype, start=start, now=now)
    except SlotUnavailable:
        return None


def _eligible(entry: WaitlistEntry, start: dt.datetime, zone: Any, now: dt.datetime) -> bool:
    local_day = start.astimezone(zone).date()
    if entry.earliest_date and local_day < entry.earliest_date:
        return False
    if entry.latest_date and local_day > entry.latest_date:
        return False
    # "Earlier" than what they already have here, if they have something.
    current = (
        Appointment.objects.filter(
            patient_id=entry.patient_id,
            provider_id=entry.provider_id,
            status__in=Appointment.BOOKED_STATUSES,
            start__gt=now,
        )
        .order_by("start")
        .values_list("start", flat=True)
        .first()
    )
    return current is None or start < current


def waitlist_offer_freed_slot(
    *, provider_id: int, start: dt.datetime, now: dt.datetime | None = None
) -> list[int]:
    """Offer a freed start to the next few waiting patients; returns the outbox ids."""
    now = now or timezone.now()
    provider = Provider.objects.filter(pk=provider_id).first()
    if provider is None or start <= now:
        return []
    first_location = provider.locations.order_by("pk").first()
    zone = first_location.tzinfo if first_location else dt.UTC
    batch = settings.NOTIFICATIONS_WAITLIST_BATCH
    ids: list[int] = []
    with transaction.atomic():
        entries = (
            WaitlistEntry.objects.select_related("consultation_type")
            .filter(provider_id=provider_id, patient__is_active=True)
            .order_by(F("last_offered_at").asc(nulls_first=True), "created_at", "pk")
        )
        for entry in entries[:200]:
            if len(ids) >= batch:
                break
            if not _eligible(entry, start, zone, now):
                continue
            ctype = _consultation_type(entry)
            slot = _still_bookable(provider, ctype, start, now)
            if slot is None:
                continue
            row = _insert(
                kind=OutboundEmail.Kind.WAITLIST_OFFER,
                recipient_id=entry.patient_id,
                provider_id=provider_id,
                planned_for=start,
                next_attempt_at=now,
                payload={
                    "waitlist_entry_id": entry.pk,
                    "consultation_type_id": ctype.pk,
                    "slot_start": slot.start.isoformat(),
                    "slot_end": slot.end.isoformat(),
                    "location_id": slot.location_id,
                },
            )
            if row is None:
                continue  # already offered this start
            entry.last_offered_at = now
            entry.save(update_fields=["last_offered_at"])
            ids.append(row.pk)
        if ids:
            transaction.on_commit(lambda: enqueue(ids))
    logger.info("slot of provider %s offered to %s waiting patients", provider_id, len(ids))
    return ids


def offer_skip_reason(row: OutboundEmail, now: dt.datetime) -> str:
    """Why a waitlist offer should not go out any more ('' if it should)."""
    payload = row.payload
    if not WaitlistEntry.objects.filter(pk=payload.get("waitlist_entry_id")).exists():
        return "left_waitlist"
    ctype = ConsultationType.objects.filter(pk=payload.get("consultation_type_id")).first()
    start = dt.datetime.fromisoformat(payload["slot_start"])
    if _still_bookable(row.provider, ctype, start, now) is None:
        return "slot_taken"
    return ""


def offer_book_url(row: OutboundEmail) -> str:
    payload = row.payload
    query = urlencode(
        {"start": payload["slot_start"], "consultation_type": payload["consultation_type_id"]}
    )
    return f"{settings.SITE_URL.rstrip('/')}/providers/{row.provider.slug}/?{query}"
