"""Benchmark: 10,000 due reminders dispatched by 2 Celery worker processes to a local SMTP sink.

Usage (PostgreSQL and Redis; the database is migrated and gets a "bench-reminders" provider):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcd_bench \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
    python bench/reminders.py [--count 10000] [--mode sweep|tasks]

``--mode sweep`` queues beat-style sweeps (each claims batches with SKIP LOCKED until nothing is
due); ``--mode tasks`` queues one ``send_notification(id)`` per email with a sweep every
1,000 ids racing them, the worst case for duplicates. Prints emails/second and duplicates
(must be 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from booking.models import Appointment  # noqa: E402
from config.celery import app  # noqa: E402
from directory.models import ConsultationType, Location, Provider  # noqa: E402
from notifications.models import OutboundEmail  # noqa: E402
from notifications.tasks import send_due_notifications, send_notification  # noqa: E402
from tests.notifications.smtp_sink import SmtpSink  # noqa: E402

SLUG = "bench-reminders"


def prepare(count: int) -> list[int]:
    """A provider with ``count`` future appointments, each with one reminder due now."""
    call_command("migrate", verbosity=0)
    Appointment.objects.filter(provider__slug=SLUG).delete()  # cascades to its outbox rows
    Provider.objects.filter(slug=SLUG).delete()
    provider = Provider.objects.create(slug=SLUG, name="Bench Clinic")
    location = Location.objects.create(
        provider=provider,
        address_line1="1 Bench Road",
        city="New York",
        state="NY",
        postal_code="10001",
        latitude=40.75,
        longitude=-73.99,
        timezone="America/New_York",
    )
    ctype = ConsultationType.objects.create(
        provider=provider, name="Visit", duration_minutes=30, requires_fasting=True
    )
    patients = []
    for i in range(100):
        user, _ = User.objects.get_or_create(
            email=f"bench-patient-{i}@bench.test", defaults={"full_name": f"Bench {i}"}
        )
        patients.append(user)
    now = timezone.now()
    first = (now + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            patient=patients[i % len(patients)],
            provider=provider,
            location=location,
            consultation_type=ctype,
            start=first + dt.timedelta(minutes=30 * i),
            end=first + dt.timedelta(minutes=30 * i + 30),
            occupied_until=first + dt.timedelta(minutes=30 * i + 30),
            status=Appointment.Status.CONFIRMED,
        )
        for i in range(count)
    )
    due = now - dt.timedelta(minutes=1)
    rows = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            kind=OutboundEmail.Kind.REMINDER,
            recipient_id=a.patient_id,
            appointment=a,
            provider=provider,
            planned_for=due,
            next_attempt_at=due,
            appointment_start=a.start,
            appointment_sequence=a.sequence,
            payload={"minutes_before": 24 * 60},
            message_id=f"<bench-{a.pk}-{uuid.uuid4().hex[:8]}@care.example>",
        )
        for a in appointments
    )
    return [row.pk for row in rows]


def start_workers(n: int, queue: str, sink_port: int, logs: Path) -> list[subprocess.Popen]:
    env = dict(os.environ, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(sink_port), LOG_LEVEL="WARNING")
    workers = []
    for i in range(n):
        log = (logs / f"bench-worker-{i}.log").open("w")
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--loglevel=WARNING",
                    "-Q",
                    queue,
                    "-n",
                    f"bench{i}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return workers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mode", choices=["sweep", "tasks"], default="sweep")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    if not settings.REDIS_URL:
        print("bench: set REDIS_URL (the workers need a real broker)", file=sys.stderr)
        return 2

    print(f"bench: preparing {args.count} due reminders on {connection.vendor} ...", flush=True)
    ids = prepare(args.count)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    sink = SmtpSink().start()
    queue = f"kcd-bench-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    logs = ROOT / "var"
    logs.mkdir(exist_ok=True)
    workers = start_workers(args.workers, queue, sink.port, logs)
    try:
        # The clock starts once every worker answers a ping (Django and Celery loaded).
        ready_by = time.monotonic() + 60
        while len(app.control.ping(timeout=0.5)) < args.workers:
            if time.monotonic() > ready_by:
                print("bench: workers did not start; see var/bench-worker-*.log")
                return 2
        started = time.monotonic()
        if args.mode == "tasks":
            # A sweep every 1,000 ids: one worker sweeps while the other runs per-id tasks
            # on the same rows, so claims really race.
            for index, pk in enumerate(ids):
                if index % 1000 == 0:
                    send_due_notifications.delay()
                send_notification.delay(pk)
        else:
            for _ in range(args.workers * 4):  # sweeps exit at once when nothing is due
                send_due_notifications.delay()
        last_report = started
        while time.monotonic() - started < args.timeout:
            received = len(sink.messages)
            if received >= args.count:
                break
            if time.monotonic() - last_report > 10:
                print(f"bench: {received} received", flush=True)
                last_report = time.monotonic()
                if args.mode == "sweep":
                    send_due_notifications.delay()  # what beat would do every minute
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        time.sleep(2)  # late duplicates, if any, would arrive now
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        sink.stop()

    message_ids = Counter(m["Message-ID"] for m in sink.messages)
    duplicates = sum(n - 1 for n in message_ids.values())
    sent_rows = OutboundEmail.objects.filter(pk__in=ids, status=OutboundEmail.Status.SENT).count()
    print(f"bench: mode={args.mode} workers={args.workers} db={connection.vendor}")
    print(f"bench: received {len(sink.messages)} emails ({len(message_ids)} distinct) "
          f"in {elapsed:.1f} s = {len(message_ids) / elapsed:.0f} emails/s")  # fmt: skip
    print(f"bench: duplicates {duplicates}; rows marked sent {sent_rows}/{len(ids)}")
    return 0 if duplicates == 0 and len(message_ids) == len(ids) == sent_rows else 1


if __name__ == "__main__":
    sys.exit(main())
