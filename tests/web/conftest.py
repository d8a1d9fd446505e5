"""Fixtures for the web pages: a few providers around San Francisco and New York."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from directory.models import InsurancePlan, Language, Provider
from tests.factories import ConsultationTypeFactory, LocationFactory, ProviderFactory

SLUG_RE = re.compile(r'data-slug="([^"]+)"')


def slugs_in(html: str) -> list[str]:
    """Result slugs in page order (each card carries data-slug)."""
    return SLUG_RE.findall(html)


def make_provider(
    name: str,
    *,
    city: str,
    state: str,
    postal_code: str,
    lat: float,
    lng: float,
    tz: str,
    routes=("iv-infusion",),
    specialties=("alcohol",),
    insurance=("self-pay",),
    telehealth: bool = False,
    accepting: bool = True,
    next_available: dt.datetime | None = None,
) -> Provider:
    provider = ProviderFactory(
        name=name,
        slug=name.lower().replace(" ", "-"),
        routes=list(routes),
        specialties=list(specialties),
        insurance=list(insurance),
        telehealth=telehealth,
        accepting_new_patients=accepting,
        psychotherapy_integration=True,
        credentials=["MD", "LCSW"],
        last_verified=dt.date(2026, 1, 15),
    )
    provider.languages.set(Language.objects.filter(slug__in=["en", "es"]))
    LocationFactory(
        provider=provider,
        city=city,
        state=state,
        postal_code=postal_code,
        latitude=lat,
        longitude=lng,
        timezone=tz,
    )
    ConsultationTypeFactory(provider=provider, name="First consultation", price=Decimal("120"))
    if next_available:
        Provider.objects.filter(pk=provider.pk).update(next_available=next_available)
        provider.refresh_from_db()
    return provider


@pytest.fixture
def directory_data(db):
    """Five providers: three in SF (different distances), one in Oakland, one in New York."""
    soon = timezone.now() + dt.timedelta(days=2)
    assert InsurancePlan.objects.filter(slug="aetna").exists()
    return {
        "mission": make_provider(
            "Mission Recovery",
            city="San Francisco",
            state="CA",
            postal_code="94103",
            lat=37.7725,
            lng=-122.4147,
            tz="America/Los_Angeles",
            routes=("iv-infusion", "im-injection"),
            specialties=("alcohol", "opioid"),
            insurance=("self-pay", "aetna"),
            next_available=soon,
        ),
        "sunset": make_provider(
            "Sunset Clinic",
            city="San Francisco",
            state="CA",
            postal_code="94122",
            lat=37.7599,
            lng=-122.4848,
            tz="America/Los_Angeles",
            routes=("sublingual-oral",),
            specialties=("opioid",),
            telehealth=True,
            next_available=soon + dt.timedelta(days=1),
        ),
        "bayview": make_provider(
            "Bayview Care",
            city="San Francisco",
            state="CA",
            postal_code="94124",
            lat=37.7304,
            lng=-122.3844,
            tz="America/Los_Angeles",
            specialties=("cocaine",),
            accepting=False,
        ),
        "oakland": make_provider(
            "Oakland Wellness",
            city="Oakland",
            state="CA",
            postal_code="94612",
            lat=37.8044,
            lng=-122.2712,
            tz="America/Los_Angeles",
            routes=("iv-infusion",),
            specialties=("alcohol",),
            insurance=("medicaid",),
        ),
        "chelsea": make_provider(
            "Chelsea Ketamine",
            city="New York",
            state="NY",
            postal_code="10001",
            lat=40.7484,
            lng=-73.9967,
            tz="America/New_York",
            telehealth=True,
            next_available=soon,
        ),
    }


START_RE = re.compile(r'name="start" value="([^"]+)"')


def starts_in(html: str) -> list[str]:
    return START_RE.findall(html)


@pytest.fixture
def clinic(db):
    """A bookable clinic in San Francisco: open every day 08:00-20:00, two visit types."""
    from booking.models import AvailabilityRule, BookingPolicy

    provider = make_provider(
        "Golden Gate Ketamine",
        city="San Francisco",
        state="CA",
        postal_code="94103",
        lat=37.7725,
        lng=-122.4147,
        tz="America/Los_Angeles",
        routes=("iv-infusion", "intranasal-esketamine"),
        specialties=("alcohol", "opioid"),
        insurance=("self-pay", "aetna"),
    )
    location = provider.locations.get()
    for weekday in range(7):
        AvailabilityRule.objects.create(
            location=location, weekday=weekday, start_time=dt.time(8), end_time=dt.time(20)
        )
    BookingPolicy.objects.create(provider=provider, min_notice_minutes=60, slot_step_minutes=60)
    ConsultationTypeFactory(
        provider=provider, name="Telehealth intro call", duration_minutes=20, mode="telehealth"
    )
    return provider


@pytest.fixture
def clinic_morning():
    """Tomorrow 09:00 at the clinic (clock ticking): a whole bookable day lies ahead."""
    la = zoneinfo.ZoneInfo("America/Los_Angeles")
    tomorrow = dt.datetime.now(la).date() + dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(tomorrow, dt.time(9), la), tick=True):
        yield


@pytest.fixture
def alice(db):
    from tests.factories import UserFactory

    return UserFactory(email="alice@example.test", full_name="Alice Patient")


@pytest.fixture
def bob(db):
    from tests.factories import UserFactory

    return UserFactory(email="bob@example.test", full_name="Bob Patient")


@pytest.fixture
def carol(clinic):
    """Staff of the clinic."""
    from tests.factories import ProviderStaffFactory, UserFactory

    user = UserFactory(email="carol@example.test", full_name="Carol Staff")
    ProviderStaffFactory(user=user, provider=clinic)
    return user


@pytest.fixture
def dave(db):
    """Staff of another provider."""
    from tests.factories import ProviderStaffFactory, UserFactory

    user = UserFactory(email="dave@example.test", full_name="Dave Elsewhere")
    ProviderStaffFactory(user=user)
    return user
