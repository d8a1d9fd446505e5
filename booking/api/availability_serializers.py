"""Serializers of the slots endpoint and the provider staff availability API."""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from booking.availability import MAX_RANGE_DAYS
from booking.models import AvailabilityException, AvailabilityRule, BookingPolicy, TimeOff

# ISO 8601 ends with Z or +HH:MM / -HH:MM (or +HHMM) when it carries an offset.
_OFFSET_RE = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$", re.IGNORECASE)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its UTC offset; a bare local time is a 400."""

    default_error_messages = {
        "naive": "Include a UTC offset, e.g. 2027-03-15T09:00:00-04:00 or ...Z.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str) and "T" in value.upper() and not _OFFSET_RE.search(value.strip()):
            self.fail("naive")
        if isinstance(value, str) and "T" not in value.upper():
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][.uuuuuu](+|-)hh:mm")
        return super().to_internal_value(value)


_WALL_TIME_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")


@extend_schema_field(
    {"type": "string", "pattern": f"^{_WALL_TIME_RE.pattern}$", "example": "09:00"}
)
class WallTimeField(serializers.TimeField):
    """A local wall time, ``HH:MM`` (``HH:MM:SS`` accepted), without date or offset.

    Stricter than DRF's TimeField (which takes "9:0" or "09:00+02:00") so the schema's
    pattern says exactly what is accepted; written back as ``HH:MM``.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if not isinstance(value, str) or not _WALL_TIME_RE.fullmatch(value):
            self.fail("invalid", format="HH:MM")
        return super().to_internal_value(value)


class SlotsQuerySerializer(serializers.Serializer):
    consultation_type = serializers.IntegerField(min_value=1)
    start = serializers.DateField(help_text="First local date (YYYY-MM-DD).")
    end = serializers.DateField(
        help_text=f"Last local date, inclusive; at most {MAX_RANGE_DAYS} days in all."
    )
    location = serializers.IntegerField(min_value=1, required=False)


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="In the location's zone, with its offset.")
    end = serializers.DateTimeField()
    location = serializers.IntegerField(allow_null=True, help_text="Null for telehealth.")


class SlotsResponseSerializer(serializers.Serializer):
    timezone = serializers.CharField(help_text="IANA zone the dates were read in.")
    slots = SlotSerializer(many=True)


class AvailabilityRuleSerializer(serializers.ModelSerializer):
    location = serializers.IntegerField(source="location_id")
    start_time = WallTimeField(help_text="Local wall time, HH:MM.")
    end_time = WallTimeField(help_text="Local wall time, HH:MM.")

    class Meta:
        model = AvailabilityRule
        fields = ("id", "location", "weekday", "start_time", "end_time")
        read_only_fields = ("id",)
        extra_kwargs = {"weekday": {"help_text": "0 = Monday ... 6 = Sunday."}}


class TimeOffSerializer(serializers.ModelSerializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    location = serializers.IntegerField(
        source="location_id",
        allow_null=True,
        required=False,
        help_text="Empty: away at every location and for telehealth.",
    )

    class Meta:
        model = TimeOff
        fields = ("id", "start", "end", "reason", "location", "created_at")
        read_only_fields = ("id", "created_at")


class AvailabilityExceptionSerializer(serializers.ModelSerializer):
    location = serializers.IntegerField(source="location_id")
    start_time = WallTimeField(allow_null=True, required=False)
    end_time = WallTimeField(allow_null=True, required=False)

    class Meta:
        model = AvailabilityException
        fields = ("id", "location", "date", "kind", "start_time", "end_time")
        read_only_fields = ("id",)


class BookingPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = BookingPolicy
        fields = (
            "min_notice_minutes",
            "horizon_days",
            "buffer_minutes",
            "slot_step_minutes",
            "hold_minutes",
        )
