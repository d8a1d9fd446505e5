"""Waitlist offers when a slot frees up, and the staff calendar feed."""

from __future__ import annotations

import icalendar
import pytest

from booking import services as booking
from notifications.models import CalendarFeed, OutboundEmail, WaitlistEntry
from tests.factories import ProviderFactory, ProviderStaffFactory, UserFactory
from tests.notifications.conftest import ny
from tests.notifications.helpers import book, sent_to, sweep

Kind = OutboundEmail.Kind

pytestmark = pytest.mark.django_db

WAITLIST = "/api/v1/waitlist/"
FEED = "/api/v1/provider/calendar-feed/"


def join(api, user, **body):
    api.force_authenticate(user)
    return api.post(WAITLIST, {"provider": "sunrise", **body}, format="json")


def test_a_patient_joins_lists_and_leaves_the_waitlist(api, clinic):
    created = join(api, clinic.bob, earliest_date="2027-03-02", latest_date="2027-03-20")
    assert created.status_code == 201, created.json()
    entry = created.json()
    assert entry["provider"] == "sunrise"
    assert entry["earliest_date"] == "2027-03-02"

    listed = api.get(WAITLIST).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == entry["id"]

    assert api.delete(f"{WAITLIST}{entry['id']}/").status_code == 204
    assert not WaitlistEntry.objects.exists()


def test_joining_twice_is_409_and_a_bad_range_is_400(api, clinic):
    assert join(api, clinic.bob).status_code == 201
    again = join(api, clinic.bob)
    assert again.status_code == 409 and again.json()["code"] == "already_waiting"

    bad = join(api, clinic.alice, earliest_date="2027-03-20", latest_date="2027-03-02")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_range"
    unknown = join(api, clinic.alice, provider="nobody")
    assert unknown.status_code == 400 and "provider" in unknown.json()["errors"]
    assert WaitlistEntry.objects.count() == 1


def test_another_patients_waitlist_entry_is_404(api, clinic):
    entry_id = join(api, clinic.bob).json()["id"]

    api.force_authenticate(clinic.alice)
    assert api.get(f"{WAITLIST}{entry_id}/").status_code == 404
    assert api.delete(f"{WAITLIST}{entry_id}/").status_code == 404
    assert api.get(WAITLIST).json()["count"] == 0
    assert WaitlistEntry.objects.count() == 1


def test_a_freed_slot_is_offered_to_the_first_waiting_patients_a_few_at_a_time(
    api, clinic, frozen, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_WAITLIST_BATCH = 2
    waiting = [UserFactory(email=f"wait{i}@patient.test") for i in range(3)]
    for user in waiting:
        assert join(api, user).status_code == 201
    appointment = book(clinic, ny(3, 10))

    with django_capture_on_commit_callbacks(execute=True):  # slot_freed is sent after commit
        booking.appointment_cancel(appointment=appointment, actor=clinic.alice)
    sweep()

    assert [len(sent_to(u.email)) for u in waiting] == [1, 1, 0]
    offer = sent_to("wait0@patient.test")[0]
    assert offer.subject == "An earlier time is free: Wed 3 Mar at 10:00 EST"
    assert "/providers/sunrise/?start=2027-03-03T10%3A00%3A00-05%3A00" in offer.body
    assert "1-800-662-4357" in offer.body

    # The next freed slot goes to whoever has waited without an offer.
    second = book(clinic, ny(4, 10))
    with django_capture_on_commit_callbacks(execute=True):
        booking.appointment_cancel(appointment=second, actor=clinic.alice)
    sweep()
    assert len(sent_to("wait2@patient.test")) == 1


def test_an_offer_for_a_slot_taken_in_the_meantime_is_not_sent(
    api, clinic, frozen, django_capture_on_commit_callbacks
):
    assert join(api, clinic.bob).status_code == 201
    appointment = book(clinic, ny(3, 10))
    with django_capture_on_commit_callbacks(execute=True):  # slot_freed is sent after commit
        booking.appointment_cancel(appointment=appointment, actor=clinic.alice)
    book(clinic, ny(3, 10), patient=UserFactory())  # someone books it before the sweep

    sweep()

    assert sent_to("bob@patient.test") == []
    offer = OutboundEmail.objects.get(kind=Kind.WAITLIST_OFFER)
    assert offer.skip_reason == "slot_taken"


def test_a_slot_outside_the_patients_dates_is_not_offered(
    api, clinic, frozen, django_capture_on_commit_callbacks
):
    assert join(api, clinic.bob, earliest_date="2027-03-10").status_code == 201
    appointment = book(clinic, ny(3, 10))

    with django_capture_on_commit_callbacks(execute=True):  # slot_freed is sent after commit
        booking.appointment_cancel(appointment=appointment, actor=clinic.alice)

    assert not OutboundEmail.objects.filter(kind=Kind.WAITLIST_OFFER).exists()


def test_staff_get_a_secret_feed_url_that_lists_upcoming_appointments_without_details(
    api, client, clinic, frozen
):
    book(clinic, ny(8, 10), reason="Private reason", intake={"pregnant": "yes"})
    api.force_authenticate(clinic.carol)

    url = api.get(FEED).json()["url"]
    assert url.startswith("http://localhost:8000/calendar/") and url.endswith(".ics")

    response = client.get(url.replace("http://localhost:8000", ""))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    [event] = cal.walk("VEVENT")
    assert event.decoded("DTSTART") == ny(8, 10)
    assert str(event["SUMMARY"]).endswith("(request)")
    text = response.content.decode().lower()
    for secret in ("private reason", "pregnan", "alice", "ketamine"):
        assert secret not in text


def test_resetting_the_feed_token_retires_the_old_url(api, client, clinic):
    api.force_authenticate(clinic.carol)
    old = api.get(FEED).json()["url"].replace("http://localhost:8000", "")

    new = api.post(f"{FEED}reset/").json()["url"].replace("http://localhost:8000", "")

    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_the_feed_is_for_staff_only_and_shows_only_their_provider(api, client, clinic, frozen):
    book(clinic, ny(8, 10))
    api.force_authenticate(clinic.alice)
    refused = api.get(FEED)
    assert refused.status_code == 403 and refused.json()["code"] == "not_staff"

    dave = ProviderStaffFactory(provider=ProviderFactory()).user
    api.force_authenticate(dave)
    url = api.get(FEED).json()["url"].replace("http://localhost:8000", "")
    assert icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT") == []
    assert CalendarFeed.objects.count() == 1


def test_the_waitlist_list_costs_a_fixed_number_of_queries(api, clinic, django_assert_num_queries):
    api.force_authenticate(clinic.bob)
    for _ in range(3):
        provider = ProviderFactory()
        WaitlistEntry.objects.create(patient=clinic.bob, provider=provider)

    # 1: count for pagination, 2: the entries with their provider (select_related)
    with django_assert_num_queries(2):
        response = api.get(WAITLIST)

    assert response.json()["count"] == 3
