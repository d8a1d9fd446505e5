"""``manage.py create_provider_staff EMAIL PROVIDER_SLUG [--role R] [--password P]``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from core.exceptions import ServiceError
from directory.models import ProviderStaff


class Command(BaseCommand):
    help = (
        "Create a provider staff account, or link an existing user to a provider. "
        "Without --password a new account gets no usable password until it is reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("provider_slug")
        parser.add_argument(
            "--role", default=ProviderStaff.Role.MANAGER, choices=ProviderStaff.Role.values
        )
        parser.add_argument("--password", default=None)
        parser.add_argument("--full-name", default="")

    def handle(self, *args, **options) -> None:
        try:
            result = services.provider_staff_link(
                email=options["email"],
                provider_slug=options["provider_slug"],
                role=options["role"],
                password=options["password"],
                full_name=options["full_name"],
            )
        except ServiceError as exc:
            raise CommandError(exc.detail) from None
        staff = result.staff
        user_part = "Created user" if result.user_created else "Found existing user"
        if result.link_created:
            link_part = f"linked as {staff.role} of {staff.provider.slug}"
        elif result.previous_provider_id != staff.provider_id:
            link_part = f"moved to {staff.provider.slug} as {staff.role}"
        else:
            link_part = f"already staff of {staff.provider.slug}; role is now {staff.role}"
        self.stdout.write(self.style.SUCCESS(f"{user_part} {staff.user.email}: {link_part}."))
        if options["password"] is None and result.user_created:
            self.stdout.write(
                "No password set: give one with --password or reset it from the admin."
            )
