"""Intranasal esketamine: REMS-certified clinics only, with two hours of monitoring."""

from __future__ import annotations

from booking.models import Appointment
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import booking_body, esketamine_type, local

# Fixtures shared by the appointment tests.
frozen = support.frozen
world = support.world

URL = "/api/v1/appointments/"


def test_esketamine_books_at_a_rems_certified_clinic(api, world):
    world.provider.esketamine_rems_certified = True
    world.provider.save()
    ctype = esketamine_type(world.provider)
    api.force_authenticate(world.alice)

    response = api.post(URL, booking_body(world, local(3, 9), ctype), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["end"] == "2027-03-03T11:30:00-05:00"


def test_esketamine_is_refused_at_a_clinic_without_rems(api, world):
    ctype = esketamine_type(world.provider)
    api.force_authenticate(world.alice)

    response = api.post(URL, booking_body(world, local(3, 9), ctype), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "esketamine_requires_rems"
    assert not Appointment.objects.exists()


def test_esketamine_without_two_hours_of_monitoring_is_refused(api, world):
    world.provider.esketamine_rems_certified = True
    world.provider.save()
    # Saved without clean(), as a careless import could: the booking still refuses it.
    ctype = esketamine_type(world.provider, monitoring=60, duration=90)
    api.force_authenticate(world.alice)

    response = api.post(URL, booking_body(world, local(3, 9), ctype), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "esketamine_monitoring_required"
    assert not Appointment.objects.exists()


def test_esketamine_cannot_be_held_without_rems_either(api, world):
    ctype = esketamine_type(world.provider)
    api.force_authenticate(world.alice)

    response = api.post("/api/v1/holds/", booking_body(world, local(3, 9), ctype), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "esketamine_requires_rems"
