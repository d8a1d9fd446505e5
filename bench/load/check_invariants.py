"""Invariants after a load test or a fault check; exits 1 (and says which) when one is broken.

    DATABASE_URL=postgres://... python bench/load/check_invariants.py [--since-id N] [--json]

1. No two active appointments (held, requested, confirmed) of one provider overlap in
   ``[start, occupied_until)``.
2. Every appointment has its history: at least one ``AppointmentTransition``.
3. Every booked appointment (a transition into requested/confirmed from nothing or a hold)
   has its patient's confirmation email row (``OutboundEmail`` of kind booking_received or
   confirmed), i.e. no booking committed without its outbox rows.

``--since-id`` limits 2 and 3 to appointments with a larger id (those a run created).
Prints counts only (ids, never names or emails).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def check(since_id: int = 0) -> dict:
    """Return {"appointments", "booked", "overlaps", "without_transition", "without_email", ...}."""
    from django.db.models import Exists, OuterRef, Q

    from booking.models import Appointment, AppointmentTransition
    from notifications.models import OutboundEmail

    active = Appointment.ACTIVE_STATUSES
    overlapping = Appointment.objects.filter(status__in=active).filter(
        Exists(
            Appointment.objects.filter(
                provider=OuterRef("provider"),
                status__in=active,
                start__lt=OuterRef("occupied_until"),
                occupied_until__gt=OuterRef("start"),
            ).exclude(pk=OuterRef("pk"))
        )
    )
    created = Appointment.objects.filter(pk__gt=since_id)
    booked_transition = AppointmentTransition.objects.filter(
        appointment=OuterRef("pk"),
        to_status__in=[Appointment.Status.REQUESTED, Appointment.Status.CONFIRMED],
    ).filter(Q(from_status="") | Q(from_status=Appointment.Status.HELD))
    booked = created.filter(Exists(booked_transition))
    confirmation = OutboundEmail.objects.filter(
        appointment=OuterRef("pk"),
        recipient=OuterRef("patient"),
        kind__in=[OutboundEmail.Kind.BOOKING_RECEIVED, OutboundEmail.Kind.CONFIRMED],
    )
    without_transition = created.exclude(
        Exists(AppointmentTransition.objects.filter(appointment=OuterRef("pk")))
    )
    without_email = booked.filter(patient__isnull=False).exclude(Exists(confirmation))
    emails = OutboundEmail.objects.filter(appointment__pk__gt=since_id)
    return {
        "appointments": created.count(),
        "booked": booked.count(),
        "active": created.filter(status__in=active).count(),
        "overlaps": overlapping.count(),
        "overlap_ids": list(overlapping.order_by("pk").values_list("pk", flat=True)[:20]),
        "without_transition": without_transition.count(),
        "without_transition_ids": list(without_transition.values_list("pk", flat=True)[:20]),
        "without_email": without_email.count(),
        "without_email_ids": list(without_email.values_list("pk", flat=True)[:20]),
        "email_rows": emails.count(),
        "email_rows_by_status": {
            row["status"]: row["n"]
            for row in emails.values("status").order_by("status").annotate(n=_count())
        },
    }


def _count():
    from django.db.models import Count

    return Count("pk")


def violations(report: dict) -> list[str]:
    problems = []
    if report["overlaps"]:
        problems.append(f"{report['overlaps']} overlapping active appointments")
    if report["without_transition"]:
        problems.append(f"{report['without_transition']} appointments without a transition")
    if report["without_email"]:
        problems.append(f"{report['without_email']} bookings without a confirmation email row")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--since-id", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    report = check(args.since_id)
    problems = violations(report)
    if args.json:
        print(json.dumps({**report, "violations": problems}))
    else:
        print(
            f"invariants: {report['appointments']} appointments ({report['booked']} booked, "
            f"{report['active']} active), {report['email_rows']} email rows "
            f"{report['email_rows_by_status']}; overlaps {report['overlaps']}, without "
            f"transition {report['without_transition']}, without confirmation email "
            f"{report['without_email']}"
        )
        for problem in problems:
            print(f"invariants: FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
