"""Celery entry points: thin, ids only (JSON), safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from notifications import services

_COMMON = {
    "acks_late": True,
    "soft_time_limit": 60,
    "time_limit": 90,  # below NOTIFICATIONS_CLAIM_LEASE_SECONDS: no live sender outlives a lease
    # A database blip: retry the task; SMTP failures are retried through the row instead.
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "max_retries": 3,
}


@shared_task(name="notifications.tasks.send_notification", **_COMMON)
def send_notification(outbound_id: int) -> str:
    """Send one outbox email now if it is still due (a duplicate delivery finds it claimed)."""
    return services.outbound_send(outbound_id=outbound_id)


@shared_task(name="notifications.tasks.send_due_notifications", **_COMMON)
def send_due_notifications() -> dict[str, int]:
    """Beat, every minute: send every due reminder, retry and email a lost task left behind."""
    return services.outbound_send_due()
