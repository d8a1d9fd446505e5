"""Reads of notifications that more than one place needs."""

from __future__ import annotations

from booking.models import Appointment
from notifications.models import (
    DEFAULT_REMINDER_MINUTES,
    CalendarFeed,
    NotificationPreference,
    ReminderSchedule,
)


def reminder_minutes(*, provider_id: int) -> list[int]:
    """Minutes before the start at which a provider's patients are reminded, largest first."""
    schedule = ReminderSchedule.objects.filter(provider_id=provider_id).first()
    minutes = schedule.minutes_before if schedule is not None else DEFAULT_REMINDER_MINUTES
    return sorted(minutes, reverse=True)


def reminders_enabled(*, user_id: int) -> bool:
    pref = NotificationPreference.objects.filter(user_id=user_id).first()
    return pref.reminders_enabled if pref is not None else True


def feed_appointments(*, token: str, now) -> tuple[CalendarFeed | None, list[Appointment]]:
    """The feed of a token and the provider's upcoming booked appointments (None if unknown)."""
    feed = (
        CalendarFeed.objects.select_related("user__provider_staff__provider")
        .filter(token=token, user__is_active=True, user__provider_staff__isnull=False)
        .first()
    )
    if feed is None:
        return None, []
    provider_id = feed.user.provider_staff.provider_id
    appointments = list(
        Appointment.objects.select_related("location", "provider")
        .filter(
            provider_id=provider_id,
            status__in=Appointment.BOOKED_STATUSES,
            end__gte=now,
        )
        .order_by("start", "pk")[:1000]
    )
    return feed, appointments
