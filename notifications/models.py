"""The notification outbox, reminder schedules, preferences, waitlist and calendar feeds.

``OutboundEmail`` is a transactional outbox: a receiver of ``booking.events.appointment_changed``
writes its rows in the transaction that changed the appointment, so an email exists if and
only if the change committed. Senders claim rows (status ``sending`` plus a lease in
``claimed_until``) before talking to SMTP; see docs/NOTIFICATIONS.md for the guarantees.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from booking.models import Appointment
from directory.models import ConsultationType, Provider

#: Reminders before the visit when a provider has not chosen its own schedule (24 h and 2 h).
DEFAULT_REMINDER_MINUTES = (24 * 60, 2 * 60)


def validate_reminder_minutes(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ValidationError("Give a list of whole minutes before the appointment.")
    if any(v < 15 or v > 14 * 24 * 60 for v in value):
        raise ValidationError("Each reminder must be between 15 minutes and 14 days before.")
    if len(set(value)) != len(value) or len(value) > 5:
        raise ValidationError("At most 5 reminders, each at a different time.")


class ReminderSchedule(models.Model):
    """When a provider's patients are reminded: minutes before the start, e.g. [1440, 120].

    Without a schedule the default (24 h and 2 h) applies; an empty list sends no reminders.
    """

    provider = models.OneToOneField(
        Provider, on_delete=models.CASCADE, related_name="reminder_schedule"
    )
    minutes_before = models.JSONField(
        default=list, blank=True, validators=[validate_reminder_minutes]
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reminder schedule of provider #{self.provider_id}"


class NotificationPreference(models.Model):
    """What a patient wants to receive. Transactional emails (changes) are always sent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    reminders_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Preferences of user #{self.user_id}"


class OutboundEmail(models.Model):
    """One email to one person, from planning to delivery (the outbox row)."""

    class Kind(models.TextChoices):
        BOOKING_RECEIVED = "booking_received", "Patient: booking received"
        CONFIRMED = "confirmed", "Patient: confirmed"
        DECLINED = "declined", "Patient: declined"
        RESCHEDULED = "rescheduled", "Patient: rescheduled"
        CANCELLED = "cancelled", "Patient: cancelled"
        REMINDER = "reminder", "Patient: reminder"
        WAITLIST_OFFER = "waitlist_offer", "Patient: earlier slot available"
        STAFF_NEW_BOOKING = "staff_new_booking", "Staff: new booking"
        STAFF_RESCHEDULED = "staff_rescheduled", "Staff: rescheduled"
        STAFF_CANCELLED = "staff_cancelled", "Staff: cancelled"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Claimed by a sender"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        CANCELLED = "cancelled", "Cancelled (no longer applies)"

    PATIENT_KINDS = (
        Kind.BOOKING_RECEIVED,
        Kind.CONFIRMED,
        Kind.DECLINED,
        Kind.RESCHEDULED,
        Kind.CANCELLED,
        Kind.REMINDER,
        Kind.WAITLIST_OFFER,
    )

    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        help_text="The address is read at send time; empty once the account is deleted.",
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    planned_for = models.DateTimeField(
        help_text="When it should go out: the reminder time, or the moment of the change."
    )
    appointment_start = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The start this email is about (re-checked before sending).",
    )
    appointment_sequence = models.PositiveIntegerField(default=0)
    payload = models.JSONField(
        default=dict, blank=True, help_text="Ids, times and codes only: never health details."
    )
    message_id = models.CharField(max_length=200, unique=True)

    attempts = models.PositiveSmallIntegerField(default=0, help_text="Claims so far.")
    next_attempt_at = models.DateTimeField(help_text="Not claimable before this time.")
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    last_error = models.CharField(
        max_length=200, blank=True, help_text="Exception class and SMTP code; no addresses."
    )
    skip_reason = models.CharField(max_length=40, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("planned_for", "pk")
        verbose_name = "outbound email"
        constraints = [
            # At most one email per (appointment, kind, planned time, person): a reminder's
            # planned time is its due time.
            models.UniqueConstraint(
                fields=["appointment", "kind", "planned_for", "recipient"],
                condition=Q(kind="reminder"),
                name="notifications_one_email_per_planned_time",
            ),
            # A change notice is planned for "now", so its identity is the appointment
            # version it announces: a signal sent twice for one change mails once, two
            # reschedules in the same instant (frozen clocks) still mail twice.
            models.UniqueConstraint(
                fields=["appointment", "kind", "appointment_sequence", "recipient"],
                condition=~Q(kind="reminder") & Q(appointment__isnull=False),
                name="notifications_one_notice_per_version",
            ),
            # A freed slot is offered to a waiting patient once.
            models.UniqueConstraint(
                fields=["provider", "kind", "planned_for", "recipient"],
                condition=Q(kind="waitlist_offer"),
                name="notifications_one_offer_per_slot",
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_until__isnull=False),
                name="notifications_sending_has_lease",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="notifications_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_due_idx"),
            models.Index(fields=["status", "claimed_until"], name="notif_lease_idx"),
            models.Index(fields=["appointment", "status"], name="notif_appt_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Email #{self.pk} {self.kind} ({self.status})"

    @property
    def to_patient(self) -> bool:
        return self.kind in self.PATIENT_KINDS


class WaitlistEntry(models.Model):
    """A patient who wants to hear about an earlier slot at a provider."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    earliest_date = models.DateField(null=True, blank=True)
    latest_date = models.DateField(null=True, blank=True)
    last_offered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "provider"], name="notifications_waitlist_once_per_provider"
            ),
            models.CheckConstraint(
                condition=Q(earliest_date__isnull=True)
                | Q(latest_date__isnull=True)
                | Q(latest_date__gte=models.F("earliest_date")),
                name="notifications_waitlist_range_ordered",
            ),
        ]
        indexes = [models.Index(fields=["provider", "created_at"], name="notif_waitlist_idx")]

    def __str__(self) -> str:
        return f"Waitlist entry #{self.pk}"


def _new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A staff member's secret iCalendar feed URL (the token is the only credential)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_feed_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed of user #{self.user_id}"

    def rotate(self) -> None:
        self.token = _new_feed_token()
