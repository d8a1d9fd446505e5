"""Reads of the directory that more than one place needs (API, web pages, booking)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, F, Min, OuterRef, Prefetch, Q, QuerySet

from directory.geo import bounding_box, distance_expression
from directory.models import (
    AddictionSpecialty,
    AdministrationRoute,
    ConsultationType,
    InsurancePlan,
    Language,
    Location,
    Provider,
    ProviderRoute,
)

DEFAULT_RADIUS_MILES = 25.0
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


def _provider_conditions(search: ProviderSearch, *, prefix: str, ref: str) -> list:
    """The non-geographic filters as ORM conditions.

    ``prefix`` reaches provider fields from the queried model ("" on Provider,
    "provider__" on Location) and ``ref`` names the provider id there ("pk" / "provider_id"),
    so the same filters serve both query shapes of ``provider_search``.
    """
    conditions: list = [Q(**{f"{prefix}is_published": True})]
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
        conditions.append(
            Q(**{f"{prefix}name__icontains": search.text})
            | Q(**{f"{prefix}description__icontains": search.text})
            | Exists(
                Location.objects.filter(provider_id=OuterRef(ref), city__icontains=search.text)
            )
        )
    return conditions


class NearbyProviders:
    """Providers near a point, in search order: a lazy, sliceable sequence for paginators.

    One query reads the location table through its (latitude, longitude) index with a
    bounding box, keeps the providers whose nearest location is within the radius and
    returns only (provider id, distance) pairs, already ordered; the count and every page
    are taken from that list. Then only the providers of the requested page are loaded
    (from ``queryset``, which carries the page's prefetches) and given ``distance``.
    Fetching narrow pairs once is cheaper than aggregating twice (count, then page).
    """

    ordered = True  # Paginator checks this to warn about unordered lists

    def __init__(self, hits: QuerySet, queryset: QuerySet) -> None:
        self._hits = hits
        self._queryset = queryset
        self._pairs: list[tuple[int, float]] | None = None

    def _all_pairs(self) -> list[tuple[int, float]]:
        if self._pairs is None:
            self._pairs = list(self._hits.values_list("provider_id", "distance"))
        return self._pairs

    def count(self) -> int:
        return len(self._all_pairs())

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item : item + 1][0]
        pairs = self._all_pairs()[item]
        providers = self._queryset.filter(pk__in=[pk for pk, _ in pairs]).in_bulk()
        page = []
        for pk, distance in pairs:
            provider = providers.get(pk)
            if provider is not None:
                provider.distance = distance
                page.append(provider)
        return page


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
    "distance": ("distance", "provider_id"),
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
    distance = distance_expression(point.latitude, point.longitude, "latitude", "longitude")
    hits = (
        Location.objects.filter(
            *_provider_conditions(search, prefix="provider__", ref="provider_id"),
            latitude__range=(box.min_lat, box.max_lat),
            longitude__range=(box.min_lng, box.max_lng),
        )
        .values("provider_id", *_HIT_GROUP[ordering])
        .annotate(distance=Min(distance))
        .filter(distance__lte=search.radius_miles)
        .order_by(*_HIT_ORDER_BY[ordering])
    )
    return NearbyProviders(hits, base)


def with_listing_data(qs: QuerySet) -> QuerySet:
    """Prefetch what a result card shows: a fixed number of queries per page."""
    return qs.prefetch_related(
        Prefetch("locations", queryset=Location.objects.order_by("pk")),
        Prefetch("provider_routes", queryset=ProviderRoute.objects.select_related("route")),
        Prefetch("specialties", queryset=AddictionSpecialty.objects.order_by("sort_order", "pk")),
        Prefetch("insurance", queryset=InsurancePlan.objects.order_by("sort_order", "pk")),
    )


def with_profile_data(qs: QuerySet) -> QuerySet:
    return with_listing_data(qs).prefetch_related(
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
    return with_profile_data(Provider.objects.published()).filter(slug=slug).first()


def routes_list() -> QuerySet[AdministrationRoute]:
    return AdministrationRoute.objects.order_by("sort_order", "pk")


def specialties_list() -> QuerySet[AddictionSpecialty]:
    return AddictionSpecialty.objects.order_by("sort_order", "pk")


def insurance_plans_list() -> QuerySet[InsurancePlan]:
    return InsurancePlan.objects.order_by("sort_order", "pk")


def languages_list() -> QuerySet[Language]:
    return Language.objects.order_by("sort_order", "pk")
