"""``manage.py seed_demo [--providers N] [--seed S] [--force]``: deterministic demo data."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from demo.services import DEMO_PASSWORD, DEMO_PATIENT_EMAIL, DEMO_STAFF_EMAIL, demo_data_load
from directory.models import Provider


class Command(BaseCommand):
    help = (
        "Load deterministic demo providers spread over real US ZIP codes (denser in the big "
        "metro areas), their hours and booking policies, and the demo accounts "
        f"{DEMO_PATIENT_EMAIL} and {DEMO_STAFF_EMAIL}. Running it again with the same seed "
        "and count does nothing; a different seed or count (or --force) replaces the previous "
        "demo providers. Providers that are not demo data are never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--providers", type=int, default=300, help="How many providers (default 300)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: same seed, same data (default 1)."
        )
        parser.add_argument(
            "--force", action="store_true", help="Reload even if this seed is already loaded."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the directory already has providers (bin/dev uses this).",
        )

    def handle(
        self, *args: object, providers: int, seed: int, force: bool, if_empty: bool, **options
    ) -> None:
        if not 1 <= providers <= 1_000_000:
            raise CommandError("--providers must be between 1 and 1,000,000.")
        if if_empty and Provider.objects.exists():
            self.stdout.write("The directory already has providers: no demo data loaded.")
            return
        self.stdout.write(f"Loading {providers:,} demo providers with seed {seed} ...")
        try:
            result = demo_data_load(
                providers=providers, seed=seed, force=force, progress=self.stdout.write
            )
        except DatabaseError as exc:
            raise CommandError(
                f"Could not write demo data ({exc.__class__.__name__}): is the database "
                "migrated (manage.py migrate) and reachable?"
            ) from exc
        if result.skipped:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Nothing to do: seed {seed} with {providers:,} providers is already loaded "
                    "(use --force to reload)."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {result.providers:,} providers, {result.locations:,} locations, "
                    f"{result.consultation_types:,} consultation types and "
                    f"{result.availability_rules:,} weekly hours in {result.seconds:.1f} s "
                    f"(of which next_available: {result.next_available_seconds:.1f} s)."
                )
            )
        self.stdout.write(f"Digest: {result.digest}")
        self.stdout.write(
            f"Demo accounts: {DEMO_PATIENT_EMAIL} and {DEMO_STAFF_EMAIL} "
            f"(password {DEMO_PASSWORD})."
        )
