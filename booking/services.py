"""Appointment workflows: hold, book (single or course), reschedule, cancel, staff actions.

Every service opens its own ``transaction.atomic()`` (a savepoint when the caller already
has one, e.g. the idempotency wrapper) and locks the rows it changes in primary-key order.

Why a double booking is impossible:
- PostgreSQL: the exclusion constraint ``booking_appt_no_overlap`` (migration 0002) refuses
  an active appointment whose ``[start, occupied_until)`` overlaps another of the provider.
  Two racing transactions both pass ``slot_check`` (neither sees the other's row), the second
  INSERT waits for the first to commit and then fails; that violation becomes
  ``SlotUnavailable`` (409), never a 500.
- SQLite: every ``atomic()`` begins IMMEDIATE (settings), so the check-then-insert of one
  booking runs while no other writer can start.

Health information (reason, intake) is never logged; log lines carry ids and codes only.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from booking import events
from booking.availability import provider_refresh_next_available, slot_check
from booking.exceptions import (
    AppointmentNotFound,
    InvalidBookingRequest,
    InvalidTransition,
    SlotUnavailable,
)
from booking.intake import intake_flags
from booking.models import Appointment, AppointmentSeries, AppointmentTransition, BookingPolicy
from directory.models import (
    ESKETAMINE_MIN_MONITORING_MINUTES,
    ESKETAMINE_ROUTE,
    ConsultationType,
    Location,
    Provider,
)

logger = logging.getLogger(__name__)

Status = Appointment.Status
Role = AppointmentTransition.ActorRole

OVERLAP_CONSTRAINT = "booking_appt_no_overlap"
EXCLUSION_VIOLATION_SQLSTATE = "23P01"


# --- helpers ---------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _policy(provider: Provider) -> BookingPolicy:
    """The provider's policy, or the defaults (unsaved) when none was set."""
    try:
        return provider.booking_policy
    except BookingPolicy.DoesNotExist:
        return BookingPolicy(provider=provider)


def _is_overlap_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == EXCLUSION_VIOLATION_SQLSTATE:
        return True
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None) == OVERLAP_CONSTRAINT or (
        OVERLAP_CONSTRAINT in str(exc)
    )


def _local_tz(provider: Provider, location: Location | None) -> zoneinfo.ZoneInfo:
    """The zone a course keeps its wall-clock time in (telehealth: the provider's first)."""
    if location is None:
        location = provider.locations.order_by("pk").first()
    return location.tzinfo if location is not None else zoneinfo.ZoneInfo("UTC")


def _record(
    appointment: Appointment,
    *,
    from_status: str,
    actor: Any,
    role: str,
    from_start: dt.datetime | None = None,
) -> None:
    AppointmentTransition.objects.create(
        appointment=appointment,
        from_status=from_status,
        to_status=appointment.status,
        from_start=from_start,
        to_start=appointment.start if from_start is not None else None,
        actor=actor,
        actor_role=role,
    )


def _announce(
    appointment: Appointment,
    *,
    event: str,
    actor: Any,
    previous_start: dt.datetime | None = None,
) -> None:
    # Inside the transaction: the listeners' outbox rows commit or roll back with the change.
    events.appointment_changed.send(
        sender=Appointment,
        appointment=appointment,
        event=event,
        actor=actor,
        previous_start=previous_start,
    )


def _after_commit_refresh(provider_id: int) -> None:
    # robust: a failing refresh is logged by Django and retried by the periodic task; the
    # booking itself has already committed and must still get its response.
    transaction.on_commit(
        lambda: provider_refresh_next_available(provider_id=provider_id), robust=True
    )


def _after_commit_slot_freed(
    provider_id: int, start: dt.datetime, occupied_until: dt.datetime
) -> None:
    transaction.on_commit(
        lambda: events.slot_freed.send(
            sender=Appointment, provider_id=provider_id, start=start, end=occupied_until
        ),
        robust=True,
    )


