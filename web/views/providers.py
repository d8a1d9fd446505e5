"""Provider profile with its slot picker (htmx swaps the picker; plain links work too)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import OrderedDict
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.exceptions import ServiceError
from directory import selectors
from directory.models import (
    AddictionMedication,
    ConsultationType,
    Credential,
    Location,
    Provider,
)
from web.presenters import result_card
from web.slots import slots_for_days

DAYS_SHOWN = 14
CREDENTIALS = dict(Credential.choices)
MEDICATIONS = dict(AddictionMedication.choices)


@dataclass
class Picker:
    """What the slot picker shows: the chosen type, the days and the chosen day's times."""

    provider: Provider
    consultation_types: list[ConsultationType]
    consultation_type: ConsultationType | None
    location: Location | None
    timezone: str
    first_day: dt.date
    days: OrderedDict  # date -> list of slots (start/end aware, in the clinic's zone)
    day: dt.date | None
    error: str = ""
    page_url: str = ""  # links without JS
    partial_url: str = ""  # htmx swaps ("" = none)
    action_url: str = ""  # where a chosen time is POSTed

    @property
    def day_slots(self) -> list:
        return self.days.get(self.day, []) if self.day else []

    @property
    def next_first_day(self) -> dt.date:
        return self.first_day + dt.timedelta(days=DAYS_SHOWN)

    @property
    def previous_first_day(self) -> dt.date | None:
        today = timezone.now().astimezone(zoneinfo.ZoneInfo(self.timezone)).date()
        if self.first_day <= today:
            return None
        return max(today, self.first_day - dt.timedelta(days=DAYS_SHOWN))


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def build_picker(
    request: HttpRequest,
    provider: Provider,
    *,
    only_type: ConsultationType | None = None,
    only_location: Location | None = None,
    page_url: str = "",
    partial_url: str | None = None,
    action_url: str = "",
) -> Picker:
    """Read consultation_type, location, from and date from the query; bad values fall back."""
    types = [only_type] if only_type else list(provider.active_consultation_types)
    locations = list(provider.locations.all())
    chosen = None
    wanted = request.GET.get("consultation_type", "")
    for ctype in types:
        if str(ctype.pk) == wanted:
            chosen = ctype
    if chosen is None and types:
        chosen = types[0]
    location = only_location
    wanted_location = request.GET.get("location", "")
    for loc in locations:
        if str(loc.pk) == wanted_location:
            location = loc
    shown = location or (locations[0] if locations else None)
    tz_name = shown.timezone if shown else "UTC"
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(tz_name)).date()
    first_day = _parse_date(request.GET.get("from")) or today
    first_day = max(today, min(first_day, today + dt.timedelta(days=365)))
    days: OrderedDict = OrderedDict(
        (first_day + dt.timedelta(days=i), []) for i in range(DAYS_SHOWN)
    )
    error = ""
    if chosen is not None:
        try:
            tz_name, slots = slots_for_days(
                provider=provider,
                consultation_type=chosen,
                location=location,
                first_day=first_day,
                last_day=first_day + dt.timedelta(days=DAYS_SHOWN - 1),
            )
        except ServiceError as exc:
            error = exc.detail
            slots = []
        for slot in slots:
            days.setdefault(slot.start.date(), []).append(slot)
    day = _parse_date(request.GET.get("date"))
    if day not in days or not days.get(day):
        day = next((d for d, s in days.items() if s), None)
    return Picker(
        provider=provider,
        consultation_types=types,
        consultation_type=chosen,
        location=location,
        timezone=tz_name,
        first_day=first_day,
        days=days,
        day=day,
        error=error,
        page_url=page_url or reverse("web:provider", args=[provider.slug]),
        partial_url=(
            reverse("web:provider_slots", args=[provider.slug])
            if partial_url is None
            else partial_url
        ),
        action_url=action_url or reverse("web:book_start", args=[provider.slug]),
    )


def _provider_or_404(slug: str) -> Provider:
    provider = selectors.provider_get_published(slug=slug)
    if provider is None:
        raise Http404("No provider with that name is listed.")
    return provider


@require_GET
def provider_detail(request: HttpRequest, slug: str) -> HttpResponse:
    provider = _provider_or_404(slug)
    context = {
        "provider": provider,
        "card": result_card(provider, None),
        # In route order already: selectors.with_profile_data prefetches them sorted.
        "provider_routes": provider.provider_routes.all(),
        "credentials": [CREDENTIALS.get(c, c) for c in provider.credentials],
        "mat": [MEDICATIONS.get(m, m) for m in provider.mat_coordination],
        "picker": build_picker(request, provider),
    }
    return render(request, "web/provider.html", context)


@require_GET
def provider_slots(request: HttpRequest, slug: str) -> HttpResponse:
    """The slot picker alone: htmx swaps it in; without JS the profile page does the same."""
    provider = _provider_or_404(slug)
    return render(
        request, "web/partials/slot_picker.html", {"picker": build_picker(request, provider)}
    )
