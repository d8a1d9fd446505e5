"""Loading demo data: generated providers, their hours and policies, and the demo accounts."""

from __future__ import annotations

import logging
import queue
import threading
import time as clock
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone

from booking.availability import providers_refresh_next_available
from booking.models import (
    Appointment,
    AppointmentSeries,
    AvailabilityException,
    AvailabilityRule,
    BookingPolicy,
    TimeOff,
)
from demo.generator import (
    DEMO_EMAIL_DOMAIN,
    DEMO_PROVIDER_SLUG,
    ProviderData,
    generate_providers,
    new_digest,
    provider_digest_row,
)
from demo.models import DemoSeed
from directory.models import (
    AddictionSpecialty,
    AdministrationRoute,
    ConsultationType,
    InsurancePlan,
    Language,
    Location,
    Provider,
    ProviderRoute,
    ProviderStaff,
)
from directory.services import stored_bits

logger = logging.getLogger(__name__)
T = TypeVar("T")

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - published in the README on purpose
DEMO_PATIENT_EMAIL = "patient@demo.test"
DEMO_STAFF_EMAIL = "provider@demo.test"

#: Providers generated and written per round trip; bounded memory whatever the total.
BATCH_PROVIDERS = 2000

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SeedResult:
    providers: int
    locations: int
    consultation_types: int
    availability_rules: int
    digest: str
    skipped: bool
    seconds: float
    next_available_seconds: float | None  # None when nothing was loaded


def demo_providers():
    """Providers that seed_demo created (their public email is on the reserved demo domain)."""
    return Provider.objects.filter(email__endswith=f".{DEMO_EMAIL_DOMAIN}")


def demo_data_load(
    *, providers: int, seed: int, force: bool = False, progress: Progress | None = None
) -> SeedResult:
    """Load ``providers`` deterministic demo providers and the demo accounts.

    Idempotent: when the last load had the same seed and count and its providers are all
    still there, nothing is generated again (only the demo accounts are ensured). Otherwise
    the previous demo providers (and any appointments with them) are deleted and the new set
    is written, all in one transaction. Providers that are not demo data are never touched.
    """
    say = progress or (lambda _msg: None)
    started = clock.monotonic()
    last = DemoSeed.objects.first()
    if (
        not force
        and last is not None
        and (last.seed, last.providers) == (seed, providers)
        and demo_providers().count() == providers
    ):
        demo_accounts_ensure()
        say(f"Demo data with seed {seed} and {providers} providers is already loaded.")
        return SeedResult(
            providers=providers,
            locations=Location.objects.filter(provider__in=demo_providers()).count(),
            consultation_types=ConsultationType.objects.filter(
                provider__in=demo_providers()
            ).count(),
            availability_rules=AvailabilityRule.objects.filter(
                location__provider__in=demo_providers()
            ).count(),
            digest=last.digest,
            skipped=True,
            seconds=clock.monotonic() - started,
            next_available_seconds=None,
        )

    with transaction.atomic():
        removed = _demo_data_delete()
        if removed:
            say(f"Removed {removed} previous demo providers.")
        counts, digest = _providers_write(providers=providers, seed=seed, say=say)
        demo_accounts_ensure()
        DemoSeed.objects.all().delete()
        seconds = clock.monotonic() - started
        DemoSeed.objects.create(seed=seed, providers=providers, digest=digest, seconds=seconds)

    refresh_seconds = _next_available_refresh(say)
    return SeedResult(
        providers=counts["providers"],
        locations=counts["locations"],
        consultation_types=counts["consultation_types"],
        availability_rules=counts["rules"],
        digest=digest,
        skipped=False,
        seconds=clock.monotonic() - started,
        next_available_seconds=refresh_seconds,
    )


def demo_accounts_ensure() -> None:
    """The two demo accounts of the contract, with the published password.

    ``provider@demo.test`` manages the stable demo provider when it exists.
    """
    User = get_user_model()
    accounts = ((DEMO_PATIENT_EMAIL, "Pat Demo"), (DEMO_STAFF_EMAIL, "Riley Demo"))
    with transaction.atomic():
        for email, full_name in accounts:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
            elif not user.check_password(DEMO_PASSWORD) or not user.is_active:
                user.set_password(DEMO_PASSWORD)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            if email == DEMO_STAFF_EMAIL:
                provider = Provider.objects.filter(slug=DEMO_PROVIDER_SLUG).first()
                if provider is not None:
                    ProviderStaff.objects.update_or_create(
                        user=user,
                        defaults={"provider": provider, "role": ProviderStaff.Role.MANAGER},
                    )


# --- internals ------------------------------------------------------------------------------


