"""Records staff and operator changes to availability by listening to model signals.

The availability services do not know who calls them, so the actor comes from the request
being handled (``core.requestlog.current_request``): provider staff through the API or the
dashboard, operators through ``/admin/``. Outside a request (commands, tasks) the actor is
the system. Bulk writes (``seed_demo``'s ``bulk_create``) send no signals and are not
audited: they are not staff actions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_save

from audit.models import AuditEvent
from booking.models import AvailabilityException, AvailabilityRule, BookingPolicy, TimeOff
from core.logging import request_id_get
from core.requestlog import current_request

#: model -> fields recorded with their values. Free text is listed in TEXT_FIELDS instead.
TRACKED: dict[type[Model], tuple[str, ...]] = {
    AvailabilityRule: ("location_id", "weekday", "start_time", "end_time"),
    AvailabilityException: ("location_id", "date", "kind", "start_time", "end_time"),
    TimeOff: ("location_id", "start", "end"),
    BookingPolicy: (
        "min_notice_minutes",
        "horizon_days",
        "buffer_minutes",
        "slot_step_minutes",
        "hold_minutes",
    ),
}
#: Free-text fields: a change is recorded as "changed", never with the text.
TEXT_FIELDS: dict[type[Model], tuple[str, ...]] = {TimeOff: ("reason",)}


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _snapshot(instance: Model) -> dict[str, Any]:
    model = type(instance)
    values = {f: _value(getattr(instance, f)) for f in TRACKED[model]}
    for field in TEXT_FIELDS.get(model, ()):
        values[field] = getattr(instance, field)
    return values


def _provider_id(instance: Model) -> int | None:
    if hasattr(instance, "provider_id"):
        return instance.provider_id
    location = getattr(instance, "location", None)
    return location.provider_id if location is not None else None


def _actor() -> tuple[Any, str]:
    request = current_request()
    if request is None:
        return None, AuditEvent.ActorRole.SYSTEM
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None, AuditEvent.ActorRole.SYSTEM
    if request.path_info.startswith("/admin/"):
        return user, AuditEvent.ActorRole.OPERATOR
    return user, AuditEvent.ActorRole.STAFF


def _diff(model: type[Model], before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    texts = TEXT_FIELDS.get(model, ())
    changes: dict[str, Any] = {}
    for field, new in after.items():
        old = before.get(field)
        if old == new:
            continue
        changes[field] = "changed" if field in texts else [old, new]
    return changes


def _write(instance: Model, action: str, changes: dict[str, Any]) -> None:
    actor, role = _actor()
    AuditEvent.objects.create(
        actor=actor,
        actor_role=role,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        provider_id=_provider_id(instance),
        changes=changes,
        request_id=request_id_get() if request_id_get() != "-" else "",
    )


def on_pre_save(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    previous = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = _snapshot(previous) if previous is not None else None


def on_post_save(
    sender: type[Model], instance: Model, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:  # fixtures
        return
    after = _snapshot(instance)
    before = None if created else getattr(instance, "_audit_before", None)
    if before is None:
        changes = {
            f: ("set" if f in TEXT_FIELDS.get(sender, ()) and v else v) for f, v in after.items()
        }
        changes = {f: v for f, v in changes.items() if v not in ("", None)}
        _write(instance, AuditEvent.Action.CREATED, changes)
        return
    changes = _diff(sender, before, after)
    if changes:
        _write(instance, AuditEvent.Action.UPDATED, changes)


def on_post_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    after = _snapshot(instance)
    for field in TEXT_FIELDS.get(sender, ()):
        after.pop(field, None)
    _write(instance, AuditEvent.Action.DELETED, after)


for _model in TRACKED:
    pre_save.connect(on_pre_save, sender=_model, dispatch_uid=f"audit-pre-{_model.__name__}")
    post_save.connect(on_post_save, sender=_model, dispatch_uid=f"audit-post-{_model.__name__}")
    post_delete.connect(on_post_delete, sender=_model, dispatch_uid=f"audit-del-{_model.__name__}")
