"""Availability, holds and appointments.

The rule that a slot is never booked twice lives in the database: on PostgreSQL an
exclusion constraint (btree_gist) forbids two *active* appointments of one provider whose
occupied ranges ``[start, occupied_until)`` overlap (migration 0002); on SQLite every write
transaction is IMMEDIATE (settings), so the check-then-insert in ``services`` is serialised.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from directory.models import ConsultationType, Location, Provider


class BookingPolicy(models.Model):
    """How far ahead and how soon a provider can be booked."""

    provider = models.OneToOneField(
        Provider, on_delete=models.CASCADE, related_name="booking_policy"
    )
    min_notice_minutes = models.PositiveIntegerField(
        default=24 * 60, validators=[MaxValueValidator(60 * 24 * 30)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(240)],
        help_text="Kept free after every appointment.",
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="Distance between two possible start times.",
    )
    hold_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="How long the web booking flow reserves a slot.",
    )

    class Meta:
        verbose_name_plural = "booking policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_step_minutes__gte=5), name="booking_policy_step_gte_5"
            ),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1), name="booking_policy_horizon_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"Booking policy of {self.provider}"


class AvailabilityRule(models.Model):
    """Weekly opening hours of a location, in the location's local wall time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="weekly_rules")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ("location_id", "weekday", "start_time")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="booking_rule_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="booking_rule_weekday_range"
            ),
        ]
        indexes = [models.Index(fields=["location", "weekday"], name="booking_rule_loc_wd_idx")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """A date that differs from the weekly rules: closed all day, or extra hours."""

    class Kind(models.TextChoices):
        CLOSED = "closed", "Closed all day"
        EXTRA = "extra", "Extra hours"

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ("location_id", "date", "start_time")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="closed", start_time__isnull=True, end_time__isnull=True)
                | Q(kind="extra", end_time__gt=F("start_time")),
                name="booking_exception_times_match_kind",
            ),
        ]
        indexes = [models.Index(fields=["location", "date"], name="booking_exc_loc_date_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class TimeOff(models.Model):
    """A block of time a provider is away (all locations, or one)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="time_off")
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="time_off",
        help_text="Empty: the provider is away everywhere (telehealth included).",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("provider_id", "start")
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="booking_timeoff_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["provider", "end"], name="booking_timeoff_prov_end_idx")]

    def __str__(self) -> str:
        return f"Time off {self.start:%Y-%m-%d %H:%M} - {self.end:%Y-%m-%d %H:%M}"


class AppointmentSeries(models.Model):
    """The sessions of a course (e.g. six infusions over three weeks), booked all or nothing."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "appointment series"

    def __str__(self) -> str:
        return f"Series #{self.pk}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        HELD = "held", "Held (patient is completing the booking)"
        EXPIRED = "expired", "Hold expired"
        REQUESTED = "requested", "Requested"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined by provider"
        CANCELLED_BY_PATIENT = "cancelled_by_patient", "Cancelled by patient"
        CANCELLED_BY_PROVIDER = "cancelled_by_provider", "Cancelled by provider"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"

    #: Statuses that occupy the provider's time (the exclusion constraint's condition).
    ACTIVE_STATUSES = (Status.HELD, Status.REQUESTED, Status.CONFIRMED)
    #: Statuses a patient sees as upcoming bookings.
    BOOKED_STATUSES = (Status.REQUESTED, Status.CONFIRMED)
    #: The state machine: status -> statuses it may move to. Anything else is an
    #: InvalidTransition (409). completed/no_show additionally need the start to have passed.
    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        Status.HELD: frozenset({Status.REQUESTED, Status.EXPIRED}),
        Status.REQUESTED: frozenset(
            {
                Status.CONFIRMED,
                Status.DECLINED,
                Status.CANCELLED_BY_PATIENT,
                Status.CANCELLED_BY_PROVIDER,
            }
        ),
        Status.CONFIRMED: frozenset(
            {
                Status.COMPLETED,
                Status.NO_SHOW,
                Status.CANCELLED_BY_PATIENT,
                Status.CANCELLED_BY_PROVIDER,
            }
        ),
    }

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
        help_text="Empty once the patient deleted their account; the clinic keeps its history.",
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        help_text="Empty for telehealth.",
    )
    consultation_type = models.ForeignKey(
        ConsultationType, on_delete=models.PROTECT, related_name="appointments"
    )
    series = models.ForeignKey(
        AppointmentSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    occupied_until = models.DateTimeField(help_text="End plus the provider's buffer.")
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.REQUESTED)
    hold_expires_at = models.DateTimeField(null=True, blank=True)

    # Health information: never logged, shown only to the patient and the provider's staff.
    reason = models.TextField(blank=True, max_length=2000)
    intake = models.JSONField(default=dict, blank=True)
    intake_flags = models.JSONField(
        default=list, blank=True, help_text="Answers the clinic should discuss with the patient."
    )
    cancellation_reason = models.TextField(blank=True, max_length=1000)

    sequence = models.PositiveIntegerField(
        default=0, help_text="Bumped on every change (iCalendar SEQUENCE)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("start", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="booking_appt_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(occupied_until__gte=F("end")), name="booking_appt_occupied_covers_end"
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(hold_expires_at__isnull=False),
                name="booking_appt_hold_has_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "start"], name="booking_appt_prov_start_idx"),
            models.Index(fields=["patient", "start"], name="booking_appt_patient_start_idx"),
            models.Index(fields=["status", "hold_expires_at"], name="booking_appt_hold_idx"),
        ]

    def __str__(self) -> str:
        return f"Appointment #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class AppointmentTransition(models.Model):
    """History of an appointment: who changed what, when (shown in admin)."""

    class ActorRole(models.TextChoices):
        PATIENT = "patient", "Patient"
        STAFF = "staff", "Provider staff"
        OPERATOR = "operator", "Operator (admin)"
        SYSTEM = "system", "System"

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    from_start = models.DateTimeField(null=True, blank=True)
    to_start = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20, choices=ActorRole.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("appointment_id", "at", "pk")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class IdempotencyKey(models.Model):
    """The first response to a POST carrying an ``Idempotency-Key`` header, for replays."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="booking_idempotency_user_key_uniq"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="booking_idem_created_idx")]
