"""Login, logout and registration pages."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_registration_creates_a_patient_and_logs_them_in(client):
    response = client.post(
        "/register/",
        {"full_name": "Erin New", "email": "Erin@Example.test", "password": "a-long-pass-phrase"},
        follow=True,
    )
    assert "Your account is ready" in response.content.decode()
    assert response.context["user"].email == "erin@example.test"


def test_registration_with_a_taken_email_explains_and_creates_nothing(client, alice):
    response = client.post(
        "/register/",
        {"full_name": "Other", "email": "alice@example.test", "password": "a-long-pass-phrase"},
    )
    html = response.content.decode()
    assert "already exists" in html
    assert 'aria-invalid="true"' in html
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"full_name": "X", "email": "x@example.test", "password": "short"}, "too short"),
        ({"full_name": "X", "email": "not-an-email", "password": "a-long-pass-phrase"}, "valid"),
        (
            {"full_name": "", "email": "x@example.test", "password": "a-long-pass-phrase"},
            "required",
        ),
    ],
)
def test_bad_registration_input_is_shown_next_to_the_field(client, db, data, text):
    response = client.post("/register/", data)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert not get_user_model().objects.exists()


def test_login_with_a_wrong_password_says_so(client, alice):
    response = client.post("/login/", {"username": alice.email, "password": "wrong"})
    assert "don&#x27;t match an account" in response.content.decode()


def test_login_and_logout(client, alice):
    response = client.post(
        "/login/",
        {"username": alice.email, "password": "correct-horse-battery", "next": "/appointments/"},
    )
    assert response["Location"] == "/appointments/"
    response = client.post("/logout/", follow=True)
    assert "You are logged out" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_logout_needs_a_post(client, alice):
    client.force_login(alice)
    assert client.get("/logout/").status_code == 405


def test_forms_are_csrf_protected(alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/login/", {"username": alice.email, "password": "x"}).status_code == 403
