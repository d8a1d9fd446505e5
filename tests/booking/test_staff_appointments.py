"""Provider staff appointment API: list with filters, detail, and the state machine actions."""

from __future__ import annotations

import pytest

from booking import services
from booking.models import Appointment
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import local

# Fixtures shared by the appointment tests.
frozen = support.frozen
world = support.world

URL = "/api/v1/provider/appointments/"


def make(world, start, patient=None, ctype=None) -> Appointment:
    return services.appointment_book(
        patient=patient or world.alice,
        provider=world.provider,
        consultation_type=ctype or world.ctype30,
        start=start,
    )


def act(api, user, appointment, action, body=None):
    api.force_authenticate(user)
    return api.post(f"{URL}{appointment.pk}/{action}/", body or {}, format="json")


def test_staff_list_the_providers_appointments_with_the_patient(
    api, world, django_assert_num_queries
):
    make(world, local(3, 9))
    make(world, local(4, 9), patient=world.bob)
    api.force_authenticate(world.carol)

    # 1 staff link of the user (permission), 2 count, 3 page, 4 the providers' locations
    with django_assert_num_queries(4):
        response = api.get(URL)

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert body["results"][0]["patient"]["email"] == "alice@example.test"
    assert body["results"][1]["start"] == "2027-03-04T09:00:00-05:00"


def test_staff_filter_by_status_and_date_range(api, world):
    first = make(world, local(3, 9))
    make(world, local(4, 9))
    make(world, local(6, 9))
    services.appointment_confirm(appointment=first, actor=world.carol)
    api.force_authenticate(world.carol)

    confirmed = api.get(URL, {"status": "confirmed"}).json()
    days = api.get(URL, {"date_from": "2027-03-04", "date_to": "2027-03-05"}).json()
    both = api.get(URL, {"status": ["confirmed", "requested"], "date_to": "2027-03-04"}).json()

    assert [a["id"] for a in confirmed["results"]] == [first.pk]
    assert [a["start"] for a in days["results"]] == ["2027-03-04T09:00:00-05:00"]
    assert both["count"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"status": "sleeping"},
        {"date_from": "March"},
        {"date_from": "2027-03-05", "date_to": "2027-03-01"},
    ],
)
def test_staff_list_bad_filters_are_400(api, world, params):
    api.force_authenticate(world.carol)

    response = api.get(URL, params)

    assert response.status_code == 400
    assert response.json()["code"]


def test_staff_of_another_provider_get_404(api, world):
    appointment = make(world, local(3, 9))
    api.force_authenticate(world.dave)

    assert api.get(URL).json()["count"] == 0
    assert api.get(f"{URL}{appointment.pk}/").status_code == 404
    for action in ("confirm", "decline", "complete", "no-show", "cancel"):
        assert act(api, world.dave, appointment, action).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == "requested"


def test_patients_cannot_use_the_staff_api(api, world):
    appointment = make(world, local(3, 9))
    api.force_authenticate(world.alice)

    assert api.get(URL).status_code in (403, 404)
    assert api.get(f"{URL}{appointment.pk}/").status_code in (403, 404)
    assert act(api, world.alice, appointment, "confirm").status_code in (403, 404)
    appointment.refresh_from_db()
    assert appointment.status == "requested"


def test_anonymous_staff_requests_are_401(api, world):
    appointment = make(world, local(3, 9))

    assert api.get(URL).status_code == 401
    assert api.post(f"{URL}{appointment.pk}/confirm/", {}, format="json").status_code == 401


def test_staff_see_the_intake_of_their_patients(api, world):
    appointment = services.appointment_book(
        patient=world.alice,
        provider=world.provider,
        consultation_type=world.ctype30,
        start=local(3, 9),
        reason="Alcohol use",
        intake={"psychosis_history": "yes"},
    )
    api.force_authenticate(world.carol)

    body = api.get(f"{URL}{appointment.pk}/").json()

    assert body["reason"] == "Alcohol use"
    assert body["intake"] == {"psychosis_history": "yes"}
    assert [f["code"] for f in body["intake_flags"]] == ["psychosis_history"]


