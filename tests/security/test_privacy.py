"""Patients download their data and delete their account; clinics keep their history."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from booking import services
from booking.models import Appointment, AppointmentTransition
from notifications.models import NotificationPreference, OutboundEmail, WaitlistEntry
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import local

frozen = support.frozen
world = support.world

User = get_user_model()
PASSWORD = "correct-horse-battery"
INTAKE = {"current_medications": ["naltrexone"], "psychosis_history": "no"}


def book(world, patient, start, **extra) -> Appointment:
    return services.appointment_book(
        patient=patient,
        provider=world.provider,
        consultation_type=world.ctype30,
        start=start,
        reason=extra.get("reason", "Alcohol, 10 years"),
        intake=extra.get("intake", INTAKE),
    )


@pytest.fixture
def alice_history(world, frozen):
    """alice: one past completed visit, one upcoming confirmed, one upcoming requested."""
    past = book(world, world.alice, local(2, 9))
    services.appointment_confirm(appointment=past, actor=world.carol)
    upcoming = book(world, world.alice, local(5, 9))
    services.appointment_confirm(appointment=upcoming, actor=world.carol)
    requested = book(world, world.alice, local(6, 9))
    frozen.move_to(local(2, 10))
    services.appointment_complete(appointment=past, actor=world.carol)
    WaitlistEntry.objects.create(patient=world.alice, provider=world.provider)
    NotificationPreference.objects.create(user=world.alice, reminders_enabled=False)
    return past, upcoming, requested


def test_export_holds_profile_appointments_intake_waitlist_and_preferences(
    api, world, alice_history
):
    past, upcoming, requested = alice_history
    api.force_authenticate(world.alice)

    response = api.get("/api/v1/me/export/")

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = response.json()
    assert data["profile"]["email"] == "alice@example.test"
    assert data["profile"]["full_name"] == "Alice Patient"
    assert [a["id"] for a in data["appointments"]] == [past.pk, upcoming.pk, requested.pk]
    first = data["appointments"][0]
    assert first["status"] == "completed"
    assert first["reason"] == "Alcohol, 10 years"
    assert first["intake"] == INTAKE
    assert first["provider"]["slug"] == "sunrise"
    assert [h["to_status"] for h in first["history"]] == ["requested", "confirmed", "completed"]
    assert data["waitlist_entries"][0]["provider"] == "sunrise"
    assert data["notification_preferences"] == {"reminders_enabled": False}


def test_export_holds_nothing_of_other_patients(api, world, alice_history):
    book(world, world.bob, local(7, 9), reason="Bob's own reason")
    api.force_authenticate(world.bob)

    data = api.get("/api/v1/me/export/").json()

    assert [a["reason"] for a in data["appointments"]] == ["Bob's own reason"]
    assert data["waitlist_entries"] == []
    assert "Alice" not in str(data)


def test_export_needs_a_login(api):
    assert api.get("/api/v1/me/export/").status_code == 401


def delete(api, user, password=PASSWORD):
    api.force_authenticate(user)
    return api.post("/api/v1/me/delete/", {"password": password}, format="json")


def test_deletion_needs_the_password_and_changes_nothing_without_it(api, world, alice_history):
    response = delete(api, world.alice, password="not-my-password")

    assert response.status_code == 400
    assert response.json()["code"] == "wrong_password"
    assert User.objects.filter(pk=world.alice.pk).exists()
    assert Appointment.objects.filter(patient=world.alice).count() == 3


def test_deletion_cancels_upcoming_appointments_as_the_patient(api, world, alice_history):
    past, upcoming, requested = alice_history

    assert delete(api, world.alice).status_code == 204

    for appointment in (upcoming, requested):
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CANCELLED_BY_PATIENT
        last = appointment.transitions.order_by("pk").last()
        assert last.actor_role == AppointmentTransition.ActorRole.PATIENT
    past.refresh_from_db()
    assert past.status == Appointment.Status.COMPLETED


def test_deletion_removes_the_account_and_scrubs_health_fields(api, world, alice_history):
    alice_id = world.alice.pk
    token = Token.objects.create(user=world.alice)

    delete(api, world.alice)

    assert not User.objects.filter(pk=alice_id).exists()
    assert not User.objects.filter(email="alice@example.test").exists()
    assert not Token.objects.filter(key=token.key).exists()
    assert not WaitlistEntry.objects.filter(patient_id=alice_id).exists()
    assert not NotificationPreference.objects.filter(user_id=alice_id).exists()
    for appointment in Appointment.objects.filter(pk__in=[a.pk for a in alice_history]):
        assert appointment.patient_id is None
        assert appointment.reason == ""
        assert appointment.intake == {}
        assert appointment.intake_flags == []
        assert appointment.cancellation_reason == ""
    # The old token no longer works.
    api.force_authenticate(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/auth/me/").status_code == 401


def test_deletion_drops_pending_emails_to_the_patient_but_tells_the_clinic(
    api, world, alice_history
):
    delete(api, world.alice)

    pending = OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING)
    assert not pending.filter(kind__in=OutboundEmail.PATIENT_KINDS).exists()
    assert pending.filter(kind=OutboundEmail.Kind.STAFF_CANCELLED).count() == 2
    dropped = OutboundEmail.objects.filter(skip_reason="account_deleted")
    assert dropped.filter(kind=OutboundEmail.Kind.CANCELLED).count() == 2


def test_the_provider_keeps_its_appointment_history(api, world, alice_history):
    delete(api, world.alice)

    api.force_authenticate(world.carol)
    listed = api.get("/api/v1/provider/appointments/").json()["results"]

    statuses = sorted(a["status"] for a in listed)
    assert statuses == ["cancelled_by_patient", "cancelled_by_patient", "completed"]
    assert all(a["patient"] is None for a in listed)
    assert all(a.get("reason", "") == "" for a in listed)
    # The freed slots are bookable again.
    slots = api.get(
        "/api/v1/providers/sunrise/slots/",
        {"consultation_type": world.ctype30.pk, "start": "2027-03-05", "end": "2027-03-05"},
    ).json()["slots"]
    assert local(5, 9).isoformat() in [s["start"] for s in slots]


def test_deletion_leaves_other_patients_alone(api, world, alice_history):
    bobs = book(world, world.bob, local(7, 9), reason="Bob's reason")

    delete(api, world.alice)

    bobs.refresh_from_db()
    assert bobs.patient_id == world.bob.pk
    assert bobs.status == Appointment.Status.REQUESTED
    assert bobs.reason == "Bob's reason"
    assert User.objects.filter(pk=world.bob.pk).exists()


def test_clinic_staff_cannot_delete_their_account_online(api, world):
    response = delete(api, world.carol)

    assert response.status_code == 409
    assert response.json()["code"] == "account_managed"
    assert User.objects.filter(pk=world.carol.pk).exists()


def test_deletion_is_documented_in_the_openapi_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/me/delete/"]["post"]
    assert "204" in operation["responses"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert body["required"] == ["password"]
    assert "200" in schema["paths"]["/api/v1/me/export/"]["get"]["responses"]


# --- web -----------------------------------------------------------------------------------


def test_the_account_page_offers_download_and_deletion(client, world):
    client.force_login(world.alice)

    page = client.get("/account/")

    assert page.status_code == 200
    assert b'href="/account/export/"' in page.content
    assert b'action="/account/delete/"' in page.content


def test_the_web_download_is_the_export(client, world, alice_history):
    client.force_login(world.alice)

    response = client.get("/account/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert b"Alcohol, 10 years" in response.content


def test_the_web_deletion_needs_the_password_then_logs_out(client, world, alice_history):
    client.force_login(world.alice)

    wrong = client.post("/account/delete/", {"password": "nope"})
    assert wrong.status_code == 400
    assert User.objects.filter(pk=world.alice.pk).exists()

    done = client.post("/account/delete/", {"password": PASSWORD})
    assert done.status_code == 302
    assert not User.objects.filter(pk=world.alice.pk).exists()
    assert client.get("/account/").status_code == 302  # to the login page


def test_the_account_page_needs_a_login(client):
    assert client.get("/account/").status_code == 302
