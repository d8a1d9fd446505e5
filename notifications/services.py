"""Writes and workflows of notifications: planning outbox rows, claiming and sending them.

Planning runs inside booking's transaction (see ``receivers``); sending runs in Celery tasks.
The delivery guarantees and their limits are written up in docs/NOTIFICATIONS.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import time
import uuid
from collections.abc import Iterable
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from booking import events
from booking.models import Appointment
from directory.models import ProviderStaff
from notifications import selectors
from notifications.models import NotificationPreference, OutboundEmail

logger = logging.getLogger(__name__)

Kind = OutboundEmail.Kind
Status = OutboundEmail.Status

# What the patient is told about each booking event (None: nothing to say).
_PATIENT_KIND_FOR_EVENT = {
    events.BOOKED: Kind.BOOKING_RECEIVED,
    events.CONFIRMED: Kind.CONFIRMED,
    events.DECLINED: Kind.DECLINED,
    events.RESCHEDULED: Kind.RESCHEDULED,
    events.CANCELLED: Kind.CANCELLED,
}
# Staff hear about what they did not do themselves: bookings, moves and cancellations.
_STAFF_KIND_FOR_EVENT = {
    events.BOOKED: Kind.STAFF_NEW_BOOKING,
    events.RESCHEDULED: Kind.STAFF_RESCHEDULED,
    events.CANCELLED: Kind.STAFF_CANCELLED,
}


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS)


def _new_message_id() -> str:
    return make_msgid(domain=settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN)


# --- planning (inside the booking transaction) -----------------------------------------------


def _insert(**fields: Any) -> OutboundEmail | None:
    """Insert one outbox row; None when the unique constraints say it already exists.

    The savepoint keeps a duplicate from breaking booking's transaction.
    """
    fields.setdefault("message_id", _new_message_id())
    fields.setdefault("next_attempt_at", fields["planned_for"])
    try:
        with transaction.atomic():
            return OutboundEmail.objects.create(**fields)
    except IntegrityError:
        return None


def _staff_user_ids(provider_id: int) -> list[int]:
    return list(
        ProviderStaff.objects.filter(provider_id=provider_id, user__is_active=True)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )


def reminders_replan(*, appointment: Appointment, now: dt.datetime | None = None) -> list[int]:
    """Make the pending reminders match the appointment as it is now.

    Pending reminders for another start (a reschedule) or for an appointment that is no
    longer booked are cancelled; reminders for the current start are created, or revived
    when a reschedule comes back to an earlier time. Must run in the caller's transaction.
    """
    now = now or timezone.now()
    pending = OutboundEmail.objects.filter(
        appointment=appointment, kind=Kind.REMINDER, status__in=[Status.PENDING, Status.SENDING]
    )
    booked = appointment.status in Appointment.BOOKED_STATUSES
    stale = pending if not booked else pending.exclude(appointment_start=appointment.start)
    stale.update(status=Status.CANCELLED, skip_reason="replanned", claimed_until=None)
    if not booked or appointment.patient_id is None:
        return []

    created: list[int] = []
    for minutes in selectors.reminder_minutes(provider_id=appointment.provider_id):
        due = appointment.start - dt.timedelta(minutes=minutes)
        if due <= now:
            continue  # too late for this one; a later reminder still goes out
        row = _insert(
            kind=Kind.REMINDER,
            recipient_id=appointment.patient_id,
            appointment=appointment,
            provider_id=appointment.provider_id,
            planned_for=due,
            appointment_start=appointment.start,
            appointment_sequence=appointment.sequence,
            payload={"minutes_before": minutes},
        )
        if row is not None:
            created.append(row.pk)
            continue
        # Same (appointment, planned time, patient) exists: revive it if it was cancelled by
        # an earlier reschedule; a reminder already sent for that time is not sent again.
        OutboundEmail.objects.filter(
            appointment=appointment,
            kind=Kind.REMINDER,
            planned_for=due,
            recipient_id=appointment.patient_id,
            status=Status.CANCELLED,
        ).update(
            status=Status.PENDING,
            appointment_start=appointment.start,
            appointment_sequence=appointment.sequence,
            next_attempt_at=due,
            attempts=0,
            skip_reason="",
            last_error="",
        )
    return created


def notifications_plan_for_change(
    *,
    appointment: Appointment,
    event: str,
    previous_start: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[int]:
    """Write the outbox rows a booking event causes, in the caller's transaction.

    After commit the immediate ones are handed to Celery; if the broker is down they wait for
    the beat sweep. Returns the ids of the rows created.
    """
    now = now or timezone.now()
    base = {
        "appointment": appointment,
        "provider_id": appointment.provider_id,
        "planned_for": now,
        "appointment_start": appointment.start,
        "appointment_sequence": appointment.sequence,
        "payload": {"event": event},
    }
    if previous_start is not None:
        base["payload"]["previous_start"] = previous_start.isoformat()
    ids: list[int] = []

    kind = _PATIENT_KIND_FOR_EVENT.get(event)
    if kind == Kind.BOOKING_RECEIVED and appointment.status == Appointment.Status.CONFIRMED:
        kind = Kind.CONFIRMED  # a provider that confirms automatically
    if kind is not None and appointment.patient_id is not None:
        row = _insert(kind=kind, recipient_id=appointment.patient_id, **base)
        if row is not None:
            ids.append(row.pk)

    staff_kind = _STAFF_KIND_FOR_EVENT.get(event)
    if staff_kind is not None:
        for user_id in _staff_user_ids(appointment.provider_id):
            row = _insert(kind=staff_kind, recipient_id=user_id, **base)
            if row is not None:
                ids.append(row.pk)

    reminders_replan(appointment=appointment, now=now)
    if ids:
        transaction.on_commit(lambda: enqueue(ids))
    return ids


def enqueue(ids: Iterable[int]) -> None:
    """Hand rows to Celery for immediate sending; a broker outage only delays them.

    Runs after commit: the rows exist whatever happens here, and the beat sweep sends what
    was not queued. ``retry=False`` so a dead broker costs one failed connect, not a hang.
    """
    from notifications.tasks import send_notification

    ids = list(ids)
    for index, pk in enumerate(ids):
        try:
            send_notification.apply_async((pk,), retry=False)
        except Exception as exc:  # any broker error: never fail the user's request
            logger.warning(
                "could not queue emails %s (%s); the sweep will send them",
                ids[index:],
                type(exc).__name__,
            )
            return


# --- claiming --------------------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    # Pending and due, or claimed by a sender whose lease ran out (it died or hung).
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, claimed_until__lt=now
    )


def _claim_values(now: dt.datetime, token: uuid.UUID) -> dict[str, Any]:
    return {
        "status": Status.SENDING,
        "claimed_until": now + _lease(),
        "claim_token": token,
        # Counted at claim time so a message that kills its worker still runs out of attempts.
        "attempts": F("attempts") + 1,
    }


def outbound_claim(*, outbound_id: int, now: dt.datetime | None = None) -> uuid.UUID | None:
    """Claim one row; returns the claim token, or None when someone else has it or it is done."""
    now = now or timezone.now()
    token = uuid.uuid4()
    won = OutboundEmail.objects.filter(_claimable(now), pk=outbound_id).update(
        **_claim_values(now, token)
    )
    return token if won else None


def outbound_claim_batch(
    *, limit: int, now: dt.datetime | None = None
) -> tuple[list[int], uuid.UUID]:
    """Claim up to ``limit`` due rows without waiting on other senders.

    PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` then an UPDATE, in one short
    transaction, so two sweeps take disjoint rows. SQLite serialises writers, so one
    conditional UPDATE suffices; the rows carrying our token are the ones we won.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    due = OutboundEmail.objects.filter(_claimable(now)).order_by("next_attempt_at", "pk")
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            if ids:
                OutboundEmail.objects.filter(pk__in=ids).update(**_claim_values(now, token))
        return ids, token
    candidates = list(due.values_list("pk", flat=True)[:limit])
    if not candidates:
        return [], token
    OutboundEmail.objects.filter(_claimable(now), pk__in=candidates).update(
        **_claim_values(now, token)
    )
    won = set(
        OutboundEmail.objects.filter(
            pk__in=candidates, claim_token=token, status=Status.SENDING
        ).values_list("pk", flat=True)
    )
    return [pk for pk in candidates if pk in won], token


def _release(ids: list[int], token: uuid.UUID, *, next_attempt_at: dt.datetime) -> None:
    """Give claimed rows back unsent (out of time, or the server is down) without a penalty."""
    OutboundEmail.objects.filter(pk__in=ids, claim_token=token, status=Status.SENDING).update(
        status=Status.PENDING,
        claimed_until=None,
        claim_token=None,
        next_attempt_at=next_attempt_at,
        attempts=F("attempts") - 1,
    )


# --- sending ---------------------------------------------------------------------------------


def _error_summary(exc: BaseException) -> tuple[str, int | None]:
    """Exception class and SMTP code only: SMTP replies can echo addresses."""
    code: int | None = getattr(exc, "smtp_code", None)
    if code is None and isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code = next(iter(exc.recipients.values()))[0]
    name = type(exc).__name__
    return (f"{name} {code}" if code else name), code


def _backoff(attempts: int) -> dt.timedelta:
    seconds = settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.NOTIFICATIONS_RETRY_MAX_SECONDS))


def _record_failure(row: OutboundEmail, token: uuid.UUID, exc: BaseException) -> str:
    now = timezone.now()
    error, code = _error_summary(exc)
    permanent = code is not None and 500 <= code < 600
    give_up = permanent or row.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS
    mine = OutboundEmail.objects.filter(pk=row.pk, claim_token=token, status=Status.SENDING)
    if give_up:
        mine.update(status=Status.FAILED, claimed_until=None, last_error=error)
        logger.error("email %s failed for good after %s attempts: %s", row.pk, row.attempts, error)
        return "failed"
    retry_at = now + _backoff(row.attempts)
    mine.update(
        status=Status.PENDING,
        claimed_until=None,
        claim_token=None,
        next_attempt_at=retry_at,
        last_error=error,
    )
    logger.warning(
        "email %s attempt %s failed (%s); retrying at %s",
        row.pk,
        row.attempts,
        error,
        retry_at.isoformat(),
    )
    return "retry"


def _skip(row: OutboundEmail, token: uuid.UUID, reason: str) -> str:
    OutboundEmail.objects.filter(pk=row.pk, claim_token=token, status=Status.SENDING).update(
        status=Status.CANCELLED, claimed_until=None, skip_reason=reason
    )
    logger.info("email %s (%s) skipped: %s", row.pk, row.kind, reason)
    return "skipped"


class _Facts:
    """What the re-checks of a batch need, read in a few queries instead of a few per row."""

    def __init__(self, rows: list[OutboundEmail], now: dt.datetime) -> None:
        reminders = [r for r in rows if r.kind == Kind.REMINDER]
        self.opted_out = set(
            NotificationPreference.objects.filter(
                user_id__in={r.recipient_id for r in reminders}, reminders_enabled=False
            ).values_list("user_id", flat=True)
        )
        # The latest reminder of each appointment that is due by now: earlier ones sent late
        # (after an outage) are superseded by it.
        self.latest_due = dict(
            OutboundEmail.objects.filter(
                appointment_id__in={r.appointment_id for r in reminders},
                kind=Kind.REMINDER,
                status__in=[Status.PENDING, Status.SENDING, Status.SENT],
                planned_for__lte=now,
            )
            .values("appointment_id")
            .annotate(latest=Max("planned_for"))
            .values_list("appointment_id", "latest")
        )
        staff_rows = [r for r in rows if not r.to_patient]
        self.staff = set(
            ProviderStaff.objects.filter(
                user_id__in={r.recipient_id for r in staff_rows}, user__is_active=True
            ).values_list("user_id", "provider_id")
        )


def _skip_reason(row: OutboundEmail, now: dt.datetime, facts: _Facts) -> str:
    """Why a claimed email no longer applies ('' when it does). Re-checked just before SMTP."""
    user = row.recipient
    if user is None or not user.is_active:
        return "no_recipient"
    appt = row.appointment
    if row.kind == Kind.WAITLIST_OFFER:
        from notifications import waitlist

        return waitlist.offer_skip_reason(row, now)
    if appt is None:
        return "appointment_gone"
    if row.to_patient and appt.patient_id != row.recipient_id:
        return "recipient_changed"
    if not row.to_patient and (row.recipient_id, row.provider_id) not in facts.staff:
        return "not_staff"
    if row.kind == Kind.REMINDER:
        if appt.status not in Appointment.BOOKED_STATUSES:
            return "not_booked"
        if appt.start != row.appointment_start:
            return "moved"
        if appt.start <= now:
            return "too_late"
        if row.recipient_id in facts.opted_out:
            return "opted_out"
        latest = facts.latest_due.get(appt.pk)
        if latest is not None and latest > row.planned_for:
            return "superseded"
    elif (
        row.kind in (Kind.BOOKING_RECEIVED, Kind.CONFIRMED, Kind.RESCHEDULED)
        and appt.status not in Appointment.BOOKED_STATUSES
    ):
        # Superseded: the cancellation/decline email that follows tells the patient.
        return "superseded"
    return ""


def _load(ids: list[int], token: uuid.UUID) -> dict[int, OutboundEmail]:
    """The claimed rows still ours (a row is missing if our lease was taken over)."""
    rows = OutboundEmail.objects.select_related(
        "recipient",
        "provider",
        "appointment__location",
        "appointment__consultation_type",
        "appointment__provider",
    ).filter(pk__in=ids, claim_token=token, status=Status.SENDING)
    return {row.pk: row for row in rows}


class _Smtp:
    """One SMTP session reused for a batch; reopened after an error."""

    def __init__(self) -> None:
        self.backend = get_connection(fail_silently=False)
        self.open = False
        self.unreachable = False  # the last failure was the server, not one message

    def send(self, message: Any) -> None:
        self.unreachable = False
        if not self.open:
            try:
                self.backend.open()
            except BaseException:
                self.unreachable = True
                raise
            self.open = True
        try:
            self.backend.send_messages([message])
        except BaseException as exc:
            # SMTPException subclasses OSError; a reply code means the server is there.
            self.unreachable = not isinstance(
                exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
            ) or isinstance(exc, smtplib.SMTPConnectError)
            self.close()
            raise

    def close(self) -> None:
        if self.open:
            # A broken session is being dropped anyway.
            with contextlib.suppress(Exception):
                self.backend.close()
            self.open = False


def _send_claimed(row: OutboundEmail | None, token: uuid.UUID, smtp: _Smtp, facts: _Facts) -> str:
    """Re-check, render, send and mark one claimed row. Returns an outcome code."""
    from notifications.emails import build_message

    if row is None:
        return "lost"  # our lease expired and another sender took it over
    pk = row.pk
    now = timezone.now()
    reason = _skip_reason(row, now, facts)
    if reason:
        return _skip(row, token, reason)
    message = build_message(row)
    try:
        smtp.send(message)
    except (smtplib.SMTPException, OSError) as exc:
        return _record_failure(row, token, exc)
    # The at-least-once window: a crash between SMTP's 250 and this UPDATE resends the email
    # after the lease expires (with the same Message-ID). A database blip here is waited out.
    if not _mark_sent(row, token):
        logger.warning("email %s was sent after its lease had been taken over", pk)
    logger.info("email %s (%s) sent on attempt %s", pk, row.kind, row.attempts)
    return "sent"


def _mark_sent(row: OutboundEmail, token: uuid.UUID) -> bool:
    """Record a delivered email as sent, riding out a database restart while our lease lasts.

    The server already accepted the message: giving up here (and letting the lease run out)
    would send it again. Outside a transaction a broken connection is dropped and reopened.
    """
    mine = OutboundEmail.objects.filter(pk=row.pk, claim_token=token, status=Status.SENDING)
    delay, attempts = 0.25, 0
    while True:
        attempts += 1
        try:
            return bool(
                mine.update(
                    status=Status.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
                )
            )
        except (OperationalError, InterfaceError) as exc:
            lease_left = (
                (row.claimed_until - timezone.now()).total_seconds() if row.claimed_until else 0
            )
            if connection.in_atomic_block or attempts >= 40 or lease_left < delay + 2:
                raise
            logger.warning(
                "email %s was delivered but could not be marked sent (%s); retrying",
                row.pk,
                type(exc).__name__,
            )
            connection.close()  # the next query reconnects
            time.sleep(delay)
            delay = min(delay * 2, 4.0)


def outbound_send(*, outbound_id: int) -> str:
    """Claim and send one email now if it is due; harmless if it was sent or taken already."""
    token = outbound_claim(outbound_id=outbound_id)
    if token is None:
        return "not_claimed"
    rows = _load([outbound_id], token)
    smtp = _Smtp()
    try:
        facts = _Facts(list(rows.values()), timezone.now())
        return _send_claimed(rows.get(outbound_id), token, smtp, facts)
    finally:
        smtp.close()


def outbound_send_due(
    *, batch_size: int | None = None, time_budget: float | None = None
) -> dict[str, int]:
    """Send every due or stranded email, in batches, until none is left or time runs out.

    Rows claimed but not reached before the budget ends are released, never held.
    """
    batch_size = batch_size or settings.NOTIFICATIONS_SEND_BATCH
    budget = time_budget if time_budget is not None else settings.NOTIFICATIONS_SWEEP_SECONDS
    deadline = time.monotonic() + budget
    counts: dict[str, int] = {}
    smtp = _Smtp()
    try:
        while time.monotonic() < deadline:
            ids, token = outbound_claim_batch(limit=batch_size)
            if not ids:
                break
            rows = _load(ids, token)
            facts = _Facts(list(rows.values()), timezone.now())
            for index, pk in enumerate(ids):
                if time.monotonic() >= deadline:
                    _release(ids[index:], token, next_attempt_at=timezone.now())
                    break
                outcome = _send_claimed(rows.get(pk), token, smtp, facts)
                counts[outcome] = counts.get(outcome, 0) + 1
                if outcome == "retry" and smtp.unreachable:
                    # The server is unreachable: the rest of the batch would fail the same way.
                    _release(ids[index + 1 :], token, next_attempt_at=timezone.now() + _backoff(1))
                    deadline = 0
                    break
    finally:
        smtp.close()
    if counts:
        logger.info("sweep done: %s", counts)
    return counts
