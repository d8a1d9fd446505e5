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


def provider_search(search: ProviderSearch, *, queryset: QuerySet | None = None) -> QuerySet:
    """Published providers matching ``search``, in a stable order.

    With ``near``, only providers with a location within the radius are kept and each gets
    ``distance`` (miles to its nearest such location). The location table is read through
    its (latitude, longitude) index with a bounding box, so the exact distance is computed
    for candidates only.
    """
    qs = Provider.objects.published() if queryset is None else queryset

    if search.route_ids:
        qs = qs.filter(
            Exists(
                ProviderRoute.objects.filter(
                    provider_id=OuterRef("pk"), route_id__in=search.route_ids
                )
            )
        )
    for through, column, ids in (
        (Provider.specialties.through, "addictionspecialty_id", search.specialty_ids),
        (Provider.insurance.through, "insuranceplan_id", search.insurance_ids),
        (Provider.languages.through, "language_id", search.language_ids),
    ):
        if ids:
            qs = qs.filter(
                Exists(through.objects.filter(provider_id=OuterRef("pk"), **{f"{column}__in": ids}))
            )
    if search.telehealth is not None:
        qs = qs.filter(telehealth=search.telehealth)
    if search.accepting_new_patients is not None:
        qs = qs.filter(accepting_new_patients=search.accepting_new_patients)
    if search.text:
        qs = qs.filter(
            Q(name__icontains=search.text)
            | Q(description__icontains=search.text)
            | Exists(
                Location.objects.filter(provider_id=OuterRef("pk"), city__icontains=search.text)
            )
        )

    if search.near is not None:
        point = search.near
        box = bounding_box(point.latitude, point.longitude, search.radius_miles)
        qs = (
            qs.filter(
                locations__latitude__range=(box.min_lat, box.max_lat),
                locations__longitude__range=(box.min_lng, box.max_lng),
            )
            # Filtering before annotating makes Min() see only the locations in the box.
            .annotate(
                distance=Min(
                    distance_expression(
                        point.latitude,
                        point.longitude,
                        "locations__latitude",
                        "locations__longitude",
                    )
                )
            )
            .filter(distance__lte=search.radius_miles)
        )

    ordering = search.ordering or ("distance" if search.near is not None else "name")
    order_by = {
        "distance": ("distance", "pk"),
        "next_available": (F("next_available").asc(nulls_last=True), "pk"),
        "-next_available": (F("next_available").desc(nulls_last=True), "pk"),
        "name": ("name", "pk"),
        "-name": ("-name", "-pk"),
    }[ordering]
    return qs.order_by(*order_by)


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
