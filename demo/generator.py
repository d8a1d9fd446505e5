"""Deterministic generation of realistic demo providers (plain data, no database).

Everything comes from one ``random.Random(seed)``, the ``zipcodes`` package's ZIP centroids
(sorted, so their order never depends on the package's file order) and the metro-area table
in ``demo/data/us_metro_areas.csv``: the same seed and count always give the same rows.
Dates are kept relative (``last_verified_days_ago``) so that data loaded on different days
is still identical apart from "today".
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.utils.text import slugify

from directory.geo import ZipInfo, all_zips, bounding_box, haversine_miles

METRO_CSV = Path(__file__).resolve().parent / "data" / "us_metro_areas.csv"

#: Share of providers placed around the metro areas (weighted by population); the rest
#: are spread uniformly over all ZIP codes, as rural practices are.
METRO_SHARE = 0.8

DEMO_EMAIL_DOMAIN = "demo.test"
DEMO_PROVIDER_SLUG = "sunrise-recovery-ketamine-clinic"

IV, IM, ESKETAMINE, SUBLINGUAL = (
    "iv-infusion",
    "im-injection",
    "intranasal-esketamine",
    "sublingual-oral",
)


@dataclass(frozen=True, slots=True)
class Metro:
    name: str
    state: str
    latitude: float
    longitude: float
    population: int
    radius_miles: float


@dataclass(slots=True)
class LocationData:
    name: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    latitude: float
    longitude: float
    timezone: str
    # (weekday, start, end) in local wall time, for booking.AvailabilityRule
    hours: list[tuple[int, time, time]]


@dataclass(slots=True)
class RouteData:
    slug: str
    price_per_session: Decimal
    price_per_course: Decimal
    course_sessions: int


@dataclass(slots=True)
class ConsultationData:
    name: str
    description: str
    duration_minutes: int
    price: Decimal | None
    mode: str
    route: str | None
    monitoring_minutes: int = 0
    course_sessions: int = 1
    course_interval_days: int = 0
    requires_fasting: bool = False
    requires_driver: bool = False
    arrive_early_minutes: int = 0
    preparation_notes: str = ""


@dataclass(slots=True)
class PolicyData:
    min_notice_minutes: int
    horizon_days: int
    buffer_minutes: int
    slot_step_minutes: int
    hold_minutes: int = 10


@dataclass(slots=True)
class ProviderData:
    slug: str
    name: str
    kind: str
    description: str
    credentials: list[str]
    website: str
    phone: str
    email: str
    accepting_new_patients: bool
    telehealth: bool
    psychotherapy_integration: bool
    esketamine_rems_certified: bool
    mat_coordination: list[str]
    last_verified_days_ago: int
    specialties: list[str]
    insurance: list[str]
    languages: list[str]
    routes: list[RouteData]
    locations: list[LocationData]
    consultation_types: list[ConsultationData]
    policy: PolicyData
    extra: dict = field(default_factory=dict)


# --- reference tables ----------------------------------------------------------------------


@cache
def metros() -> tuple[Metro, ...]:
    with METRO_CSV.open(newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return tuple(
            Metro(
                name=r["name"],
                state=r["state"],
                latitude=float(r["latitude"]),
                longitude=float(r["longitude"]),
                population=int(r["population"]),
                radius_miles=float(r["radius_miles"]),
            )
            for r in rows
        )


@cache
def _zips() -> tuple[ZipInfo, ...]:
    return tuple(sorted(all_zips(), key=lambda z: z.zip_code))


@cache
def _zip_grid() -> dict[tuple[int, int], tuple[ZipInfo, ...]]:
    """ZIPs by 1-degree cell, to find neighbours of a ZIP without scanning all 42,000."""
    grid: dict[tuple[int, int], list[ZipInfo]] = {}
    for z in _zips():
        grid.setdefault((math.floor(z.latitude), math.floor(z.longitude)), []).append(z)
    return {k: tuple(v) for k, v in grid.items()}


def _zips_within(lat: float, lng: float, miles: float) -> list[ZipInfo]:
    grid = _zip_grid()
    reach = max(1, math.ceil(miles / 45))  # a degree of longitude is >= ~45 mi below 50°N
    cy, cx = math.floor(lat), math.floor(lng)
    # The box test is cheap and never drops a point within reach: the exact distance is
    # computed for the few ZIPs inside it (most of the 9+ cells lie outside the circle).
    box = bounding_box(lat, lng, miles)
    found = []
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            for z in grid.get((cy + dy, cx + dx), ()):
                if (
                    box.min_lat <= z.latitude <= box.max_lat
                    and box.min_lng <= z.longitude <= box.max_lng
                    and haversine_miles(lat, lng, z.latitude, z.longitude) <= miles
                ):
                    found.append(z)
    found.sort(key=lambda z: z.zip_code)
    return found


@cache
def _metro_zips() -> tuple[tuple[ZipInfo, ...], ...]:
    return tuple(tuple(_zips_within(m.latitude, m.longitude, m.radius_miles)) for m in metros())


# --- vocabulary ---------------------------------------------------------------------------

_NAME_WORDS = [
    "Sunrise", "Clear Path", "New Dawn", "Harbor", "Cedar", "Summit", "Bridge", "Evergreen",
    "Lighthouse", "Northstar", "Riverbend", "Willow", "Aspen", "Horizon", "True North",
    "Still Water", "Open Door", "Stepping Stone", "Blue Ridge", "Silver Lake", "Oak Grove",
    "Pathways", "Renewal", "Compass", "Beacon", "Haven", "Meridian", "Tranquil", "Kindred",
    "Bright Side", "Second Wind", "Turning Point", "Clarity", "Serenity", "Resilience",
]  # fmt: skip
_NAME_KINDS = [
    "Ketamine Clinic", "Ketamine Center", "Recovery Center", "Infusion Center",
    "Behavioral Health", "Wellness", "Psychiatry & Ketamine", "Addiction Medicine",
    "Integrative Psychiatry", "Mind Health",
]  # fmt: skip
_FIRST = [
    "Maria", "James", "Aisha", "David", "Elena", "Michael", "Priya", "Robert", "Sofia",
    "Daniel", "Grace", "Luis", "Hannah", "Kevin", "Nadia", "Samuel", "Olivia", "Ahmed",
    "Julia", "Marcus", "Mei", "Thomas", "Fatima", "Carlos", "Rachel", "Andre", "Linh",
]  # fmt: skip
_LAST = [
    "Nguyen", "Patel", "Garcia", "Johnson", "Kim", "Okafor", "Rossi", "Chen", "Martinez",
    "Williams", "Cohen", "Haddad", "Silva", "Brown", "Novak", "Singh", "Lopez", "Walker",
    "Ibrahim", "Murphy", "Tanaka", "Reyes", "Foster", "Bauer", "Alvarez", "Rahman",
]  # fmt: skip
_STREETS = [
    "Main", "Oak", "Maple", "Cedar", "Park", "Washington", "Lake", "Hill", "Elm", "Pine",
    "Market", "Mission", "Broadway", "Church", "Highland", "Center", "Union", "River",
    "Franklin", "Jefferson", "Lincoln", "Madison", "Sunset", "Valley", "Spring", "Grant",
]  # fmt: skip
_PRACTITIONER_CREDENTIALS = [
    ["MD", "psychiatrist"],
    ["DO", "psychiatrist"],
    ["NP"],
    ["CRNA"],
    ["MD", "anesthesiologist"],
    ["MD", "addiction-medicine"],
]
# Clinicians a clinic may have besides its medical director (MD).
_CLINIC_CREDENTIALS = [
    "psychiatrist", "CRNA", "NP", "RN", "LCSW", "PA", "DO", "addiction-medicine",
    "anesthesiologist", "LPC", "psychologist",
]  # fmt: skip
_STREET_SUFFIXES = ["Street", "Avenue", "Boulevard", "Road", "Drive", "Way", "Lane", "Parkway"]

# Chance that a provider treats each specialty (at least one is always kept).
_SPECIALTY_ODDS = {
    "opioid": 0.72,
    "alcohol": 0.78,
    "cocaine": 0.35,
    "nicotine": 0.22,
    "methamphetamine": 0.30,
    "cannabis": 0.25,
    "benzodiazepine": 0.24,
    "gambling": 0.06,
}
_COMMERCIAL = [
    "aetna",
    "anthem",
    "blue-cross-blue-shield",
    "cigna",
    "humana",
    "kaiser-permanente",
    "unitedhealthcare",
    "optum",
]
# Languages besides English, with the chance a provider speaks them with patients.
_LANGUAGE_ODDS = {
    "es": 0.28,
    "zh": 0.04,
    "vi": 0.03,
    "tl": 0.03,
    "ar": 0.02,
    "fr": 0.03,
    "ko": 0.02,
    "ru": 0.03,
    "pt": 0.02,
    "ht": 0.01,
    "de": 0.01,
    "asl": 0.01,
}
_SPANISH_STATES = {"CA", "TX", "FL", "AZ", "NM", "NV", "PR", "CO", "NY", "NJ", "IL"}

# (session price range in dollars, sessions in the induction course, course discount)
_ROUTE_PRICING = {
    IV: ((400, 750), 6, Decimal("0.88")),
    IM: ((250, 500), 6, Decimal("0.9")),
    ESKETAMINE: ((590, 950), 8, Decimal("1")),
    SUBLINGUAL: ((150, 350), 4, Decimal("0.9")),
}

# Weekly hours patterns, local wall time: (weekdays, [(start, end), ...]), with weights.
_HOURS_PATTERNS: list[tuple[int, tuple[int, ...], list[tuple[time, time]]]] = [
    (55, (0, 1, 2, 3, 4), [(time(9), time(17))]),
    (12, (0, 1, 2, 3, 4), [(time(8), time(16))]),
    (8, (0, 1, 2, 3, 4), [(time(10), time(18))]),
    (4, (0, 1, 2, 3, 4), [(time(7), time(15))]),
    (10, (0, 1, 2, 3, 4), [(time(9), time(12)), (time(13), time(17))]),
    (6, (0, 1, 3, 4), [(time(9), time(17))]),
    (5, (1, 2, 3), [(time(8, 30), time(18, 30))]),
]


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low, high + 1, 5))


def _pick_location_zip(rng: random.Random) -> tuple[ZipInfo, tuple[ZipInfo, ...]]:
    """A ZIP where a provider is, and the ZIPs its other locations may be in."""
    if rng.random() < METRO_SHARE:
        weights = [m.population for m in metros()]
        (index,) = rng.choices(range(len(weights)), weights=weights)
        pool = _metro_zips()[index]
        if pool:
            return rng.choice(pool), pool
    z = rng.choice(_zips())
    return z, tuple(_zips_within(z.latitude, z.longitude, 40)) or (z,)


def _location(rng: random.Random, z: ZipInfo, name: str) -> LocationData:
    # A little jitter so that two clinics in one ZIP are not at the same point (< 1 mile).
    lat = round(z.latitude + rng.uniform(-0.01, 0.01), 6)
    lng = round(z.longitude + rng.uniform(-0.01, 0.01), 6)
    weights = [w for w, _, _ in _HOURS_PATTERNS]
    ((_, days, spans),) = rng.choices(_HOURS_PATTERNS, weights=weights)
    hours = [(day, start, end) for day in days for start, end in spans]
    if rng.random() < 0.25:  # Saturday mornings
        hours.append((5, time(9), time(13)))
    return LocationData(
        name=name,
        address_line1=f"{rng.randint(10, 9899)} {rng.choice(_STREETS)} "
        f"{rng.choice(_STREET_SUFFIXES)}",
        address_line2=f"Suite {rng.randint(1, 6)}{rng.randint(0, 2)}0"
        if rng.random() < 0.5
        else "",
        city=z.city.title(),
        state=z.state,
        postal_code=z.zip_code,
        latitude=max(-90.0, min(90.0, lat)),
        longitude=max(-180.0, min(180.0, lng)),
        timezone=z.timezone,
        hours=hours,
    )


def _consultations(
    rng: random.Random,
    routes: list[RouteData],
    *,
    telehealth: bool,
    therapy: bool,
    showcase: bool = False,
) -> list[ConsultationData]:
    """Bookable visit types. ``showcase`` (the demo provider) gets every kind, free first."""
    first_price = None if showcase or rng.random() < 0.5 else _price(rng, 25, 95)
    types = [
        ConsultationData(
            name="First consultation",
            description="Meet the team, go over your history and whether ketamine fits you.",
            duration_minutes=30,
            price=first_price,
            mode="in_person",
            route=None,
        )
    ]
    if telehealth:
        types.append(
            ConsultationData(
                name="Telehealth first consultation",
                description="The first consultation by video, from home.",
                duration_minutes=30,
                price=first_price,
                mode="telehealth",
                route=None,
            )
        )
    for route in routes:
        if route.slug == IV:
            single = ConsultationData(
                name="Ketamine infusion session",
                description="A 40-minute IV infusion followed by recovery time in the clinic.",
                duration_minutes=90,
                price=route.price_per_session,
                mode="in_person",
                route=IV,
                monitoring_minutes=45,
                requires_fasting=True,
                requires_driver=True,
                arrive_early_minutes=15,
                preparation_notes="No food for 4 hours before; arrange a ride home.",
            )
        elif route.slug == IM:
            single = ConsultationData(
                name="Ketamine IM injection session",
                description="An intramuscular injection with monitoring until you are ready.",
                duration_minutes=60,
                price=route.price_per_session,
                mode="in_person",
                route=IM,
                monitoring_minutes=40,
                requires_fasting=True,
                requires_driver=True,
                arrive_early_minutes=15,
                preparation_notes="No food for 4 hours before; arrange a ride home.",
            )
        elif route.slug == ESKETAMINE:
            single = ConsultationData(
                name="Esketamine (Spravato) treatment session",
                description="Self-administered nasal spray under supervision, then two hours "
                "of monitoring as the REMS program requires.",
                duration_minutes=150,
                price=route.price_per_session,
                mode="in_person",
                route=ESKETAMINE,
                monitoring_minutes=120,
                requires_driver=True,
                arrive_early_minutes=10,
                preparation_notes="Do not drive for the rest of the day; arrange a ride home.",
            )
        else:
            single = ConsultationData(
                name="Supervised sublingual ketamine session",
                description="A dissolving lozenge taken in the clinic, with monitoring.",
                duration_minutes=90,
                price=route.price_per_session,
                mode="in_person",
                route=SUBLINGUAL,
                monitoring_minutes=60,
                requires_driver=True,
                arrive_early_minutes=10,
            )
        types.append(single)
        # Courses: the classic six infusions over two to three weeks, and the esketamine
        # induction (twice a week for four weeks). Not every clinic books them as a series.
        if route.slug in (IV, ESKETAMINE) and (showcase or rng.random() < 0.6):
            sessions = route.course_sessions
            types.append(
                ConsultationData(
                    name=f"Induction course: {sessions} "
                    f"{'infusions' if route.slug == IV else 'esketamine sessions'}",
                    description=f"{sessions} sessions booked together as one course.",
                    duration_minutes=single.duration_minutes,
                    price=route.price_per_course,
                    mode="in_person",
                    route=route.slug,
                    monitoring_minutes=single.monitoring_minutes,
                    course_sessions=sessions,
                    course_interval_days=3 if route.slug == IV else 4,
                    requires_fasting=single.requires_fasting,
                    requires_driver=True,
                    arrive_early_minutes=single.arrive_early_minutes,
                    preparation_notes=single.preparation_notes,
                )
            )
    if therapy:
        types.append(
            ConsultationData(
                name="Integration therapy session",
                description="Psychotherapy to make sense of a session and plan next steps.",
                duration_minutes=50,
                price=_price(rng, 90, 200),
                mode="telehealth" if telehealth and rng.random() < 0.5 else "in_person",
                route=None,
            )
        )
    if telehealth and (showcase or rng.random() < 0.5):
        types.append(
            ConsultationData(
                name="Telehealth follow-up",
                description="A short check-in by video between sessions.",
                duration_minutes=20,
                price=_price(rng, 40, 120),
                mode="telehealth",
                route=None,
            )
        )
    return types


def _description(name: str, routes: list[RouteData], specialties: list[str], city: str) -> str:
    route_names = {
        IV: "IV infusions",
        IM: "IM injections",
        ESKETAMINE: "esketamine nasal spray (Spravato)",
        SUBLINGUAL: "supervised sublingual ketamine",
    }
    offered = ", ".join(route_names[r.slug] for r in routes)
    treated = ", ".join(s.replace("-", " ") for s in specialties[:3])
    return (
        f"{name} in {city} offers {offered} as part of addiction treatment. "
        f"We work with people recovering from {treated} use and coordinate with your "
        "other care."
    )


def _provider(rng: random.Random, index: int) -> ProviderData:
    z, pool = _pick_location_zip(rng)
    practitioner = rng.random() < 0.18
    if practitioner:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        primary = rng.choice(_PRACTITIONER_CREDENTIALS)
        name = f"Dr. {first} {last}" if primary[0] in ("MD", "DO") else f"{first} {last}"
        name = f"{name}, {primary[0]}"
        credentials = primary
    else:
        name = rng.choice(
            [
                f"{rng.choice(_NAME_WORDS)} {rng.choice(_NAME_KINDS)}",
                f"{z.city.title()} {rng.choice(_NAME_KINDS)}",
                f"{rng.choice(_LAST)} {rng.choice(_NAME_KINDS)}",
            ]
        )
        credentials = sorted({"MD"} | {c for c in _CLINIC_CREDENTIALS if rng.random() < 0.3})
    slug = f"{slugify(name)[:100]}-{index:06d}"

    rems = not practitioner and rng.random() < 0.3
    route_slugs = [r for r, p in ((IV, 0.72), (IM, 0.35), (SUBLINGUAL, 0.3)) if rng.random() < p]
    if rems:
        route_slugs.append(ESKETAMINE)
    if not route_slugs:
        route_slugs = [rng.choice([IV, IM, SUBLINGUAL])]
    route_slugs.sort(key=[IV, IM, ESKETAMINE, SUBLINGUAL].index)
    routes = []
    for slug_ in route_slugs:
        (low, high), sessions, discount = _ROUTE_PRICING[slug_]
        session = _price(rng, low, high)
        routes.append(
            RouteData(
                slug=slug_,
                price_per_session=session,
                price_per_course=(session * sessions * discount).quantize(Decimal("1")),
                course_sessions=sessions,
            )
        )

    specialties = [s for s, p in _SPECIALTY_ODDS.items() if rng.random() < p] or [
        rng.choice(["opioid", "alcohol"])
    ]
    insurance = ["self-pay"] if rng.random() < 0.93 else []
    insurance += [c for c in _COMMERCIAL if rng.random() < 0.28]
    if rng.random() < (0.5 if rems else 0.2):
        insurance.append("medicare")
    if rng.random() < 0.15:
        insurance.append("medicaid")
    insurance += [m for m in ("tricare", "va-community-care") if rng.random() < 0.08]
    insurance = insurance or ["self-pay"]

    spanish_odds = 0.45 if z.state in _SPANISH_STATES else _LANGUAGE_ODDS["es"] / 2
    languages = ["en"] if rng.random() < 0.97 or z.state == "PR" else []
    languages += [
        code
        for code, p in _LANGUAGE_ODDS.items()
        if rng.random() < (spanish_odds if code == "es" else p)
    ]
    languages = languages or ["en"]

    mat = []
    if "opioid" in specialties and rng.random() < 0.6:
        mat.append("buprenorphine")
    if ("opioid" in specialties or "alcohol" in specialties) and rng.random() < 0.5:
        mat.append("naltrexone")
    if "opioid" in specialties and rng.random() < 0.12:
        mat.append("methadone")

    telehealth = rng.random() < 0.45
    therapy = rng.random() < 0.6
    n_locations = 1 if practitioner else rng.choices([1, 2, 3], weights=[72, 20, 8])[0]
    location_zips = [z] + [rng.choice(pool) for _ in range(n_locations - 1)]
    locations = [
        _location(rng, lz, "" if n_locations == 1 else f"{lz.city.title()} office")
        for lz in location_zips
    ]
    policy = PolicyData(
        min_notice_minutes=rng.choices([24 * 60, 48 * 60, 4 * 60], weights=[70, 20, 10])[0],
        horizon_days=rng.choices([60, 90, 30], weights=[60, 30, 10])[0],
        buffer_minutes=rng.choices([0, 15, 30], weights=[55, 35, 10])[0],
        slot_step_minutes=rng.choices([15, 30], weights=[60, 40])[0],
    )
    domain = slug.replace("-", "")[:40]
    return ProviderData(
        slug=slug,
        name=name,
        kind="practitioner" if practitioner else "clinic",
        description=_description(name, routes, specialties, locations[0].city),
        credentials=credentials,
        website=f"https://{domain}.example",
        phone=f"+1-{rng.randint(201, 989)}-555-{rng.randint(100, 199):04d}",
        email=f"care@{domain}.{DEMO_EMAIL_DOMAIN}",
        accepting_new_patients=rng.random() < 0.88,
        telehealth=telehealth,
        psychotherapy_integration=therapy,
        esketamine_rems_certified=rems,
        mat_coordination=mat,
        last_verified_days_ago=rng.randint(0, 240),
        specialties=specialties,
        insurance=insurance,
        languages=languages,
        routes=routes,
        locations=locations,
        consultation_types=_consultations(rng, routes, telehealth=telehealth, therapy=therapy),
        policy=policy,
    )


def demo_provider() -> ProviderData:
    """The stable provider the demo staff account manages (San Francisco, everything on)."""
    weekdays = [(d, time(9), time(17)) for d in range(5)] + [(5, time(9), time(13))]
    routes = [
        RouteData(IV, Decimal("495"), Decimal("2600"), 6),
        RouteData(IM, Decimal("350"), Decimal("1890"), 6),
        RouteData(ESKETAMINE, Decimal("790"), Decimal("6320"), 8),
        RouteData(SUBLINGUAL, Decimal("225"), Decimal("810"), 4),
    ]
    rng = random.Random(DEMO_PROVIDER_SLUG)
    return ProviderData(
        slug=DEMO_PROVIDER_SLUG,
        name="Sunrise Recovery Ketamine Clinic",
        kind="clinic",
        description=(
            "A San Francisco clinic for people in recovery from opioid, alcohol and stimulant "
            "use. Ketamine by every route, with preparation and integration therapy, and "
            "close coordination with your buprenorphine, naltrexone or methadone care."
        ),
        credentials=["MD", "psychiatrist", "addiction-medicine", "CRNA", "NP", "LCSW"],
        website="https://sunrise-recovery.example",
        phone="+1-415-555-0142",
        email=f"hello@sunrise-recovery.{DEMO_EMAIL_DOMAIN}",
        accepting_new_patients=True,
        telehealth=True,
        psychotherapy_integration=True,
        esketamine_rems_certified=True,
        mat_coordination=["buprenorphine", "naltrexone", "methadone"],
        last_verified_days_ago=3,
        specialties=list(_SPECIALTY_ODDS),
        insurance=["self-pay", "medicare", "medicaid", "aetna", "blue-cross-blue-shield"],
        languages=["en", "es", "zh"],
        routes=routes,
        locations=[
            LocationData(
                name="Mission District",
                address_line1="1550 Mission Street",
                address_line2="Suite 300",
                city="San Francisco",
                state="CA",
                postal_code="94103",
                latitude=37.7726,
                longitude=-122.4180,
                timezone="America/Los_Angeles",
                hours=weekdays,
            ),
            LocationData(
                name="Oakland",
                address_line1="1901 Harrison Street",
                address_line2="",
                city="Oakland",
                state="CA",
                postal_code="94612",
                latitude=37.8096,
                longitude=-122.2648,
                timezone="America/Los_Angeles",
                hours=[(d, time(10), time(18)) for d in (1, 3)],
            ),
        ],
        consultation_types=_consultations(
            rng, routes, telehealth=True, therapy=True, showcase=True
        ),
        policy=PolicyData(
            min_notice_minutes=4 * 60, horizon_days=60, buffer_minutes=15, slot_step_minutes=15
        ),
    )


def generate_providers(count: int, seed: int) -> Iterator[ProviderData]:
    """``count`` demo providers: the stable demo provider first, then generated ones."""
    if count <= 0:
        return
    yield demo_provider()
    rng = random.Random(seed)
    for index in range(1, count):
        yield _provider(rng, index)


def provider_digest_row(p: ProviderData) -> bytes:
    """A canonical serialisation of one generated provider, for the seed digest."""
    # A dataclass repr lists every field in declaration order, nested ones included, and
    # Decimal/time reprs are exact: stable and ten times faster than asdict + json.
    return repr(p).encode()


def new_digest() -> hashlib._Hash:
    return hashlib.sha256()