def _demo_data_delete() -> int:
    demo = demo_providers()
    count = demo.count()
    if not count:
        return 0
    # Appointments (and whatever hangs off them) go through the ORM so every cascade is
    # honoured; the bulky rows below have nothing else pointing at them, so plain SQL
    # deletes keep a 100,000-provider wipe to seconds instead of loading every object.
    Appointment.objects.filter(provider__in=demo).delete()
    AppointmentSeries.objects.filter(provider__in=demo).delete()
    provider_ids = f"SELECT id FROM {Provider._meta.db_table} WHERE email LIKE %s"  # noqa: S608
    location_ids = f"SELECT id FROM {Location._meta.db_table} WHERE provider_id IN ({provider_ids})"  # noqa: S608
    by_location = (AvailabilityRule, AvailabilityException)
    by_provider = (
        TimeOff,
        BookingPolicy,
        ConsultationType,
        ProviderRoute,
        Provider.specialties.through,
        Provider.insurance.through,
        Provider.languages.through,
        ProviderStaff,
        Location,
    )
    pattern = f"%.{DEMO_EMAIL_DOMAIN}"
    with connection.cursor() as cursor:
        for model in by_location:
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE location_id IN ({location_ids})",  # noqa: S608
                [pattern],
            )
        for model in by_provider:
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE provider_id IN ({provider_ids})",  # noqa: S608
                [pattern],
            )
    demo.delete()
    return count


