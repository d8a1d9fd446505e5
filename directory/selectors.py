"""Reads of the directory that more than one place needs (API, web pages, booking)."""

from __future__ import annotations

import operator
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import reduce

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Window
from django.db.models.lookups import GreaterThan

from directory.cards import card_from_relations
from directory.geo import HaversineTerm, bounding_box, haversine_term_within, miles_from_term
from directory.models import (
    AddictionSpecialty,
    AdministrationRoute,
    ConsultationType,
    InsurancePlan,
    Language,
    Location,
    Provider,
    ProviderRoute,
    ReferenceEntry,
)
from directory.services import search_bits

DEFAULT_RADIUS_MILES = 25.0

# How long a process may answer slugs of a reference table from memory (seconds).
REFERENCE_IDS_MAX_AGE = 60.0
_reference_ids: dict[type, tuple[float, dict[str, int]]] = {}
ORDERINGS = ("distance", "next_available", "-next_available", "name", "-name")


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float


@dataclass(slots=True)
class ProviderSearch:
    """What a patient searches for. Lists OR their values; different fields AND."""

    near: GeoPoint | None = None
    radius_miles: float = DEFAULT_RADIUS_MILES
    route_ids: Sequence[int] = field(default_factory=tuple)
    specialty_ids: Sequence[int] = field(default_factory=tuple)
    insurance_ids: Sequence[int] = field(default_factory=tuple)
    language_ids: Sequence[int] = field(default_factory=tuple)
    telehealth: bool | None = None
    accepting_new_patients: bool | None = None
    text: str = ""
    ordering: str | None = None  # None: distance with `near`, else name


def _provider_conditions(
    search: ProviderSearch, *, prefix: str, ref: str, published: bool = True
) -> list:
    """The non-geographic filters as ORM conditions.

    ``prefix`` reaches provider fields from the queried model ("" on Provider,
    "provider__" on Location) and ``ref`` names the provider id there ("pk" / "provider_id"),
    so the same filters serve both query shapes of ``provider_search``.
    """
    conditions: list = [Q(**{f"{prefix}is_published": True})] if published else []
    if search.route_ids:
        conditions.append(
            Exists(
                ProviderRoute.objects.filter(
                    provider_id=OuterRef(ref), route_id__in=search.route_ids
                )
            )
        )
    for through, column, ids in (
        (Provider.specialties.through, "addictionspecialty_id", search.specialty_ids),
        (Provider.insurance.through, "insuranceplan_id", search.insurance_ids),
        (Provider.languages.through, "language_id", search.language_ids),
    ):
        if ids:
            conditions.append(
                Exists(through.objects.filter(provider_id=OuterRef(ref), **{f"{column}__in": ids}))
            )
    if search.telehealth is not None:
        conditions.append(Q(**{f"{prefix}telehealth": search.telehealth}))
    if search.accepting_new_patients is not None:
        conditions.append(Q(**{f"{prefix}accepting_new_patients": search.accepting_new_patients}))
    if search.text:
        # Three id sets, each read through its own trigram index on PostgreSQL (migration
        # 0005), instead of matching every provider's description row by row.
        matching_ids = (
            Provider.objects.filter(name__icontains=search.text).values("pk"),
            Provider.objects.filter(description__icontains=search.text).values("pk"),
            Location.objects.filter(city__icontains=search.text).values("provider_id"),
        )
        conditions.append(reduce(operator.or_, (Q(**{f"{ref}__in": ids}) for ids in matching_ids)))
    return conditions


def _location_conditions(search: ProviderSearch) -> list:
    """The filters of a search near a point, on the location table alone where possible.

    Locations carry copies of what searches filter on (``directory.services``), all in
    the search index, so the usual filters cost no visit to another table. The rest (free
    text, languages, an id too large for the bit masks) goes through the provider and
    link tables, as a search without a point does.
    """
    conditions: list = [Q(provider_published=True)]
    rest: dict = {"telehealth": None, "accepting_new_patients": None}
    for column, attr in (
        ("route_bits", "route_ids"),
        ("specialty_bits", "specialty_ids"),
        ("insurance_bits", "insurance_ids"),
    ):
        ids = getattr(search, attr)
        bits = search_bits(ids) if ids else None
        if bits is not None:
            conditions.append(GreaterThan(F(column).bitand(bits), 0))
            rest[attr] = ()
    if search.telehealth is not None:
        conditions.append(Q(provider_telehealth=search.telehealth))
    if search.accepting_new_patients is not None:
        conditions.append(Q(provider_accepting=search.accepting_new_patients))
    remaining = replace(search, **rest)
    return conditions + _provider_conditions(
        remaining, prefix="provider__", ref="provider_id", published=False
    )