def _check_consultation_type(provider: Provider, consultation_type: ConsultationType) -> None:
    if consultation_type.provider_id != provider.pk or not consultation_type.is_active:
        raise InvalidBookingRequest(
            "That consultation type is not offered by this provider.",
            code="invalid_consultation_type",
            errors={"consultation_type": ["Not offered by this provider."]},
        )
    route = consultation_type.route
    if route is not None and route.slug == ESKETAMINE_ROUTE:
        if not provider.esketamine_rems_certified:
            raise InvalidBookingRequest(
                "Intranasal esketamine can only be booked at a REMS-certified clinic.",
                code="esketamine_requires_rems",
            )
        if (
            consultation_type.monitoring_minutes < ESKETAMINE_MIN_MONITORING_MINUTES
            or consultation_type.duration_minutes < ESKETAMINE_MIN_MONITORING_MINUTES
        ):
            raise InvalidBookingRequest(
                "This esketamine session does not include the required two hours of "
                "monitoring; the clinic has to correct it before it can be booked.",
                code="esketamine_monitoring_required",
            )


def _expire_stale_holds(*, provider_id: int, now: dt.datetime) -> int:
    """Mark the provider's run-out holds expired so they stop blocking the constraint."""
    stale = list(
        Appointment.objects.select_for_update()
        .filter(provider_id=provider_id, status=Status.HELD, hold_expires_at__lte=now)
        .order_by("pk")
    )
    for hold in stale:
        hold.status = Status.EXPIRED
        hold.sequence += 1
        hold.save(update_fields=["status", "sequence", "updated_at"])
        _record(hold, from_status=Status.HELD, actor=None, role=Role.SYSTEM)
    return len(stale)


def _course_starts(
    *,
    provider: Provider,
    consultation_type: ConsultationType,
    start: dt.datetime,
    location: Location | None,
) -> list[dt.datetime]:
    """Session starts of a course: N sessions, interval days apart, same local wall time."""
    sessions = max(consultation_type.course_sessions, 1)
    if sessions == 1:
        return [start]
    interval = max(consultation_type.course_interval_days, 1)
    tz = _local_tz(provider, location)
    local = start.astimezone(tz)
    return [
        dt.datetime.combine(local.date() + dt.timedelta(days=interval * i), local.time(), tzinfo=tz)
        for i in range(sessions)
    ]


def _lock(appointment_id: int) -> Appointment:
    try:
        return (
            # of=self: lock only the appointment row (the joined location may be null).
            Appointment.objects.select_for_update(of=("self",))
            .select_related("provider", "consultation_type", "location")
            .get(pk=appointment_id)
        )
    except Appointment.DoesNotExist:
        raise AppointmentNotFound() from None


def _guard(appointment: Appointment, to_status: str) -> None:
    if not appointment.can_move_to(to_status):
        raise InvalidTransition(
            f"An appointment that is {appointment.get_status_display().lower()} can't be "
            f"changed to {Status(to_status).label.lower()}."
        )


# --- holds -----------------------------------------------------------------------------


