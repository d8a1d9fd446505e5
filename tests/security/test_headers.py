"""Security headers and Content Security Policy on pages, the admin, the API docs and JSON."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


@pytest.mark.parametrize("url", ["/", "/login/", "/admin/login/", "/api/docs/", "/healthz"])
def test_every_response_carries_the_usual_security_headers(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    # Swagger UI opts out (its OAuth pop-up); everything else is isolated.
    expected_coop = "unsafe-none" if url == "/api/docs/" else "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == expected_coop
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "microphone=()" in response.headers["Permissions-Policy"]
    assert _csp(response)["frame-ancestors"] == "'none'"


def test_web_pages_keep_their_own_policy_with_no_inline_script(client, settings):
    csp = _csp(client.get("/"))

    assert csp["script-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    # web.middleware's policy, not the generic one: map tiles are allowed as images.
    assert settings.MAP_TILE_ORIGIN in csp["img-src"]


def test_the_admin_runs_only_its_own_scripts(client):
    csp = _csp(client.get("/admin/login/"))

    assert csp["script-src"] == "'self'"
    assert csp["form-action"] == "'self'"


def test_api_docs_allow_exactly_their_inline_script_by_hash(client):
    response = client.get("/api/docs/")

    csp = _csp(response)
    inline = re.findall(rb"<script>(.*?)</script>", response.content, re.DOTALL)
    assert inline, "Swagger UI's start-up script is inline"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "https://cdn.jsdelivr.net" in csp["script-src"]
    assert csp["connect-src"] == "'self'"


def test_json_responses_get_a_strict_policy(client):
    response = client.get("/api/v1/routes/")

    csp = _csp(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"


def test_hsts_and_secure_cookies_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    UserFactory(email="hsts@example.test")

    response = client.post(
        "/login/",
        {"username": "hsts@example.test", "password": "correct-horse-battery"},
        secure=True,
    )

    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


def test_plain_http_is_redirected_to_https_except_the_probes(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/").status_code == 301
    assert client.get("/").headers["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200


def test_behind_a_proxy_the_forwarded_proto_counts_as_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    assert client.get("/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/", HTTP_X_FORWARDED_PROTO="http").status_code == 301
