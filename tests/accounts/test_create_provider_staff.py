"""``manage.py create_provider_staff EMAIL PROVIDER_SLUG``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from directory.models import ProviderStaff
from tests.factories import ProviderFactory, ProviderStaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_provider_staff", *args, stdout=out)
    return out.getvalue()


def test_creates_a_user_linked_to_the_provider(api):
    provider = ProviderFactory(slug="sunrise")

    output = run("Carol@Clinic.test", "sunrise", "--password", "purple-otter-lantern-42")

    user = get_user_model().objects.get(email="carol@clinic.test")
    assert user.provider_staff.provider == provider
    assert user.provider_staff.role == "manager"
    assert "Created user carol@clinic.test" in output
    assert "sunrise" in output
    token = api.post(
        "/api/v1/auth/token/",
        {"email": "carol@clinic.test", "password": "purple-otter-lantern-42"},
        format="json",
    )
    assert token.status_code == 200


def test_links_an_existing_user_with_a_role_and_keeps_their_password():
    ProviderFactory(slug="sunrise")
    user = UserFactory(email="carol@clinic.test")

    output = run("carol@clinic.test", "sunrise", "--role", "front_desk")

    user.refresh_from_db()
    assert user.provider_staff.role == "front_desk"
    assert user.check_password("correct-horse-battery")
    assert "Found existing user" in output


def test_without_password_a_new_user_cannot_log_in_yet():
    ProviderFactory(slug="sunrise")

    output = run("carol@clinic.test", "sunrise")

    assert not get_user_model().objects.get().has_usable_password()
    assert "No password set" in output


def test_moves_staff_to_another_provider():
    staff = ProviderStaffFactory()
    ProviderFactory(slug="other")

    output = run(staff.user.email, "other")

    assert ProviderStaff.objects.get(user=staff.user).provider.slug == "other"
    assert "moved to other" in output


def test_unknown_provider_fails_with_a_clear_message_and_creates_nothing():
    with pytest.raises(CommandError, match="No provider with the slug 'nope'"):
        run("carol@clinic.test", "nope")

    assert not get_user_model().objects.exists()


def test_weak_password_fails_and_creates_nothing():
    ProviderFactory(slug="sunrise")

    with pytest.raises(CommandError):
        run("carol@clinic.test", "sunrise", "--password", "123")

    assert not get_user_model().objects.exists()


def test_unknown_role_is_refused():
    ProviderFactory(slug="sunrise")

    with pytest.raises(CommandError):
        run("carol@clinic.test", "sunrise", "--role", "owner")
