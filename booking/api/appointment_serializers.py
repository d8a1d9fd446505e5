"""Input and output shapes of the appointment, hold and provider-staff appointment API."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from booking import selectors
from booking.availability.engine import EARLIEST_DATE, LATEST_DATE
from booking.intake import REASON_MAX_LENGTH, IntakeSerializer, flags_for_display
from booking.models import Appointment
from core.api import ErrorSerializer  # noqa: F401  (re-exported: the one error shape)
from directory.models import ConsultationType, Provider

MAX_ID = 2**62  # beyond any primary key; bigger numbers would overflow the database driver
UTC = zoneinfo.ZoneInfo("UTC")


# --- input -----------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.Field):
    """ISO 8601 with an explicit offset; a time without one is refused (400)."""

    default_error_messages = {
        "invalid": "Use an ISO 8601 date and time with an offset, e.g. 2027-03-15T09:00:00-04:00.",
        "naive": "Include the UTC offset (e.g. -04:00 or Z); a time without one is ambiguous.",
    }

    def to_internal_value(self, data: Any) -> dt.datetime:
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        try:
            value = parse_datetime(data.strip())
        except (ValueError, OverflowError):
            value = None
        if value is None:
            self.fail("invalid")
        if value.tzinfo is None:
            self.fail("naive")
        try:
            return value.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            self.fail("invalid")

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat()


class _SlotRequestSerializer(serializers.Serializer):
    provider = serializers.SlugField(max_length=120, help_text="The provider's slug.")
    consultation_type = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    start = AwareDateTimeField(help_text="A start from the provider's slots list.")
    location = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="A location of the provider (in-person types); any open one when omitted.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        provider = Provider.objects.published().filter(slug=attrs["provider"]).first()
        if provider is None:
            raise serializers.ValidationError(
                {"provider": ["No provider with this name is listed."]}, code="unknown_provider"
            )
        ctype = (
            ConsultationType.objects.select_related("route")
            .filter(provider=provider, pk=attrs["consultation_type"], is_active=True)
            .first()
        )
        if ctype is None:
            raise serializers.ValidationError(
                {"consultation_type": ["This provider offers no such consultation type."]},
                code="unknown_consultation_type",
            )
        location = None
        location_id = attrs.get("location")
        if location_id is not None and ctype.mode == ConsultationType.Mode.IN_PERSON:
            location = provider.locations.filter(pk=location_id).first()
            if location is None:
                raise serializers.ValidationError(
                    {"location": ["This provider has no such location."]}, code="unknown_location"
                )
        attrs["provider"] = provider
        attrs["consultation_type"] = ctype
        attrs["location"] = location
        return attrs


class BookingRequestSerializer(_SlotRequestSerializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="What you would like help with (visible to you and the clinic only).",
    )
    intake = IntakeSerializer(required=False, help_text="Optional pre-screening answers.")


class HoldRequestSerializer(_SlotRequestSerializer):
    pass


class RescheduleRequestSerializer(serializers.Serializer):
    start = AwareDateTimeField(help_text="The new start, from the provider's slots list.")


class CancelRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class StaffAppointmentFilterSerializer(serializers.Serializer):
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=Appointment.Status.choices),
        required=False,
        max_length=len(Appointment.Status.choices),
    )
    date_from = serializers.DateField(
        required=False, help_text="First day (YYYY-MM-DD, the clinic's time zone), inclusive."
    )
    date_to = serializers.DateField(
        required=False, help_text="Last day (YYYY-MM-DD, the clinic's time zone), inclusive."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("date_from", "date_to"):
            # A day is added to date_to and both are read in a zone: keep clear of the
            # calendar's ends (year 1 and 9999), where that arithmetic overflows.
            if attrs.get(name) and not EARLIEST_DATE <= attrs[name] <= LATEST_DATE:
                raise serializers.ValidationError({name: ["Out of range."]})
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_to"] < attrs["date_from"]
        ):
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        return attrs


def parse_query_date(value: str) -> dt.date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


# --- output ----------------------------------------------------------------------------


def appointment_tz(appointment: Appointment) -> zoneinfo.ZoneInfo:
    """The location's zone; for telehealth the provider's first location's zone."""
    if appointment.location is not None:
        return appointment.location.tzinfo
    locations = list(appointment.provider.locations.all())
    return locations[0].tzinfo if locations else UTC


class IntakeFlagSerializer(serializers.Serializer):
    code = serializers.CharField()
    topic = serializers.CharField()
    message = serializers.CharField(help_text="Always: the clinic will discuss this with you.")


class AppointmentSerializer(serializers.ModelSerializer):
    """An appointment as its patient (and the provider's staff) see it."""

    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    timezone = serializers.SerializerMethodField()
    provider = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    consultation_type_name = serializers.CharField(source="consultation_type.name", read_only=True)
    mode = serializers.CharField(source="consultation_type.mode", read_only=True)
    intake = IntakeSerializer(read_only=True)
    intake_flags = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = (
            "id",
            "status",
            "start",
            "end",
            "timezone",
            "provider",
            "provider_name",
            "location",
            "consultation_type",
            "consultation_type_name",
            "mode",
            "series",
            "reason",
            "intake",
            "intake_flags",
            "hold_expires_at",
            "cancellation_reason",
            "sequence",
            "created_at",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, obj: Appointment) -> str:
        return obj.start.astimezone(appointment_tz(obj)).isoformat()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, obj: Appointment) -> str:
        return obj.end.astimezone(appointment_tz(obj)).isoformat()

    def get_timezone(self, obj: Appointment) -> str:
        return str(appointment_tz(obj))

    @extend_schema_field(IntakeFlagSerializer(many=True))
    def get_intake_flags(self, obj: Appointment) -> list[dict[str, str]]:
        return flags_for_display(list(obj.intake_flags or []))


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class AppointmentDetailSerializer(AppointmentSerializer):
    """Adds the sessions of a course (empty for a single visit)."""

    sessions = serializers.SerializerMethodField()

    class Meta(AppointmentSerializer.Meta):
        fields = (*AppointmentSerializer.Meta.fields, "sessions")
        read_only_fields = fields

    @extend_schema_field(SessionSerializer(many=True))
    def get_sessions(self, obj: Appointment) -> list[dict[str, Any]]:
        tz = appointment_tz(obj)
        return [
            {
                "id": s.pk,
                "status": s.status,
                "start": s.start.astimezone(tz).isoformat(),
                "end": s.end.astimezone(tz).isoformat(),
            }
            for s in selectors.appointment_series_sessions(appointment=obj)
        ]


class PatientSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    full_name = serializers.CharField()
    email = serializers.EmailField()


class StaffAppointmentSerializer(AppointmentSerializer):
    """An appointment as the provider's staff see it: with the patient's contact."""

    patient = serializers.SerializerMethodField()

    class Meta(AppointmentSerializer.Meta):
        fields = (*AppointmentSerializer.Meta.fields, "patient")
        read_only_fields = fields

    @extend_schema_field(PatientSummarySerializer(allow_null=True))
    def get_patient(self, obj: Appointment) -> dict[str, Any] | None:
        if obj.patient is None:
            return None
        return {
            "id": obj.patient.pk,
            "full_name": obj.patient.full_name,
            "email": obj.patient.email,
        }


class StaffActionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Shown to the patient (decline and cancel only).",
    )
