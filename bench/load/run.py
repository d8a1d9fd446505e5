"""Load test: locust patients against gunicorn + PostgreSQL (+ Redis, a Celery worker and an
SMTP sink), then the invariants. Exits 1 on any non-409 error or broken invariant.

    python bench/load/run.py                 # 100,000 providers, 50 users, 5 minutes
    python bench/load/run.py --smoke         # 2,000 providers, 20 users, 30 s (CI-sized)

1. Installs bench/requirements-bench.txt (locust) when locust is missing.
2. Creates and migrates the database (``kcd_bench_load``, or ``kcd_bench_load_smoke``),
   runs ``seed_demo --providers N --seed 1`` (a no-op when that seed is loaded) and
   ``VACUUM ANALYZE``.
3. Starts bin/web (gunicorn, ``--workers`` sync workers) with production settings
   (DJANGO_DEBUG=false, RATE_LIMITS=off), one bin/worker sending to an in-process aiosmtpd
   sink, both on ``--redis-url``.
4. Runs locust headless: each user registers, then searches (6), opens provider pages (3),
   looks up 14 days of slots (3) and books (2), waiting 0.5-1.5 s between tasks. 70 % of
   bookings go to 10 shared providers' earliest slots so that users collide (409s).
5. Runs bench/load/check_invariants.py on the appointments the run created, prints a table
   and writes bench/results/load-<stamp>.json (locust's CSVs next to it).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench._common import RESULTS, ROOT, Gunicorn, production_env
from bench.search import ensure_database, manage, search_paths, vacuum_analyze

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kcd_bench_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
ENDPOINTS = ["register", "search", "provider", "slots", "book"]


def ensure_locust() -> None:
    if importlib.util.find_spec("locust") is None:
        print("load: installing bench/requirements-bench.txt", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "-r",
             str(ROOT / "bench" / "requirements-bench.txt")],
            check=True,
        )  # fmt: skip


def hot_providers(count: int) -> tuple[list[dict], int]:
    """Bookable providers every user shares, and the largest appointment id before the run."""
    from django.db.models import Max, Q

    from booking.models import Appointment
    from directory.models import ConsultationType, Provider

    hot = []
    providers = (
        Provider.objects.filter(
            is_published=True, accepting_new_patients=True, next_available__isnull=False
        )
        .exclude(consultation_types__route__slug="intranasal-esketamine")
        # Untouched by earlier runs on the same database, so each run finds free slots.
        .exclude(appointments__status__in=Appointment.ACTIVE_STATUSES)
        .order_by("pk")
    )
    for provider in providers[: count * 3]:
        types = list(
            ConsultationType.objects.filter(provider=provider, is_active=True)
            .filter(Q(course_sessions__isnull=True) | Q(course_sessions=1))
            .values_list("pk", flat=True)
        )
        if types:
            hot.append({"slug": provider.slug, "types": types})
        if len(hot) == count:
            break
    last = Appointment.objects.aggregate(m=Max("pk"))["m"] or 0
    return hot, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="2,000 providers, 20 users, 30 s")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--providers", type=int)
    parser.add_argument("--users", type=int)
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--hot", type=int, default=10, help="providers shared by all bookings")
    args = parser.parse_args()
    smoke = args.smoke
    url = args.database_url or (DEFAULT_DB + ("_smoke" if smoke else ""))
    providers = args.providers or (2_000 if smoke else 100_000)
    users = args.users or (20 if smoke else 50)
    seconds = args.seconds or (30 if smoke else 300)
    if not url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL")

    ensure_locust()
    env = production_env(url, REDIS_URL=args.redis_url)
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = args.redis_url
    ensure_database(url)
    manage(env, "migrate", "--noinput")
    print(f"load: seed_demo --providers {providers} --seed 1", flush=True)
    manage(env, "seed_demo", "--providers", str(providers), "--seed", "1")
    vacuum_analyze(url)

    searches = [p.split("?", 1)[1] for p in search_paths(2000, 42)]
    hot, last_id = hot_providers(args.hot)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    prefix = RESULTS / f"load-{stamp}"
    config = {"searches": searches, "hot": hot, "counts_path": f"{prefix}-bookings.json"}
    config_path = Path(f"{prefix}-config.json")
    config_path.write_text(json.dumps(config))

    from tests.notifications.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    worker_env = {**env, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port)}
    worker_log = Path(f"{prefix}-worker.log").open("wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [str(ROOT / "bin" / "worker"), "--pool=solo", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env={**worker_env, "LOG_LEVEL": "WARNING"},
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        with Gunicorn(env, args.workers, Path(f"{prefix}-gunicorn.log")) as server:
            print(
                f"load: gunicorn {server.base} ({args.workers} workers), {users} users for "
                f"{seconds} s, {len(hot)} shared providers",
                flush=True,
            )
            started = time.monotonic()
            subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/load/locustfile.py"),
                 "--headless", "--users", str(users), "--spawn-rate", str(args.spawn_rate),
                 "--run-time", f"{seconds}s", "--host", f"http://{server.base}",
                 "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
                 "--loglevel", "WARNING"],
                cwd=ROOT,
                env={**os.environ, "LOAD_CONFIG": str(config_path)},
                check=False,
            )  # fmt: skip
            wall = time.monotonic() - started
        # Let the worker drain what was queued during the run before stopping it.
        time.sleep(5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        worker_log.close()
        sink.stop()

    import django

    django.setup()
    from bench.load.check_invariants import check, violations

    invariants = check(last_id)
    problems = violations(invariants)
    final = json.loads(Path(config["counts_path"]).read_text())
    stats, bookings = final["stats"], final["bookings"]
    non_409 = stats["Aggregated"]["failures"]
    report = {
        "providers": providers,
        "users": users,
        "seconds": seconds,
        "wall_seconds": round(wall, 1),
        "gunicorn_workers": args.workers,
        "endpoints": stats,
        "booking_statuses": bookings,
        "failures": final["failures"],
        "errors_non_409": non_409,
        "emails_received_by_sink": len(sink.messages),
        "invariants": invariants,
        "violations": problems,
    }
    print(f"\n{'endpoint':<10} {'requests':>9} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} fail")
    for name in [*ENDPOINTS, "Aggregated"]:
        s = stats.get(name)
        if s:
            print(
                f"{name:<10} {s['requests']:>9} {s['rps']:>7} {s['p50_ms']:>6.0f} "
                f"{s['p95_ms']:>6.0f} {s['p99_ms']:>6.0f} {s['failures']}"
            )
    print(f"bookings by status: {bookings}; errors other than 409: {non_409}")
    for failure, count in final["failures"].items():
        print(f"  {count} x {failure}")
    print(
        f"invariants: {invariants['booked']} booked, overlaps {invariants['overlaps']}, "
        f"without transition {invariants['without_transition']}, without confirmation email "
        f"{invariants['without_email']}; emails at the sink {len(sink.messages)}"
    )
    Path(f"{prefix}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"load: report in {prefix}.json")
    for problem in problems:
        print(f"load: FAILED: {problem}", file=sys.stderr)
    return 1 if problems or non_409 else 0


if __name__ == "__main__":
    sys.exit(main())
