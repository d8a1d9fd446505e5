"""factory_boy factories of booking models (availability, policy, appointments)."""

from __future__ import annotations

import datetime as dt

import factory

from booking.models import (
    Appointment,
    AvailabilityException,
    AvailabilityRule,
    BookingPolicy,
    TimeOff,
)
from tests.factories import ConsultationTypeFactory, LocationFactory, ProviderFactory, UserFactory


class BookingPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BookingPolicy
        django_get_or_create = ("provider",)

    provider = factory.SubFactory(ProviderFactory)


class AvailabilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityRule

    location = factory.SubFactory(LocationFactory)
    weekday = 0
    start_time = dt.time(9, 0)
    end_time = dt.time(17, 0)


class AvailabilityExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityException

    location = factory.SubFactory(LocationFactory)
    date = dt.date(2027, 3, 15)
    kind = AvailabilityException.Kind.CLOSED


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    provider = factory.SubFactory(ProviderFactory)
    start = dt.datetime(2027, 3, 15, 14, 0, tzinfo=dt.UTC)
    end = dt.datetime(2027, 3, 15, 16, 0, tzinfo=dt.UTC)


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An active appointment; ``start`` is required, end/occupied_until follow the type."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(UserFactory)
    provider = factory.SubFactory(ProviderFactory)
    location = None
    consultation_type = factory.SubFactory(
        ConsultationTypeFactory, provider=factory.SelfAttribute("..provider")
    )
    status = Appointment.Status.CONFIRMED
    end = factory.LazyAttribute(
        lambda o: o.start + dt.timedelta(minutes=o.consultation_type.duration_minutes)
    )
    occupied_until = factory.LazyAttribute(lambda o: o.end)
    hold_expires_at = None


def weekly_hours(location, start=dt.time(9, 0), end=dt.time(17, 0), weekdays=range(7)) -> None:
    """Open ``location`` every weekday in ``weekdays`` from ``start`` to ``end`` (local)."""
    for weekday in weekdays:
        AvailabilityRuleFactory(location=location, weekday=weekday, start_time=start, end_time=end)


def clinic(
    *,
    tz: str = "America/New_York",
    duration: int = 30,
    mode: str = "in_person",
    policy: dict | None = None,
    slug: str | None = None,
):
    """A published provider with one location in ``tz`` and one consultation type.

    Returns ``(provider, location, consultation_type)``; with ``policy`` (field values) the
    provider gets a BookingPolicy row, otherwise the defaults apply.
    """
    provider = ProviderFactory(**({"slug": slug} if slug else {}))
    location = LocationFactory(provider=provider, timezone=tz)
    ctype = ConsultationTypeFactory(provider=provider, duration_minutes=duration, mode=mode)
    if policy is not None:
        BookingPolicyFactory(provider=provider, **policy)
    return provider, location, ctype
