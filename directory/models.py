"""Providers of ketamine-assisted addiction treatment, where they are and what they offer."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible

ESKETAMINE_ROUTE = "intranasal-esketamine"
# FDA label for Spravato: patients are observed for at least two hours after each dose.
ESKETAMINE_MIN_MONITORING_MINUTES = 120


def validate_timezone(value: str) -> None:
    if value not in _available_timezones():
        raise ValidationError(f"'{value}' is not an IANA time zone name (e.g. America/New_York).")


def _available_timezones() -> set[str]:
    global _TIMEZONES
    if _TIMEZONES is None:
        _TIMEZONES = zoneinfo.available_timezones()
    return _TIMEZONES


_TIMEZONES: set[str] | None = None


class ReferenceEntry(models.Model):
    """A row of a small reference table, addressed by slug in URLs and filters."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="Plain language, shown to patients.")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ("sort_order", "name")

    def __str__(self) -> str:
        return self.name


class AdministrationRoute(ReferenceEntry):
    """How ketamine is given: IV infusion, IM injection, intranasal esketamine, sublingual/oral."""

    requires_rems = models.BooleanField(
        default=False, help_text="Only clinics certified under the esketamine REMS may offer it."
    )

    class Meta(ReferenceEntry.Meta):
        pass


class AddictionSpecialty(ReferenceEntry):
    """A substance-use disorder a provider treats (opioid, alcohol, ...)."""

    class Meta(ReferenceEntry.Meta):
        verbose_name_plural = "addiction specialties"


class InsurancePlan(ReferenceEntry):
    class Kind(models.TextChoices):
        SELF_PAY = "self_pay", "Self-pay"
        MEDICARE = "medicare", "Medicare"
        MEDICAID = "medicaid", "Medicaid"
        COMMERCIAL = "commercial", "Commercial"
        MILITARY = "military", "Military / VA"

    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta(ReferenceEntry.Meta):
        pass


class Language(ReferenceEntry):
    """A language spoken with patients; the slug is the ISO 639-1 code ("en", "es")."""

    class Meta(ReferenceEntry.Meta):
        pass


class Credential(models.TextChoices):
    MD = "MD", "Doctor of Medicine (MD)"
    DO = "DO", "Doctor of Osteopathic Medicine (DO)"
    NP = "NP", "Nurse Practitioner (NP)"
    PA = "PA", "Physician Assistant (PA)"
    CRNA = "CRNA", "Certified Registered Nurse Anesthetist (CRNA)"
    RN = "RN", "Registered Nurse (RN)"
    PSYCHIATRIST = "psychiatrist", "Board-certified psychiatrist"
    ANESTHESIOLOGIST = "anesthesiologist", "Anesthesiologist"
    ADDICTION_MEDICINE = "addiction-medicine", "Addiction medicine specialist"
    PSYCHOLOGIST = "psychologist", "Licensed psychologist"
    LCSW = "LCSW", "Licensed Clinical Social Worker (LCSW)"
    LPC = "LPC", "Licensed Professional Counselor (LPC)"


class AddictionMedication(models.TextChoices):
    BUPRENORPHINE = "buprenorphine", "Buprenorphine"
    NALTREXONE = "naltrexone", "Naltrexone"
    METHADONE = "methadone", "Methadone"


@deconstructible
class ChoiceListValidator:
    """A JSON list of distinct strings, each one of ``allowed``."""

    def __init__(self, allowed: list[str], label: str) -> None:
        self.allowed = sorted(allowed)
        self.label = label

    def __call__(self, value: object) -> None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(f"{self.label} must be a list of strings.")
        unknown = sorted(set(value) - set(self.allowed))
        if unknown:
            raise ValidationError(
                f"Unknown {self.label}: {', '.join(unknown)}. Allowed: {', '.join(self.allowed)}."
            )
        if len(set(value)) != len(value):
            raise ValidationError(f"{self.label} has duplicates.")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ChoiceListValidator)
            and self.allowed == other.allowed
            and self.label == other.label
        )

    def __hash__(self) -> int:
        return hash((tuple(self.allowed), self.label))


