from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from notifications.models import CalendarFeed, NotificationPreference, WaitlistEntry


class PreferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationPreference
        fields = ("reminders_enabled",)


class JSONBooleanField(serializers.BooleanField):
    """``true`` or ``false`` only: DRF's BooleanField also takes 0, "yes", "on"..., which the
    schema's ``boolean`` does not promise."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class PreferenceUpdateSerializer(serializers.Serializer):
    reminders_enabled = JSONBooleanField()


class WaitlistEntrySerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = WaitlistEntry
        fields = (
            "id",
            "provider",
            "consultation_type",
            "earliest_date",
            "latest_date",
            "last_offered_at",
            "created_at",
        )


class WaitlistJoinSerializer(serializers.Serializer):
    provider = serializers.SlugField()
    consultation_type = serializers.IntegerField(required=False, allow_null=True)
    earliest_date = serializers.DateField(required=False, allow_null=True)
    latest_date = serializers.DateField(required=False, allow_null=True)


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()

    def get_url(self, feed: CalendarFeed) -> str:
        return f"{settings.SITE_URL.rstrip('/')}/calendar/{feed.token}.ics"
