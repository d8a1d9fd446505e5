"""/healthz (liveness), /readyz (database, broker, beat) and 503s when the database is gone."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client

from core.tasks import HEARTBEAT_KEY, heartbeat
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_down(monkeypatch):
    """Every new query fails as it does while PostgreSQL restarts."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)


def test_healthz_is_ok_without_auth(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(client, database_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_readyz_is_ok_when_a_worker_ran_the_heartbeat_recently(client):
    heartbeat()  # what a worker runs when beat schedules it

    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["beat"]["ok"] is True
    assert body["checks"]["beat"]["age_seconds"] < 5


def test_readyz_reports_beat_not_alive_when_no_worker_ever_ran_the_heartbeat(client):
    cache.delete(HEARTBEAT_KEY)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["beat"] == {"ok": False, "last_heartbeat": None, "age_seconds": None}
    assert body["checks"]["database"]["ok"] is True


def test_readyz_reports_beat_not_alive_after_three_missed_heartbeats(client):
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=95)
    cache.set(HEARTBEAT_KEY, stale.isoformat())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["ok"] is False
    assert response.json()["checks"]["beat"]["age_seconds"] >= 95


def test_readyz_reports_the_embedded_broker_without_redis(client, settings):
    settings.REDIS_URL = ""
    heartbeat()

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == {"ok": True, "kind": "embedded"}


def test_readyz_is_503_quickly_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    heartbeat()

    started = time.monotonic()
    response = client.get("/readyz")

    assert time.monotonic() - started < 5
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False
    assert broker["kind"] == "redis"
    assert "127.0.0.1" not in str(broker)  # no addresses in a public probe


def test_readyz_is_503_when_the_database_does_not_answer(client, database_down):
    heartbeat()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False}


def test_beat_schedules_the_heartbeat_every_30_seconds():
    entry = django_settings.CELERY_BEAT_SCHEDULE["core-heartbeat"]

    assert entry["task"] == "core.tasks.heartbeat"
    assert entry["schedule"] == 30.0


def test_the_search_page_is_503_not_500_while_the_database_is_down(database_down):
    response = Client(raise_request_exception=False).get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Briefly unavailable" in response.content


def test_a_provider_page_is_503_not_500_while_the_database_is_down(database_down):
    response = Client(raise_request_exception=False).get("/providers/anything/")

    assert response.status_code == 503


def test_the_api_is_503_with_detail_and_code_while_the_database_is_down(database_down):
    response = Client(raise_request_exception=False).get("/api/v1/providers/")

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert response.json()["detail"]


def test_pages_work_again_once_the_database_answers(client):
    ProviderFactory(slug="back-again", name="Back Again Clinic")

    assert client.get("/providers/back-again/").status_code == 200


def test_a_database_error_outside_a_view_is_503_not_500(rf):
    from core.views import server_error

    request = rf.get("/providers/anything/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)  # Django calls handler500 inside its except block

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_any_other_server_error_stays_a_plain_500_with_the_error_shape_under_the_api(rf):
    from core.views import server_error

    request = rf.get("/api/v1/providers/")
    try:
        raise RuntimeError("bug")
    except RuntimeError:
        response = server_error(request)

    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server_error"
