"""Benchmark: recompute ``Provider.next_available`` of every provider in bulk.

Run on a database loaded with the demo seed (``manage.py seed_demo --providers 100000``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcd python bench/next_available.py

Every stored value is cleared first (not timed), so the timed run computes and writes all of
them, as the seed command does. Prints the provider count, seconds and providers/second.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from booking.availability import providers_refresh_next_available  # noqa: E402
from directory.models import Provider  # noqa: E402


def main() -> None:
    Provider.objects.update(next_available=None)
    print(f"database: {connection.vendor}, providers: {Provider.objects.count():,}")
    began = time.perf_counter()
    count = providers_refresh_next_available()
    seconds = time.perf_counter() - began
    with_value = Provider.objects.filter(next_available__isnull=False).count()
    print(
        f"refreshed {count:,} providers in {seconds:.1f} s ({count / seconds:,.0f}/s); "
        f"{with_value:,} have a next_available"
    )


if __name__ == "__main__":
    main()
