"""Reads of appointments that the API, the web pages and other apps share.

Lookups are scoped to who asks: a patient's own appointments, a provider's appointments for
its staff. Anything outside that scope is ``AppointmentNotFound`` (404), so existence is
never revealed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet

from booking.exceptions import AppointmentNotFound
from booking.models import Appointment
from directory.models import Location, Provider

#: Never listed: a hold is not a booking yet and an expired hold never was one.
HIDDEN_STATUSES = (Appointment.Status.HELD, Appointment.Status.EXPIRED)


def _base() -> QuerySet[Appointment]:
    # provider, location and type in the same query; the provider's locations (for the
    # time zone of telehealth appointments) in one more.
    return Appointment.objects.select_related(
        "provider", "location", "consultation_type"
    ).prefetch_related(
        Prefetch("provider__locations", queryset=Location.objects.order_by("pk")),
    )


def appointments_for_patient(
    *, patient: Any, statuses: Sequence[str] | None = None
) -> QuerySet[Appointment]:
    """The patient's bookings (not holds), soonest first."""
    qs = _base().filter(patient=patient)
    qs = qs.filter(status__in=statuses) if statuses else qs.exclude(status__in=HIDDEN_STATUSES)
    return qs.order_by("start", "pk")


def appointment_get_for_patient(
    *, patient: Any, appointment_id: int, include_holds: bool = False
) -> Appointment:
    qs = _base().filter(patient=patient)
    if not include_holds:
        qs = qs.exclude(status__in=HIDDEN_STATUSES)
    appointment = qs.filter(pk=appointment_id).first()
    if appointment is None:
        raise AppointmentNotFound()
    return appointment


def appointment_hold_get_for_patient(*, patient: Any, appointment_id: int) -> Appointment:
    appointment = (
        _base().filter(patient=patient, pk=appointment_id, status=Appointment.Status.HELD).first()
    )
    if appointment is None:
        raise AppointmentNotFound("No such hold.", code="hold_not_found")
    return appointment


def appointments_for_provider(
    *,
    provider: Provider,
    statuses: Sequence[str] | None = None,
    start_from: dt.datetime | None = None,
    start_before: dt.datetime | None = None,
) -> QuerySet[Appointment]:
    """The provider's bookings, by status and ``start_from <= start < start_before`` if given."""
    qs = _base().select_related("patient").filter(provider=provider)
    qs = qs.filter(status__in=statuses) if statuses else qs.exclude(status__in=HIDDEN_STATUSES)
    if start_from is not None:
        qs = qs.filter(start__gte=start_from)
    if start_before is not None:
        qs = qs.filter(start__lt=start_before)
    return qs.order_by("start", "pk")


def appointment_get_for_provider(*, provider: Provider, appointment_id: int) -> Appointment:
    appointment = (
        _base()
        .select_related("patient")
        .filter(provider=provider, pk=appointment_id)
        .exclude(status__in=HIDDEN_STATUSES)
        .first()
    )
    if appointment is None:
        raise AppointmentNotFound()
    return appointment


def appointment_series_sessions(*, appointment: Appointment) -> list[Appointment]:
    """All sessions of the appointment's course, in order ([] for a single visit)."""
    if appointment.series_id is None:
        return []
    return list(_base().filter(series_id=appointment.series_id).order_by("start", "pk"))
