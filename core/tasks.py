"""Celery entry points of core: the beat heartbeat that /readyz reads."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

#: Cache key holding the ISO time of the last heartbeat a worker ran.
HEARTBEAT_KEY = "core:beat-heartbeat"
#: Beat schedules the heartbeat this often (CELERY_BEAT_SCHEDULE "core-heartbeat").
HEARTBEAT_INTERVAL_SECONDS = 30.0


@shared_task(
    name="core.tasks.heartbeat",
    ignore_result=True,
    # A heartbeat that waited in the queue says nothing about beat now: drop it after one
    # interval instead of reporting a stale "alive" late.
    expires=HEARTBEAT_INTERVAL_SECONDS,
    soft_time_limit=10,
    time_limit=20,
)
def heartbeat() -> str:
    """Record that beat scheduled this and a worker ran it: the readiness probe reads it."""
    now = timezone.now().isoformat()
    # Kept a little longer than readiness looks back, so a stale value is visible as stale.
    cache.set(HEARTBEAT_KEY, now, timeout=int(HEARTBEAT_INTERVAL_SECONDS * 10))
    return now