def _batches(items, size: int):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _ahead(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``items``, computed by a thread up to ``depth`` ahead of the caller.

    The loader waits on PostgreSQL (COPY, index updates) for about half of its time; the
    generator, pure Python, makes the next batch meanwhile (I/O waits release the GIL).
    The order is unchanged, so the data stays deterministic.
    """
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def hand(entry: tuple) -> bool:
        """Queue ``entry`` unless the caller has stopped reading; False if it has."""
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand((item, None)):
                    return
        except BaseException as exc:  # raised in the caller's thread
            hand((end, exc))
        else:
            hand((end, None))

    producer = threading.Thread(target=produce, name="seed-demo-generator", daemon=True)
    producer.start()
    try:
        while True:
            item, error = handoff.get()
            if item is end:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        producer.join(timeout=5)


def _providers_write(*, providers: int, seed: int, say: Progress) -> tuple[dict[str, int], str]:
    routes = dict(AdministrationRoute.objects.values_list("slug", "pk"))
    specialties = dict(AddictionSpecialty.objects.values_list("slug", "pk"))
    insurance = dict(InsurancePlan.objects.values_list("slug", "pk"))
    languages = dict(Language.objects.values_list("slug", "pk"))
    SpecialtyLink = Provider.specialties.through
    InsuranceLink = Provider.insurance.through
    LanguageLink = Provider.languages.through
    today = timezone.localdate()
    now = timezone.now()
    digest = new_digest()
    counts = {"providers": 0, "locations": 0, "consultation_types": 0, "rules": 0}
    started = clock.monotonic()
    report_every = max(BATCH_PROVIDERS, (providers // 10) // BATCH_PROVIDERS * BATCH_PROVIDERS)

    for batch in _ahead(_batches(generate_providers(providers, seed), BATCH_PROVIDERS)):
        rows: list[ProviderData] = batch
        for p in rows:
            digest.update(provider_digest_row(p))
        provider_ids = _rows_insert(
            Provider,
            _PROVIDER_COLUMNS,
            [
                (
                    p.slug,
                    p.name,
                    p.kind,
                    p.description,
                    p.credentials,
                    p.website,
                    p.phone,
                    p.email,
                    p.accepting_new_patients,
                    p.telehealth,
                    p.psychotherapy_integration,
                    p.esketamine_rems_certified,
                    p.mat_coordination,
                    today - timedelta(days=p.last_verified_days_ago),
                    now,
                    now,
                )
                for p in rows
            ],
            ids=True,
        )
        location_ids = _rows_insert(
            Location,
            _LOCATION_COLUMNS,
            [
                (
                    pid,
                    loc.name,
                    loc.address_line1,
                    loc.address_line2,
                    loc.city,
                    loc.state,
                    loc.postal_code,
                    loc.latitude,
                    loc.longitude,
                    loc.timezone,
                    *facts,
                )
                for p, pid in zip(rows, provider_ids, strict=True)
                for facts in [_search_facts(p, routes, specialties, insurance)]
                for loc in p.locations
            ],
            ids=True,
        )
        location_data = [loc for p in rows for loc in p.locations]
        rules = [
            (lid, day, start, end)
            for lid, data in zip(location_ids, location_data, strict=True)
            for day, start, end in data.hours
        ]
        _rows_insert(AvailabilityRule, ("location_id", "weekday", "start_time", "end_time"), rules)
        _rows_insert(
            ProviderRoute,
            ("provider_id", "route_id", "price_per_session", "price_per_course", "course_sessions"),
            [
                (pid, routes[r.slug], r.price_per_session, r.price_per_course, r.course_sessions)
                for p, pid in zip(rows, provider_ids, strict=True)
                for r in p.routes
            ],
        )
        ctypes = [
            (
                pid,
                c.name,
                c.description,
                c.duration_minutes,
                c.price,
                c.mode,
                routes[c.route] if c.route else None,
                c.monitoring_minutes,
                c.course_sessions,
                c.course_interval_days,
                c.requires_fasting,
                c.requires_driver,
                c.arrive_early_minutes,
                c.preparation_notes,
            )
            for p, pid in zip(rows, provider_ids, strict=True)
            for c in p.consultation_types
        ]
        _rows_insert(ConsultationType, _CTYPE_COLUMNS, ctypes)
        for link, column, table, attr in (
            (SpecialtyLink, "addictionspecialty_id", specialties, "specialties"),
            (InsuranceLink, "insuranceplan_id", insurance, "insurance"),
            (LanguageLink, "language_id", languages, "languages"),
        ):
            _rows_insert(
                link,
                ("provider_id", column),
                [
                    (pid, table[slug])
                    for p, pid in zip(rows, provider_ids, strict=True)
                    for slug in getattr(p, attr)
                ],
            )
        _rows_insert(
            BookingPolicy,
            (
                "provider_id",
                "min_notice_minutes",
                "horizon_days",
                "buffer_minutes",
                "slot_step_minutes",
                "hold_minutes",
            ),
            [
                (
                    pid,
                    p.policy.min_notice_minutes,
                    p.policy.horizon_days,
                    p.policy.buffer_minutes,
                    p.policy.slot_step_minutes,
                    p.policy.hold_minutes,
                )
                for p, pid in zip(rows, provider_ids, strict=True)
            ],
        )
        counts["providers"] += len(rows)
        counts["locations"] += len(location_ids)
        counts["consultation_types"] += len(ctypes)
        counts["rules"] += len(rules)
        if counts["providers"] % report_every == 0 or counts["providers"] == providers:
            say(
                f"  {counts['providers']:,} / {providers:,} providers "
                f"({clock.monotonic() - started:.1f} s)"
            )
    return counts, digest.hexdigest()


_PROVIDER_COLUMNS = (
    "slug",
    "name",
    "kind",
    "description",
    "credentials",
    "website",
    "phone",
    "email",
    "accepting_new_patients",
    "telehealth",
    "psychotherapy_integration",
    "esketamine_rems_certified",
    "mat_coordination",
    "last_verified",
    "created_at",
    "updated_at",
)
_LOCATION_COLUMNS = (
    "provider_id",
    "name",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "latitude",
    "longitude",
    "timezone",
    # COPY sends no signals: the searched facts go in with the rows (_search_facts).
    "provider_published",
    "provider_accepting",
    "provider_telehealth",
    "route_bits",
    "specialty_bits",
    "insurance_bits",
)


def _search_facts(
    p: ProviderData, routes: dict[str, int], specialties: dict[str, int], insurance: dict[str, int]
) -> tuple:
    """The search columns of a new provider's locations, as the refresh would set them.

    Written with the rows instead of one ``location_search_facts_refresh`` per batch: its
    correlated subqueries took about 0.9 s per 2,000 providers, 45 s of a 100,000 load.
    """
    return (
        True,  # demo providers are published (the model default)
        p.accepting_new_patients,
        p.telehealth,
        stored_bits(routes[r.slug] for r in p.routes),
        stored_bits(specialties[slug] for slug in p.specialties),
        stored_bits(insurance[slug] for slug in p.insurance),
    )


_CTYPE_COLUMNS = (
    "provider_id",
    "name",
    "description",
    "duration_minutes",
    "price",
    "mode",
    "route_id",
    "monitoring_minutes",
    "course_sessions",
    "course_interval_days",
    "requires_fasting",
    "requires_driver",
    "arrive_early_minutes",
    "preparation_notes",
)


def _rows_insert(
    model, columns: tuple[str, ...], rows: list[tuple], *, ids: bool = False
) -> list[int]:
    """Insert plain rows: COPY on PostgreSQL (several times faster than INSERT), else
    bulk_create. With ``ids``, return the new primary keys in row order.

    Columns not listed get their model default, so a field added later with a default does
    not break the load; one without a default (and not nullable) fails loudly here.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000
        )
        return [obj.pk for obj in objs] if ids else []
    from psycopg.types.json import Jsonb  # PostgreSQL only

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    missing = [f for f in fields if f.attname not in columns]
    tail = []
    for f in missing:
        if not f.has_default() and not f.null:
            raise ValueError(f"{model.__name__}.{f.name} needs a value in the demo loader.")
        tail.append(f.get_db_prep_save(f.get_default(), connection) if f.has_default() else None)
    by_name = {f.attname: f for f in fields}
    json_at = [i for i, c in enumerate(columns) if isinstance(by_name[c], JSONField)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [*columns, *(f.column for f in missing)]
    new_ids: list[int] = []
    with connection.cursor() as cursor:
        if ids:
            # Take the keys from the table's own sequence first, so COPY can carry them.
            pk = model._meta.pk.column
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk, len(rows)],
            )
            new_ids = [r[0] for r in cursor.fetchall()]
            names.insert(0, pk)
        column_list = ", ".join(quote(n) for n in names)
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
            for index, row in enumerate(rows):
                values = list(row)
                for i in json_at:
                    values[i] = Jsonb(values[i])
                if ids:
                    values.insert(0, new_ids[index])
                copy.write_row((*values, *tail))
    return new_ids


def _next_available_refresh(say: Progress) -> float:
    say("Computing next_available for every provider ...")
    started = clock.monotonic()
    providers_refresh_next_available(provider_ids=None)
    return clock.monotonic() - started