def test_confirm_then_complete_after_the_start(api, world, frozen):
    appointment = make(world, local(3, 9))

    confirmed = act(api, world.carol, appointment, "confirm")
    frozen.move_to(local(3, 9, 5))
    completed = act(api, world.carol, appointment, "complete")

    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert completed.status_code == 200 and completed.json()["status"] == "completed"
    appointment.refresh_from_db()
    assert appointment.sequence == 2
    roles = list(appointment.transitions.values_list("to_status", "actor_role", "actor__email"))
    assert roles == [
        ("requested", "patient", "alice@example.test"),
        ("confirmed", "staff", "carol@example.test"),
        ("completed", "staff", "carol@example.test"),
    ]


def test_no_show_after_the_start(api, world, frozen):
    appointment = make(world, local(3, 9))
    act(api, world.carol, appointment, "confirm")
    frozen.move_to(local(3, 9, 20))

    response = act(api, world.carol, appointment, "no-show")

    assert response.status_code == 200
    assert response.json()["status"] == "no_show"


def test_decline_and_staff_cancel_free_the_slot(api, world):
    declined = make(world, local(3, 9))
    cancelled = make(world, local(4, 9))
    act(api, world.carol, cancelled, "confirm")

    decline = act(api, world.carol, declined, "decline", {"reason": "Fully booked"})
    cancel = act(api, world.carol, cancelled, "cancel", {"reason": "Clinician ill"})

    assert decline.json()["status"] == "declined"
    assert cancel.json()["status"] == "cancelled_by_provider"
    assert cancel.json()["cancellation_reason"] == "Clinician ill"
    assert make(world, local(3, 9), patient=world.bob).status == "requested"
    assert make(world, local(4, 9), patient=world.bob).status == "requested"


# (set-up actions, the illegal action): every one must be 409 invalid_transition.
ILLEGAL = [
    ([], "complete"),  # requested, not confirmed
    ([], "no-show"),
    (["confirm"], "confirm"),
    (["confirm"], "decline"),
    (["confirm"], "complete"),  # before the start
    (["confirm"], "no-show"),  # before the start
    (["decline"], "confirm"),
    (["decline"], "cancel"),
    (["decline"], "decline"),
    (["cancel"], "confirm"),
    (["cancel"], "cancel"),
    (["cancel"], "complete"),
]


@pytest.mark.parametrize(("setup", "action"), ILLEGAL)
def test_illegal_transitions_are_409(api, world, setup, action):
    appointment = make(world, local(3, 9))
    for step in setup:
        assert act(api, world.carol, appointment, step).status_code == 200
    appointment.refresh_from_db()
    before = (appointment.status, appointment.sequence)

    response = act(api, world.carol, appointment, action)

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    appointment.refresh_from_db()
    assert (appointment.status, appointment.sequence) == before


@pytest.mark.parametrize("final", ["complete", "no-show"])
def test_finished_appointments_accept_no_more_changes(api, world, frozen, final):
    appointment = make(world, local(3, 9))
    act(api, world.carol, appointment, "confirm")
    frozen.move_to(local(3, 10))
    act(api, world.carol, appointment, final)

    for action in ("confirm", "decline", "complete", "no-show", "cancel"):
        response = act(api, world.carol, appointment, action)
        assert response.status_code == 409, action
    api.force_authenticate(world.alice)
    patient_cancel = api.post(f"/api/v1/appointments/{appointment.pk}/cancel/", {}, format="json")
    assert patient_cancel.status_code == 409


def test_patient_cannot_cancel_after_the_start(api, world, frozen):
    appointment = make(world, local(3, 9))
    frozen.move_to(local(3, 9, 10))
    api.force_authenticate(world.alice)

    response = api.post(f"/api/v1/appointments/{appointment.pk}/cancel/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_staff_actions_on_unknown_ids_are_404(api, world):
    api.force_authenticate(world.carol)

    assert api.post(f"{URL}999999/confirm/", {}, format="json").status_code == 404
    assert api.get(f"{URL}999999/").status_code == 404


def test_a_held_slot_is_not_in_the_staff_list(api, world):
    services.appointment_hold(
        patient=world.alice,
        provider=world.provider,
        consultation_type=world.ctype30,
        start=local(3, 9),
    )
    api.force_authenticate(world.carol)

    assert api.get(URL).json()["count"] == 0
