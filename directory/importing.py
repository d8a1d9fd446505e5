"""Bulk import of providers from CSV or JSON files (``manage.py import_providers``).

The file format is documented in ``docs/IMPORT.md``. Reading is two steps: a parser turns
CSV or JSON into :class:`ImportRecord` objects of one shape (the JSON shape), then
:func:`providers_import` validates every record with the models' own validators and, when
allowed, writes them in one transaction, upserting by provider slug.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.exceptions import InvalidInput
from directory.geo import zip_lookup
from directory.models import (
    ESKETAMINE_ROUTE,
    AddictionSpecialty,
    AdministrationRoute,
    ConsultationType,
    InsurancePlan,
    Language,
    Location,
    Provider,
    ProviderRoute,
)

LIST_SEPARATOR = "|"
PART_SEPARATOR = ":"
CLEAR_LIST = "-"

PROVIDER_SCALARS = (
    "name",
    "kind",
    "description",
    "website",
    "phone",
    "email",
    "accepting_new_patients",
    "telehealth",
    "psychotherapy_integration",
    "esketamine_rems_certified",
    "last_verified",
    "is_published",
)
BOOLEAN_FIELDS = frozenset(
    {
        "accepting_new_patients",
        "telehealth",
        "psychotherapy_integration",
        "esketamine_rems_certified",
        "is_published",
        "requires_fasting",
        "requires_driver",
        "is_active",
    }
)
CHOICE_LISTS = ("credentials", "mat_coordination")
REFERENCE_LISTS = {
    "specialties": AddictionSpecialty,
    "insurance": InsurancePlan,
    "languages": Language,
}
LOCATION_FIELDS = (
    "name",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "latitude",
    "longitude",
    "timezone",
)
ROUTE_FIELDS = ("route", "price_per_session", "price_per_course", "course_sessions")
CONSULTATION_FIELDS = (
    "name",
    "duration_minutes",
    "price",
    "mode",
    "route",
    "monitoring_minutes",
    "course_sessions",
    "course_interval_days",
    "description",
    "requires_fasting",
    "requires_driver",
    "arrive_early_minutes",
    "preparation_notes",
    "is_active",
)
# In CSV a consultation type is "name:duration:price:mode:route:monitoring:sessions:interval".
CSV_CONSULTATION_PARTS = CONSULTATION_FIELDS[:8]
JSON_KEYS = frozenset(
    {"slug", "routes", "locations", "consultation_types"}
    | set(PROVIDER_SCALARS)
    | set(CHOICE_LISTS)
    | set(REFERENCE_LISTS)
)
CSV_LOCATION_COLUMNS = {"location_name": "name"} | {f: f for f in LOCATION_FIELDS if f != "name"}
CSV_COLUMNS = (
    "slug",
    *PROVIDER_SCALARS,
    *CHOICE_LISTS,
    *REFERENCE_LISTS,
    "routes",
    "consultation_types",
    *CSV_LOCATION_COLUMNS,
)


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


@dataclass(slots=True)
class ImportRecord:
    """One provider as read from the file. ``row`` is what error messages cite."""

    row: int
    data: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)
    # CSV only: the file row of each location, so a bad address points at its own row.
    location_rows: list[int] = field(default_factory=list)


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False


class ImportRejected(InvalidInput):
    """Some rows are invalid and ``skip_invalid`` was not given: nothing was written."""

    default_code = "import_rejected"

    def __init__(self, report: ImportReport) -> None:
        rows = len({e.row for e in report.errors})
        super().__init__(
            f"{rows} row(s) have errors, so nothing was imported. Fix them and run the import "
            "again, or add --skip-invalid to import the valid rows only."
        )
        self.report = report


# --- Parsing ----------------------------------------------------------------------------


def parse_file(*, text: str, file_format: str) -> list[ImportRecord]:
    """Records from the text of a ``csv`` or ``json`` file; raises InvalidInput if unreadable."""
    if file_format == "json":
        return parse_json(text=text)
    if file_format == "csv":
        return parse_csv(text=text)
    raise InvalidInput(f"Unknown format {file_format!r}: use csv or json.", code="unknown_format")


def parse_json(*, text: str) -> list[ImportRecord]:
    """A JSON array of provider objects (or ``{"providers": [...]}``); rows count from 1."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"The file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            code="invalid_file",
        ) from exc
    if isinstance(payload, dict) and isinstance(payload.get("providers"), list):
        payload = payload["providers"]
    if not isinstance(payload, list):
        raise InvalidInput(
            'The JSON file must be an array of providers, or {"providers": [...]}.',
            code="invalid_file",
        )
    records = []
    for index, item in enumerate(payload, start=1):
        if not isinstance(item, dict):
            record = ImportRecord(row=index, data={})
            record.errors.append(RowError(index, "row", "Each provider must be a JSON object."))
        else:
            record = ImportRecord(row=index, data=item)
            for key in sorted(set(item) - JSON_KEYS):
                record.errors.append(RowError(index, key, "Unknown field."))
        records.append(record)
    return records


