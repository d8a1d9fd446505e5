"""Holds of the web booking flow: reserve, convert, expire by themselves."""

from __future__ import annotations

import datetime as dt

from booking import services
from booking.models import Appointment
from booking.tasks import expire_holds
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import booking_body, iso, local

# Fixtures shared by the appointment tests.
frozen = support.frozen
world = support.world

HOLDS = "/api/v1/holds/"


def hold(api, world, user, start):
    api.force_authenticate(user)
    return api.post(HOLDS, booking_body(world, start), format="json")


def book(api, world, user, start, **extra):
    api.force_authenticate(user)
    return api.post("/api/v1/appointments/", booking_body(world, start, **extra), format="json")


def test_a_hold_reserves_the_slot_for_the_policys_minutes(api, world):
    response = hold(api, world, world.alice, local(3, 9))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "held"
    expires = dt.datetime.fromisoformat(body["hold_expires_at"])
    assert dt.timedelta(minutes=9) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=10)
    assert book(api, world, world.bob, local(3, 9)).status_code == 409
    assert hold(api, world, world.bob, local(3, 9)).status_code == 409


def test_booking_converts_the_patients_own_hold(api, world):
    hold_id = hold(api, world, world.alice, local(3, 9)).json()["id"]

    response = book(api, world, world.alice, local(3, 9), reason="Opioid use")

    assert response.status_code == 201
    assert response.json()["id"] == hold_id
    appointment = Appointment.objects.get()
    assert appointment.status == "requested"
    assert appointment.hold_expires_at is None
    assert appointment.reason == "Opioid use"
    assert list(appointment.transitions.values_list("from_status", "to_status")) == [
        ("", "held"),
        ("held", "requested"),
    ]


def test_an_expired_hold_frees_the_slot_by_itself(api, world, frozen):
    hold(api, world, world.alice, local(3, 9))
    frozen.shift(dt.timedelta(minutes=11))

    response = book(api, world, world.bob, local(3, 9))

    assert response.status_code == 201
    statuses = sorted(Appointment.objects.values_list("status", flat=True))
    assert statuses == ["expired", "requested"]


def test_the_holder_cannot_convert_an_expired_hold(api, world, frozen):
    hold_id = hold(api, world, world.alice, local(3, 9)).json()["id"]
    frozen.shift(dt.timedelta(minutes=11))

    response = book(api, world, world.alice, local(3, 9))

    assert response.status_code == 201
    assert response.json()["id"] != hold_id
    assert Appointment.objects.get(pk=hold_id).status == "expired"


def test_the_expire_holds_task_marks_run_out_holds_expired(api, world, frozen):
    first = hold(api, world, world.alice, local(3, 9)).json()["id"]
    frozen.shift(dt.timedelta(minutes=5))
    second = hold(api, world, world.bob, local(3, 10)).json()["id"]
    frozen.shift(dt.timedelta(minutes=6))

    expired = expire_holds()

    assert expired == 1
    assert Appointment.objects.get(pk=first).status == "expired"
    assert Appointment.objects.get(pk=second).status == "held"
    assert Appointment.objects.get(pk=first).transitions.last().actor_role == "system"


def test_a_new_hold_releases_the_patients_previous_one(api, world):
    first = hold(api, world, world.alice, local(3, 9)).json()["id"]

    second = hold(api, world, world.alice, local(3, 10))

    assert second.status_code == 201
    assert Appointment.objects.get(pk=first).status == "expired"
    assert book(api, world, world.bob, local(3, 9)).status_code == 201


def test_releasing_a_hold_frees_the_slot(api, world):
    hold_id = hold(api, world, world.alice, local(3, 9)).json()["id"]

    response = api.delete(f"{HOLDS}{hold_id}/")

    assert response.status_code == 204
    assert book(api, world, world.bob, local(3, 9)).status_code == 201


def test_another_patients_hold_is_404(api, world):
    hold_id = hold(api, world, world.alice, local(3, 9)).json()["id"]
    api.force_authenticate(world.bob)

    assert api.get(f"{HOLDS}{hold_id}/").status_code == 404
    assert api.delete(f"{HOLDS}{hold_id}/").status_code == 404
    assert Appointment.objects.get().status == "held"


def test_holds_are_not_listed_as_appointments(api, world):
    hold(api, world, world.alice, local(3, 9))

    assert api.get("/api/v1/appointments/").json()["count"] == 0


def test_a_hold_on_a_slot_that_is_not_bookable_is_409(api, world):
    response = hold(api, world, world.alice, local(3, 7))

    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"


def test_holds_expire_service_returns_zero_when_nothing_ran_out(world):
    services.appointment_hold(
        patient=world.alice,
        provider=world.provider,
        consultation_type=world.ctype30,
        start=local(3, 9),
    )

    assert services.holds_expire() == 0
    assert iso(local(3, 9))
