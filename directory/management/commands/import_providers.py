"""manage.py import_providers FILE [--format csv|json] [--skip-invalid] [--dry-run]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import InvalidInput
from directory.importing import (
    ImportRejected,
    ImportReport,
    parse_file,
    providers_import,
)


class Command(BaseCommand):
    help = (
        "Create or update providers (by slug) from a CSV or JSON file; see docs/IMPORT.md. "
        "Nothing is written if any row is invalid, unless --skip-invalid is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path to a .csv or .json file.")
        parser.add_argument(
            "--format",
            choices=("csv", "json"),
            help="File format; by default taken from the file extension.",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and report the invalid ones instead of importing none.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Validate and report what would change, then roll everything back.",
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        file_format = options["format"] or path.suffix.lower().lstrip(".")
        if file_format not in ("csv", "json"):
            raise CommandError(
                f"Cannot tell the format of {path.name}: name it .csv or .json, or pass "
                "--format csv|json."
            )
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path} as UTF-8 text: {exc}") from None

        try:
            records = parse_file(text=text, file_format=file_format)
            self.stdout.write(f"Read {len(records)} provider(s) from {path.name}.")
            report = providers_import(
                records=records,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
            )
        except ImportRejected as exc:
            self._print_errors(exc.report)
            raise CommandError(exc.detail) from None
        except InvalidInput as exc:
            raise CommandError(exc.detail) from None

        self._print_errors(report)
        summary = f"Created {report.created}, updated {report.updated}, skipped {report.skipped}."
        if report.dry_run:
            summary += " Dry run: nothing was saved."
        self.stdout.write(self.style.SUCCESS(summary))

    def _print_errors(self, report: ImportReport) -> None:
        for error in report.errors:
            self.stderr.write(str(error))
