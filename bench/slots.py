"""Benchmark: the slots endpoint over a 31-day range with a busy calendar.

Run (PostgreSQL, migrated database; the benchmark creates and reuses its own provider):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcd RATE_LIMITS=off \
        python bench/slots.py [--requests 400] [--days 31] [--base-url http://127.0.0.1:8000]

Without ``--base-url`` requests go through Django's full stack in process (URL routing,
middleware, DRF, JSON rendering; no socket). With it, they go over HTTP to a running server.
The calendar: one New York clinic open Monday-Saturday 08:00-20:00, 15-minute steps, a
10-minute buffer, one-hour notice; about 60% of the next 60 days booked with 30- to
90-minute appointments, a live hold, a weekly half-day of time off and a closed day per week.
Each request asks for a different 31-day window start. Prints p50/p95/p99 and the slot count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RATE_LIMITS", "off")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from booking.models import (  # noqa: E402
    Appointment,
    AvailabilityException,
    AvailabilityRule,
    BookingPolicy,
    TimeOff,
)
from directory.models import ConsultationType, Location, Provider  # noqa: E402

SLUG = "bench-slots-clinic"
NY = ZoneInfo("America/New_York")


def build_calendar(seed: int = 7) -> tuple[Provider, ConsultationType]:
    """(Re)create the benchmark provider with a busy calendar starting today."""
    rng = random.Random(seed)
    with transaction.atomic():
        old = Provider.objects.filter(slug=SLUG).first()
        if old is not None:
            Appointment.objects.filter(provider=old).delete()
            old.delete()
        provider = Provider.objects.create(slug=SLUG, name="Benchmark Slots Clinic")
        location = Location.objects.create(
            provider=provider,
            address_line1="1 Bench Street",
            city="New York",
            state="NY",
            postal_code="10001",
            latitude=40.75,
            longitude=-73.99,
            timezone="America/New_York",
        )
        BookingPolicy.objects.create(
            provider=provider, min_notice_minutes=60, buffer_minutes=10, slot_step_minutes=15
        )
        types = [
            ConsultationType.objects.create(provider=provider, name=f"{m} min", duration_minutes=m)
            for m in (30, 60, 90)
        ]
        AvailabilityRule.objects.bulk_create(
            AvailabilityRule(
                location=location, weekday=wd, start_time=dt.time(8), end_time=dt.time(20)
            )
            for wd in range(6)
        )
        today = timezone.localdate(timezone=NY)
        appointments, time_off, exceptions = [], [], []
        for offset in range(0, 62):
            day = today + dt.timedelta(days=offset)
            if day.weekday() == 6:
                continue
            if offset % 7 == 3:
                exceptions.append(AvailabilityException(location=location, date=day, kind="closed"))
                continue
            if offset % 7 == 5:
                time_off.append(
                    TimeOff(
                        provider=provider,
                        start=dt.datetime.combine(day, dt.time(13), tzinfo=NY),
                        end=dt.datetime.combine(day, dt.time(17), tzinfo=NY),
                    )
                )
            cursor = dt.datetime.combine(day, dt.time(8), tzinfo=NY)
            closing = dt.datetime.combine(day, dt.time(20), tzinfo=NY)
            while cursor < closing:
                ctype = rng.choice(types)
                end = cursor + dt.timedelta(minutes=ctype.duration_minutes)
                if end <= closing and rng.random() < 0.6:
                    appointments.append(
                        Appointment(
                            provider=provider,
                            location=location,
                            consultation_type=ctype,
                            start=cursor,
                            end=end,
                            occupied_until=end + dt.timedelta(minutes=10),
                            status=rng.choice(["confirmed", "requested"]),
                        )
                    )
                    cursor = end + dt.timedelta(minutes=10)
                else:
                    cursor += dt.timedelta(minutes=rng.choice((15, 30, 45)))
        if appointments:
            held = appointments[-1]
            held.status = "held"
            held.hold_expires_at = timezone.now() + dt.timedelta(days=1)
        Appointment.objects.bulk_create(appointments)
        TimeOff.objects.bulk_create(time_off)
        AvailabilityException.objects.bulk_create(exceptions)
    print(
        f"calendar: {len(appointments)} appointments, {len(time_off)} time-off blocks, "
        f"{len(exceptions)} closed days over 62 days"
    )
    return provider, types[0]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--base-url", default="")
    args = parser.parse_args()

    print(f"database: {connection.vendor}")
    provider, ctype = build_calendar()
    today = timezone.localdate(timezone=NY)
    client = Client(HTTP_HOST="localhost")
    path = f"/api/v1/providers/{provider.slug}/slots/"

    def fetch(offset: int) -> tuple[int, int]:
        start = today + dt.timedelta(days=offset % 28)
        query = (
            f"?consultation_type={ctype.pk}&start={start}"
            f"&end={start + dt.timedelta(days=args.days - 1)}"
        )
        if args.base_url:
            with urllib.request.urlopen(args.base_url.rstrip("/") + path + query) as response:
                body = json.loads(response.read())
                return response.status, len(body["slots"])
        response = client.get(path + query)
        return response.status_code, len(response.json()["slots"])

    for i in range(args.warmup):
        fetch(i)
    timings, counts = [], []
    for i in range(args.requests):
        began = time.perf_counter()
        status, count = fetch(i)
        timings.append((time.perf_counter() - began) * 1000)
        assert status == 200, status
        counts.append(count)
    print(
        f"{args.requests} requests, {args.days}-day range, {statistics.mean(counts):.0f} slots "
        f"per response on average"
    )
    print(
        f"latency ms: mean {statistics.mean(timings):.1f}  p50 {percentile(timings, 50):.1f}  "
        f"p95 {percentile(timings, 95):.1f}  p99 {percentile(timings, 99):.1f}  "
        f"max {max(timings):.1f}"
    )


if __name__ == "__main__":
    main()
