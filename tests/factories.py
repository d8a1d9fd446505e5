"""factory_boy factories for the whole project (one module so every app's tests share them)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from directory.models import (
    AddictionSpecialty,
    AdministrationRoute,
    ConsultationType,
    InsurancePlan,
    Location,
    Provider,
    ProviderRoute,
    ProviderStaff,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct-horse-battery")


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Clinic {n:05d}")
    slug = factory.Sequence(lambda n: f"clinic-{n:05d}")
    description = "Ketamine-assisted treatment with integration therapy."
    accepting_new_patients = True
    telehealth = False

    @factory.post_generation
    def routes(self, create, extracted, **kwargs):
        for slug in extracted or ():
            ProviderRoute.objects.create(
                provider=self,
                route=AdministrationRoute.objects.get(slug=slug),
                price_per_session=Decimal("450.00"),
            )

    @factory.post_generation
    def specialties(self, create, extracted, **kwargs):
        if extracted:
            self.specialties.set(AddictionSpecialty.objects.filter(slug__in=extracted))

    @factory.post_generation
    def insurance(self, create, extracted, **kwargs):
        if extracted:
            self.insurance.set(InsurancePlan.objects.filter(slug__in=extracted))


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    provider = factory.SubFactory(ProviderFactory)
    address_line1 = factory.Sequence(lambda n: f"{n + 1} Main Street")
    city = "New York"
    state = "NY"
    postal_code = "10001"
    latitude = 40.7484
    longitude = -73.9967
    timezone = "America/New_York"


class ConsultationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationType

    provider = factory.SubFactory(ProviderFactory)
    name = "First consultation"
    duration_minutes = 30
    price = Decimal("150.00")
    mode = ConsultationType.Mode.IN_PERSON


class ProviderStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderStaff

    user = factory.SubFactory(UserFactory)
    provider = factory.SubFactory(ProviderFactory)