class NearbyProviders:
    """Providers near a point, in search order: a lazy, sliceable sequence for paginators.

    A page is one query on the location table: its (latitude, longitude) index with a
    bounding box, the providers whose nearest location is within the radius, ordered, cut
    to the page with LIMIT/OFFSET and carrying the total as ``count(*) OVER ()``. Then only
    that page's providers are loaded (from ``queryset``, with its prefetches) and given
    ``distance``. ``SearchPaginator`` fetches the page before asking for the count, so a
    request aggregates the candidates once; a bare ``count()`` runs a COUNT of its own.
    """

    ordered = True  # Paginator checks this to warn about unordered lists

    def __init__(self, hits: QuerySet, queryset: QuerySet) -> None:
        self._hits = hits
        self._queryset = queryset
        self._count: int | None = None
        self._window: tuple[int, list[tuple[int, float]]] | None = None  # (offset, pairs)

    def fetch(self, offset: int, limit: int) -> None:
        """Read one page of (provider id, distance) pairs, and the total count with it."""
        page = self._hits.annotate(total=Window(Count("*"))).values_list(
            "provider_id", "distance", "total"
        )
        rows = list(page[offset : offset + limit])
        self._window = (offset, [(pk, distance) for pk, distance, _ in rows])
        if rows:
            self._count = rows[0][2]
        elif offset == 0:
            self._count = 0

    def count(self) -> int:
        if self._count is None:
            self._count = self._hits.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def _pairs(self, start: int, stop: int | None) -> list[tuple[int, float]]:
        if self._window is not None:
            offset, pairs = self._window
            end = offset + len(pairs)
            whole_rest = self._count is not None and end >= self._count
            if start >= offset and ((stop is not None and stop <= end) or whole_rest):
                return pairs[start - offset : None if stop is None else stop - offset]
        rows = self._hits.values_list("provider_id", "distance")
        return list(rows[start:stop])

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item : item + 1][0]
        if item.step not in (None, 1) or (item.start or 0) < 0 or (item.stop or 0) < 0:
            raise ValueError("NearbyProviders supports forward slices only.")
        pairs = self._pairs(item.start or 0, item.stop)
        providers = self._queryset.filter(pk__in=[pk for pk, _ in pairs]).in_bulk()
        page = []
        for pk, distance in pairs:
            provider = providers.get(pk)
            if provider is not None:
                provider.distance = distance
                page.append(provider)
        return page


class SearchPaginator(Paginator):
    """Django's Paginator, reading a ``NearbyProviders`` page and its count in one query."""

    def page(self, number):
        if isinstance(self.object_list, NearbyProviders):
            try:
                first = (int(number) - 1) * self.per_page
            except (TypeError, ValueError):
                first = -1  # the base class says what is wrong with it
            if first >= 0:
                self.object_list.fetch(first, self.per_page + self.orphans)
        return super().page(number)


_ORDER_BY = {
    "distance": ("distance", "pk"),
    "next_available": (F("next_available").asc(nulls_last=True), "pk"),
    "-next_available": (F("next_available").desc(nulls_last=True), "pk"),
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
}


# The same orders for the (provider id, distance) pairs of a search near a point.
_HIT_GROUP = {
    "distance": (),
    "next_available": ("provider__next_available",),
    "-next_available": ("provider__next_available",),
    "name": ("provider__name",),
    "-name": ("provider__name",),
}
_HIT_ORDER_BY = {
    "distance": ("nearest", "provider_id"),  # the same order as by distance, cheaper
    "next_available": (F("provider__next_available").asc(nulls_last=True), "provider_id"),
    "-next_available": (F("provider__next_available").desc(nulls_last=True), "provider_id"),
    "name": ("provider__name", "provider_id"),
    "-name": ("-provider__name", "-provider_id"),
}


