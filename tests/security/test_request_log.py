"""Request ids and the one log line per request (plain or JSON), without query strings."""

from __future__ import annotations

import json
import logging

import pytest

from core.logging import JsonFormatter, RequestContextFilter
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _request_lines(caplog):
    return [r for r in caplog.records if r.name == "core.request"]


def test_a_request_id_is_made_and_returned(client):
    response = client.get("/healthz")

    assert len(response.headers["X-Request-ID"]) == 32


def test_a_valid_incoming_request_id_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21.trace")

    assert response.headers["X-Request-ID"] == "lb-7f3a9c21.trace"


@pytest.mark.parametrize(
    "given", ["short", "x" * 65, "two words here", "evil\nINFO forged line", "<script>"]
)
def test_an_invalid_incoming_request_id_is_replaced(client, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)

    assert response.headers["X-Request-ID"] != given
    assert len(response.headers["X-Request-ID"]) == 32


def test_one_line_per_request_with_method_path_status_duration_user_and_id(client, caplog):
    caplog.set_level(logging.INFO)
    user = UserFactory()
    client.force_login(user)

    response = client.get("/appointments/?secret-query=1", HTTP_X_REQUEST_ID="req-12345678")

    (line,) = _request_lines(caplog)
    assert line.method == "GET"
    assert line.path == "/appointments/"
    assert line.status == response.status_code == 200
    assert line.duration_ms >= 0
    assert line.user_id == str(user.pk)
    assert line.request_id == "req-12345678"
    assert "secret-query" not in line.getMessage()


def test_anonymous_requests_log_a_dash_for_the_user(client, caplog):
    caplog.set_level(logging.INFO)

    client.get("/api/v1/routes/")

    (line,) = _request_lines(caplog)
    assert line.user_id == "-"


def test_api_token_users_are_logged_by_id(api, caplog):
    caplog.set_level(logging.INFO)
    user = UserFactory()
    token = api.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": "correct-horse-battery"},
        format="json",
    ).json()["token"]
    caplog.clear()

    api.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {token}")

    (line,) = _request_lines(caplog)
    assert line.user_id == str(user.pk)


def test_every_record_of_a_request_carries_its_id(client, caplog):
    caplog.set_level(logging.INFO)
    UserFactory(email="someone@example.test")

    client.post(
        "/api/v1/auth/register/",
        {"email": "new@example.test", "password": "a-strong-passphrase-1", "full_name": "N"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-abcdefgh",
    )

    records = [r for r in caplog.records if r.name in {"accounts.services", "core.request"}]
    assert {r.name for r in records} == {"accounts.services", "core.request"}
    for record in records:
        RequestContextFilter().filter(record)
        assert record.request_id == "req-abcdefgh"


def test_secret_url_tokens_are_not_logged(client, caplog):
    caplog.set_level(logging.INFO)

    client.get("/calendar/very-secret-feed-token-123456.ics")
    client.get("/notifications/unsubscribe/another-secret-token-98765/")

    assert "very-secret-feed-token" not in caplog.text
    assert "another-secret-token" not in caplog.text


def test_records_outside_a_request_get_a_dash():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)

    RequestContextFilter().filter(record)

    assert record.request_id == "-"


def test_the_json_format_writes_one_object_with_the_request_fields_only():
    record = logging.LogRecord("core.request", logging.INFO, __file__, 1, "GET %s", ("/",), None)
    record.request_id = "req-12345678"
    record.method, record.path, record.status = "GET", "/", 200
    record.duration_ms, record.user_id = 1.5, "-"
    record.request = "<WSGIRequest: GET '/?email=leak@example.test'>"  # a library's extra

    line = JsonFormatter().format(record)

    body = json.loads(line)
    assert body["message"] == "GET /"
    assert body["request_id"] == "req-12345678"
    assert {"time", "level", "logger", "method", "path", "status", "duration_ms"} <= set(body)
    assert "leak@example.test" not in line


def test_log_format_json_selects_the_json_formatter(monkeypatch):
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import django, logging; django.setup();logging.getLogger('probe').warning('hello %s', 42)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "LOG_FORMAT": "json", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )

    body = json.loads(result.stderr.strip().splitlines()[-1])
    assert body["message"] == "hello 42"
    assert body["logger"] == "probe"
    assert body["request_id"] == "-"
