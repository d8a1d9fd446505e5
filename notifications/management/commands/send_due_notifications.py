"""Send every due outbox email now (what the beat task does), e.g. after an outage."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from notifications.models import OutboundEmail
from notifications.services import outbound_send_due


class Command(BaseCommand):
    help = "Send due or stranded notification emails until none is left, then summarise."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--max-seconds", type=float, default=300.0, help="Stop claiming after this long."
        )

    def handle(self, *args, max_seconds: float, **options) -> None:
        totals: dict[str, int] = {}
        while True:
            counts = outbound_send_due(time_budget=min(max_seconds, 40.0))
            for outcome, n in counts.items():
                totals[outcome] = totals.get(outcome, 0) + n
            if counts:
                self.stdout.write(f"batch: {counts}")
            max_seconds -= 40.0
            if not counts or max_seconds <= 0 or counts.get("retry"):
                break
        by_status = dict(
            OutboundEmail.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        summary = ", ".join(f"{k}={v}" for k, v in sorted(totals.items())) or "nothing due"
        self.stdout.write(f"Done: {summary}. Outbox now: {by_status}.")
        if totals.get("retry") or totals.get("failed"):
            raise CommandError(
                "Some emails could not be sent; check EMAIL_HOST/EMAIL_PORT and the admin's "
                "Outbound emails list (status failed) for the errors."
            )
