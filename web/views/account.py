"""Log in, log out and registration (session auth; accounts' service creates the user)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts.services import (
    TooManyAttempts,
    login_failure_record,
    login_failures_clear,
    login_locked,
    user_register,
)
from core.exceptions import ServiceError
from web.forms import LoginForm, RegisterForm

logger = logging.getLogger(__name__)


class LockoutLoginForm(LoginForm):
    """The login form with the token endpoint's lockout (accounts.services): after
    ``LOCKOUT_ATTEMPTS`` failures an address is refused for a while, its password unchecked.
    """

    def clean(self):
        email = self.cleaned_data.get("username")
        if email and login_locked(email=email):
            raise ValidationError(TooManyAttempts.default_detail, code="too_many_attempts")
        try:
            cleaned = super().clean()
        except ValidationError as exc:
            if email and getattr(exc, "code", None) == "invalid_login":
                login_failure_record(email=email)
            raise
        if email:
            login_failures_clear(email=email)
        return cleaned


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LockoutLoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(e.code == "too_many_attempts" for e in form.non_field_errors().as_data()):
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    next_page = "web:search"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You are logged out.")
        return response


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """A patient account, created by ``accounts.services.user_register`` (the API's service)."""
    if request.user.is_authenticated:
        return redirect("web:search")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, _token = user_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            logger.info("web registration user_id=%s", user.pk)
            messages.success(request, "Your account is ready. You are logged in.")
            return redirect(_safe_next(request) or "web:search")
    return render(request, "web/register.html", {"form": form, "next": _safe_next(request)})
