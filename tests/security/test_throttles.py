"""Throttles on search and booking, and the login lockout shared by the API and the web page."""

from __future__ import annotations

import pytest

from accounts.services import LOCKOUT_ATTEMPTS
from tests.booking import test_appointments_support as support
from tests.booking.test_appointments_support import booking_body, local
from tests.factories import UserFactory

frozen = support.frozen
world = support.world

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/providers/"


def test_anonymous_search_is_throttled_with_the_error_shape_and_retry_after(api, rate_limits):
    for _ in range(3):
        assert api.get(SEARCH).status_code == 200

    response = api.get(SEARCH)

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response.json()["detail"]
    assert int(response.headers["Retry-After"]) > 0


def test_slots_share_the_search_budget(api, world, rate_limits):
    slots = (
        f"/api/v1/providers/sunrise/slots/?consultation_type={world.ctype30.pk}"
        "&start=2027-03-02&end=2027-03-03"
    )
    for _ in range(3):
        assert api.get(slots).status_code == 200

    assert api.get(slots).status_code == 429
    assert api.get(SEARCH).status_code == 429


def test_a_forged_forwarded_for_header_does_not_reset_the_count(api, rate_limits):
    for n in range(3):
        api.get(SEARCH, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    assert api.get(SEARCH, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429


def test_reference_lists_and_provider_pages_are_not_throttled(api, rate_limits):
    for _ in range(6):
        assert api.get("/api/v1/routes/").status_code == 200


def test_booking_is_throttled_per_user(api, world, rate_limits):
    api.force_authenticate(world.alice)
    for hour in (9, 10):
        assert (
            api.post(
                "/api/v1/appointments/", booking_body(world, local(3, hour)), format="json"
            ).status_code
            == 201
        )

    response = api.post("/api/v1/appointments/", booking_body(world, local(3, 11)), format="json")

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "Retry-After" in response.headers
    # Another patient has their own budget.
    api.force_authenticate(world.bob)
    assert (
        api.post(
            "/api/v1/appointments/", booking_body(world, local(3, 11)), format="json"
        ).status_code
        == 201
    )


def test_holds_and_reschedules_count_as_booking(api, world, rate_limits):
    api.force_authenticate(world.alice)
    booked = api.post("/api/v1/appointments/", booking_body(world, local(3, 9)), format="json")
    moved = api.post(
        f"/api/v1/appointments/{booked.json()['id']}/reschedule/",
        {"start": local(3, 10).isoformat()},
        format="json",
    )
    assert moved.status_code == 200

    again = api.post(
        f"/api/v1/appointments/{booked.json()['id']}/reschedule/",
        {"start": local(3, 11).isoformat()},
        format="json",
    )
    assert again.status_code == 429
    hold = api.post("/api/v1/holds/", booking_body(world, local(3, 12)), format="json")
    assert hold.status_code == 429


def test_rate_limits_off_turns_every_throttle_off(api, world, settings):
    settings.RATE_LIMITS = False
    settings.THROTTLE_RATES = {"search": "1/min", "booking": "1/min", "auth": "1/min"}
    for _ in range(5):
        assert api.get(SEARCH).status_code == 200
    api.force_authenticate(world.alice)
    for hour in (9, 10, 11):
        assert (
            api.post(
                "/api/v1/appointments/", booking_body(world, local(3, hour)), format="json"
            ).status_code
            == 201
        )


def _token(api, email, password):
    return api.post("/api/v1/auth/token/", {"email": email, "password": password}, format="json")


def test_token_login_is_locked_after_repeated_failures(api, rate_limits):
    UserFactory(email="target@example.test")
    for _ in range(LOCKOUT_ATTEMPTS):
        assert _token(api, "target@example.test", "wrong-guess-123").status_code == 400

    response = _token(api, "target@example.test", "correct-horse-battery")

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"


def test_web_login_failures_lock_the_token_endpoint_too(client, api, rate_limits):
    UserFactory(email="target@example.test")
    for _ in range(LOCKOUT_ATTEMPTS):
        page = client.post("/login/", {"username": "target@example.test", "password": "nope"})
        assert page.status_code == 200

    assert _token(api, "TARGET@example.test", "correct-horse-battery").status_code == 429


def test_a_locked_web_login_is_refused_without_checking_the_password(client, api, rate_limits):
    UserFactory(email="target@example.test")
    for _ in range(LOCKOUT_ATTEMPTS):
        _token(api, "target@example.test", "wrong-guess-123")

    page = client.post(
        "/login/", {"username": "target@example.test", "password": "correct-horse-battery"}
    )

    assert page.status_code == 429
    assert b"Too many failed logins" in page.content
    assert "_auth_user_id" not in client.session


def test_a_successful_web_login_clears_the_failures(client, api, rate_limits):
    UserFactory(email="target@example.test")
    for _ in range(LOCKOUT_ATTEMPTS - 1):
        client.post("/login/", {"username": "target@example.test", "password": "nope"})
    ok = client.post(
        "/login/", {"username": "target@example.test", "password": "correct-horse-battery"}
    )
    assert ok.status_code == 302

    assert _token(api, "target@example.test", "wrong-again-123").status_code == 400
    assert _token(api, "target@example.test", "correct-horse-battery").status_code == 200


def test_web_login_lockout_is_off_with_rate_limits_off(client, settings):
    settings.RATE_LIMITS = False
    UserFactory(email="target@example.test")
    for _ in range(LOCKOUT_ATTEMPTS + 2):
        client.post("/login/", {"username": "target@example.test", "password": "nope"})

    ok = client.post(
        "/login/", {"username": "target@example.test", "password": "correct-horse-battery"}
    )
    assert ok.status_code == 302
