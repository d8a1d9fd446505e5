"""manage.py import_providers: both formats, validation, --skip-invalid, --dry-run, upsert."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from directory.models import ConsultationType, Location, Provider, ProviderRoute

pytestmark = pytest.mark.django_db

DOCS = Path(settings.BASE_DIR) / "docs"
EXAMPLE_CSV = DOCS / "import-example.csv"
EXAMPLE_JSON = DOCS / "import-example.json"

GOOD = {
    "slug": "good-clinic",
    "name": "Good Clinic",
    "specialties": ["alcohol"],
    "routes": [{"route": "iv-infusion", "price_per_session": "400"}],
    "locations": [
        {
            "address_line1": "1 Main St",
            "city": "Boston",
            "state": "MA",
            "postal_code": "02116",
            "latitude": 42.35,
            "longitude": -71.07,
            "timezone": "America/New_York",
        }
    ],
}


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_providers", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_json(tmp_path: Path, rows: list[dict], name: str = "providers.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(rows))
    return path


def counts() -> tuple[int, int, int, int]:
    return (
        Provider.objects.count(),
        Location.objects.count(),
        ProviderRoute.objects.count(),
        ConsultationType.objects.count(),
    )


def bad(**changes) -> dict:
    row = copy.deepcopy(GOOD)
    row["slug"] = "bad-clinic"
    for key, value in changes.items():
        if key.startswith("loc_"):
            row["locations"][0][key[4:]] = value
        else:
            row[key] = value
    return row


def test_csv_example_imports_cleanly(api):
    out, err = run(EXAMPLE_CSV)

    assert err == ""
    assert "Created 3, updated 0, skipped 0." in out
    harbor = Provider.objects.get(slug="harbor-light-ketamine")
    assert harbor.credentials == ["MD", "CRNA", "psychiatrist"]
    assert sorted(harbor.specialties.values_list("slug", flat=True)) == ["alcohol", "opioid"]
    assert sorted(harbor.languages.values_list("slug", flat=True)) == ["en", "es"]
    iv = harbor.provider_routes.get(route__slug="iv-infusion")
    assert (iv.price_per_session, iv.price_per_course, iv.course_sessions) == (
        Decimal("475.00"),
        Decimal("2600.00"),
        6,
    )
    types = {t.name: t for t in harbor.consultation_types.all()}
    assert types["Video intake"].mode == "telehealth"
    assert types["Video intake"].price is None
    assert types["IV infusion session"].route.slug == "iv-infusion"


def test_csv_repeated_slug_adds_a_location_filled_from_its_zip(api):
    run(EXAMPLE_CSV)

    cambridge = Location.objects.get(provider__slug="harbor-light-ketamine", postal_code="02139")
    assert cambridge.name == "Cambridge"
    assert (cambridge.city, cambridge.state, cambridge.timezone) == (
        "Cambridge",
        "MA",
        "America/New_York",
    )
    assert cambridge.latitude == pytest.approx(42.36, abs=0.05)
    assert Location.objects.filter(provider__slug="harbor-light-ketamine").count() == 2


def test_json_example_imports_cleanly_and_is_searchable(api):
    out, err = run(EXAMPLE_JSON)

    assert err == ""
    assert "Created 2, updated 0, skipped 0." in out
    st_paul = Location.objects.get(postal_code="55101")
    assert (st_paul.state, st_paul.timezone) == ("MN", "America/Chicago")
    response = api.get("/api/v1/providers/", {"near": "55408", "radius": 5})
    assert [r["slug"] for r in response.json()["results"]] == ["northern-lights-infusions"]
    detail = api.get("/api/v1/providers/northern-lights-infusions/").json()
    assert [t["name"] for t in detail["consultation_types"]] == [
        "Video check-in",
        "First consultation",
        "Esketamine session",
    ]


def test_both_examples_together_are_found_by_route(api):
    run(EXAMPLE_CSV)
    run(EXAMPLE_JSON)

    response = api.get("/api/v1/providers/", {"route": "intranasal-esketamine"})

    assert sorted(r["slug"] for r in response.json()["results"]) == [
        "desert-sage-recovery",
        "northern-lights-infusions",
    ]


@pytest.mark.parametrize("example", [EXAMPLE_CSV, EXAMPLE_JSON], ids=["csv", "json"])
def test_second_import_updates_and_does_not_duplicate(example):
    run(example)
    before = counts()

    out, _ = run(example)

    assert counts() == before
    assert "Created 0, updated" in out
    assert "skipped 0" in out


def test_update_replaces_given_fields_and_lists_and_keeps_omitted_ones(tmp_path):
    run(write_json(tmp_path, [GOOD | {"phone": "+1 555 0100", "telehealth": True}]))
    change = {
        "slug": "good-clinic",
        "name": "Good Clinic Renamed",
        "routes": [{"route": "im-injection", "price_per_session": 300}],
        "locations": [GOOD["locations"][0] | {"latitude": 42.36}],
    }

    out, _ = run(write_json(tmp_path, [change]))

    assert "Created 0, updated 1, skipped 0." in out
    provider = Provider.objects.get(slug="good-clinic")
    assert provider.name == "Good Clinic Renamed"
    assert provider.phone == "+1 555 0100"  # omitted: kept
    assert provider.telehealth is True
    assert list(provider.provider_routes.values_list("route__slug", flat=True)) == ["im-injection"]
    assert list(provider.specialties.values_list("slug", flat=True)) == ["alcohol"]
    location = provider.locations.get()  # same street and ZIP: updated, not added
    assert location.latitude == 42.36


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (bad(loc_timezone="Mars/Olympus"), "locations[0].timezone", "IANA time zone"),
        (bad(loc_state="Massachusetts"), "locations[0].state", "two-letter state"),
        (bad(loc_postal_code="2116"), "locations[0].postal_code", "5-digit ZIP"),
        (bad(loc_latitude=95), "locations[0].latitude", "less than or equal to 90"),
        (bad(loc_longitude="west"), "locations[0].longitude", "decimal degrees"),
        (bad(loc_postal_code=2116), "locations[0].postal_code", "as text"),
        (bad(specialties=["alcohol", "gamblin"]), "specialties", "Unknown: gamblin"),
        (bad(insurance=["medicaid", "acme"]), "insurance", "Unknown: acme"),
        (bad(routes=[{"route": "iv-drip"}]), "routes[0].route", "Unknown route"),
        (bad(routes=["intranasal-esketamine"]), "routes", "REMS-certified"),
        (bad(telehealth="sometimes"), "telehealth", "true or false"),
        (bad(credentials=["MD", "shaman"]), "credentials", "Unknown credentials: shaman"),
        (bad(name=""), "name", "cannot be blank"),
        (bad(slug="not a slug!"), "slug", "valid"),
        (bad(last_verified="10/01/2027"), "last_verified", "YYYY-MM-DD"),
        (
            bad(routes=[{"route": "iv-infusion", "price_per_session": "cheap"}]),
            "routes[0]",
            "Prices are",
        ),
        (bad(colour="blue"), "colour", "Unknown field"),
        (
            bad(consultation_types=[{"name": "Long", "duration_minutes": 900}]),
            "consultation_types[0].duration_minutes",
            "less than or equal to 600",
        ),
        (
            bad(
                esketamine_rems_certified=True,
                consultation_types=[
                    {"name": "Spravato", "duration_minutes": 60, "route": "intranasal-esketamine"}
                ],
            ),
            "consultation_types[0].monitoring_minutes",
            "2 hours",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and "." not in v and " " not in v else None,
)
def test_bad_row_is_reported_with_row_and_field_and_nothing_is_written(
    tmp_path, row, field, message
):
    path = write_json(tmp_path, [GOOD, row])
    err = StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_providers", str(path), stdout=StringIO(), stderr=err)

    assert f"row 2, {field}: " in err.getvalue()
    assert message in err.getvalue()
    assert "row 1" not in err.getvalue()
    assert "nothing was imported" in str(excinfo.value)
    assert "--skip-invalid" in str(excinfo.value)
    assert counts() == (0, 0, 0, 0)


def test_error_lines_name_the_row_and_the_field(tmp_path):
    path = write_json(tmp_path, [GOOD, bad(loc_timezone="Mars/Olympus"), bad(slug="x2", name="")])
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_providers", str(path), stdout=StringIO(), stderr=err)

    lines = err.getvalue().splitlines()
    assert any(
        line.startswith("row 2, locations[0].timezone: 'Mars/Olympus' is not an IANA")
        for line in lines
    )
    assert "row 3, name: This field cannot be blank." in lines


def test_unknown_zip_without_coordinates_is_an_error(tmp_path):
    row = bad(locations=[{"address_line1": "1 Nowhere", "postal_code": "00000"}])
    err = StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import_providers", str(write_json(tmp_path, [row])), stdout=StringIO(), stderr=err
        )

    assert "row 1, locations[0].postal_code: Unknown ZIP code '00000'" in err.getvalue()


def test_unknown_zip_with_coordinates_and_time_zone_is_accepted(tmp_path):
    location = GOOD["locations"][0] | {"postal_code": "00000"}

    out, _ = run(write_json(tmp_path, [GOOD | {"locations": [location]}]))

    assert "Created 1" in out
    assert Location.objects.get().postal_code == "00000"


def test_skip_invalid_imports_the_valid_rows_and_reports_the_others(tmp_path):
    path = write_json(tmp_path, [bad(loc_state="XXX"), GOOD])

    out, err = run(path, "--skip-invalid")

    assert "Created 1, updated 0, skipped 1." in out
    assert "row 1, locations[0].state" in err
    assert list(Provider.objects.values_list("slug", flat=True)) == ["good-clinic"]


def test_dry_run_reports_but_writes_nothing(tmp_path):
    out, _ = run(write_json(tmp_path, [GOOD]), "--dry-run")

    assert "Created 1, updated 0, skipped 0. Dry run: nothing was saved." in out
    assert counts() == (0, 0, 0, 0)


def test_dry_run_with_a_bad_row_fails_like_a_real_run(tmp_path):
    with pytest.raises(CommandError, match="nothing was imported"):
        run(write_json(tmp_path, [GOOD, bad(loc_state="XX1")]), "--dry-run")


def test_dry_run_with_skip_invalid_counts_what_would_happen(tmp_path):
    out, _ = run(write_json(tmp_path, [GOOD, bad(loc_state="XX1")]), "--dry-run", "--skip-invalid")

    assert "Created 1, updated 0, skipped 1. Dry run" in out
    assert counts() == (0, 0, 0, 0)


def test_format_option_overrides_the_extension(tmp_path):
    path = write_json(tmp_path, [GOOD], name="providers.txt")

    out, _ = run(path, "--format", "json")

    assert "Created 1" in out


def test_unknown_extension_asks_for_a_format(tmp_path):
    path = write_json(tmp_path, [GOOD], name="providers.txt")

    with pytest.raises(CommandError, match="--format csv\\|json"):
        run(path)


def test_missing_file_is_an_actionable_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "nope.csv")


def test_invalid_json_says_where(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"slug": "a",}]')

    with pytest.raises(CommandError, match="not valid JSON \\(line 1, column"):
        run(path)


def test_duplicate_slug_in_one_file_is_an_error(tmp_path):
    with pytest.raises(CommandError):
        run(write_json(tmp_path, [GOOD, GOOD]))

    assert Provider.objects.count() == 0


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "providers.csv"
    path.write_text(body)
    return path


def test_csv_unknown_column_is_named(tmp_path):
    path = _csv(tmp_path, "slug,name,colour\na,A,blue\n")

    with pytest.raises(CommandError, match="Unknown column\\(s\\) colour"):
        run(path)


def test_csv_errors_cite_spreadsheet_rows(tmp_path):
    header = "slug,name,routes,address_line1,postal_code\n"
    path = _csv(
        tmp_path,
        header
        + "a,A,iv-infusion:400,1 Main St,10001\n"
        + "b,B,iv-infusion:400:2000:6:extra,2 Main St,10001\n"
        + "c,C,,3 Main St,1000\n",
    )
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_providers", str(path), stdout=StringIO(), stderr=err)

    assert "row 3, routes: 'iv-infusion:400:2000:6:extra' has too many parts" in err.getvalue()
    assert "row 4, location.postal_code:" in err.getvalue()
    assert Provider.objects.count() == 0


def test_csv_repeated_slug_with_different_details_is_an_error(tmp_path):
    path = _csv(
        tmp_path,
        "slug,name,address_line1,postal_code\na,A,1 Main St,10001\na,Other,2 Main St,10001\n",
    )
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_providers", str(path), stdout=StringIO(), stderr=err)

    assert "row 3, name: Differs from row 2" in err.getvalue()


def test_csv_dash_clears_a_list_on_update(tmp_path):
    run(write_json(tmp_path, [GOOD]))

    run(_csv(tmp_path, "slug,specialties,routes\ngood-clinic,-,-\n"))

    provider = Provider.objects.get(slug="good-clinic")
    assert provider.specialties.count() == 0
    assert provider.provider_routes.count() == 0
    assert provider.locations.count() == 1


def test_import_does_not_touch_next_available(tmp_path):
    run(write_json(tmp_path, [GOOD]))
    Provider.objects.update(next_available="2027-03-15T14:00:00Z")

    run(write_json(tmp_path, [GOOD | {"name": "Renamed"}]))

    assert Provider.objects.get().next_available.isoformat() == "2027-03-15T14:00:00+00:00"