def parse_csv(*, text: str) -> list[ImportRecord]:
    """A CSV file with a header row; rows count as in a spreadsheet (the header is row 1).

    Rows that repeat a slug add a location to the provider of the first such row.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    if "slug" not in header:
        raise InvalidInput(
            "The CSV file needs a header row with at least a 'slug' column.", code="invalid_file"
        )
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise InvalidInput(
            f"Unknown column(s) {', '.join(unknown)}. Allowed columns: {', '.join(CSV_COLUMNS)}.",
            code="invalid_file",
        )
    reader.fieldnames = header

    by_slug: dict[str, ImportRecord] = {}
    records: list[ImportRecord] = []
    for row_number, raw in enumerate(reader, start=2):
        if None in raw:
            bad = ImportRecord(row=row_number, data={})
            bad.errors.append(RowError(row_number, "row", "More cells than header columns."))
            records.append(bad)
            continue
        cells = {k: (v or "").strip() for k, v in raw.items()}
        if not any(cells.values()):
            continue  # blank line
        data, errors = _csv_row_to_data(row_number, cells)
        location = data.pop("locations", None)
        slug = data.get("slug", "")
        first = by_slug.get(slug) if slug else None
        if first is None:
            record = ImportRecord(row=row_number, data=data, errors=errors)
            if location is not None:
                record.data["locations"] = [location]
                record.location_rows.append(row_number)
            if slug:
                by_slug[slug] = record
            records.append(record)
            continue
        # A further location of a provider seen on an earlier row.
        first.errors.extend(errors)
        for key, value in data.items():
            if key != "slug" and first.data.get(key) != value:
                first.errors.append(
                    RowError(
                        row_number,
                        key,
                        f"Differs from row {first.row} of the same slug; give provider "
                        "details once, or repeat them exactly.",
                    )
                )
        if location is not None:
            first.data.setdefault("locations", []).append(location)
            first.location_rows.append(row_number)
    return records


def _csv_row_to_data(row: int, cells: dict[str, str]) -> tuple[dict[str, Any], list[RowError]]:
    data: dict[str, Any] = {}
    errors: list[RowError] = []
    for column in ("slug", *PROVIDER_SCALARS):
        if cells.get(column):
            data[column] = cells[column]
    for column in (*CHOICE_LISTS, *REFERENCE_LISTS):
        if cells.get(column):
            data[column] = _split_list(cells[column])
    if cells.get("routes"):
        routes = []
        for entry in _split_list(cells["routes"]):
            parts = [p.strip() for p in entry.split(PART_SEPARATOR)]
            if len(parts) > len(ROUTE_FIELDS):
                errors.append(
                    RowError(row, "routes", f"{entry!r} has too many parts; use {_route_hint()}.")
                )
                continue
            routes.append({k: v for k, v in zip(ROUTE_FIELDS, parts, strict=False) if v})
        data["routes"] = routes
    if cells.get("consultation_types"):
        types = []
        for entry in _split_list(cells["consultation_types"]):
            parts = [p.strip() for p in entry.split(PART_SEPARATOR)]
            if len(parts) > len(CSV_CONSULTATION_PARTS):
                errors.append(
                    RowError(
                        row,
                        "consultation_types",
                        f"{entry!r} has too many parts; use {':'.join(CSV_CONSULTATION_PARTS)}.",
                    )
                )
                continue
            types.append({k: v for k, v in zip(CSV_CONSULTATION_PARTS, parts, strict=False) if v})
        data["consultation_types"] = types
    location = {
        field_name: cells[column]
        for column, field_name in CSV_LOCATION_COLUMNS.items()
        if cells.get(column)
    }
    if location:
        data["locations"] = location
    return data, errors


def _split_list(cell: str) -> list[str]:
    if cell == CLEAR_LIST:
        return []
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def _route_hint() -> str:
    return ":".join(ROUTE_FIELDS) + " (e.g. iv-infusion:450:2400:6)"


# --- Validation and writing -------------------------------------------------------------


@dataclass
class _Plan:
    record: ImportRecord
    provider: Provider
    is_new: bool
    lists: dict[str, list[int]]
    choice_lists: dict[str, list[str]]
    routes: list[ProviderRoute] | None
    locations: list[Location]
    consultation_types: list[ConsultationType]


def providers_import(
    *, records: Iterable[ImportRecord], dry_run: bool = False, skip_invalid: bool = False
) -> ImportReport:
    """Validate every record, then upsert the providers by slug in one transaction.

    A provider's omitted fields keep their current values (or the model defaults when it
    is new); lists given replace the current ones; locations are matched by street and
    ZIP and consultation types by name, updated if found and created otherwise (existing
    ones absent from the file are left alone because appointments refer to them).

    Raises ImportRejected (nothing written) if any record is invalid and ``skip_invalid``
    is false. With ``dry_run`` everything is validated and written, then rolled back, so
    the report shows exactly what a real run would do.
    """
    records = list(records)
    report = ImportReport(dry_run=dry_run)
    refs = _ReferenceIds()
    with transaction.atomic():
        slugs = [r.data.get("slug") for r in records if isinstance(r.data.get("slug"), str)]
        existing = {
            p.slug: p
            for p in Provider.objects.filter(slug__in=slugs).order_by("pk").select_for_update()
        }
        plans: list[_Plan] = []
        seen: dict[str, int] = {}
        for record in records:
            slug = record.data.get("slug")
            if isinstance(slug, str) and slug in seen:
                record.errors.append(
                    RowError(record.row, "slug", f"Duplicate of row {seen[slug]}.")
                )
            elif isinstance(slug, str):
                seen[slug] = record.row
            plan = _validate(record, existing.get(slug) if isinstance(slug, str) else None, refs)
            if record.errors:
                report.errors.extend(record.errors)
                report.skipped += 1
            else:
                plans.append(plan)

        if report.errors and not skip_invalid:
            raise ImportRejected(report)

        for plan in plans:
            try:
                with transaction.atomic():
                    _write(plan)
            except (IntegrityError, ValidationError) as exc:
                # A constraint the validators did not foresee (or a concurrent writer).
                report.errors.append(RowError(plan.record.row, "row", _message(exc)))
                report.skipped += 1
                continue
            if plan.is_new:
                report.created += 1
            else:
                report.updated += 1

        if report.errors and not skip_invalid:
            raise ImportRejected(report)
        if dry_run:
            transaction.set_rollback(True)
        else:
            report.written = True
    return report


class _ReferenceIds:
    """Slug -> id of the reference tables, read once per import."""

    def __init__(self) -> None:
        self.routes = {r.slug: r for r in AdministrationRoute.objects.all()}
        self.lists = {
            name: dict(model.objects.values_list("slug", "pk"))
            for name, model in REFERENCE_LISTS.items()
        }


def _validate(record: ImportRecord, existing: Provider | None, refs: _ReferenceIds) -> _Plan:
    data, row = record.data, record.row
    errors = record.errors

    def err(field_name: str, message: str, at: int | None = None) -> None:
        errors.append(RowError(at or row, field_name, message))

    slug = data.get("slug")
    if not isinstance(slug, str) or not slug.strip():
        err("slug", "Required: the provider's unique slug (e.g. sunrise-ketamine).")
        slug = "missing-slug"  # reported once above, not again by full_clean()
    provider = existing or Provider(slug=slug)

    for name in PROVIDER_SCALARS:
        if name not in data:
            continue
        value = data[name]
        try:
            if name in BOOLEAN_FIELDS:
                value = _boolean(value)
            elif name == "last_verified":
                value = _date(value)
            elif value is None:
                value = ""
            elif not isinstance(value, str):
                raise ValueError("Must be text.")
        except ValueError as exc:
            err(name, str(exc))
            continue
        setattr(provider, name, value)

    choice_lists: dict[str, list[str]] = {}
    for name in CHOICE_LISTS:
        if name in data:
            values = _string_list(data[name])
            if values is None:
                err(name, "Must be a list of strings.")
            else:
                setattr(provider, name, values)
                choice_lists[name] = values

    try:
        provider.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                err(name, message)

    lists: dict[str, list[int]] = {}
    for name, ids_by_slug in refs.lists.items():
        if name not in data:
            continue
        values = _string_list(data[name])
        if values is None:
            err(name, "Must be a list of slugs.")
            continue
        unknown = [v for v in values if v not in ids_by_slug]
        if unknown:
            err(name, f"Unknown: {', '.join(unknown)}. See /api/v1/{_list_url(name)}/.")
            continue
        lists[name] = [ids_by_slug[v] for v in dict.fromkeys(values)]

    routes = _validate_routes(data, provider, refs, err) if "routes" in data else None
    if routes is not None:
        offered = {pr.route.slug for pr in routes}
    elif existing is not None:
        offered = set(existing.provider_routes.values_list("route__slug", flat=True))
    else:
        offered = set()
    if ESKETAMINE_ROUTE in offered and not provider.esketamine_rems_certified:
        err(
            "routes",
            "Only REMS-certified clinics may offer intranasal-esketamine: set "
            "esketamine_rems_certified to true, or remove the route.",
        )

    locations = _validate_locations(record, provider, err)
    consultation_types = _validate_consultation_types(data, provider, refs, err)
    return _Plan(
        record=record,
        provider=provider,
        is_new=existing is None,
        lists=lists,
        choice_lists=choice_lists,
        routes=routes,
        locations=locations,
        consultation_types=consultation_types,
    )


def _validate_routes(data, provider, refs, err) -> list[ProviderRoute]:
    items = data["routes"]
    if not isinstance(items, list):
        err("routes", "Must be a list of routes.")
        return []
    routes: list[ProviderRoute] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"routes[{index}]"
        if isinstance(item, str):
            item = {"route": item}
        if not isinstance(item, dict):
            err(where, "Must be a route slug or an object with a 'route' key.")
            continue
        unknown = set(item) - set(ROUTE_FIELDS)
        if unknown:
            err(where, f"Unknown field(s): {', '.join(sorted(unknown))}.")
            continue
        slug = item.get("route")
        route = refs.routes.get(slug) if isinstance(slug, str) else None
        if route is None:
            err(f"{where}.route", f"Unknown route {slug!r}. See /api/v1/routes/.")
            continue
        if slug in seen:
            err(f"{where}.route", f"{slug} is listed twice.")
            continue
        seen.add(slug)
        provider_route = ProviderRoute(provider=provider, route=route)
        try:
            provider_route.price_per_session = _decimal(item.get("price_per_session"))
            provider_route.price_per_course = _decimal(item.get("price_per_course"))
            provider_route.course_sessions = _integer(item.get("course_sessions"))
        except ValueError as exc:
            err(where, str(exc))
            continue
        _clean_child(provider_route, where, err)
        routes.append(provider_route)
    return routes


def _validate_locations(record: ImportRecord, provider, err) -> list[Location]:
    items = record.data.get("locations", [])
    if not isinstance(items, list):
        err("locations", "Must be a list of locations.")
        return []
    locations: list[Location] = []
    for index, item in enumerate(items):
        at = record.location_rows[index] if index < len(record.location_rows) else None
        where = "location" if at else f"locations[{index}]"
        if not isinstance(item, dict):
            err(where, "Must be an object.", at)
            continue
        unknown = set(item) - set(LOCATION_FIELDS)
        if unknown:
            err(where, f"Unknown field(s): {', '.join(sorted(unknown))}.", at)
            continue
        values = dict(item)
        for name in ("latitude", "longitude"):
            if values.get(name) in (None, ""):
                values.pop(name, None)
                continue
            try:
                values[name] = float(values[name])
            except (TypeError, ValueError):
                err(f"{where}.{name}", "Must be a number in decimal degrees.", at)
                values.pop(name)
        zip_code = values.get("postal_code")
        if zip_code is not None and not isinstance(zip_code, str):
            # A number loses the leading zero of New England ZIP codes (02134 -> 2134).
            err(f"{where}.postal_code", 'Write the ZIP code as text, e.g. "02134".', at)
            continue
        missing = [
            n for n in ("latitude", "longitude", "timezone", "city", "state") if not values.get(n)
        ]
        if isinstance(zip_code, str) and missing:
            # Fill what the file left out from the offline ZIP table.
            info = zip_lookup(zip_code)
            if info is not None:
                for name in missing:
                    values[name] = getattr(info, name)
            elif {"latitude", "longitude", "timezone"} & set(missing):
                err(
                    f"{where}.postal_code",
                    f"Unknown ZIP code {zip_code!r}: give latitude, longitude and timezone.",
                    at,
                )
                continue
        location = Location(
            provider=provider, **{k: ("" if v is None else v) for k, v in values.items()}
        )
        if not _clean_child(location, where, err, at, exclude_blank=("latitude", "longitude")):
            continue
        locations.append(location)
    return locations


def _validate_consultation_types(data, provider, refs, err) -> list[ConsultationType]:
    items = data.get("consultation_types", [])
    if not isinstance(items, list):
        err("consultation_types", "Must be a list of consultation types.")
        return []
    result: list[ConsultationType] = []
    names: set[str] = set()
    for index, item in enumerate(items):
        where = f"consultation_types[{index}]"
        if not isinstance(item, dict):
            err(where, "Must be an object.")
            continue
        unknown = set(item) - set(CONSULTATION_FIELDS)
        if unknown:
            err(where, f"Unknown field(s): {', '.join(sorted(unknown))}.")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            err(f"{where}.name", "Required.")
            continue
        if name.casefold() in names:
            err(f"{where}.name", f"{name!r} is listed twice.")
            continue
        names.add(name.casefold())
        ctype = ConsultationType(provider=provider, name=name.strip())
        try:
            for key, value in item.items():
                if key in ("name", "route"):
                    continue
                if key == "price":
                    value = _decimal(value)
                elif key in BOOLEAN_FIELDS:
                    value = _boolean(value)
                elif key in ("description", "preparation_notes", "mode"):
                    value = "" if value is None else str(value)
                else:
                    value = _integer(value)
                    if value is None:
                        continue  # keep the model default
                setattr(ctype, key, value)
        except ValueError as exc:
            err(where, str(exc))
            continue
        route_slug = item.get("route")
        if route_slug:
            route = refs.routes.get(route_slug) if isinstance(route_slug, str) else None
            if route is None:
                err(f"{where}.route", f"Unknown route {route_slug!r}. See /api/v1/routes/.")
                continue
            ctype.route = route
            if route.slug == ESKETAMINE_ROUTE and not provider.esketamine_rems_certified:
                err(f"{where}.route", "Only REMS-certified clinics may offer esketamine.")
                continue
        if _clean_child(ctype, where, err):
            result.append(ctype)
    return result


def _clean_child(instance, where, err, at=None, exclude_blank=()) -> bool:
    """Run the model's validators (and constraints) on a row that has no provider id yet."""
    try:
        instance.full_clean(exclude=["provider"], validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                if name in exclude_blank and message == "This field cannot be null.":
                    message = "Required (or give a known postal_code to fill it)."
                target = where if name == "__all__" else f"{where}.{name}"
                err(target, message, at)
        return False
    return True


def _write(plan: _Plan) -> None:
    provider = plan.provider
    provider.save()
    for name, ids in plan.lists.items():
        getattr(provider, name).set(ids)
    if plan.routes is not None:
        keep = []
        for provider_route in plan.routes:
            obj, _ = ProviderRoute.objects.update_or_create(
                provider=provider,
                route=provider_route.route,
                defaults={
                    "price_per_session": provider_route.price_per_session,
                    "price_per_course": provider_route.price_per_course,
                    "course_sessions": provider_route.course_sessions,
                },
            )
            keep.append(obj.pk)
        provider.provider_routes.exclude(pk__in=keep).delete()

    current = list(provider.locations.order_by("pk")) if not plan.is_new else []
    for location in plan.locations:
        key = _location_key(location)
        match = next((loc for loc in current if _location_key(loc) == key), None)
        if match is not None:
            location.pk = match.pk
            current.remove(match)
        location.provider = provider
        location.save()

    types = {t.name.casefold(): t for t in provider.consultation_types.all()}
    for ctype in plan.consultation_types:
        match = types.get(ctype.name.casefold())
        if match is not None:
            ctype.pk = match.pk
        ctype.provider = provider
        ctype.save()


def _location_key(location: Location) -> tuple[str, str]:
    return (" ".join(location.address_line1.casefold().split()), location.postal_code[:5])


# --- Small converters (ValueError messages are shown to the person importing) ----------

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"Use true or false, not {value!r}.")


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"Use a date as YYYY-MM-DD, not {value!r}.") from None


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError(f"Prices are numbers, not {value!r}.")
    try:
        number = Decimal(str(value).strip().lstrip("$"))
    except InvalidOperation:
        raise ValueError(f"Prices are numbers in dollars (450 or 450.00), not {value!r}.") from None
    if not number.is_finite():
        raise ValueError(f"Prices are numbers in dollars, not {value!r}.")
    return number


def _integer(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError(f"Use a whole number, not {value!r}.")
    try:
        number = float(str(value))
    except ValueError:
        raise ValueError(f"Use a whole number, not {value!r}.") from None
    if not number.is_integer():
        raise ValueError(f"Use a whole number, not {value!r}.")
    return int(number)


def _string_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    return None


def _list_url(name: str) -> str:
    return {"specialties": "specialties", "insurance": "insurance", "languages": "languages"}[name]


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return "The database refused this provider (a duplicate or a broken constraint)."
