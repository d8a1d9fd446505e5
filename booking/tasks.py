"""Celery entry points of booking: thin, ids only, harmless when delivered twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

from booking import availability
from directory.models import Provider

logger = logging.getLogger(__name__)

# Providers without any slot are re-examined this often (the horizon moving on may open a
# day); the rest only when their stored first slot falls inside the minimum notice.
WITHOUT_SLOT_SWEEP_SECONDS = 60 * 60
_SWEEP_KEY = "booking:next-available:without-slot-sweep"


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
)
def refresh_stale_next_available() -> int:
    """Periodic: recompute ``next_available`` where time has made it stale."""
    now = timezone.now()
    ids = set(availability.providers_stale_ids(now=now))
    # cache.add is atomic: one worker per hour wins the sweep of providers without a slot.
    if cache.add(_SWEEP_KEY, now.isoformat(), timeout=WITHOUT_SLOT_SWEEP_SECONDS):
        ids.update(availability.providers_without_slot_ids())
    count = availability.providers_refresh_next_available(provider_ids=ids, now=now)
    logger.info("refresh_stale_next_available providers=%s", count)
    return count


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=120,
    max_retries=5,
    soft_time_limit=30,
    time_limit=60,
)
def refresh_provider_next_available(provider_id: int) -> None:
    """Recompute one provider's ``next_available`` (gone providers are ignored)."""
    if not Provider.objects.filter(pk=provider_id).exists():
        return
    availability.provider_refresh_next_available(provider_id=provider_id)


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=120,
    max_retries=3,
    soft_time_limit=50,
    time_limit=60,
)
def expire_holds() -> int:
    """Periodic: mark run-out holds expired (they already stopped counting) and purge
    idempotency keys older than a day. Harmless when delivered twice."""
    from booking.idempotency import idempotency_keys_purge
    from booking.services import holds_expire

    count = holds_expire()
    purged = idempotency_keys_purge()
    logger.info("expire_holds expired=%s idempotency_keys_purged=%s", count, purged)
    return count