validate_credentials = ChoiceListValidator(list(Credential.values), "credentials")
validate_medications = ChoiceListValidator(list(AddictionMedication.values), "medications")


class ProviderQuerySet(models.QuerySet["Provider"]):
    def published(self) -> ProviderQuerySet:
        return self.filter(is_published=True)


class Provider(models.Model):
    """A clinic or an individual practitioner offering ketamine-assisted treatment."""

    class Kind(models.TextChoices):
        CLINIC = "clinic", "Clinic"
        PRACTITIONER = "practitioner", "Practitioner"

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CLINIC)
    description = models.TextField(blank=True)
    credentials = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_credentials],
        help_text="Licences and board certifications of the treating clinicians.",
    )
    website = models.URLField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True, help_text="Public contact address of the clinic.")

    accepting_new_patients = models.BooleanField(default=True)
    telehealth = models.BooleanField(default=False, help_text="Offers telehealth consultations.")
    psychotherapy_integration = models.BooleanField(
        default=False,
        help_text=(
            "Offers psychotherapy with treatment (preparation, intention setting, integration)."
        ),
    )
    esketamine_rems_certified = models.BooleanField(
        default=False, help_text="Certified healthcare setting under the Spravato REMS."
    )
    mat_coordination = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_medications],
        help_text="Medications for addiction treatment the provider coordinates with.",
    )

    routes = models.ManyToManyField(
        AdministrationRoute, through="ProviderRoute", related_name="providers", blank=True
    )
    specialties = models.ManyToManyField(AddictionSpecialty, related_name="providers", blank=True)
    insurance = models.ManyToManyField(InsurancePlan, related_name="providers", blank=True)
    languages = models.ManyToManyField(Language, related_name="providers", blank=True)

    last_verified = models.DateField(
        null=True, blank=True, help_text="When an operator last checked these details."
    )
    next_available = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        editable=False,
        help_text="Earliest bookable start; kept current by the booking app.",
    )
    is_published = models.BooleanField(default=True, help_text="Shown in the public directory.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ("name", "pk")
        indexes = [
            models.Index(fields=["name", "id"], name="directory_provider_name_idx"),
            # Search near a point joins every candidate location to its provider: with the
            # filtered and ordered columns in the index (PostgreSQL INCLUDE), that join is an
            # index-only scan instead of a visit to the wide provider row.
            models.Index(
                fields=["id"],
                include=[
                    "is_published",
                    "telehealth",
                    "accepting_new_patients",
                    "next_available",
                    "name",
                ],
                name="directory_provider_search_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProviderRoute(models.Model):
    """A route a provider offers, with its cash prices."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="provider_routes")
    route = models.ForeignKey(
        AdministrationRoute, on_delete=models.PROTECT, related_name="provider_routes"
    )
    price_per_session = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    price_per_course = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Cash price of the induction course.",
    )
    course_sessions = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Sessions in the induction course.",
    )

    class Meta:
        ordering = ("route__sort_order", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "route"], name="directory_provider_route_uniq"
            ),
            models.CheckConstraint(
                condition=Q(price_per_session__gte=0) | Q(price_per_session__isnull=True),
                name="directory_route_session_price_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(price_per_course__gte=0) | Q(price_per_course__isnull=True),
                name="directory_route_course_price_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} - {self.route}"


class Location(models.Model):
    """A place where a provider sees patients, with its own IANA time zone."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=120, blank=True)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(
        max_length=2, validators=[RegexValidator(r"^[A-Z]{2}$", "Use the two-letter state code.")]
    )
    postal_code = models.CharField(
        max_length=10,
        validators=[RegexValidator(r"^\d{5}(-\d{4})?$", "Use a 5-digit ZIP code (or ZIP+4).")],
    )
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    timezone = models.CharField(max_length=64, validators=[validate_timezone])

    # What a search filters on, copied from the provider by directory.services (never by
    # hand) so that a search near a point reads one index and never visits the providers.
    # Bit ``n`` of a ``*_bits`` field is set when the provider has the row with id ``n``
    # (ids 1-62; larger ids are searched through the link tables instead).
    provider_published = models.BooleanField(default=False, editable=False)
    provider_accepting = models.BooleanField(default=False, editable=False)
    provider_telehealth = models.BooleanField(default=False, editable=False)
    route_bits = models.BigIntegerField(default=0, editable=False)
    specialty_bits = models.BigIntegerField(default=0, editable=False)
    insurance_bits = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ("provider_id", "pk")
        indexes = [
            # The search near a point: a bounding box (a range on latitude, then longitude)
            # over published providers' locations, with every filtered column included so
            # that PostgreSQL answers it with an index-only scan.
            models.Index(
                fields=["latitude", "longitude"],
                include=[
                    "provider_id",
                    "provider_accepting",
                    "provider_telehealth",
                    "route_bits",
                    "specialty_bits",
                    "insurance_bits",
                ],
                condition=Q(provider_published=True),
                name="directory_location_search_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90),
                name="directory_location_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="directory_location_lng_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.address_line1}, {self.city}, {self.state}"

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class ConsultationType(models.Model):
    """Something a patient can book: a first consultation, a session or an induction course."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        TELEHEALTH = "telehealth", "Telehealth"

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="consultation_types"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(600)],
        help_text="Total time blocked, including any post-dose monitoring.",
    )
    price = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Cash price; empty if free.",
    )
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    route = models.ForeignKey(
        AdministrationRoute,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultation_types",
        help_text="The route this visit concerns, if any.",
    )
    monitoring_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Post-dose monitoring included in the duration."
    )
    course_sessions = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Sessions booked together as one series (1 for a single visit).",
    )
    course_interval_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(30)],
        help_text="Days between the sessions of a course.",
    )
    requires_fasting = models.BooleanField(default=False)
    requires_driver = models.BooleanField(
        default=False, help_text="Patient needs someone to drive them home."
    )
    arrive_early_minutes = models.PositiveSmallIntegerField(default=0)
    preparation_notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ("provider_id", "duration_minutes", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=600),
                name="directory_ctype_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(monitoring_minutes__lte=models.F("duration_minutes")),
                name="directory_ctype_monitoring_within_duration",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0) | Q(price__isnull=True),
                name="directory_ctype_price_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(course_sessions__gte=1), name="directory_ctype_course_sessions_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def is_course(self) -> bool:
        return self.course_sessions > 1

    def clean(self) -> None:
        route = self.route
        if route is not None and route.slug == ESKETAMINE_ROUTE:
            if self.mode != self.Mode.IN_PERSON:
                raise ValidationError(
                    {"mode": "Esketamine is given in the clinic, not by telehealth."}
                )
            if self.monitoring_minutes < ESKETAMINE_MIN_MONITORING_MINUTES:
                raise ValidationError(
                    {
                        "monitoring_minutes": (
                            "Esketamine sessions include at least 2 hours of monitoring."
                        )
                    }
                )
            if self.provider_id and not self.provider.esketamine_rems_certified:
                raise ValidationError(
                    {"route": "Only REMS-certified clinics may offer intranasal esketamine."}
                )


class ProviderStaff(models.Model):
    """A user who works for one provider and manages its hours and appointments."""

    class Role(models.TextChoices):
        MANAGER = "manager", "Manager"
        CLINICIAN = "clinician", "Clinician"
        FRONT_DESK = "front_desk", "Front desk"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_staff"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MANAGER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "provider staff"

    def __str__(self) -> str:
        return f"Staff #{self.pk} of {self.provider}"
