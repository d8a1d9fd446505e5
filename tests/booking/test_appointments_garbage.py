"""Nothing a client sends makes the appointment API answer 5xx."""

from __future__ import annotations

import pytest

from booking.models import Appointment
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import booking_body, local

# Fixtures shared by the appointment tests.
frozen = support.frozen
world = support.world

GARBAGE = [
    None,
    [],
    [1, 2],
    "text",
    123,
    {"provider": None, "consultation_type": None, "start": None},
    {"provider": ["sunrise"], "consultation_type": {"id": 1}, "start": 5},
    {"provider": "sunrise", "consultation_type": 10**30, "start": "2027-03-03T09:00:00-05:00"},
    {"provider": "sunrise", "consultation_type": -1, "start": "2027-03-03T09:00:00-05:00"},
    {"provider": "sunrise", "consultation_type": "1; drop table", "start": "tomorrow"},
    {"provider": "s" * 100000, "consultation_type": 1, "start": "2027-03-03T09:00:00-05:00"},
    {"provider": "sunrise\x00", "consultation_type": 1, "start": "2027-03-03T09:00:00\x00"},
    {"provider": "sunrise", "consultation_type": 1, "start": "9999-12-31T23:59:59-23:59"},
    {"provider": "sunrise", "consultation_type": 1, "start": "0001-01-01T00:00:00+23:59"},
    {"provider": "sunrise", "consultation_type": 1, "start": "2027-02-30T09:00:00Z"},
    {"provider": "sunrise", "consultation_type": 1, "start": "2027-03-03T09:00:00+99:00"},
    {"provider": "sunrise", "consultation_type": 1, "start": "2" * 5000},
]


@pytest.mark.parametrize("body", GARBAGE)
def test_garbage_booking_bodies_are_4xx(api, world, body):
    api.force_authenticate(world.alice)

    response = api.post("/api/v1/appointments/", body, format="json")

    assert 400 <= response.status_code < 500
    assert {"detail", "code"} <= set(response.json())
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"location": "here"},
        {"location": 10**25},
        {"location": 999999},
        {"reason": ["a"]},
        {"reason": "x" * 100000},
        {"intake": {"current_medications": ["x"] * 1000}},
        {"intake": {"current_substances": [None]}},
        {"intake": [1, 2, 3]},
    ],
)
def test_wrong_types_in_optional_fields_are_4xx(api, world, extra):
    api.force_authenticate(world.alice)

    response = api.post(
        "/api/v1/appointments/", booking_body(world, local(3, 9), **extra), format="json"
    )

    assert 400 <= response.status_code < 500
    assert not Appointment.objects.exists()


def test_a_body_that_is_not_json_is_4xx(api, world):
    api.force_authenticate(world.alice)

    response = api.post("/api/v1/appointments/", data=b"{not json", content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "body", [None, "x", {"start": None}, {"start": 12}, {"start": "x" * 10000}, {"start": []}]
)
def test_garbage_reschedule_bodies_are_4xx(api, world, body):
    api.force_authenticate(world.alice)
    appointment_id = api.post(
        "/api/v1/appointments/", booking_body(world, local(3, 9)), format="json"
    ).json()["id"]

    response = api.post(f"/api/v1/appointments/{appointment_id}/reschedule/", body, format="json")

    assert 400 <= response.status_code < 500
    assert Appointment.objects.get().start == local(3, 9)


@pytest.mark.parametrize("body", [[], "x", {"reason": ["a"]}, {"reason": "x" * 5000}])
def test_garbage_cancel_and_staff_bodies_are_4xx(api, world, body):
    api.force_authenticate(world.alice)
    appointment_id = api.post(
        "/api/v1/appointments/", booking_body(world, local(3, 9)), format="json"
    ).json()["id"]
    cancel = api.post(f"/api/v1/appointments/{appointment_id}/cancel/", body, format="json")
    api.force_authenticate(world.carol)
    decline = api.post(
        f"/api/v1/provider/appointments/{appointment_id}/decline/", body, format="json"
    )

    assert 400 <= cancel.status_code < 500
    assert 400 <= decline.status_code < 500
    assert Appointment.objects.get().status == "requested"


@pytest.mark.parametrize("path", ["abc", "99999999999999999999999", "-1"])
def test_odd_ids_in_urls_are_404(api, world, path):
    api.force_authenticate(world.alice)

    assert api.get(f"/api/v1/appointments/{path}/").status_code == 404


def test_the_schema_documents_bodies_and_the_idempotency_header(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    create = schema["paths"]["/api/v1/appointments/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    assert {"201", "409"} <= set(create["responses"])
    assert "requestBody" in create
    reschedule = schema["paths"]["/api/v1/appointments/{id}/reschedule/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in reschedule["parameters"])
    for action in ("confirm", "decline", "complete", "no-show", "cancel"):
        assert f"/api/v1/provider/appointments/{{id}}/{action}/" in schema["paths"]
