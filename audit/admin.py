"""The audit trail, read-only for operators."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "at",
        "actor",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "provider_id",
    )
    list_filter = ("actor_role", "action", "object_type")
    search_fields = ("=object_id", "=provider_id", "=request_id")
    date_hierarchy = "at"
    readonly_fields = (
        "at",
        "actor",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "provider_id",
        "changes",
        "request_id",
    )
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
