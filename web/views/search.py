"""The "/" search page: the API's provider search, rendered as HTML."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.api import Pagination
from directory import selectors
from directory.cards import cards_load
from directory.filters import MAX_RADIUS, ProviderSearchFilter
from directory.models import Provider
from web.presenters import result_card

RADIUS_CHOICES = (5, 10, 25, 50, 100, 250, 500)
ORDERING_CHOICES = (
    ("", "Nearest first (or by name without a location)"),
    ("next_available", "Soonest availability"),
    ("name", "Name A-Z"),
)


def _page_size(request: HttpRequest) -> int:
    """The API's page_size rule (default 20, at most 100), so pages hold the same providers."""
    try:
        size = int(request.GET.get("page_size", ""))
    except ValueError:
        return Pagination.page_size
    return max(1, min(size, Pagination.max_page_size))


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Same filter set and order as GET /api/v1/providers/; bad input -> inline errors."""
    searched = any(key not in ("page", "page_size") for key in request.GET)
    filterset = ProviderSearchFilter(request.GET, queryset=Provider.objects.published())
    errors: dict[str, list[str]] = {}
    page = None
    cards = []
    near = None
    if filterset.is_valid():
        near = filterset.form.cleaned_data.get("near")
        page = selectors.SearchPaginator(filterset.qs, _page_size(request)).get_page(
            request.GET.get("page")
        )
        providers = cards_load(list(page.object_list))
        cards = [result_card(provider, near) for provider in providers]
    else:
        errors = {field: [str(m) for m in msgs] for field, msgs in filterset.errors.items()}

    radius = request.GET.get("radius", "")
    radius_choices = list(RADIUS_CHOICES)
    try:
        current = float(radius)
        if current.is_integer() and 1 <= current <= MAX_RADIUS and current not in radius_choices:
            radius_choices = sorted({*radius_choices, int(current)})
    except ValueError:
        pass
    wider = None
    if near is not None and page is not None and not page.paginator.count:
        current_radius = filterset.form.cleaned_data.get("radius") or 25
        if current_radius < MAX_RADIUS:
            wider = min(MAX_RADIUS, max(50, int(current_radius * 4)))

    context = {
        "searched": searched,
        "errors": errors,
        "page": page,
        "cards": cards,
        "near": near,
        "wider_radius": wider,
        "values": {
            "near": request.GET.get("near", ""),
            "radius": radius or "25",
            "route": request.GET.getlist("route"),
            "specialty": request.GET.getlist("specialty"),
            "insurance": request.GET.get("insurance", ""),
            "telehealth": request.GET.get("telehealth", ""),
            "accepting_new_patients": request.GET.get("accepting_new_patients", ""),
            "q": request.GET.get("q", ""),
            "ordering": request.GET.get("ordering", ""),
        },
        "routes": selectors.routes_list(),
        "specialties": selectors.specialties_list(),
        "insurance_plans": selectors.insurance_plans_list(),
        "radius_choices": radius_choices,
        "ordering_choices": ORDERING_CHOICES,
        "map_tile_url": settings.MAP_TILE_URL,
    }
    # Bad input is shown next to its field on a normal page (200), never an error page.
    return render(request, "web/search.html", context)
