"""Listeners of booking's events (connected in ``NotificationsConfig.ready``)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from booking.models import Appointment

logger = logging.getLogger(__name__)


def on_appointment_changed(
    sender: Any,
    *,
    appointment: Appointment,
    event: str,
    previous_start: dt.datetime | None = None,
    **kwargs: Any,
) -> None:
    # Runs inside booking's transaction: an error here rolls the change back, which is
    # right (a booking without its emails would break the outbox promise).
    from notifications.services import notifications_plan_for_change

    notifications_plan_for_change(
        appointment=appointment, event=event, previous_start=previous_start
    )


def on_slot_freed(sender: Any, *, provider_id: int, start: dt.datetime, **kwargs: Any) -> None:
    # After booking's commit; a failure must not surface to the patient who cancelled.
    from notifications.waitlist import waitlist_offer_freed_slot

    try:
        waitlist_offer_freed_slot(provider_id=provider_id, start=start)
    except Exception:
        logger.exception("waitlist offer for provider %s failed", provider_id)
