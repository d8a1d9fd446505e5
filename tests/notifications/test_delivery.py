"""Delivery across processes: a real Celery worker, concurrent sweeps, a dead broker."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import OperationalError, connection
from django.utils import timezone

from booking.models import Appointment
from notifications.models import OutboundEmail
from tests.conftest import requires_postgres, requires_redis
from tests.notifications.conftest import NY, _use_broker
from tests.notifications.helpers import appointment_without_signals, calendar_of, rows, sweep
from tests.notifications.smtp_sink import free_port

Kind = OutboundEmail.Kind
Status = OutboundEmail.Status

# Transactional tests here use serialized_rollback so that the flush after them does not
# re-create content types that a following serialized_rollback test (tests/ops) restores.


def _future_local(days: int, hour: int) -> dt.datetime:
    day = timezone.now().astimezone(NY).date() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=NY)


def make_due_rows(appointment: Appointment, count: int) -> list[int]:
    """``count`` due change notices for one appointment (distinct versions, so all valid)."""
    now = timezone.now()
    created = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            kind=Kind.CONFIRMED,
            recipient_id=appointment.patient_id,
            appointment=appointment,
            provider_id=appointment.provider_id,
            planned_for=now,
            next_attempt_at=now,
            appointment_start=appointment.start,
            appointment_sequence=1000 + i,
            message_id=f"<bulk-{i}-{uuid.uuid4().hex}@care.example>",
        )
        for i in range(count)
    )
    return [row.pk for row in created]


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_the_same_time_send_each_due_email_once(clinic):
    appointment = appointment_without_signals(clinic, _future_local(3, 10))
    ids = make_due_rows(appointment, 300)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run(target) -> None:
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    def one_by_one() -> None:  # a burst of per-id tasks racing the sweeps
        from notifications.services import outbound_send

        for pk in ids[::3]:
            outbound_send(outbound_id=pk)

    threads = [
        threading.Thread(target=run, args=(lambda: sweep(batch_size=20),)),
        threading.Thread(target=run, args=(lambda: sweep(batch_size=20),)),
        threading.Thread(target=run, args=(one_by_one,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    counts = Counter(m.extra_headers["Message-ID"] for m in mail.outbox)
    assert len(counts) == 300
    assert max(counts.values()) == 1
    assert OutboundEmail.objects.filter(pk__in=ids, status=Status.SENT).count() == 300


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_blip_after_the_server_accepted_an_email_does_not_send_it_twice(
    clinic, caplog, settings
):
    settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS = 60
    appointment = appointment_without_signals(clinic, _future_local(3, 10))
    [pk] = make_due_rows(appointment, 1)
    blips = {"left": 2}

    def lose_the_database_when_marking_sent(execute, sql, params, many, context):
        # The UPDATE that records a delivered email fails twice, as during a restart.
        if blips["left"] and sql.startswith("UPDATE") and "sent_at" in sql:
            blips["left"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(lose_the_database_when_marking_sent):
        assert sweep() == {"sent": 1}
    # However long the lease and however many sweeps follow, the email stays sent once.
    OutboundEmail.objects.filter(pk=pk).update(claimed_until=timezone.now())
    sweep()

    assert blips["left"] == 0
    assert len(mail.outbox) == 1
    row = OutboundEmail.objects.get(pk=pk)
    assert (row.status, row.attempts) == (Status.SENT, 1)
    assert "could not be marked sent (OperationalError); retrying" in caplog.text


@pytest.fixture
def real_broker():
    """Marker fixture: keep the configured broker (see memory_broker)."""


@pytest.fixture
def dead_broker(real_broker):
    previous = _use_broker(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    yield
    _use_broker(previous)


def test_a_booking_succeeds_with_the_broker_down_and_the_sweep_sends_later(
    api, clinic, dead_broker, django_capture_on_commit_callbacks, caplog
):
    api.force_authenticate(clinic.alice)
    body = {
        "provider": "sunrise",
        "consultation_type": clinic.infusion.pk,
        "start": _future_local(3, 10).isoformat(),
    }

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/appointments/", body, format="json")
    elapsed = time.monotonic() - started

    assert response.status_code == 201, response.json()
    assert elapsed < 10
    appointment = Appointment.objects.get(pk=response.json()["id"])
    assert "could not queue emails" in caplog.text
    assert "alice" not in caplog.text.lower()
    notice = rows(appointment=appointment, kind=Kind.BOOKING_RECEIVED)[0]
    assert notice.status == Status.PENDING

    sweep()  # what beat runs every minute

    notice.refresh_from_db()
    assert notice.status == Status.SENT
    assert [m.to for m in mail.outbox if m.subject.startswith("Request received")] == [
        ["alice@patient.test"]
    ]


def _worker_env(sink_port: int) -> dict[str, str]:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db.get("USER") or "postgres"
        auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
        host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
        url = f"postgres://{auth}@{host}/{db['NAME']}"
    else:
        url = f"sqlite:///{Path(db['NAME']).resolve()}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        REDIS_URL=django_settings.REDIS_URL,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(sink_port),
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="INFO",
    )
    return env


@requires_redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_delivers_the_booking_email_with_an_ics(
    api, clinic, smtp_sink, real_broker, tmp_path
):
    from config.celery import app

    queue = f"kcd-test-{uuid.uuid4().hex[:12]}"  # this test's own queue on the shared Redis
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    log = (tmp_path / "worker.log").open("w+")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--loglevel=INFO", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=django_settings.BASE_DIR,
        env=_worker_env(smtp_sink.port),
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        api.force_authenticate(clinic.alice)
        start = _future_local(3, 10)
        body = {"provider": "sunrise", "consultation_type": clinic.infusion.pk}
        body["start"] = start.isoformat()
        response = api.post("/api/v1/appointments/", body, format="json")
        assert response.status_code == 201, response.json()

        messages = smtp_sink.wait_for(2, timeout=60)
    finally:
        app.conf.task_default_queue = previous_queue
        worker.terminate()
        worker.wait(timeout=30)
        log.seek(0)
        worker_log = log.read()

    assert len(messages) == 2, worker_log
    [patient] = [m for m in messages if m["To"] == "alice@patient.test"]
    assert patient["Subject"].startswith("Request received: your appointment on")
    assert patient.get_body(("plain",)) is not None
    assert patient.get_body(("html",)) is not None
    assert "1-800-662-4357" in patient.get_body(("plain",)).get_content()
    event = calendar_of(patient).walk("VEVENT")[0]
    appointment = Appointment.objects.get(pk=response.json()["id"])
    assert str(event["UID"]) == f"{appointment.uid}@care-directory"
    assert event.decoded("DTSTART") == start
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert rows(appointment=appointment, kind=Kind.BOOKING_RECEIVED)[0].status == Status.SENT
    assert "succeeded" in worker_log
    assert "alice" not in worker_log.lower()
