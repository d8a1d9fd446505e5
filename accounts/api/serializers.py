from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    # No trimming: spaces are legitimate characters of a password.
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    full_name = serializers.CharField(max_length=150)


class TokenInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


class ProviderStaffInfoSerializer(serializers.Serializer):
    provider = serializers.CharField(source="provider.slug", help_text="Provider slug.")
    provider_name = serializers.CharField(source="provider.name")
    role = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    is_provider_staff = serializers.SerializerMethodField()
    provider_staff = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "email", "full_name", "date_joined", "is_provider_staff", "provider_staff")
        read_only_fields = fields

    def get_is_provider_staff(self, user: User) -> bool:
        return getattr(user, "provider_staff", None) is not None

    @extend_schema_field(ProviderStaffInfoSerializer(allow_null=True))
    def get_provider_staff(self, user: User) -> dict | None:
        staff = getattr(user, "provider_staff", None)
        return ProviderStaffInfoSerializer(staff).data if staff is not None else None


class AuthResultSerializer(serializers.Serializer):
    token = serializers.CharField()
    user = UserSerializer()


class TokenResultSerializer(serializers.Serializer):
    token = serializers.CharField()


class AccountDeleteInputSerializer(serializers.Serializer):
    password = serializers.CharField(
        max_length=128,
        trim_whitespace=False,
        write_only=True,
        help_text="Your current password, to confirm the deletion.",
    )


class DataExportSerializer(serializers.Serializer):
    """Shape of ``GET /api/v1/me/export/`` (see accounts.privacy.user_data_export)."""

    format_version = serializers.IntegerField()
    exported_at = serializers.DateTimeField()
    profile = serializers.DictField(help_text="id, email, full_name, date_joined, last_login.")
    appointments = serializers.ListField(
        child=serializers.DictField(),
        help_text="Every appointment with reason, intake answers and history.",
    )
    waitlist_entries = serializers.ListField(child=serializers.DictField())
    notification_preferences = serializers.DictField()
