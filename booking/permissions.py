"""Who may use the provider staff API, and which provider they act for.

A staff user acts for exactly one provider (``directory.ProviderStaff`` is one-to-one with
the user). Views filter every queryset by that provider, so another provider's objects are
simply not found (404), never forbidden (which would reveal they exist).
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.permissions import BasePermission

from directory.models import Provider, ProviderStaff


def staff_provider_get(*, user) -> Provider | None:
    """The provider ``user`` works for, or None (anonymous users and patients)."""
    if user is None or not user.is_authenticated:
        return None
    staff = ProviderStaff.objects.select_related("provider").filter(user_id=user.pk).first()
    return staff.provider if staff is not None else None


def request_provider(request: HttpRequest) -> Provider:
    """The caller's provider, looked up once per request (after ``IsProviderStaff``)."""
    provider = getattr(request, "_staff_provider", None)
    if provider is None:
        provider = staff_provider_get(user=request.user)
        request._staff_provider = provider
    if provider is None:
        raise LookupError("request_provider() called for a user who is not provider staff")
    return provider


class IsProviderStaff(BasePermission):
    """Authenticated users linked to a provider. Anonymous -> 401, other users -> 403."""

    message = "This part of the API is for provider staff accounts."
    code = "not_provider_staff"

    def has_permission(self, request, view) -> bool:
        provider = staff_provider_get(user=request.user)
        request._staff_provider = provider
        return provider is not None
