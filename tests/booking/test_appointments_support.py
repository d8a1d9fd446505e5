"""The booking world the appointment tests share (imported by the test modules).

Frozen at Monday 2027-03-01 12:00 UTC. ``sunrise`` (New York, UTC-5 in early March) is open
every day 08:00-18:00 local with a one-hour minimum notice, 15-minute steps and a 10-minute
hold. alice and bob are patients; carol is staff of sunrise, dave of another provider.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from booking.models import AvailabilityRule, BookingPolicy
from directory.models import AdministrationRoute, ConsultationType, Location, Provider
from tests.factories import (
    ConsultationTypeFactory,
    LocationFactory,
    ProviderFactory,
    ProviderStaffFactory,
    UserFactory,
)

NY = ZoneInfo("America/New_York")
NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    """An aware New York wall time in 2027."""
    return dt.datetime(2027, month, day, hour, minute, tzinfo=NY)


def iso(value: dt.datetime) -> str:
    return value.isoformat()


@dataclass
class World:
    provider: Provider
    location: Location
    ctype30: ConsultationType
    ctype60: ConsultationType
    alice: object
    bob: object
    carol: object
    dave: object
    other_provider: Provider


def open_all_week(location: Location, start: dt.time = dt.time(8), end: dt.time = dt.time(18)):
    for weekday in range(7):
        AvailabilityRule.objects.create(
            location=location, weekday=weekday, start_time=start, end_time=end
        )


def build_world() -> World:
    provider = ProviderFactory(slug="sunrise", name="Sunrise Ketamine Clinic")
    location = LocationFactory(provider=provider, timezone="America/New_York")
    BookingPolicy.objects.create(
        provider=provider,
        min_notice_minutes=60,
        horizon_days=60,
        buffer_minutes=0,
        slot_step_minutes=15,
        hold_minutes=10,
    )
    open_all_week(location)
    ctype30 = ConsultationTypeFactory(provider=provider, name="Consultation", duration_minutes=30)
    ctype60 = ConsultationTypeFactory(provider=provider, name="Long visit", duration_minutes=60)
    other = ProviderFactory(slug="moonrise", name="Moonrise Clinic")
    other_location = LocationFactory(provider=other, timezone="America/Chicago")
    open_all_week(other_location)
    return World(
        provider=provider,
        location=location,
        ctype30=ctype30,
        ctype60=ctype60,
        alice=UserFactory(email="alice@example.test", full_name="Alice Patient"),
        bob=UserFactory(email="bob@example.test", full_name="Bob Patient"),
        carol=ProviderStaffFactory(
            provider=provider, user=UserFactory(email="carol@example.test")
        ).user,
        dave=ProviderStaffFactory(provider=other, user=UserFactory(email="dave@example.test")).user,
        other_provider=other,
    )


def esketamine_route() -> AdministrationRoute:
    route, _ = AdministrationRoute.objects.get_or_create(
        slug="intranasal-esketamine",
        defaults={"name": "Intranasal esketamine", "requires_rems": True},
    )
    return route


def esketamine_type(provider: Provider, *, monitoring: int = 120, duration: int = 150):
    return ConsultationTypeFactory(
        provider=provider,
        name="Esketamine session",
        duration_minutes=duration,
        monitoring_minutes=monitoring,
        route=esketamine_route(),
        price=Decimal("600.00"),
    )


def booking_body(world: World, start: dt.datetime, ctype=None, **extra) -> dict:
    return {
        "provider": world.provider.slug,
        "consultation_type": (ctype or world.ctype30).pk,
        "start": iso(start),
        **extra,
    }


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def world(db, frozen) -> World:
    return build_world()
