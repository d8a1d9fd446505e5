"""The clinic staff dashboard: appointments, intake flags, hours and time off."""

from __future__ import annotations

import pytest

from booking.models import Appointment, AvailabilityRule, TimeOff
from tests.web.conftest import starts_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(client, clinic, alice):
    """Alice's requested appointment at the clinic, with a flag to discuss."""
    client.force_login(alice)
    start = starts_in(client.get(f"/providers/{clinic.slug}/").content.decode())[0]
    ctype = clinic.consultation_types.get(mode="in_person")
    client.post(f"/book/{clinic.slug}/", {"consultation_type": ctype.pk, "start": start})
    hold = Appointment.objects.get()
    client.post(f"/book/hold/{hold.pk}/", {"action": "book", "psychosis_history": "unsure"})
    client.logout()
    return Appointment.objects.get(pk=hold.pk)


def test_dashboard_is_for_clinic_staff_only(client, alice, clinic):
    assert client.get("/dashboard/").status_code == 302
    client.force_login(alice)
    assert client.get("/dashboard/").status_code == 403


def test_staff_see_upcoming_appointments_and_intake_flags(client, carol, requested):
    client.force_login(carol)
    html = client.get("/dashboard/").content.decode()
    assert "Alice Patient" in html
    assert "Intake answers to review (1)" in html
    assert "History of psychosis" in html


def test_confirm_without_javascript_redirects_with_a_message(client, carol, requested):
    client.force_login(carol)
    response = client.post(f"/dashboard/appointments/{requested.pk}/confirm/", follow=True)
    assert "Confirmed." in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == "confirmed"


def test_htmx_action_returns_the_updated_row(client, carol, requested):
    client.force_login(carol)
    response = client.post(
        f"/dashboard/appointments/{requested.pk}/decline/", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html and f'id="appointment-{requested.pk}"' in html
    assert "Declined by provider" in html
    requested.refresh_from_db()
    assert requested.status == "declined"


def test_an_impossible_action_is_explained_and_changes_nothing(client, carol, requested):
    client.force_login(carol)
    response = client.post(f"/dashboard/appointments/{requested.pk}/complete/", follow=True)
    assert response.status_code == 200
    requested.refresh_from_db()
    assert requested.status == "requested"
    assert client.post(f"/dashboard/appointments/{requested.pk}/explode/").status_code == 404


def test_staff_of_another_provider_get_404(client, dave, requested):
    client.force_login(dave)
    assert client.post(f"/dashboard/appointments/{requested.pk}/confirm/").status_code == 404
    requested.refresh_from_db()
    assert requested.status == "requested"


def test_weekly_hours_can_be_added_and_removed(client, carol, clinic):
    client.force_login(carol)
    location = clinic.locations.get()
    AvailabilityRule.objects.filter(location=location, weekday=0).delete()
    response = client.post(
        "/dashboard/hours/",
        {"location": location.pk, "weekday": 0, "start_time": "09:00", "end_time": "12:00"},
        follow=True,
    )
    assert "Opening hours added." in response.content.decode()
    rule = AvailabilityRule.objects.get(location=location, weekday=0)
    client.post(f"/dashboard/hours/{rule.pk}/delete/")
    assert not AvailabilityRule.objects.filter(pk=rule.pk).exists()


def test_bad_hours_are_explained_next_to_the_fields(client, carol, clinic):
    client.force_login(carol)
    location = clinic.locations.get()
    count = AvailabilityRule.objects.count()
    response = client.post(
        "/dashboard/hours/",
        {"location": location.pk, "weekday": 1, "start_time": "10:00", "end_time": "11:00"},
    )
    assert "Overlaps another rule" in response.content.decode()
    response = client.post(
        "/dashboard/hours/",
        {"location": location.pk, "weekday": 9, "start_time": "late", "end_time": ""},
    )
    assert response.content.decode().count('class="field-error"') >= 2
    assert AvailabilityRule.objects.count() == count


def test_time_off_is_read_in_the_clinics_zone_and_can_be_removed(client, carol, clinic):
    client.force_login(carol)
    response = client.post(
        "/dashboard/time-off/",
        {"location": "", "start": "2030-07-01T09:00", "end": "2030-07-01T17:00", "reason": "Team"},
        follow=True,
    )
    assert "Time off added" in response.content.decode()
    block = TimeOff.objects.get()
    assert block.start.isoformat() == "2030-07-01T16:00:00+00:00"  # 09:00 PDT
    client.post(f"/dashboard/time-off/{block.pk}/delete/")
    assert not TimeOff.objects.exists()


def test_time_off_ending_before_it_starts_is_refused(client, carol, clinic):
    client.force_login(carol)
    response = client.post(
        "/dashboard/time-off/",
        {"location": "", "start": "2030-07-01T17:00", "end": "2030-07-01T09:00"},
    )
    assert response.status_code == 200
    assert "Please check the form" in response.content.decode()
    assert not TimeOff.objects.exists()


def test_staff_cannot_delete_another_providers_hours(client, dave, clinic):
    client.force_login(dave)
    rule = AvailabilityRule.objects.filter(location__provider=clinic).first()
    assert client.post(f"/dashboard/hours/{rule.pk}/delete/").status_code == 404
