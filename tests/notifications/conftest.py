"""Fixtures of the notification tests: a clinic with hours, staff and a patient; an SMTP sink."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine

from directory.models import ConsultationType
from tests.booking.factories import weekly_hours
from tests.factories import (
    ConsultationTypeFactory,
    LocationFactory,
    ProviderFactory,
    ProviderStaffFactory,
    UserFactory,
)
from tests.notifications.smtp_sink import SmtpSink

NY = zoneinfo.ZoneInfo("America/New_York")
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
#: "Now" in most tests: Monday 1 March 2027, 12:00 in New York.
NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=NY)


def ny(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, minute, tzinfo=NY)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clinic(db):
    provider = ProviderFactory(name="Sunrise Ketamine Clinic", slug="sunrise")
    location = LocationFactory(
        provider=provider,
        address_line1="12 Hope Street",
        city="New York",
        state="NY",
        postal_code="10001",
        timezone="America/New_York",
    )
    weekly_hours(location)
    infusion = ConsultationTypeFactory(
        provider=provider,
        name="Ketamine infusion",
        duration_minutes=60,
        requires_fasting=True,
        requires_driver=True,
        arrive_early_minutes=15,
        preparation_notes="Wear comfortable clothes.",
    )
    video = ConsultationTypeFactory(
        provider=provider,
        name="Video consultation",
        duration_minutes=30,
        mode=ConsultationType.Mode.TELEHEALTH,
    )
    carol = ProviderStaffFactory(
        provider=provider, user=UserFactory(email="carol@clinic.test", full_name="Carol Staff")
    ).user
    alice = UserFactory(email="alice@patient.test", full_name="Alice Patient")
    bob = UserFactory(email="bob@patient.test", full_name="Bob Patient")
    return SimpleNamespace(
        provider=provider,
        location=location,
        infusion=infusion,
        video=video,
        carol=carol,
        alice=alice,
        bob=bob,
    )


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def real_smtp(settings, smtp_sink):
    """Send through Django's SMTP backend to the sink (not locmem)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_TIMEOUT = 5
    return smtp_sink


def _use_broker(url: str) -> str:
    """Point the Celery app at ``url``; returns the previous URL."""
    from config.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = url
    # Forget the pools bound to the previous broker (not closed: kombu shares them globally,
    # and other tests' code may still hold them).
    app._pool = None
    app.amqp._producer_pool = None
    return previous


@pytest.fixture(autouse=True)
def memory_broker(request):
    """Tasks queued by these tests go to an in-process broker nobody consumes.

    The sweep sends everything anyway; tests that need a real broker (the worker
    end-to-end test, Redis-down) replace this with their own.
    """
    if "real_broker" in request.fixturenames:
        yield
        return
    previous = _use_broker("memory://")
    yield
    _use_broker(previous)
