"""The cache degrades to a miss while Redis is down, so throttled endpoints keep working."""

from __future__ import annotations

import socket
import time

import pytest
from django.core.cache import cache

from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """The production cache (core.cache.ResilientRedisCache) pointed at a closed port."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    settings.RATE_LIMITS = True


def test_reads_miss_and_writes_are_dropped_quickly_while_redis_is_down(redis_down):
    started = time.monotonic()

    cache.set("k", 1)
    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is False
    assert cache.incr("k") == 1
    assert cache.get_many(["k"]) == {}
    assert cache.delete("k") is False

    assert time.monotonic() - started < 5


def test_the_failure_is_logged_with_the_error_class_only(redis_down, caplog):
    cache.get("accounts:login-failures:abc")

    assert "cache unavailable for get (ConnectionError)" in caplog.text
    assert "127.0.0.1" not in caplog.text


def test_search_is_served_with_throttling_on_while_redis_is_down(redis_down, api):
    ProviderFactory(slug="still-listed")

    response = api.get("/api/v1/providers/")

    assert response.status_code == 200
    assert "still-listed" in [p["slug"] for p in response.json()["results"]]


def test_login_answers_with_lockout_on_while_redis_is_down(redis_down, api):
    response = api.post(
        "/api/v1/auth/token/", {"email": "nobody@example.test", "password": "x"}, format="json"
    )

    assert response.status_code in (400, 401)
