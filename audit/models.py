"""Who changed a provider's availability, when, and what (never health information)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One change to availability, exceptions, time off or a booking policy.

    Appointment changes have their own history (``booking.AppointmentTransition``); the
    admin's own ``LogEntry`` also records operators' admin edits. ``changes`` holds
    ``{field: [old, new]}`` for times, weekdays and ids only: free-text fields (a time-off
    reason) appear as ``"changed"`` without their text.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        DELETED = "deleted", "Deleted"

    class ActorRole(models.TextChoices):
        STAFF = "staff", "Provider staff"
        OPERATOR = "operator", "Operator (admin)"
        SYSTEM = "system", "System (command, task)"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20, choices=ActorRole.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=50, help_text="e.g. booking.availabilityrule")
    object_id = models.BigIntegerField()
    # An id, not a foreign key: the trail outlives the provider and never blocks its deletion.
    provider_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("-at", "-pk")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} #{self.object_id}"
