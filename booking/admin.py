"""Operators' view of booking: appointments with their read-only history, and availability.

Appointments are changed through the services (API, dashboard), not here: the admin form
would bypass the state machine, the transition log and the notifications. Availability
rows are plain data, editable; the database's CHECK constraints guard them (on PostgreSQL
the exclusion constraint too), so nothing here runs full_clean-based constraint validation
that SQLite could not honour.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from booking.models import (
    Appointment,
    AppointmentSeries,
    AppointmentTransition,
    AvailabilityException,
    AvailabilityRule,
    BookingPolicy,
    IdempotencyKey,
    TimeOff,
)

HEALTH_FIELDS = ("reason", "intake", "intake_flags", "cancellation_reason")


class TransitionInline(admin.TabularInline):
    model = AppointmentTransition
    extra = 0
    can_delete = False
    fields = ("at", "from_status", "to_status", "from_start", "to_start", "actor", "actor_role")
    readonly_fields = fields
    ordering = ("at", "pk")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "status",
        "start",
        "provider",
        "consultation_type",
        "series",
        "updated_at",
    )
    list_filter = ("status", ("provider", admin.RelatedOnlyFieldListFilter), "start")
    date_hierarchy = "start"
    search_fields = ("=id", "=uid")
    list_select_related = ("provider", "consultation_type")
    inlines = (TransitionInline,)
    # Health information (reason, intake, flags) is for the patient and the clinic only:
    # operators see the workflow, not the answers.
    exclude = HEALTH_FIELDS
    readonly_fields = [f.name for f in Appointment._meta.fields if f.name not in HEALTH_FIELDS]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AppointmentSeries)
class AppointmentSeriesAdmin(admin.ModelAdmin):
    list_display = ("id", "provider", "consultation_type", "created_at")
    search_fields = ("=id",)
    list_select_related = ("provider", "consultation_type")
    readonly_fields = ("patient", "provider", "consultation_type", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "provider",
        "min_notice_minutes",
        "horizon_days",
        "buffer_minutes",
        "slot_step_minutes",
        "hold_minutes",
    )
    search_fields = ("provider__name", "provider__slug")
    raw_id_fields = ("provider",)


@admin.register(AvailabilityRule)
class AvailabilityRuleAdmin(admin.ModelAdmin):
    list_display = ("location", "weekday", "start_time", "end_time")
    list_filter = ("weekday",)
    search_fields = ("location__provider__name", "location__city")
    raw_id_fields = ("location",)
    list_select_related = ("location",)


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(admin.ModelAdmin):
    list_display = ("location", "date", "kind", "start_time", "end_time")
    list_filter = ("kind", "date")
    search_fields = ("location__provider__name", "location__city")
    raw_id_fields = ("location",)
    list_select_related = ("location",)


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ("provider", "location", "start", "end")
    list_filter = ("start",)
    search_fields = ("provider__name", "provider__slug")
    raw_id_fields = ("provider", "location")
    list_select_related = ("provider", "location")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "endpoint", "response_status", "created_at")
    search_fields = ("=key",)
    readonly_fields = (
        "user",
        "key",
        "endpoint",
        "request_hash",
        "response_status",
        "created_at",
    )
    exclude = ("response_body",)  # holds the booking's health answers

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
