"""A patient's own data: export it (JSON) and delete the account.

This module is the one place in ``accounts`` that knows booking and notifications (like the
web pages, it sits above them): deleting an account must cancel the patient's bookings
through booking's services, so that clinics and notifications hear of it, and must stop
the emails still waiting for the patient.

Deletion removes the ``User`` row. Appointments stay with ``patient=NULL`` (their foreign
key is ``SET_NULL``), so the provider's history and calendar stay consistent, but their
health fields (reason, intake answers and flags, cancellation text) are emptied first.
Tokens, waitlist entries, preferences and stored idempotent responses go with the user
(``CASCADE``); emails still pending to the patient are cancelled.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import InvalidCredentials
from booking import services as booking_services
from booking.models import Appointment
from core.exceptions import Conflict
from notifications.models import OutboundEmail, WaitlistEntry
from notifications.selectors import reminders_enabled

logger = logging.getLogger(__name__)

EXPORT_FORMAT_VERSION = 1


class WrongPassword(InvalidCredentials):
    default_code = "wrong_password"
    default_detail = "That password is not correct. Enter your current password to confirm."


class AccountManaged(Conflict):
    default_code = "account_managed"
    default_detail = (
        "Clinic staff and operator accounts are removed by an administrator, not online."
    )


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _appointment_export(appointment: Appointment) -> dict[str, Any]:
    location = appointment.location
    return {
        "id": appointment.pk,
        "uid": str(appointment.uid),
        "status": appointment.status,
        "start": _iso(appointment.start),
        "end": _iso(appointment.end),
        "provider": {"slug": appointment.provider.slug, "name": appointment.provider.name},
        "consultation_type": {
            "id": appointment.consultation_type_id,
            "name": appointment.consultation_type.name,
        },
        "location": None
        if location is None
        else {
            "id": location.pk,
            "address_line1": location.address_line1,
            "city": location.city,
            "state": location.state,
            "postal_code": location.postal_code,
        },
        "series": appointment.series_id,
        "reason": appointment.reason,
        "intake": appointment.intake,
        "intake_flags": appointment.intake_flags,
        "cancellation_reason": appointment.cancellation_reason,
        "created_at": _iso(appointment.created_at),
        "history": [
            {
                "at": _iso(t.at),
                "from_status": t.from_status,
                "to_status": t.to_status,
                "from_start": _iso(t.from_start),
                "to_start": _iso(t.to_start),
                "by": t.actor_role,
            }
            for t in appointment.transitions.all()
        ],
    }


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the service holds about ``user``, as one JSON-ready dict.

    Profile, appointments (with reason, intake answers and their history), waitlist
    entries and notification preferences. Read-only; the caller is the user themself.
    """
    appointments = (
        Appointment.objects.filter(patient=user)
        .select_related("provider", "consultation_type", "location")
        .prefetch_related("transitions")
        .order_by("start", "pk")
    )
    waitlist = (
        WaitlistEntry.objects.filter(patient=user)
        .select_related("provider")
        .order_by("created_at", "pk")
    )
    staff = getattr(user, "provider_staff", None)
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": _iso(timezone.now()),
        "profile": {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "provider_staff": None
            if staff is None
            else {"provider": staff.provider.slug, "role": staff.role},
        },
        "appointments": [_appointment_export(a) for a in appointments],
        "waitlist_entries": [
            {
                "id": entry.pk,
                "provider": entry.provider.slug,
                "consultation_type": entry.consultation_type_id,
                "earliest_date": _iso(entry.earliest_date),
                "latest_date": _iso(entry.latest_date),
                "created_at": _iso(entry.created_at),
            }
            for entry in waitlist
        ],
        "notification_preferences": {"reminders_enabled": reminders_enabled(user_id=user.pk)},
    }


def user_delete(*, user: User, password: str, now: dt.datetime | None = None) -> None:
    """Delete a patient's account after checking ``password``; keep clinics' history.

    In one transaction: upcoming requested/confirmed appointments are cancelled by the
    patient (``booking.services.appointment_cancel``: slots freed, clinics notified) and
    holds released; the health fields of all the patient's appointments are emptied;
    emails still pending to the patient are cancelled; then the user row is deleted
    (appointments keep ``patient=NULL``; tokens, waitlist entries and preferences go).

    Raises ``WrongPassword`` (400) and ``AccountManaged`` (409) for clinic staff and
    operators, whose accounts an administrator removes.
    """
    if not password or not user.check_password(password):
        raise WrongPassword(errors={"password": [WrongPassword.default_detail]})
    if user.is_staff or user.is_superuser or getattr(user, "provider_staff", None) is not None:
        raise AccountManaged()
    now = now or timezone.now()
    user_id = user.pk
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        upcoming = Appointment.objects.filter(
            patient=user, status__in=Appointment.BOOKED_STATUSES, start__gt=now
        ).order_by("pk")
        cancelled = 0
        for appointment in upcoming:
            booking_services.appointment_cancel(appointment=appointment, actor=user, now=now)
            cancelled += 1
        for hold in Appointment.objects.filter(patient=user, status=Appointment.Status.HELD):
            booking_services.appointment_hold_release(appointment=hold, patient=user)
        Appointment.objects.filter(patient=user).update(
            reason="", intake={}, intake_flags=[], cancellation_reason=""
        )
        # Includes the "cancelled" notices just planned by the cancellations above; the
        # clinic's copies (recipient = staff) still go out.
        dropped = OutboundEmail.objects.filter(
            recipient=user, status=OutboundEmail.Status.PENDING
        ).update(status=OutboundEmail.Status.CANCELLED, skip_reason="account_deleted")
        user.delete()
    logger.info(
        "account deleted user=%s appointments_cancelled=%s emails_dropped=%s",
        user_id,
        cancelled,
        dropped,
    )