def appointment_hold(
    *,
    patient: Any,
    provider: Provider,
    consultation_type: ConsultationType,
    start: dt.datetime,
    location: Location | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Reserve a slot for ``policy.hold_minutes`` while the patient completes the booking.

    The hold occupies the time like a booking (the exclusion constraint covers ``held``)
    until ``hold_expires_at``; after that it no longer counts and ``holds_expire`` (or the
    next booking of that provider) marks it expired. A patient's earlier holds at the same
    provider are released: one patient, one hold per provider.
    """
    now = _now(now)
    _check_consultation_type(provider, consultation_type)
    if consultation_type.is_course:
        raise InvalidBookingRequest(
            "Courses are booked directly, without a hold.", code="course_hold_unsupported"
        )
    policy = _policy(provider)
    try:
        with transaction.atomic():
            _expire_stale_holds(provider_id=provider.pk, now=now)
            previous = list(
                Appointment.objects.select_for_update()
                .filter(patient=patient, provider=provider, status=Status.HELD)
                .order_by("pk")
            )
            for old in previous:
                old.status = Status.EXPIRED
                old.sequence += 1
                old.save(update_fields=["status", "sequence", "updated_at"])
                _record(old, from_status=Status.HELD, actor=patient, role=Role.PATIENT)
            slot = slot_check(
                provider=provider,
                consultation_type=consultation_type,
                start=start,
                location=location,
                now=now,
                ignore_appointment_ids=[old.pk for old in previous],
            )
            hold = Appointment.objects.create(
                patient=patient,
                provider=provider,
                consultation_type=consultation_type,
                location_id=_location_id(consultation_type, slot),
                start=slot.start,
                end=slot.end,
                occupied_until=slot.end + dt.timedelta(minutes=policy.buffer_minutes),
                status=Status.HELD,
                hold_expires_at=now + dt.timedelta(minutes=policy.hold_minutes),
            )
            _record(hold, from_status="", actor=patient, role=Role.PATIENT)
    except IntegrityError as exc:
        if _is_overlap_violation(exc):
            raise SlotUnavailable() from exc
        raise
    logger.info("appointment %s held (provider %s)", hold.pk, provider.pk)
    return hold


def appointment_hold_release(*, appointment: Appointment, patient: Any) -> Appointment:
    """The patient gives up their hold (held -> expired); the slot is free at once."""
    with transaction.atomic():
        hold = _lock(appointment.pk)
        if hold.patient_id != patient.pk:
            raise AppointmentNotFound()
        _guard(hold, Status.EXPIRED)
        hold.status = Status.EXPIRED
        hold.sequence += 1
        hold.save(update_fields=["status", "sequence", "updated_at"])
        _record(hold, from_status=Status.HELD, actor=patient, role=Role.PATIENT)
        _after_commit_refresh(hold.provider_id)
    return hold


def holds_expire(*, now: dt.datetime | None = None) -> int:
    """Mark every run-out hold expired (periodic task); returns how many."""
    now = _now(now)
    expired = 0
    provider_ids = (
        Appointment.objects.filter(status=Status.HELD, hold_expires_at__lte=now)
        .order_by()
        .values_list("provider_id", flat=True)
        .distinct()
    )
    for provider_id in list(provider_ids):
        with transaction.atomic():
            count = _expire_stale_holds(provider_id=provider_id, now=now)
            if count:
                _after_commit_refresh(provider_id)
        expired += count
    if expired:
        logger.info("expired %s holds", expired)
    return expired


def _location_id(consultation_type: ConsultationType, slot: Any) -> int | None:
    if consultation_type.mode == ConsultationType.Mode.TELEHEALTH:
        return None
    return slot.location_id


# --- booking ---------------------------------------------------------------------------


def appointment_book(
    *,
    patient: Any,
    provider: Provider,
    consultation_type: ConsultationType,
    start: dt.datetime,
    location: Location | None = None,
    reason: str = "",
    intake: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Book ``start`` for ``patient``; a course books all its sessions or none.

    Returns the (first) appointment, status ``requested``. The patient's own unexpired
    hold on exactly this provider, type and start is converted instead of competing with
    it. Raises ``SlotUnavailable`` (409) when a session is not bookable (taken, outside
    hours, too soon, too far ahead; the detail names the session of a course), and
    ``InvalidBookingRequest`` (400) for a type the provider can't take (esketamine rules).
    """
    now = _now(now)
    if start.tzinfo is None:
        raise InvalidBookingRequest(
            "Give the start with a UTC offset.", errors={"start": ["Needs an offset."]}
        )
    _check_consultation_type(provider, consultation_type)
    intake = intake or {}
    flags = intake_flags(intake)
    policy = _policy(provider)
    buffer = dt.timedelta(minutes=policy.buffer_minutes)
    starts = _course_starts(
        provider=provider, consultation_type=consultation_type, start=start, location=location
    )

    try:
        with transaction.atomic():
            _expire_stale_holds(provider_id=provider.pk, now=now)
            hold = None
            if len(starts) == 1:
                hold = (
                    Appointment.objects.select_for_update()
                    .filter(
                        patient=patient,
                        provider=provider,
                        consultation_type=consultation_type,
                        start=start,
                        status=Status.HELD,
                        hold_expires_at__gt=now,
                    )
                    .order_by("pk")
                    .first()
                )
            ignore = [hold.pk] if hold else []

            slots = []
            for index, session_start in enumerate(starts):
                try:
                    slots.append(
                        slot_check(
                            provider=provider,
                            consultation_type=consultation_type,
                            start=session_start,
                            location=location,
                            now=now,
                            ignore_appointment_ids=ignore,
                        )
                    )
                except SlotUnavailable as exc:
                    if len(starts) == 1:
                        raise
                    raise _session_unavailable(index, len(starts), session_start) from exc

            series = None
            if len(starts) > 1:
                series = AppointmentSeries.objects.create(
                    patient=patient, provider=provider, consultation_type=consultation_type
                )

            booked: list[Appointment] = []
            if hold is not None:
                slot = slots[0]
                hold.status = Status.REQUESTED
                hold.hold_expires_at = None
                hold.location_id = _location_id(consultation_type, slot)
                hold.reason = reason
                hold.intake = intake
                hold.intake_flags = flags
                hold.sequence += 1
                hold.save()
                _record(hold, from_status=Status.HELD, actor=patient, role=Role.PATIENT)
                booked.append(hold)
            else:
                for index, slot in enumerate(slots):
                    try:
                        # A savepoint per session so the error can name the session.
                        with transaction.atomic():
                            appointment = Appointment.objects.create(
                                patient=patient,
                                provider=provider,
                                consultation_type=consultation_type,
                                location_id=_location_id(consultation_type, slot),
                                series=series,
                                start=slot.start,
                                end=slot.end,
                                occupied_until=slot.end + buffer,
                                status=Status.REQUESTED,
                                reason=reason,
                                intake=intake,
                                intake_flags=flags,
                            )
                    except IntegrityError as exc:
                        if series is not None and _is_overlap_violation(exc):
                            raise _session_unavailable(index, len(slots), slot.start) from exc
                        raise
                    _record(appointment, from_status="", actor=patient, role=Role.PATIENT)
                    booked.append(appointment)
            for appointment in booked:
                _announce(appointment, event=events.BOOKED, actor=patient)
            _after_commit_refresh(provider.pk)
    except IntegrityError as exc:
        if _is_overlap_violation(exc):
            raise SlotUnavailable() from exc
        raise
    first = booked[0]
    logger.info(
        "appointment %s booked (provider %s, sessions %s, flags %s)",
        first.pk,
        provider.pk,
        len(booked),
        len(flags),
    )
    return first


def _session_unavailable(index: int, total: int, start: dt.datetime) -> SlotUnavailable:
    when = start.isoformat()
    return SlotUnavailable(
        f"Session {index + 1} of {total} ({when}) is not available, so the course was not "
        "booked. Please choose another start.",
        errors={"start": [f"Session {index + 1} of {total} at {when} is not available."]},
    )


# --- changes ---------------------------------------------------------------------------


def appointment_reschedule(
    *,
    appointment: Appointment,
    actor: Any,
    start: dt.datetime,
    as_staff: bool = False,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move a requested or confirmed appointment to ``start``, atomically.

    The appointment's own time does not count against the new one (it may overlap it).
    When the new time is not bookable, ``SlotUnavailable`` is raised and the old time is
    kept. The status stays as it was; the change is recorded with both starts.
    """
    now = _now(now)
    if start.tzinfo is None:
        raise InvalidBookingRequest(
            "Give the start with a UTC offset.", errors={"start": ["Needs an offset."]}
        )
    try:
        with transaction.atomic():
            current = _lock(appointment.pk)
            _check_actor(current, actor, as_staff)
            if current.status not in Appointment.BOOKED_STATUSES:
                raise InvalidTransition(
                    f"An appointment that is {current.get_status_display().lower()} can't be "
                    "rescheduled."
                )
            if current.start <= now:
                raise InvalidTransition("An appointment that has started can't be rescheduled.")
            _expire_stale_holds(provider_id=current.provider_id, now=now)
            slot = slot_check(
                provider=current.provider,
                consultation_type=current.consultation_type,
                start=start,
                location=current.location,
                now=now,
                ignore_appointment_ids=[current.pk],
            )
            old_start, old_until = current.start, current.occupied_until
            buffer = current.occupied_until - current.end
            current.start = slot.start
            current.end = slot.end
            current.occupied_until = slot.end + buffer
            current.sequence += 1
            current.save(update_fields=["start", "end", "occupied_until", "sequence", "updated_at"])
            _record(
                current,
                from_status=current.status,
                actor=actor,
                role=Role.STAFF if as_staff else Role.PATIENT,
                from_start=old_start,
            )
            _announce(current, event=events.RESCHEDULED, actor=actor, previous_start=old_start)
            _after_commit_slot_freed(current.provider_id, old_start, old_until)
            _after_commit_refresh(current.provider_id)
    except IntegrityError as exc:
        if _is_overlap_violation(exc):
            raise SlotUnavailable() from exc
        raise
    logger.info("appointment %s rescheduled", current.pk)
    return current


def _check_actor(appointment: Appointment, actor: Any, as_staff: bool) -> None:
    """Defence in depth: views already scope the lookup; a mismatch looks like a 404."""
    if as_staff:
        staff = getattr(actor, "provider_staff", None)
        if staff is None or staff.provider_id != appointment.provider_id:
            raise AppointmentNotFound()
    elif appointment.patient_id != getattr(actor, "pk", None):
        raise AppointmentNotFound()


def _change_status(
    *,
    appointment: Appointment,
    actor: Any,
    to_status: str,
    event: str,
    as_staff: bool,
    now: dt.datetime,
    frees_slot: bool,
    cancellation_reason: str | None = None,
    needs_started: bool = False,
) -> Appointment:
    with transaction.atomic():
        current = _lock(appointment.pk)
        _check_actor(current, actor, as_staff)
        _guard(current, to_status)
        if needs_started and now < current.start:
            raise InvalidTransition(
                "An appointment can be marked completed or no-show only once it has started."
            )
        from_status = current.status
        current.status = to_status
        current.sequence += 1
        fields = ["status", "sequence", "updated_at"]
        if cancellation_reason is not None:
            current.cancellation_reason = cancellation_reason
            fields.append("cancellation_reason")
        current.save(update_fields=fields)
        _record(
            current,
            from_status=from_status,
            actor=actor,
            role=Role.STAFF if as_staff else Role.PATIENT,
        )
        _announce(current, event=event, actor=actor)
        if frees_slot:
            _after_commit_slot_freed(current.provider_id, current.start, current.occupied_until)
            _after_commit_refresh(current.provider_id)
    logger.info("appointment %s %s -> %s", current.pk, from_status, to_status)
    return current


def appointment_cancel(
    *,
    appointment: Appointment,
    actor: Any,
    as_staff: bool = False,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Cancel a requested or confirmed appointment; the slot is bookable again at once.

    Patients cancel their own (``cancelled_by_patient``) before it starts; staff of the
    provider (``as_staff=True``) cancel any active one (``cancelled_by_provider``).
    """
    now = _now(now)
    to_status = Status.CANCELLED_BY_PROVIDER if as_staff else Status.CANCELLED_BY_PATIENT
    if (
        not as_staff
        and appointment.status in Appointment.BOOKED_STATUSES
        and appointment.start <= now
    ):
        raise InvalidTransition(
            "An appointment that has started can't be cancelled online; please call the clinic."
        )
    return _change_status(
        appointment=appointment,
        actor=actor,
        to_status=to_status,
        event=events.CANCELLED,
        as_staff=as_staff,
        now=now,
        frees_slot=True,
        cancellation_reason=reason,
    )


def appointment_confirm(
    *, appointment: Appointment, actor: Any, now: dt.datetime | None = None
) -> Appointment:
    """Staff confirm a requested appointment."""
    return _change_status(
        appointment=appointment,
        actor=actor,
        to_status=Status.CONFIRMED,
        event=events.CONFIRMED,
        as_staff=True,
        now=_now(now),
        frees_slot=False,
    )


def appointment_decline(
    *,
    appointment: Appointment,
    actor: Any,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """Staff decline a requested appointment; the slot is free again."""
    return _change_status(
        appointment=appointment,
        actor=actor,
        to_status=Status.DECLINED,
        event=events.DECLINED,
        as_staff=True,
        now=_now(now),
        frees_slot=True,
        cancellation_reason=reason,
    )


def appointment_complete(
    *, appointment: Appointment, actor: Any, now: dt.datetime | None = None
) -> Appointment:
    """Staff mark a confirmed appointment that has started as completed."""
    return _change_status(
        appointment=appointment,
        actor=actor,
        to_status=Status.COMPLETED,
        event=events.COMPLETED,
        as_staff=True,
        now=_now(now),
        frees_slot=False,
        needs_started=True,
    )


def appointment_mark_no_show(
    *, appointment: Appointment, actor: Any, now: dt.datetime | None = None
) -> Appointment:
    """Staff mark a confirmed appointment that has started as a no-show."""
    return _change_status(
        appointment=appointment,
        actor=actor,
        to_status=Status.NO_SHOW,
        event=events.NO_SHOW,
        as_staff=True,
        now=_now(now),
        frees_slot=False,
        needs_started=True,
    )
