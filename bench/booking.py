"""Booking throughput: concurrent clients booking distinct slots through the real HTTP API.

    createdb -h 127.0.0.1 -U postgres kcd_bench   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcd_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcd_bench \\
        python bench/booking.py --clients 8 --bookings 400 --workers 4

What it does: creates a fresh provider (open 24 h a day, UTC, 15-minute visits, no notice)
and one patient with an API token per client, starts gunicorn (``config.wsgi``, ``--workers``
sync workers, ``RATE_LIMITS=off``, ``DJANGO_DEBUG=false``) on a free local port, then
``--clients`` threads each POST ``/api/v1/appointments/`` over their own keep-alive HTTP
connection, every request for a different slot of the same provider (so the exclusion
constraint, the stale-hold sweep and the after-commit ``next_available`` refresh all run).
Prints bookings per second, latency percentiles and every non-201 status. The bench data
stays in the database (a new provider per run); gunicorn is stopped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def setup_data(clients: int) -> tuple[str, int, list[str]]:
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from booking.models import AvailabilityRule, BookingPolicy
    from directory.models import ConsultationType, Location, Provider

    run = uuid.uuid4().hex[:8]
    provider = Provider.objects.create(slug=f"bench-booking-{run}", name=f"Bench {run}")
    location = Location.objects.create(
        provider=provider,
        address_line1="1 Bench Street",
        city="New York",
        state="NY",
        postal_code="10001",
        latitude=40.75,
        longitude=-73.99,
        timezone="UTC",
    )
    BookingPolicy.objects.create(
        provider=provider, min_notice_minutes=0, horizon_days=365, slot_step_minutes=15
    )
    for weekday in range(7):
        AvailabilityRule.objects.create(
            location=location, weekday=weekday, start_time=dt.time(0), end_time=dt.time(23, 59)
        )
    ctype = ConsultationType.objects.create(
        provider=provider, name="Bench visit", duration_minutes=15
    )
    tokens = []
    for i in range(clients):
        user = User.objects.create_user(f"bench-{run}-{i}@example.test", "bench-password-1")
        tokens.append(Token.objects.create(user=user).key)
    return provider.slug, ctype.pk, tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready; check DATABASE_URL and migrations")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--bookings", type=int, default=400, help="total, split over clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL=postgres://... (this benchmark is for PostgreSQL).")

    slug, ctype_id, tokens = setup_data(args.clients)
    per_client = args.bookings // args.clients
    first = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    # Client c books slots c, c + clients, c + 2*clients, ...: all distinct, interleaved.
    starts = [first + dt.timedelta(minutes=15 * n) for n in range(per_client * args.clients)]
    starts = [s for s in starts if s.time() < dt.time(23, 45)]

    port = free_port()
    env = {**os.environ, "RATE_LIMITS": "off", "DJANGO_DEBUG": "false"}
    env.setdefault("DJANGO_SECRET_KEY", "bench-" + "x" * 60)
    env["DJANGO_SECURE_SSL_REDIRECT"] = "false"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()
    try:
        wait_ready(port)
        barrier = threading.Barrier(args.clients)

        def client(index: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {
                "Authorization": f"Token {tokens[index]}",
                "Content-Type": "application/json",
            }
            mine = starts[index :: args.clients][:per_client]
            barrier.wait()
            for start in mine:
                body = json.dumps(
                    {"provider": slug, "consultation_type": ctype_id, "start": start.isoformat()}
                )
                began = time.perf_counter()
                conn.request("POST", "/api/v1/appointments/", body, headers)
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)
                    statuses[response.status] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=30)

    ok = statuses.get(201, 0)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    print(f"clients={args.clients} gunicorn_workers={args.workers} requests={len(latencies)}")
    print(f"booked={ok} in {wall:.2f}s -> {ok / wall:.1f} bookings/s")
    print(
        f"latency ms: p50={quantiles[49] * 1000:.1f} p95={quantiles[94] * 1000:.1f} "
        f"max={max(latencies) * 1000:.1f}"
    )
    errors = {code: n for code, n in statuses.items() if code != 201}
    print(f"errors: {errors or 'none'}")
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