def provider_search(
    search: ProviderSearch, *, queryset: QuerySet | None = None
) -> QuerySet | NearbyProviders:
    """Published providers matching ``search``, in a stable order (ties by id).

    With ``near``, only providers with a location within the radius are kept, each with
    ``distance`` (great-circle miles to its nearest location), as a ``NearbyProviders``
    sequence; without it, a queryset. ``queryset`` supplies the provider rows (and their
    prefetches); the filters always apply to published providers.
    """
    base = Provider.objects.all() if queryset is None else queryset
    ordering = search.ordering or ("distance" if search.near is not None else "name")

    if search.near is None:
        conditions = _provider_conditions(search, prefix="", ref="pk")
        return base.filter(*conditions).order_by(*_ORDER_BY[ordering])

    point = search.near
    box = bounding_box(point.latitude, point.longitude, search.radius_miles)
    term = HaversineTerm(point.latitude, point.longitude, "latitude", "longitude")
    hits = (
        Location.objects.filter(
            *_location_conditions(search),
            latitude__range=(box.min_lat, box.max_lat),
            longitude__range=(box.min_lng, box.max_lng),
        )
        .values("provider_id", *_HIT_GROUP[ordering])
        # The nearest location by the haversine term; miles only for what is kept.
        .annotate(nearest=Min(term))
        .filter(nearest__lte=haversine_term_within(search.radius_miles))
        .annotate(distance=miles_from_term(F("nearest")))
        .order_by(*_HIT_ORDER_BY[ordering])
    )
    return NearbyProviders(hits, base)


def _card_relations() -> dict[str, QuerySet]:
    """The relations a result card shows, in the order ``directory.cards`` reads them."""
    return {
        "locations": Location.objects.order_by("pk"),
        "provider_routes": ProviderRoute.objects.select_related("route").order_by(
            "route__sort_order", "route_id"
        ),
        "specialties": AddictionSpecialty.objects.order_by("sort_order", "pk"),
        "insurance": InsurancePlan.objects.order_by("sort_order", "pk"),
    }


def with_profile_data(qs: QuerySet) -> QuerySet:
    return qs.prefetch_related(
        *(Prefetch(name, queryset=rows) for name, rows in _card_relations().items()),
        Prefetch("languages", queryset=Language.objects.order_by("sort_order", "pk")),
        Prefetch(
            "consultation_types",
            queryset=ConsultationType.objects.filter(is_active=True)
            .select_related("route")
            .order_by("duration_minutes", "pk"),
            to_attr="active_consultation_types",
        ),
    )


def provider_get_published(*, slug: str) -> Provider | None:
    """A published provider with everything its profile shows, ``card`` included."""
    provider = with_profile_data(Provider.objects.published()).filter(slug=slug).first()
    if provider is not None:
        provider.card = card_from_relations(provider)
    return provider


def reference_ids(model: type[ReferenceEntry], slugs: Sequence[str]) -> dict[str, int]:
    """The ids of those ``slugs`` that exist in a reference table; unknown ones are left out.

    Every search names its routes, specialties, insurance and languages by slug, and these
    tables are small and rarely edited, so each process keeps a slug -> id copy of each
    instead of asking the database on every request. The copy is read again when a slug is
    not in it (a row an operator just added is found at once), when it is older than
    ``REFERENCE_IDS_MAX_AGE`` (another process renamed or removed a row: its old slug keeps
    finding the same id until then, which is harmless) and after an edit in this process
    (``directory.receivers``).
    """
    now = time.monotonic()
    cached = _reference_ids.get(model)
    if (
        cached is None
        or now - cached[0] > REFERENCE_IDS_MAX_AGE
        or not all(slug in cached[1] for slug in slugs)
    ):
        cached = (now, dict(model.objects.values_list("slug", "pk")))
        _reference_ids[model] = cached
    ids = cached[1]
    return {slug: ids[slug] for slug in slugs if slug in ids}


def reference_ids_forget() -> None:
    """Drop this process's copies of the reference tables (after an edit, and in tests)."""
    _reference_ids.clear()


def routes_list() -> QuerySet[AdministrationRoute]:
    return AdministrationRoute.objects.order_by("sort_order", "pk")


def specialties_list() -> QuerySet[AddictionSpecialty]:
    return AddictionSpecialty.objects.order_by("sort_order", "pk")


def insurance_plans_list() -> QuerySet[InsurancePlan]:
    return InsurancePlan.objects.order_by("sort_order", "pk")


def languages_list() -> QuerySet[Language]:
    return Language.objects.order_by("sort_order", "pk")
