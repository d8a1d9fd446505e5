"""Writes of the directory that keep derived data in step with what operators edit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import BigIntegerField, F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce

from directory.models import Location, Provider, ProviderRoute

# Ids of routes, specialties and insurance plans that fit in a location's *_bits columns.
MAX_BIT_ID = 62


def stored_bits(ids: Iterable[int]) -> int:
    """What a location's ``*_bits`` column holds for a provider linked to ``ids``.

    For writers that fill the columns themselves (``seed_demo``'s COPY); the same value as
    ``location_search_facts_refresh`` computes in SQL.
    """
    return sum(1 << pk for pk in set(ids) if 1 <= pk <= MAX_BIT_ID)


def search_bits(ids: Iterable[int]) -> int | None:
    """The bit mask of ``ids``, or None when one of them does not fit (then search by link)."""
    ids = set(ids)
    if not all(1 <= pk <= MAX_BIT_ID for pk in ids):
        return None
    return stored_bits(ids)


def _bits_of(link_model, column: str) -> Coalesce:
    """Per location: OR of ``1 << id`` over its provider's rows in a link table (0 if none)."""
    one = Cast(Value(1), BigIntegerField())
    return Coalesce(
        Subquery(
            link_model.objects.filter(
                provider_id=OuterRef("provider_id"), **{f"{column}__lte": MAX_BIT_ID}
            )
            .values("provider_id")
            # Each id once per provider: the sum of distinct powers of two is their OR.
            .annotate(bits=Sum(one.bitleftshift(Cast(F(column), IntegerField()))))
            .values("bits")
        ),
        Value(0),
        output_field=BigIntegerField(),
    )


def location_search_facts_refresh(*, provider_ids: Iterable[int] | None = None) -> int:
    """Copy what searches filter on from providers onto their locations, in one UPDATE.

    Called by the receivers in ``directory.receivers`` whenever a provider, its routes,
    specialties, insurance or locations change, and by bulk loaders (``seed_demo``) that
    send no signals. ``provider_ids=None`` refreshes every location. Returns rows updated.
    """
    locations = Location.objects.all()
    if provider_ids is not None:
        locations = locations.filter(provider_id__in=list(provider_ids))
    provider = Provider.objects.filter(pk=OuterRef("provider_id"))
    return locations.update(
        provider_published=Subquery(provider.values("is_published")),
        provider_accepting=Subquery(provider.values("accepting_new_patients")),
        provider_telehealth=Subquery(provider.values("telehealth")),
        route_bits=_bits_of(ProviderRoute, "route_id"),
        specialty_bits=_bits_of(Provider.specialties.through, "addictionspecialty_id"),
        insurance_bits=_bits_of(Provider.insurance.through, "insuranceplan_id"),
    )
