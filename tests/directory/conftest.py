"""Helpers for directory tests: geodesy for placing locations, and a brute-force search.

The brute force is deliberately naive (every provider, every location, Python haversine)
so that the API's bounding box + SQL distance is checked against something independent.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import pytest

from directory.geo import EARTH_RADIUS_MILES, haversine_miles
from directory.models import ConsultationType, Language, Location, Provider
from tests.factories import LocationFactory, ProviderFactory

# A point in Kansas, away from coasts and borders, so generated points stay on land-ish
# coordinates and within the US time zone the factory gives them.
CENTER = (38.5, -98.0)

ROUTE_SLUGS = ["iv-infusion", "im-injection", "intranasal-esketamine", "sublingual-oral"]
SPECIALTY_SLUGS = ["opioid", "alcohol", "cocaine", "nicotine", "methamphetamine", "cannabis"]
INSURANCE_SLUGS = ["self-pay", "medicare", "medicaid", "aetna"]
LANGUAGE_SLUGS = ["en", "es", "vi"]


def destination(lat: float, lng: float, bearing_deg: float, miles: float) -> tuple[float, float]:
    """The point ``miles`` away from (lat, lng) along the great circle at ``bearing_deg``."""
    phi1, lam1 = math.radians(lat), math.radians(lng)
    theta, delta = math.radians(bearing_deg), miles / EARTH_RADIUS_MILES
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lam2 = lam1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), math.degrees(lam2)


def make_provider_at(
    miles: float, bearing: float = 0.0, center: tuple[float, float] = CENTER, **kwargs
) -> Provider:
    """A published provider with one location ``miles`` from ``center``."""
    provider = ProviderFactory(**kwargs)
    add_location(provider, miles, bearing, center)
    return provider


def add_location(
    provider: Provider,
    miles: float,
    bearing: float = 0.0,
    center: tuple[float, float] = CENTER,
    city: str = "Great Bend",
) -> Location:
    lat, lng = destination(*center, bearing, miles)
    return LocationFactory(
        provider=provider,
        latitude=lat,
        longitude=lng,
        city=city,
        state="KS",
        postal_code="67530",
        timezone="America/Chicago",
    )


@dataclass
class GeneratedProvider:
    pk: int
    slug: str
    name: str
    points: list[tuple[float, float]]
    routes: set[str]
    specialties: set[str]
    insurance: set[str]
    languages: set[str]
    telehealth: bool
    accepting: bool
    city: str
    published: bool = True
    extra: dict = field(default_factory=dict)


def generate_providers(seed: int, count: int = 70) -> list[GeneratedProvider]:
    """Random providers with 1-3 locations up to 90 miles around CENTER."""
    rng = random.Random(seed)
    cities = ["Salina", "Hays", "Great Bend", "Dodge City", "Hutchinson"]
    languages = {slug: Language.objects.get(slug=slug) for slug in LANGUAGE_SLUGS}
    made = []
    for i in range(count):
        routes = set(rng.sample(ROUTE_SLUGS, rng.randint(0, 2)))
        rems = "intranasal-esketamine" in routes
        provider = ProviderFactory(
            name=f"{rng.choice(['Clear', 'New', 'Prairie', 'Bright'])} Path {i:03d}",
            slug=f"gen-{seed}-{i:03d}",
            telehealth=rng.random() < 0.4,
            accepting_new_patients=rng.random() < 0.7,
            is_published=rng.random() < 0.9,
            esketamine_rems_certified=rems,
            routes=sorted(routes),
            specialties=rng.sample(SPECIALTY_SLUGS, rng.randint(0, 3)),
            insurance=rng.sample(INSURANCE_SLUGS, rng.randint(0, 2)),
        )
        langs = rng.sample(LANGUAGE_SLUGS, rng.randint(0, 2))
        provider.languages.set([languages[s] for s in langs])
        city = rng.choice(cities)
        points = []
        for _ in range(rng.randint(1, 3)):
            loc = add_location(provider, rng.uniform(0, 90), rng.uniform(0, 360), CENTER, city=city)
            points.append((loc.latitude, loc.longitude))
        made.append(
            GeneratedProvider(
                pk=provider.pk,
                slug=provider.slug,
                name=provider.name,
                points=points,
                routes=routes,
                specialties={s.slug for s in provider.specialties.all()},
                insurance={s.slug for s in provider.insurance.all()},
                languages=set(langs),
                telehealth=provider.telehealth,
                accepting=provider.accepting_new_patients,
                city=city,
                published=provider.is_published,
            )
        )
    return made


def brute_force(
    providers: list[GeneratedProvider],
    *,
    near: tuple[float, float] | None = None,
    radius: float = 25.0,
    route: list[str] = (),
    specialty: list[str] = (),
    insurance: list[str] = (),
    language: list[str] = (),
    telehealth: bool | None = None,
    accepting: bool | None = None,
    q: str = "",
) -> list[tuple[str, float | None]]:
    """(slug, distance) of the expected results, in the contract's default order."""
    hits = []
    for p in providers:
        if not p.published:
            continue
        if route and not p.routes & set(route):
            continue
        if specialty and not p.specialties & set(specialty):
            continue
        if insurance and not p.insurance & set(insurance):
            continue
        if language and not p.languages & set(language):
            continue
        if telehealth is not None and p.telehealth != telehealth:
            continue
        if accepting is not None and p.accepting != accepting:
            continue
        # Generated descriptions are the factory's fixed text; q is matched on name and city.
        if q and q.lower() not in p.name.lower() and q.lower() not in p.city.lower():
            continue
        if near is None:
            hits.append((p.name, p.pk, p.slug, None))
            continue
        distance = min(haversine_miles(*near, lat, lng) for lat, lng in p.points)
        if distance <= radius:
            hits.append((distance, p.pk, p.slug, distance))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [(slug, distance) for _, _, slug, distance in hits]


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def slugs(response) -> list[str]:
    return [r["slug"] for r in results(response)]


@pytest.fixture
def active_and_inactive_types():
    def make(provider: Provider) -> tuple[ConsultationType, ConsultationType]:
        active = ConsultationType.objects.create(
            provider=provider, name="First consultation", duration_minutes=30, price="150.00"
        )
        inactive = ConsultationType.objects.create(
            provider=provider, name="Retired visit", duration_minutes=45, is_active=False
        )
        return active, inactive

    return make
