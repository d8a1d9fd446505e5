"""Scripted fault checks against real processes (run by ci/faults.sh; about 2 minutes).

Starts its own PostgreSQL, Redis and SMTP sink on free ports, gunicorn (bin/web, production
settings, rate limits on), one Celery worker (bin/worker, pool solo) and beat (bin/beat),
then breaks things while patients book through the HTTP API:

a. Redis stopped: bookings still answer 201, /readyz says the broker is down, /healthz stays
   200; once Redis is back the emails go out (outbox sweep) and beat's heartbeat returns.
b. PostgreSQL restarted (fast shutdown, killing sessions) under traffic from 4 clients:
   only 200/201/409/503 (503 with {"detail","code"} on the API), never 500; service recovers
   without a restart of gunicorn; no half-written booking.
c. SMTP down: emails are retried with backoff (the wait fast-forwarded in the database), sent
   once when the server is back.
d. Worker killed with SIGKILL in the middle of a sweep (while it waits on the SMTP server):
   after the claim lease (15 s here) another worker sends the rest; each email exactly once.

At the end: every outbox row of every appointment sent, every Message-ID received once, and
bench/load/check_invariants.py holds. Exits 1 with the failed check's name on failure.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ci.faults.servers import Postgres, Redis, Sink, free_port  # noqa: E402

LEASE_SECONDS = 15
STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"faults [{time.monotonic() - STARTED:5.1f}s] {message}", flush=True)


class CheckFailed(Exception):
    pass


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(what)
    say(f"ok: {what}")


def wait_until(
    predicate: Callable[[], bool], what: str, timeout: float, every: float = 0.25
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                say(f"ok: {what}")
                return
        except Exception:  # a server coming back may still refuse: keep polling
            pass
        time.sleep(every)
    raise CheckFailed(f"{what} (not within {timeout:.0f} s)")


# --- HTTP ------------------------------------------------------------------------------------


class Http:
    def __init__(self, port: int) -> None:
        self.host = f"127.0.0.1:{port}"

    def call(
        self, method: str, path: str, body: dict | None = None, token: str | None = None
    ) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Token {token}"
        conn = http.client.HTTPConnection(self.host, timeout=30)
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            return response.status, response.read()
        except OSError:
            return 0, b""
        finally:
            conn.close()

    def json(self, method: str, path: str, **kwargs) -> tuple[int, dict]:
        status, raw = self.call(method, path, **kwargs)
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, {}


# --- the service's processes ------------------------------------------------------------------


class Process:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        out.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self) -> bool:
        return bool(self.proc) and self.proc.poll() is None


class Faults:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pg = Postgres(root)
        self.redis = Redis(root)
        self.sink = Sink()
        self.port = free_port()
        self.http = Http(self.port)
        self.env = {
            **os.environ,
            "DATABASE_URL": self.pg.url,
            "REDIS_URL": self.redis.url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_CONN_MAX_AGE": "60",
            "RATE_LIMITS": "on",  # production behaviour: throttles and lockout use Redis
            # ... with a search rate that our 4 clients on one address stay under.
            "THROTTLE_RATE_SEARCH": "100000/min",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.sink.port),
            "NOTIFICATIONS_CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
            "LOG_LEVEL": "WARNING",
            "PORT": str(self.port),
            "WEB_BIND": "127.0.0.1",
            "WEB_CONCURRENCY": "2",
        }
        self.web = Process("web", [str(ROOT / "bin/web")], self.env, root / "web.log")
        worker_argv = [str(ROOT / "bin/worker"), "--pool=solo", "--without-gossip",
                       "--without-mingle", "-n", "faults@%h"]  # fmt: skip
        self.worker = Process("worker", worker_argv, self.env, root / "worker.log")
        beat_argv = [str(ROOT / "bin/beat"), "-s", str(root / "beat-schedule")]
        self.beat = Process("beat", beat_argv, self.env, root / "beat.log")
        self.patients: list[tuple[int, str]] = []
        self.slots: list[tuple[str, int, str]] = []
        self.not_once: list[str] = []  # the last sent_once() findings, for a failure report

    # --- set-up -----------------------------------------------------------------------------

    def setup(self) -> None:
        say("starting PostgreSQL, Redis and the SMTP sink")
        self.pg.init()
        self.redis.start()
        self.sink.start()
        os.environ.update(
            {k: self.env[k] for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY")}
        )
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        say("migrate, seed_demo --providers 30, collectstatic")
        for args in (
            ["migrate", "--noinput"],
            ["seed_demo", "--providers", "30", "--seed", "1"],
            ["collectstatic", "--noinput"],  # pages need the manifest with DEBUG off
        ):
            started = time.monotonic()
            done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                                  capture_output=True, text=True, timeout=180)  # fmt: skip
            if done.returncode:
                raise CheckFailed(f"manage.py {args[0]} failed:\n{done.stderr[-2000:]}")
            say(f"{args[0]} took {time.monotonic() - started:.1f} s")
        import django

        django.setup()
        self._make_patients(60)
        self.web.start()
        self.worker.start()
        self.beat.start()
        wait_until(lambda: self.http.call("GET", "/healthz")[0] == 200, "gunicorn answers", 60)
        self._collect_slots()

    def _make_patients(self, count: int) -> None:
        from rest_framework.authtoken.models import Token

        from accounts.models import User

        for index in range(count):
            user = User.objects.create_user(
                email=f"fault-patient-{index}@faults.test", password=secrets.token_urlsafe(16)
            )
            self.patients.append((user.pk, Token.objects.create(user=user).key))

    def _collect_slots(self) -> None:
        from bench.load.run import hot_providers

        providers, _ = hot_providers(5)
        today = dt.date.today()
        for provider in providers:
            type_id = provider["types"][0]
            status, body = self.http.json(
                "GET",
                f"/api/v1/providers/{provider['slug']}/slots/?consultation_type={type_id}"
                f"&start={today}&end={today + dt.timedelta(days=30)}",
            )
            if status != 200:
                continue
            # Starts far enough apart that none of our bookings overlaps another (buffers too).
            free_from = ""
            for slot in body["slots"]:
                start = dt.datetime.fromisoformat(slot["start"])
                if free_from and start < free_from:
                    continue
                self.slots.append((provider["slug"], type_id, slot["start"]))
                free_from = dt.datetime.fromisoformat(slot["end"]) + dt.timedelta(hours=1)
        expect(len(self.slots) >= 150, f"{len(self.slots)} bookable slots to use")

    def book(self) -> tuple[int, dict]:
        """Book the next unused slot as the next patient (round robin)."""
        slug, type_id, start = self.slots.pop(0)
        _, token = self.patients[len(self.slots) % len(self.patients)]
        body = {"provider": slug, "consultation_type": type_id, "start": start}
        return self.http.json("POST", "/api/v1/appointments/", body=body, token=token)

    # --- helpers on the outbox ---------------------------------------------------------------

    def rows(self, appointment_ids: list[int]):
        from django.db import connections

        from notifications.models import OutboundEmail

        connections.close_all()  # our connection may predate a PostgreSQL restart
        return OutboundEmail.objects.filter(appointment_id__in=appointment_ids).exclude(
            kind=OutboundEmail.Kind.REMINDER
        )

    def sent_once(self, appointment_ids: list[int]) -> bool:
        """Every change email of these appointments is sent and reached the sink once."""
        rows = list(
            self.rows(appointment_ids).values_list(
                "pk", "kind", "status", "attempts", "next_attempt_at", "message_id"
            )
        )
        at_sink = Counter(self.sink.message_ids())
        self.not_once = [
            f"#{pk} {kind} {status} attempts={attempts} next={due:%H:%M:%S} "
            f"at_sink={at_sink[mid.strip('<>')]}"
            for pk, kind, status, attempts, due, mid in rows
            if status != "sent" or at_sink[mid.strip("<>")] != 1
        ]
        return bool(rows) and not self.not_once

    def sweep(self) -> None:
        """What beat does every minute: queue one outbox sweep (we do not wait a minute)."""
        from notifications.tasks import send_due_notifications

        send_due_notifications.apply_async(retry=False)

    def ready(self) -> tuple[int, dict]:
        return self.http.json("GET", "/readyz")

    # --- the faults ---------------------------------------------------------------------------

    def redis_down(self) -> None:
        say("a. Redis stopped while patients book")
        wait_until(
            lambda: self.ready()[0] == 200, "/readyz is 200 (beat heartbeat seen)", 45, every=1
        )
        self.redis.stop()
        booked = []
        for _ in range(6):
            started = time.monotonic()
            status, body = self.book()
            expect(
                status == 201,
                f"booking without Redis answers 201 (got {status} {body.get('code')})",
            )
            expect(time.monotonic() - started < 10, "and within 10 s")
            booked.append(body["id"])
        status, body = self.ready()
        expect(status == 503 and body["checks"]["broker"]["ok"] is False, "/readyz: broker down")
        expect(self.http.call("GET", "/healthz")[0] == 200, "/healthz stays 200")
        expect(
            not self.rows(booked).filter(status="sent").exists(), "no email sent while Redis down"
        )
        self.redis.start()
        wait_until(lambda: self.sweep() or True, "Redis back, sweep queued", 10)
        wait_until(lambda: self.sent_once(booked), "every email sent once after Redis returned", 40)
        self.booked = booked

    def postgres_restart(self) -> None:
        say("b. PostgreSQL restarted under traffic")
        web_pid = self.web.proc.pid
        statuses: dict[str, Counter] = {k: Counter() for k in ("search", "page", "book", "health")}
        bad_bodies: list[str] = []
        created: list[int] = []
        stop = threading.Event()
        lock = threading.Lock()

        def client(kind: str) -> None:
            while not stop.is_set():
                if kind == "book":
                    with lock:
                        if not self.slots:
                            return
                        slug, type_id, start = self.slots.pop(0)
                        _, token = self.patients[len(self.slots) % len(self.patients)]
                    body = {"provider": slug, "consultation_type": type_id, "start": start}
                    status, raw = self.http.call(
                        "POST", "/api/v1/appointments/", body=body, token=token
                    )
                    if status == 201:
                        created.append(json.loads(raw)["id"])
                elif kind == "search":
                    status, raw = self.http.call("GET", "/api/v1/providers/?near=10001&radius=100")
                elif kind == "page":
                    status, raw = self.http.call("GET", "/?near=10001")
                else:
                    status, raw = self.http.call("GET", "/healthz")
                with lock:
                    statuses[kind][status] += 1
                if status == 503 and kind in ("search", "book"):
                    try:
                        payload = json.loads(raw)
                        assert payload["detail"] and payload["code"] == "unavailable"
                    except (ValueError, KeyError, AssertionError):
                        bad_bodies.append(raw[:200].decode(errors="replace"))
                time.sleep(0.05)

        threads = [threading.Thread(target=client, args=(k,)) for k in statuses]
        for thread in threads:
            thread.start()
        time.sleep(2)
        self.pg.stop()
        say("PostgreSQL stopped")
        time.sleep(4)
        self.pg.start()
        say("PostgreSQL started")
        time.sleep(4)
        stop.set()
        for thread in threads:
            thread.join(timeout=40)
        say(f"statuses during the restart: { {k: dict(v) for k, v in statuses.items()} }")
        allowed = {200, 201, 409, 503}
        unexpected = {
            k: {s: n for s, n in v.items() if s not in allowed} for k, v in statuses.items()
        }
        expect(not any(unexpected.values()), f"only 200/201/409/503, never 500 ({unexpected})")
        expect(any(v[503] for v in statuses.values()), "the outage was seen (some 503 answers)")
        expect(not bad_bodies, f'API 503s carry {{"detail","code"}} ({bad_bodies[:2]})')
        expect(self.web.alive() and self.web.proc.pid == web_pid, "gunicorn was not restarted")
        wait_until(lambda: self.http.call("GET", "/healthz")[0] == 200, "/healthz 200 again", 20)
        wait_until(
            lambda: self.http.call("GET", "/api/v1/providers/?near=10001")[0] == 200,
            "search works again",
            20,
        )
        status, body = self.book()
        expect(status == 201, f"booking works again ({status})")
        self.booked += [*created, body["id"]]
        self._invariants()
        # Emails of bookings made around the restart: each sent once (none resent because
        # the restart hit between SMTP's 250 and its record), before SMTP goes down next.
        self.sweep()
        wait_until(lambda: self.sent_once(self.booked), "restart: every email sent once", 90)

    def smtp_down(self) -> None:
        say("c. SMTP server down for a while")
        self.sink.stop()
        booked = [self.book()[1]["id"] for _ in range(4)]
        rows = lambda: self.rows(booked)  # noqa: E731

        def all_waiting_for_a_retry() -> bool:
            # Each failed, or was given back unpenalised by a sweep that found the server
            # unreachable; either way pending with a later retry, none lost or failed.
            later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
            found = list(rows())
            return (
                bool(found)
                and all(r.status == "pending" and r.next_attempt_at > later for r in found)
                and any(r.attempts >= 1 and r.last_error for r in found)
            )

        wait_until(all_waiting_for_a_retry, "each email waits for its retry (backoff)", 30)
        due = rows().values_list("next_attempt_at", flat=True)
        expect(
            min(due) > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30),
            "the retry is scheduled about a minute later",
        )
        # Fast-forward the backoff instead of waiting for it; the server is still down.
        attempts_before = sum(r.attempts for r in rows())
        rows().update(next_attempt_at=dt.datetime.now(dt.UTC))
        self.sweep()

        def retried_again() -> bool:
            # The first failure counts an attempt; the rest of the batch is given back
            # unpenalised (server unreachable), all rescheduled, none lost or marked failed.
            later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
            found = list(rows())
            return (
                all(r.status == "pending" and r.next_attempt_at > later for r in found)
                and sum(r.attempts for r in found) > attempts_before
            )

        wait_until(retried_again, "the sweep retried while SMTP was down and lost nothing", 30)
        self.sink.start()
        rows().update(next_attempt_at=dt.datetime.now(dt.UTC))
        self.sweep()
        wait_until(lambda: self.sent_once(booked), "each email sent once after SMTP returned", 30)
        self.booked += booked

    def worker_killed(self) -> None:
        say("d. worker killed (SIGKILL) in the middle of a sweep")
        from config.celery import app

        self.worker.stop()
        booked = [self.book()[1]["id"] for _ in range(30)]
        app.control.purge()  # the per-email tasks are lost too: only the sweep will send
        rows = lambda: self.rows(booked)  # noqa: E731
        count = rows().count()
        before = len(self.sink.messages)
        self.sink.delay = 0.15
        self.worker.start()
        self.sweep()
        wait_until(lambda: len(self.sink.messages) >= before + 5, "the sweep is sending", 30)
        # Kill it while it waits on the server for a message, as a crash or an OOM kill
        # would: not in the one-statement window between SMTP's 250 and the UPDATE that
        # records it, where a resend is unavoidable (docs/NOTIFICATIONS.md).
        self.sink.rcpt_waiting.clear()
        expect(self.sink.rcpt_waiting.wait(10), "caught the worker waiting on SMTP")
        self.worker.kill()
        sent_by_dead = rows().filter(status="sent").count()
        expect(0 < sent_by_dead < count, f"killed mid-batch ({sent_by_dead}/{count} sent)")
        self.sink.delay = 0
        self.worker.start()
        self.sweep()  # finds the dead worker's rows still leased
        time.sleep(3)
        expect(
            rows().filter(status="sending").exists(), "the dead worker's claims wait for the lease"
        )
        wait_until(
            lambda: rows().filter(status="sending", claimed_until__gt=dt.datetime.now(dt.UTC))
            .count() == 0,
            "the lease ran out",
            LEASE_SECONDS + 10,
        )  # fmt: skip
        self.sweep()
        wait_until(lambda: self.sent_once(booked), "each email sent exactly once", 30)
        self.booked += booked

    def _invariants(self) -> None:
        from django.db import connections

        from bench.load.check_invariants import check, violations

        connections.close_all()
        problems = violations(check(0))
        expect(not problems, f"invariants hold ({problems or 'no overlap, history, outbox'})")

    def finish(self) -> None:
        say("final checks")
        wait_until(lambda: self.sent_once(self.booked), "all change emails sent once", 30)
        ids = Counter(self.sink.message_ids())
        expect(max(ids.values()) == 1, f"no duplicate among {len(ids)} emails at the sink")
        self._invariants()
        status, body = self.ready()
        expect(status == 200, f"/readyz is 200 at the end ({body})")

    def teardown(self) -> None:
        for process in (self.beat, self.worker, self.web):
            process.stop()
        self.redis.stop()
        self.sink.stop()
        self.pg.stop(check=False)


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))  # timeout(1): still clean up
    root = Path(tempfile.mkdtemp(prefix="kcd-faults-"))
    faults = Faults(root)
    try:
        faults.setup()  # inside the try: a failed set-up still stops what it started
        faults.redis_down()
        faults.postgres_restart()
        faults.smtp_down()
        faults.worker_killed()
        faults.finish()
    except CheckFailed as exc:
        say(f"FAILED: {exc}")
        if faults.not_once:
            say(f"emails not sent exactly once: {faults.not_once[:20]}")
        say(f"logs in {root}")
        for name in ("web.log", "worker.log", "beat.log"):
            tail = (
                (root / name).read_text(errors="replace")[-3000:] if (root / name).exists() else ""
            )
            print(f"--- {name} (tail)\n{tail}", flush=True)
        return 1
    finally:
        faults.teardown()
    say("all fault checks passed")
    shutil.rmtree(root, ignore_errors=True)  # kept on failure, for the logs
    return 0


if __name__ == "__main__":
    sys.exit(main())
