"""Registration, token login and the current user, through the HTTP API."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from tests.factories import ProviderFactory, ProviderStaffFactory, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/auth/me/"
GOOD_PASSWORD = "purple-otter-lantern-42"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle and lockout counters live in the cache; start every test without them."""
    cache.clear()
    yield
    cache.clear()


def register(api, **overrides):
    body = {"email": "alice@example.test", "password": GOOD_PASSWORD, "full_name": "Alice Doe"}
    body.update(overrides)
    return api.post(REGISTER, body, format="json")


def test_register_creates_a_patient_and_returns_a_working_token(api):
    response = register(api)

    assert response.status_code == 201, response.json()
    body = response.json()
    user = get_user_model().objects.get()
    assert body["token"] == Token.objects.get(user=user).key
    assert body["user"]["email"] == "alice@example.test"
    assert body["user"]["full_name"] == "Alice Doe"
    assert body["user"]["is_provider_staff"] is False
    assert "password" not in body["user"]
    assert user.check_password(GOOD_PASSWORD)
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api.get(ME).json()["id"] == user.pk


def test_register_stores_the_email_in_lower_case(api):
    register(api, email="Alice@Example.TEST")

    assert get_user_model().objects.get().email == "alice@example.test"


def test_duplicate_email_is_400_whatever_its_case(api):
    UserFactory(email="alice@example.test")

    response = register(api, email="ALICE@example.test")

    assert response.status_code == 400
    assert response.json()["code"] == "email_taken"
    assert "email" in response.json()["errors"]
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("1234567890123", "entirely numeric"),
        ("alice@example.test", "too similar"),
    ],
)
def test_weak_password_is_400_with_the_reason(api, password, reason):
    response = register(api, password=password)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "weak_password"
    assert any(reason in message for message in body["errors"]["password"])
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    "change", [{"email": "not-an-email"}, {"email": ""}, {"full_name": ""}, {"password": ""}]
)
def test_invalid_registration_fields_are_400(api, change):
    response = register(api, **change)

    assert response.status_code == 400
    assert set(change) <= set(response.json()["errors"])
    assert not get_user_model().objects.exists()


def test_token_login_returns_the_users_token(api):
    user = UserFactory(email="bob@example.test", password=GOOD_PASSWORD)

    response = api.post(
        TOKEN, {"email": "Bob@Example.test", "password": GOOD_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}


def test_token_login_twice_returns_the_same_token(api):
    UserFactory(email="bob@example.test", password=GOOD_PASSWORD)
    body = {"email": "bob@example.test", "password": GOOD_PASSWORD}

    first = api.post(TOKEN, body, format="json").json()["token"]
    second = api.post(TOKEN, body, format="json").json()["token"]

    assert first == second


@pytest.mark.parametrize(
    "body",
    [
        {"email": "bob@example.test", "password": "wrong-password-1"},
        {"email": "nobody@example.test", "password": GOOD_PASSWORD},
    ],
)
def test_wrong_credentials_are_400_without_saying_which(api, body):
    UserFactory(email="bob@example.test", password=GOOD_PASSWORD)

    response = api.post(TOKEN, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["detail"] == "The email address or password is not correct."


def test_inactive_users_cannot_log_in(api):
    UserFactory(email="bob@example.test", password=GOOD_PASSWORD, is_active=False)

    response = api.post(
        TOKEN, {"email": "bob@example.test", "password": GOOD_PASSWORD}, format="json"
    )

    assert response.status_code == 400


def test_missing_login_fields_are_400(api):
    response = api.post(TOKEN, {}, format="json")

    assert response.status_code == 400
    assert {"email", "password"} <= set(response.json()["errors"])


def test_me_shows_the_provider_of_staff(api):
    provider = ProviderFactory(slug="sunrise", name="Sunrise Clinic")
    staff = ProviderStaffFactory(provider=provider, role="clinician")
    api.force_authenticate(staff.user)

    body = api.get(ME).json()

    assert body["is_provider_staff"] is True
    assert body["provider_staff"] == {
        "provider": "sunrise",
        "provider_name": "Sunrise Clinic",
        "role": "clinician",
    }


def test_me_of_a_patient_has_no_provider(api):
    api.force_authenticate(UserFactory())

    body = api.get(ME).json()

    assert body["is_provider_staff"] is False
    assert body["provider_staff"] is None


def test_me_without_credentials_is_401(api):
    response = api.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_bad_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token 0000")

    assert api.get(ME).status_code == 401


def test_login_is_throttled_when_rate_limits_are_on(api, settings):
    settings.RATE_LIMITS = True

    codes = [
        api.post(
            TOKEN, {"email": f"n{i}@example.test", "password": "wrong-pass-1"}, format="json"
        ).status_code
        for i in range(21)
    ]

    assert codes[:20] == [400] * 20
    assert codes[20] == 429


def test_an_account_is_locked_after_ten_failed_logins(api, settings):
    settings.RATE_LIMITS = True
    UserFactory(email="bob@example.test", password=GOOD_PASSWORD)
    wrong = {"email": "bob@example.test", "password": "wrong-password-1"}
    for _ in range(10):
        assert api.post(TOKEN, wrong, format="json").status_code == 400

    response = api.post(
        TOKEN, {"email": "BOB@example.test", "password": GOOD_PASSWORD}, format="json"
    )

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"


def test_a_successful_login_resets_the_failure_count(api, settings):
    settings.RATE_LIMITS = True
    UserFactory(email="bob@example.test", password=GOOD_PASSWORD)
    wrong = {"email": "bob@example.test", "password": "wrong-password-1"}
    right = {"email": "bob@example.test", "password": GOOD_PASSWORD}
    for _ in range(9):
        api.post(TOKEN, wrong, format="json")

    assert api.post(TOKEN, right, format="json").status_code == 200
    for _ in range(9):
        api.post(TOKEN, wrong, format="json")
    assert api.post(TOKEN, right, format="json").status_code == 200


def test_no_lockout_with_rate_limits_off(api):
    UserFactory(email="bob@example.test", password=GOOD_PASSWORD)
    for _ in range(12):
        api.post(TOKEN, {"email": "bob@example.test", "password": "wrong-1-x"}, format="json")

    response = api.post(
        TOKEN, {"email": "bob@example.test", "password": GOOD_PASSWORD}, format="json"
    )

    assert response.status_code == 200
