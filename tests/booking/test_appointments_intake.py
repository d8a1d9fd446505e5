"""Intake pre-screening: validation, flags for the clinic, and who may see it."""

from __future__ import annotations

import logging

import pytest

from booking.intake import PATIENT_FLAG_MESSAGE
from booking.models import Appointment
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import booking_body, local

# Fixtures shared by the appointment tests.
frozen = support.frozen
world = support.world

URL = "/api/v1/appointments/"

FULL_INTAKE = {
    "current_substances": ["alcohol", "cocaine"],
    "current_medications": ["naltrexone"],
    "pregnant": "no",
    "psychosis_history": "yes",
    "uncontrolled_high_blood_pressure": "unsure",
    "prior_ketamine_treatment": "no",
}


def book(api, world, **extra):
    api.force_authenticate(world.alice)
    return api.post(URL, booking_body(world, local(3, 9), **extra), format="json")


def test_answers_that_need_discussion_are_flagged_without_a_diagnosis(api, world):
    response = book(api, world, intake=FULL_INTAKE, reason="Help with drinking")

    assert response.status_code == 201, response.json()
    flags = response.json()["intake_flags"]
    assert [f["code"] for f in flags] == [
        "psychosis_history",
        "uncontrolled_hypertension",
        "stimulant_use",
    ]
    assert all(f["message"] == PATIENT_FLAG_MESSAGE for f in flags)
    assert "will discuss this with you" in PATIENT_FLAG_MESSAGE
    appointment = Appointment.objects.get()
    assert appointment.intake == FULL_INTAKE
    assert appointment.intake_flags == [
        "psychosis_history",
        "uncontrolled_hypertension",
        "stimulant_use",
    ]


def test_reassuring_answers_raise_no_flag(api, world):
    intake = {"psychosis_history": "no", "pregnant": "not_applicable", "current_substances": []}

    response = book(api, world, intake=intake)

    assert response.json()["intake_flags"] == []


def test_pregnancy_is_flagged(api, world):
    response = book(api, world, intake={"pregnant": "yes"})

    assert [f["code"] for f in response.json()["intake_flags"]] == ["pregnancy"]


@pytest.mark.parametrize(
    ("intake", "field"),
    [
        ({"psychosis_history": "maybe"}, "intake.psychosis_history"),
        ({"current_substances": ["chocolate"]}, "intake.current_substances.0"),
        ({"current_substances": "alcohol"}, "intake.current_substances"),
        ({"current_medications": ["x" * 101]}, "intake.current_medications.0"),
        ({"favourite_colour": "blue"}, "intake.favourite_colour"),
        ("yes", "intake.non_field_errors"),
    ],
)
def test_invalid_intake_answers_are_400_per_field(api, world, intake, field):
    response = book(api, world, intake=intake)

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Appointment.objects.exists()


def test_a_reason_over_2000_characters_is_400(api, world):
    response = book(api, world, reason="x" * 2001)

    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_intake_is_never_logged(api, world, caplog):
    caplog.set_level(logging.DEBUG)

    book(api, world, intake=FULL_INTAKE, reason="Secret reason text")

    assert "Secret reason text" not in caplog.text
    assert "naltrexone" not in caplog.text
    assert "psychosis_history" not in caplog.text


def test_other_users_never_see_the_intake(api, world):
    appointment_id = book(api, world, intake=FULL_INTAKE).json()["id"]

    api.force_authenticate(world.bob)
    assert api.get(f"{URL}{appointment_id}/").status_code == 404
    api.force_authenticate(world.dave)
    assert api.get(f"/api/v1/provider/appointments/{appointment_id}/").status_code == 404
    api.force_authenticate(world.alice)
    assert api.get(f"{URL}{appointment_id}/").json()["intake"] == FULL_INTAKE
