"""Offline geography: US ZIP centroids, great-circle distance and bounding boxes.

ZIP centroids and time zones come from the ``zipcodes`` package, which ships its data; no
network is used at run time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import zipcodes
from django.db.models import F, FloatField, Func, Value
from django.db.models.functions import ASin, Least, Sqrt

EARTH_RADIUS_MILES = 3958.7613
MILES_PER_DEGREE_LAT = 69.0934  # 2 * pi * R / 360


@dataclass(frozen=True, slots=True)
class ZipInfo:
    zip_code: str
    city: str
    state: str
    latitude: float
    longitude: float
    timezone: str


@cache
def _zip_table() -> dict[str, ZipInfo]:
    table: dict[str, ZipInfo] = {}
    for row in zipcodes.list_all():
        try:
            lat, lng = float(row["lat"]), float(row["long"])
        except (TypeError, ValueError, KeyError):
            continue
        if not row.get("timezone") or (lat == 0 and lng == 0):
            continue
        table[row["zip_code"]] = ZipInfo(
            zip_code=row["zip_code"],
            city=row["city"],
            state=row["state"],
            latitude=lat,
            longitude=lng,
            timezone=row["timezone"],
        )
    return table


def zip_lookup(zip_code: str) -> ZipInfo | None:
    """The centroid of a 5-digit US ZIP code (ZIP+4 accepted), or None if unknown."""
    return _zip_table().get(zip_code.strip()[:5])


def all_zips() -> list[ZipInfo]:
    return list(_zip_table().values())


def haversine_miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in miles between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float


def bounding_box(lat: float, lng: float, radius_miles: float) -> BoundingBox:
    """A lat/lng box that contains every point within ``radius_miles`` of (lat, lng).

    The box is slightly generous (it never cuts a point off); the exact distance is
    computed afterwards for the candidates only.
    """
    dlat = radius_miles / MILES_PER_DEGREE_LAT
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    # Longitude degrees shrink with latitude: use the edge closest to a pole.
    widest = max(abs(min_lat), abs(max_lat))
    if widest >= 89.9:
        return BoundingBox(min_lat, max_lat, -180.0, 180.0)
    dlng = radius_miles / (MILES_PER_DEGREE_LAT * math.cos(math.radians(widest)))
    if dlng >= 180:
        return BoundingBox(min_lat, max_lat, -180.0, 180.0)
    # US data does not cross the antimeridian in practice; clamp rather than wrap.
    return BoundingBox(min_lat, max_lat, max(-180.0, lng - dlng), min(180.0, lng + dlng))


class HaversineTerm(Func):
    """The haversine term ``a`` from a fixed point (lat, lng) to two latitude/longitude fields.

    ``a = sin²(Δφ/2) + cos φ₀ · cos φ · sin²(Δλ/2)``; the distance is ``miles_from_term(a)``,
    which grows with ``a``: so the nearest of many points is the one with the smallest
    ``a``, and a search can aggregate and compare the cheap term per row and take the arc
    sine once per provider. One expression node with the point's constants as parameters:
    the same formula built from Django's math functions was about fifteen nodes, which the
    ORM copies and resolves on every search. The SQL functions exist on PostgreSQL, and
    Django registers them on SQLite.
    """

    output_field = FloatField()

    def __init__(self, lat: float, lng: float, lat_field: str, lng_field: str) -> None:
        super().__init__(F(lat_field), F(lng_field))
        self.point = (math.radians(lat), math.cos(math.radians(lat)), math.radians(lng))

    def as_sql(self, compiler, connection, **extra_context):
        lat_sql, lat_params = compiler.compile(self.source_expressions[0])
        lng_sql, lng_params = compiler.compile(self.source_expressions[1])
        lat0, cos_lat0, lng0 = self.point
        sql = (
            f"(POWER(SIN((RADIANS({lat_sql}) - %s) / 2), 2)"
            f" + %s * COS(RADIANS({lat_sql})) * POWER(SIN((RADIANS({lng_sql}) - %s) / 2), 2))"
        )
        return sql, (*lat_params, lat0, cos_lat0, *lat_params, *lng_params, lng0)


def haversine_term_within(miles: float) -> float:
    """The largest haversine term of a point at most ``miles`` away."""
    return math.sin(min(miles / (2 * EARTH_RADIUS_MILES), math.pi / 2)) ** 2


def miles_from_term(term):
    """The great-circle miles of a haversine term (an expression)."""
    return Value(2 * EARTH_RADIUS_MILES, output_field=FloatField()) * ASin(
        Sqrt(Least(Value(1.0, output_field=FloatField()), term))
    )
