"""My account: download my data, delete my account (accounts.privacy, as the API)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import privacy
from core.exceptions import ServiceError
from web.forms import ServiceErrorsMixin


class AccountDeleteForm(ServiceErrorsMixin, forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        help_text="To confirm that it is you.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _can_delete_online(user) -> bool:
    return not (user.is_staff or user.is_superuser or hasattr(user, "provider_staff"))


@never_cache
@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/account.html",
        {"form": AccountDeleteForm(), "can_delete": _can_delete_online(request.user)},
    )


@never_cache
@login_required
@require_GET
def account_export(request: HttpRequest) -> HttpResponse:
    """The same JSON as ``GET /api/v1/me/export/``, as a download."""
    body = json.dumps(privacy.user_data_export(user=request.user), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@never_cache
@login_required
@require_http_methods(["POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST)
    if form.is_valid():
        try:
            privacy.user_delete(user=request.user, password=form.cleaned_data["password"])
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            logout(request)
            messages.success(request, "Your account is deleted. Take care.")
            return redirect("web:search")
    context = {"form": form, "can_delete": _can_delete_online(request.user)}
    return render(request, "web/account.html", context, status=400)
