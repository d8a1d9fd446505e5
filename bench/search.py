"""Provider search benchmark: 100,000 providers on PostgreSQL, served by gunicorn (bin/web).

    python bench/search.py                       # defaults below; about 4 minutes the first time
    python bench/search.py --clients 4 --requests 4000 --max-seconds 120   # saturation

1. Creates the database (default ``kcd_bench_search`` on the local PostgreSQL) if needed,
   migrates it and runs ``seed_demo --providers 100000 --seed 1`` (which does nothing when
   that seed is already loaded), then ``VACUUM ANALYZE``.
2. Starts bin/web (gunicorn, ``--workers`` sync workers) with production settings:
   ``DJANGO_DEBUG=false``, a generated secret key, ``DJANGO_ALLOWED_HOSTS=127.0.0.1``,
   ``RATE_LIMITS=off``.
3. Builds ``--requests`` searches from a fixed-seed generator: a ZIP code (70 % around the big
   metro areas, weighted by population, 30 % any US ZIP), a radius of 10-100 miles, and
   optionally a route, one or two specialties, an insurance plan, telehealth and accepting
   new patients; ordered by distance, 20 per page.
4. Warms up, measures ``/healthz`` with the same clients, then the searches, and prints
   p50/p95/p99 and throughput for both, the ratio, and a JSON line (also written to
   bench/results/). Target: search p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import RESULTS, ROOT, Gunicorn, production_env, run_clients

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/kcd_bench_search"
ROUTES = ["iv-infusion", "im-injection", "intranasal-esketamine", "sublingual-oral"]
SPECIALTIES = ["opioid", "alcohol", "cocaine", "nicotine", "methamphetamine", "cannabis"]
INSURANCE = ["self-pay", "medicare", "medicaid", "aetna", "blue-cross-blue-shield", "cigna"]


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"bench: creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def vacuum_analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def search_paths(count: int, seed: int) -> list[str]:
    """The fixed query mix (same seed, same queries)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from demo.generator import _metro_zips, _zips, metros

    rng = random.Random(seed)
    weights = [m.population for m in metros()]
    all_zips = _zips()
    paths = []
    for _ in range(count):
        if rng.random() < 0.7:
            (index,) = rng.choices(range(len(weights)), weights=weights)
            zip_code = rng.choice(_metro_zips()[index] or all_zips).zip_code
        else:
            zip_code = rng.choice(all_zips).zip_code
        params: list[tuple[str, str]] = [
            ("near", zip_code),
            ("radius", str(rng.choice([10, 15, 25, 25, 50, 75, 100]))),
            ("page_size", "20"),
        ]
        if rng.random() < 0.5:
            params.append(("route", rng.choice(ROUTES)))
        if rng.random() < 0.6:
            for slug in rng.sample(SPECIALTIES, rng.choice([1, 1, 2])):
                params.append(("specialty", slug))
        if rng.random() < 0.2:
            params.append(("insurance", rng.choice(INSURANCE)))
        if rng.random() < 0.15:
            params.append(("telehealth", "true"))
        if rng.random() < 0.3:
            params.append(("accepting_new_patients", "true"))
        if rng.random() < 0.2:
            params.append(("ordering", "distance"))
        paths.append(f"/api/v1/providers/?{urlencode(params)}")
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1, help="seed_demo seed")
    parser.add_argument("--query-seed", type=int, default=42)
    parser.add_argument("--requests", type=int, default=4000, help="searches to send (max)")
    parser.add_argument("--max-seconds", type=float, default=180, help="stop the phase then")
    parser.add_argument(
        "--clients", type=int, default=2, help="concurrent client threads (2 = one per core)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--healthz", type=int, default=2000, help="/healthz requests")
    args = parser.parse_args()

    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL")
    env = production_env(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url

    ensure_database(args.database_url)
    manage(env, "migrate", "--noinput")
    print(f"bench: seed_demo --providers {args.providers} --seed {args.seed}", flush=True)
    started = time.monotonic()
    seeded = manage(env, "seed_demo", "--providers", str(args.providers), "--seed", str(args.seed))
    seed_seconds = time.monotonic() - started
    print("\n".join("  " + line for line in seeded.strip().splitlines()[-3:]), flush=True)
    vacuum_analyze(args.database_url)

    paths = search_paths(args.requests, args.query_seed)
    pages: list[int] = []

    def count_results(_path: str, body: bytes) -> None:
        try:
            pages.append(len(json.loads(body)["results"]))
        except (ValueError, KeyError):
            pages.append(-1)

    stamp = time.strftime("%Y%m%d-%H%M%S")
    with Gunicorn(env, args.workers, RESULTS / f"search-{stamp}-gunicorn.log") as server:
        print(f"bench: gunicorn on {server.base}, {args.workers} workers, {args.clients} clients")
        run_clients(server.base, paths[:200], clients=args.clients, max_seconds=60)  # warm-up
        health = run_clients(
            server.base, ["/healthz"] * args.healthz, clients=args.clients, max_seconds=60
        )
        search = run_clients(
            server.base,
            paths,
            clients=args.clients,
            max_seconds=args.max_seconds,
            on_body=count_results,
        )

    h, s = health.summary(), search.summary()
    report = {
        "providers": args.providers,
        "seed": args.seed,
        "seed_command_seconds": round(seed_seconds, 1),
        "clients": args.clients,
        "gunicorn_workers": args.workers,
        "search": s,
        "search_statuses": dict(search.statuses),
        "mean_results_per_page": round(sum(p for p in pages if p >= 0) / max(1, len(pages)), 1),
        "empty_pages": sum(1 for p in pages if p == 0),
        "healthz": h,
        "ratio_p50": round(s["p50_ms"] / h["p50_ms"], 2),
        "ratio_p95": round(s["p95_ms"] / h["p95_ms"], 2),
    }
    print(
        f"search  n={s['requests']} p50={s['p50_ms']} ms p95={s['p95_ms']} ms "
        f"p99={s['p99_ms']} ms max={s['max_ms']} ms {s['throughput_rps']} req/s"
    )
    print(
        f"healthz n={h['requests']} p50={h['p50_ms']} ms p95={h['p95_ms']} ms "
        f"p99={h['p99_ms']} ms {h['throughput_rps']} req/s"
    )
    print(f"ratio search/healthz: p50 x{report['ratio_p50']}, p95 x{report['ratio_p95']}")
    print(
        f"statuses {dict(search.statuses)}; {report['mean_results_per_page']} results per page, "
        f"{report['empty_pages']} empty pages"
    )
    print(json.dumps(report))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"search-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    bad = sum(n for status, n in search.statuses.items() if status != 200)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
