from django.contrib import admin

from notifications.models import (
    CalendarFeed,
    NotificationPreference,
    OutboundEmail,
    ReminderSchedule,
    WaitlistEntry,
)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "planned_for",
        "attempts",
        "next_attempt_at",
        "last_error",
        "skip_reason",
        "sent_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("=id", "=appointment__id", "message_id")
    raw_id_fields = ("recipient", "appointment", "provider")
    readonly_fields = ("message_id", "claim_token", "created_at", "sent_at")
    date_hierarchy = "planned_for"
    actions = ("retry_now",)

    @admin.action(description="Retry now (failed or pending)")
    def retry_now(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(
            status__in=[OutboundEmail.Status.FAILED, OutboundEmail.Status.PENDING]
        ).update(
            status=OutboundEmail.Status.PENDING,
            next_attempt_at=timezone.now(),
            attempts=0,
        )
        self.message_user(request, f"{count} emails will be sent by the next sweep.")


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = ("provider", "minutes_before", "updated_at")
    raw_id_fields = ("provider",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "reminders_enabled", "updated_at")
    raw_id_fields = ("user",)


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "provider", "earliest_date", "latest_date", "last_offered_at")
    raw_id_fields = ("patient", "provider", "consultation_type")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    raw_id_fields = ("user",)
    exclude = ("token",)
