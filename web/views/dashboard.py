"""Clinic staff dashboard: appointments, intake flags, weekly hours and time off.

Staff act for exactly one provider (booking.permissions.staff_provider_get); every lookup
is scoped to it, so another provider's objects are 404. Actions are POSTs with CSRF: htmx
swaps the changed row, and without JavaScript the page reloads with a message.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking import availability as booking_availability
from booking import selectors as booking_selectors
from booking import services as booking_services
from booking.exceptions import AppointmentNotFound
from booking.intake import FLAG_TOPICS, SUBSTANCES
from booking.models import Appointment, AvailabilityRule, TimeOff
from booking.permissions import staff_provider_get
from core.exceptions import ServiceError
from directory.models import Provider
from web.forms import HoursForm, TimeOffForm
from web.presenters import in_zone

logger = logging.getLogger(__name__)
UPCOMING_DAYS = 30
SUBSTANCE_NAMES = dict(SUBSTANCES)

ACTIONS = {
    "confirm": (booking_services.appointment_confirm, "Confirmed."),
    "decline": (booking_services.appointment_decline, "Declined. The patient has been told."),
    "complete": (booking_services.appointment_complete, "Marked as completed."),
    "no-show": (booking_services.appointment_mark_no_show, "Marked as a no-show."),
    "cancel": (None, "Cancelled. The patient has been told."),
}


def staff_required(view):
    """Logged in and linked to a provider; passes ``provider`` to the view."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        provider = staff_provider_get(user=request.user)
        if provider is None:
            return render(request, "web/not_staff.html", status=403)
        return view(request, provider, *args, **kwargs)

    return wrapper


def _zone(provider: Provider) -> str:
    first = provider.locations.order_by("pk").first()
    return first.timezone if first else "UTC"


def _row(appointment: Appointment, tz_name: str) -> dict:
    zone = appointment.location.timezone if appointment.location_id else tz_name
    intake = appointment.intake or {}
    return {
        "appointment": appointment,
        "start_local": in_zone(appointment.start, zone),
        "flags": [FLAG_TOPICS.get(code, code) for code in appointment.intake_flags],
        "substances": [SUBSTANCE_NAMES.get(s, s) for s in intake.get("current_substances", [])],
        "medications": intake.get("current_medications", []),
    }


@staff_required
@require_GET
def dashboard(request: HttpRequest, provider: Provider) -> HttpResponse:
    tz_name = _zone(provider)
    zone = zoneinfo.ZoneInfo(tz_name)
    now = timezone.now()
    today = now.astimezone(zone).date()
    day_start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    day_end = day_start + dt.timedelta(days=1)
    appointments = list(
        booking_selectors.appointments_for_provider(
            provider=provider,
            start_from=day_start,
            start_before=day_start + dt.timedelta(days=UPCOMING_DAYS),
        )
    )
    rows = [_row(a, tz_name) for a in appointments]
    context = {
        "provider": provider,
        "timezone": tz_name,
        "today": [r for r in rows if r["appointment"].start < day_end],
        "upcoming": [r for r in rows if r["appointment"].start >= day_end],
        "flagged": [
            r for r in rows if r["flags"] and r["appointment"].status in Appointment.BOOKED_STATUSES
        ],
        "upcoming_days": UPCOMING_DAYS,
    }
    return render(request, "web/dashboard/index.html", context)


@staff_required
@require_POST
def appointment_action(
    request: HttpRequest, provider: Provider, pk: int, action: str
) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("Unknown action.")
    try:
        appointment = booking_selectors.appointment_get_for_provider(
            provider=provider, appointment_id=pk
        )
    except AppointmentNotFound:
        raise Http404("No such appointment.") from None
    service, done = ACTIONS[action]
    error = ""
    try:
        if action == "cancel":
            appointment = booking_services.appointment_cancel(
                appointment=appointment, actor=request.user, as_staff=True
            )
        else:
            appointment = service(appointment=appointment, actor=request.user)
    except ServiceError as exc:
        error = exc.detail
    if request.headers.get("HX-Request"):
        appointment = booking_selectors.appointment_get_for_provider(
            provider=provider, appointment_id=pk
        )
        context = {
            "row": _row(appointment, _zone(provider)),
            "notice": error or done,
            "is_error": bool(error),
        }
        return render(request, "web/dashboard/appointment_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("web:dashboard")


@staff_required
@require_http_methods(["GET", "POST"])
def hours(request: HttpRequest, provider: Provider) -> HttpResponse:
    locations = list(provider.locations.order_by("pk"))
    form = HoursForm(request.POST or None, locations=locations)
    if request.method == "POST" and form.is_valid():
        try:
            booking_availability.availability_rule_create(
                provider=provider,
                location_id=form.cleaned_data["location"],
                weekday=form.cleaned_data["weekday"],
                start_time=form.cleaned_data["start_time"],
                end_time=form.cleaned_data["end_time"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "Opening hours added.")
            return redirect("web:dashboard_hours")
    rules = AvailabilityRule.objects.filter(location__provider=provider).select_related("location")
    by_location = [(loc, [r for r in rules if r.location_id == loc.pk]) for loc in locations]
    return render(
        request,
        "web/dashboard/hours.html",
        {"provider": provider, "form": form, "by_location": by_location},
    )


@staff_required
@require_POST
def hours_delete(request: HttpRequest, provider: Provider, pk: int) -> HttpResponse:
    rule = AvailabilityRule.objects.filter(location__provider=provider, pk=pk).first()
    if rule is None:
        raise Http404("No such opening hours.")
    booking_availability.availability_rule_delete(rule=rule)
    messages.success(request, "Opening hours removed.")
    return redirect("web:dashboard_hours")


@staff_required
@require_http_methods(["GET", "POST"])
def time_off(request: HttpRequest, provider: Provider) -> HttpResponse:
    locations = list(provider.locations.order_by("pk"))
    form = TimeOffForm(request.POST or None, locations=locations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = next((loc for loc in locations if loc.pk == data["location"]), None)
        # The form's wall times are read in the location's zone (the clinic's first one
        # for "everywhere"), never in the server's.
        zone = zoneinfo.ZoneInfo(chosen.timezone if chosen else _zone(provider))
        start = data["start"].replace(tzinfo=None).replace(tzinfo=zone)
        end = data["end"].replace(tzinfo=None).replace(tzinfo=zone)
        try:
            booking_availability.time_off_create(
                provider=provider,
                start=start,
                end=end,
                reason=data.get("reason", ""),
                location_id=data["location"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "Time off added. Those times can no longer be booked.")
            return redirect("web:dashboard_time_off")
    tz_name = _zone(provider)
    blocks = [
        {
            "block": block,
            "start_local": in_zone(block.start, _block_zone(block, tz_name)),
            "end_local": in_zone(block.end, _block_zone(block, tz_name)),
        }
        for block in TimeOff.objects.filter(provider=provider, end__gt=timezone.now())
        .select_related("location")
        .order_by("start")
    ]
    return render(
        request,
        "web/dashboard/time_off.html",
        {"provider": provider, "form": form, "blocks": blocks},
    )


def _block_zone(block: TimeOff, default: str) -> str:
    return block.location.timezone if block.location_id else default


@staff_required
@require_POST
def time_off_delete(request: HttpRequest, provider: Provider, pk: int) -> HttpResponse:
    block = TimeOff.objects.filter(provider=provider, pk=pk).first()
    if block is None:
        raise Http404("No such time off.")
    booking_availability.time_off_delete(time_off=block)
    messages.success(request, "Time off removed.")
    return redirect("web:dashboard_time_off")
