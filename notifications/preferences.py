"""Services for what a person chooses to receive: reminder opt-out and calendar feeds."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from core.exceptions import NotFound, ServiceError
from directory.models import ProviderStaff
from notifications.models import CalendarFeed, NotificationPreference

logger = logging.getLogger(__name__)


class NotStaff(ServiceError):
    status_code = 403
    default_code = "not_staff"
    default_detail = "Only a provider's staff have a calendar feed."


def preference_get(*, user: Any) -> NotificationPreference:
    """The user's preferences (defaults when never saved; not written until changed)."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


def preference_update(*, user: Any, reminders_enabled: bool) -> NotificationPreference:
    """Turn reminders on or off for a user. Pending reminders are re-checked before sending."""
    with transaction.atomic():
        pref, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        pref.reminders_enabled = reminders_enabled
        pref.save(update_fields=["reminders_enabled", "updated_at"])
    logger.info("user %s reminders_enabled=%s", user.pk, reminders_enabled)
    return pref


def reminders_unsubscribe(*, user_id: int) -> None:
    """The one-click link: reminders off for the user the signed token names."""
    from accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("This link is no longer valid.")
    preference_update(user=user, reminders_enabled=False)


def _require_staff(user: Any) -> None:
    if not ProviderStaff.objects.filter(user=user).exists():
        raise NotStaff()


def calendar_feed_get(*, user: Any) -> CalendarFeed:
    """The staff member's feed, created on first use."""
    _require_staff(user)
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_reset(*, user: Any) -> CalendarFeed:
    """A new secret token; the old URL stops working at once."""
    _require_staff(user)
    with transaction.atomic():
        feed, _ = CalendarFeed.objects.select_for_update().get_or_create(user=user)
        feed.rotate()
        feed.save()
    logger.info("calendar feed of user %s reset", user.pk)
    return feed
