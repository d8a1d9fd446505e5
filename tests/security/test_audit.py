"""Audit trail: staff and operator changes to availability, staff actions on appointments."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry

from audit.models import AuditEvent
from booking.models import AppointmentTransition, AvailabilityRule, TimeOff
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import booking_body, local
from tests.factories import UserFactory

frozen = support.frozen
world = support.world

RULES = "/api/v1/provider/availability/"
TIME_OFF = "/api/v1/provider/time-off/"


def test_staff_creating_changing_and_deleting_hours_is_recorded(api, world):
    api.force_authenticate(world.carol)

    created = api.post(
        RULES,
        {"location": world.location.pk, "weekday": 0, "start_time": "19:00", "end_time": "21:00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    rule_id = created.json()["id"]
    api.patch(f"{RULES}{rule_id}/", {"end_time": "22:00"}, format="json")
    api.delete(f"{RULES}{rule_id}/")

    events = AuditEvent.objects.filter(
        object_type="booking.availabilityrule", object_id=rule_id
    ).order_by("pk")
    assert [e.action for e in events] == ["created", "updated", "deleted"]
    assert all(e.actor_id == world.carol.pk for e in events)
    assert all(e.actor_role == "staff" for e in events)
    assert all(e.provider_id == world.provider.pk for e in events)
    assert all(len(e.request_id) == 32 for e in events)
    assert events[1].changes == {"end_time": ["21:00:00", "22:00:00"]}
    assert events[0].changes["weekday"] == 0


def test_time_off_reasons_are_never_copied_into_the_trail(api, world):
    api.force_authenticate(world.carol)
    created = api.post(
        TIME_OFF,
        {
            "start": "2027-03-10T09:00:00-05:00",
            "end": "2027-03-10T12:00:00-05:00",
            "reason": "Surgery for my knee",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    api.patch(f"{TIME_OFF}{created.json()['id']}/", {"reason": "Family matter"}, format="json")

    events = list(AuditEvent.objects.filter(object_type="booking.timeoff").order_by("pk"))
    assert [e.action for e in events] == ["created", "updated"]
    assert events[0].changes["reason"] == "set"
    assert events[1].changes == {"reason": "changed"}
    assert "knee" not in str([e.changes for e in events])
    assert "Family" not in str([e.changes for e in events])


def test_operators_changes_in_the_admin_are_recorded_with_their_role(client, world):
    operator = UserFactory(email="ops@example.test", is_staff=True, is_superuser=True)
    client.force_login(operator)
    rule = AvailabilityRule.objects.filter(location=world.location).first()

    response = client.post(
        f"/admin/booking/availabilityrule/{rule.pk}/change/",
        {
            "location": world.location.pk,
            "weekday": rule.weekday,
            "start_time": "07:00",
            "end_time": rule.end_time.strftime("%H:%M"),
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(
        object_type="booking.availabilityrule", object_id=rule.pk, action="updated"
    )
    assert event.actor_id == operator.pk
    assert event.actor_role == "operator"
    assert event.changes == {"start_time": ["08:00:00", "07:00:00"]}
    assert LogEntry.objects.filter(user=operator, object_id=str(rule.pk)).exists()


def test_changes_outside_a_request_are_the_systems(world):
    TimeOff.objects.create(
        provider=world.provider, start=local(10, 9), end=local(10, 12), reason="x"
    )

    event = AuditEvent.objects.get(object_type="booking.timeoff")
    assert event.actor is None
    assert event.actor_role == "system"


def test_staff_actions_on_appointments_record_the_actor_and_role(api, world):
    api.force_authenticate(world.alice)
    appointment_id = api.post(
        "/api/v1/appointments/", booking_body(world, local(3, 9)), format="json"
    ).json()["id"]
    api.force_authenticate(world.carol)

    api.post(f"/api/v1/provider/appointments/{appointment_id}/confirm/", {}, format="json")
    api.post(f"/api/v1/provider/appointments/{appointment_id}/cancel/", {}, format="json")

    history = AppointmentTransition.objects.filter(appointment_id=appointment_id).order_by("pk")
    assert [(t.to_status, t.actor_id, t.actor_role) for t in history] == [
        ("requested", world.alice.pk, "patient"),
        ("confirmed", world.carol.pk, "staff"),
        ("cancelled_by_provider", world.carol.pk, "staff"),
    ]


def test_appointments_cannot_be_changed_in_the_admin(client, world):
    """Operators see the workflow only: a status change would bypass the transition log."""
    operator = UserFactory(email="ops@example.test", is_staff=True, is_superuser=True)
    client.force_login(operator)
    from booking import services

    appointment = services.appointment_book(
        patient=world.alice,
        provider=world.provider,
        consultation_type=world.ctype30,
        start=local(3, 9),
    )

    response = client.post(
        f"/admin/booking/appointment/{appointment.pk}/change/", {"status": "confirmed"}
    )

    assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == "requested"


def test_the_audit_trail_is_read_only_in_the_admin(client, world):
    operator = UserFactory(email="ops@example.test", is_staff=True, is_superuser=True)
    client.force_login(operator)
    TimeOff.objects.create(provider=world.provider, start=local(10, 9), end=local(10, 12))
    event = AuditEvent.objects.get(object_type="booking.timeoff")

    assert client.get("/admin/audit/auditevent/").status_code == 200
    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="action"' not in page.content  # no editable field
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
