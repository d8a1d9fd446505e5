"""Shapes that the templates show, built from loaded directory rows (no extra queries)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from directory.cards import CardLocation
from directory.geo import haversine_miles
from directory.models import Provider
from directory.selectors import GeoPoint


@dataclass(frozen=True, slots=True)
class ResultCard:
    provider: Provider
    distance_miles: float | None
    location: CardLocation | None  # the nearest one with `near`, else the first
    route_names: list[str]
    specialty_names: list[str]
    insurance_names: list[str]
    price_from: Decimal | None
    next_available_local: dt.datetime | None
    timezone: str


def nearest_location(provider: Provider, near: GeoPoint | None) -> CardLocation | None:
    locations = provider.card.locations
    if not locations:
        return None
    if near is None:
        return locations[0]
    return min(
        locations,
        key=lambda loc: haversine_miles(near.latitude, near.longitude, loc.latitude, loc.longitude),
    )


def in_zone(moment: dt.datetime | None, tz_name: str) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.astimezone(zoneinfo.ZoneInfo(tz_name))


def result_card(provider: Provider, near: GeoPoint | None) -> ResultCard:
    location = nearest_location(provider, near)
    tz_name = location.timezone if location else "UTC"
    card = provider.card
    distance = getattr(provider, "distance", None)
    return ResultCard(
        provider=provider,
        distance_miles=None if distance is None else round(distance, 1),
        location=location,
        route_names=[route.name for route in card.routes],
        specialty_names=[label.name for label in card.specialties],
        insurance_names=[label.name for label in card.insurance],
        price_from=card.price_from,
        next_available_local=in_zone(provider.next_available, tz_name),
        timezone=tz_name,
    )
