"""Booking flow (choose -> hold -> intake and reason -> confirm) and "my appointments".

Every step is a plain form POST with CSRF, so it works without JavaScript. The rules (what
is bookable, holds, races) live in booking.services; a lost race is ``SlotUnavailable``,
shown as a "just taken" page offering the nearest free times.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking import selectors as booking_selectors
from booking import services as booking_services
from booking.exceptions import AppointmentNotFound, SlotUnavailable
from booking.intake import FLAG_TOPICS, PATIENT_FLAG_MESSAGE
from booking.models import Appointment
from core.exceptions import ServiceError
from directory import selectors
from directory.models import ConsultationType, Location, Provider
from web.forms import CancelForm, IntakeForm
from web.presenters import in_zone
from web.slots import slots_for_days
from web.views.providers import build_picker

logger = logging.getLogger(__name__)
NEAREST_OFFERED = 6


def _provider_or_404(slug: str) -> Provider:
    provider = selectors.provider_get_published(slug=slug)
    if provider is None:
        raise Http404("No provider with that name is listed.")
    return provider


def _aware(value: str | None) -> dt.datetime | None:
    try:
        parsed = parse_datetime(value or "")
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


def _type_of(provider: Provider, value: str | None) -> ConsultationType | None:
    return next((ct for ct in provider.active_consultation_types if str(ct.pk) == str(value)), None)


def _location_of(provider: Provider, value: str | None) -> Location | None:
    return next((loc for loc in provider.locations.all() if str(loc.pk) == str(value)), None)


def appointment_zone(appointment: Appointment) -> str:
    if appointment.location_id:
        return appointment.location.timezone
    locations = list(appointment.provider.locations.all())
    return locations[0].timezone if locations else "UTC"


def nearest_free_slots(
    *,
    provider: Provider,
    consultation_type: ConsultationType,
    location: Location | None,
    wanted: dt.datetime,
) -> list:
    """The free starts closest in time to ``wanted`` (same week), soonest first."""
    day = wanted.date()
    today = timezone.now().date()
    try:
        _, slots = slots_for_days(
            provider=provider,
            consultation_type=consultation_type,
            location=location,
            first_day=max(today, day - dt.timedelta(days=3)),
            last_day=day + dt.timedelta(days=4),
        )
    except ServiceError:
        return []
    closest = sorted(slots, key=lambda s: abs((s.start - wanted).total_seconds()))
    return sorted(closest[:NEAREST_OFFERED], key=lambda s: s.start)


def _slot_taken(
    request: HttpRequest,
    *,
    provider: Provider,
    consultation_type: ConsultationType,
    location: Location | None,
    wanted: dt.datetime,
    action_url: str,
) -> HttpResponse:
    offers = nearest_free_slots(
        provider=provider, consultation_type=consultation_type, location=location, wanted=wanted
    )
    context = {
        "provider": provider,
        "consultation_type": consultation_type,
        "location": location,
        "offers": offers,
        "action_url": action_url,
    }
    return render(request, "web/slot_taken.html", context, status=409)


@require_POST
def book_start(request: HttpRequest, slug: str) -> HttpResponse:
    """A time was chosen: hold it for the patient, then ask the intake questions."""
    provider = _provider_or_404(slug)
    consultation_type = _type_of(provider, request.POST.get("consultation_type"))
    back = reverse("web:provider", args=[provider.slug])
    if consultation_type is not None:
        back += f"?consultation_type={consultation_type.pk}"
    if not request.user.is_authenticated:
        messages.info(request, "Please log in or create an account to book. It takes a minute.")
        return redirect_to_login(back + "#slot-picker", reverse("web:login"))
    start = _aware(request.POST.get("start"))
    if consultation_type is None or start is None:
        messages.error(request, "Please choose a type of visit and a time from the list.")
        return redirect(back + "#slot-picker")
    location = _location_of(provider, request.POST.get("location"))
    try:
        hold = booking_services.appointment_hold(
            patient=request.user,
            provider=provider,
            consultation_type=consultation_type,
            start=start,
            location=location,
        )
    except SlotUnavailable:
        return _slot_taken(
            request,
            provider=provider,
            consultation_type=consultation_type,
            location=location,
            wanted=start,
            action_url=reverse("web:book_start", args=[provider.slug]),
        )
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect(back + "#slot-picker")
    return redirect("web:book_details", pk=hold.pk)


@login_required
@require_http_methods(["GET", "POST"])
def book_details(request: HttpRequest, pk: int) -> HttpResponse:
    """Intake pre-screening and reason for a held slot, then the booking itself."""
    try:
        hold = booking_selectors.appointment_hold_get_for_patient(
            patient=request.user, appointment_id=pk
        )
    except AppointmentNotFound:
        messages.error(
            request,
            "That time is no longer held for you (holds last a few minutes). "
            "Please choose a time again.",
        )
        return redirect("web:search")
    provider = _provider_or_404(hold.provider.slug)
    if request.method == "POST" and request.POST.get("action") == "release":
        booking_services.appointment_hold_release(appointment=hold, patient=request.user)
        messages.info(request, "The time was released. Nothing was booked.")
        return redirect("web:provider", slug=provider.slug)
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appointment = booking_services.appointment_book(
                patient=request.user,
                provider=provider,
                consultation_type=hold.consultation_type,
                start=hold.start,
                location=hold.location,
                reason=form.cleaned_data.get("reason", ""),
                intake=form.cleaned_data.get("intake") or {},
            )
        except SlotUnavailable:
            return _slot_taken(
                request,
                provider=provider,
                consultation_type=hold.consultation_type,
                location=hold.location,
                wanted=hold.start,
                action_url=reverse("web:book_start", args=[provider.slug]),
            )
        except ServiceError as exc:
            form.add_error(None, exc.detail)
        else:
            logger.info("web booking appointment_id=%s", appointment.pk)
            messages.success(
                request,
                f"Your request is sent to {provider.name}. "
                "They will confirm it, and we will email you.",
            )
            if appointment.intake_flags:
                messages.info(request, PATIENT_FLAG_MESSAGE)
            return redirect("web:my_appointments")
    zone = appointment_zone(hold)
    context = {
        "hold": hold,
        "provider": provider,
        "form": form,
        "start_local": in_zone(hold.start, zone),
        "expires_local": in_zone(hold.hold_expires_at, zone),
        "timezone": zone,
    }
    return render(request, "web/book_details.html", context)


def _rows(appointments) -> list[dict]:
    rows = []
    for appointment in appointments:
        zone = appointment_zone(appointment)
        rows.append(
            {
                "appointment": appointment,
                "start_local": in_zone(appointment.start, zone),
                "timezone": zone,
                "flags": [FLAG_TOPICS.get(code, code) for code in appointment.intake_flags],
            }
        )
    return rows


@login_required
@require_GET
def my_appointments(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    appointments = list(booking_selectors.appointments_for_patient(patient=request.user))
    upcoming = [
        a for a in appointments if a.status in Appointment.BOOKED_STATUSES and a.start > now
    ]
    others = [a for a in appointments if a not in upcoming]
    context = {
        "upcoming": _rows(upcoming),
        "past": _rows(reversed(others)),
        "cancel_form": CancelForm(),
    }
    return render(request, "web/my_appointments.html", context)


def _own_appointment(request: HttpRequest, pk: int) -> Appointment:
    try:
        return booking_selectors.appointment_get_for_patient(
            patient=request.user, appointment_id=pk
        )
    except AppointmentNotFound:
        raise Http404("No such appointment.") from None


@login_required
@require_POST
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _own_appointment(request, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    try:
        booking_services.appointment_cancel(
            appointment=appointment, actor=request.user, reason=reason
        )
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Your appointment is cancelled. The clinic has been told.")
    return redirect("web:my_appointments")


@login_required
@require_http_methods(["GET", "POST"])
def appointment_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick a new time for the same visit; the old time is kept if the new one is gone."""
    appointment = _own_appointment(request, pk)
    provider = _provider_or_404(appointment.provider.slug)
    url = reverse("web:appointment_reschedule", args=[pk])
    if request.method == "POST":
        start = _aware(request.POST.get("start"))
        if start is None:
            messages.error(request, "Please choose a new time from the list.")
            return redirect(url)
        try:
            booking_services.appointment_reschedule(
                appointment=appointment, actor=request.user, start=start
            )
        except SlotUnavailable:
            return _slot_taken(
                request,
                provider=provider,
                consultation_type=appointment.consultation_type,
                location=appointment.location,
                wanted=start,
                action_url=url,
            )
        except ServiceError as exc:
            messages.error(request, exc.detail)
            return redirect("web:my_appointments")
        messages.success(request, "Your appointment has been moved. The clinic has been told.")
        return redirect("web:my_appointments")
    picker = build_picker(
        request,
        provider,
        only_type=appointment.consultation_type,
        only_location=appointment.location,
        page_url=url,
        partial_url="",
        action_url=url,
    )
    zone = appointment_zone(appointment)
    context = {
        "appointment": appointment,
        "start_local": in_zone(appointment.start, zone),
        "picker": picker,
    }
    return render(request, "web/reschedule.html", context)
