"""Forms of the web pages. They check shape only; rules live in the services."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from core.exceptions import ServiceError


class AccessibleErrorsMixin:
    """Ties each field's error message to its input (aria-describedby), as WCAG asks."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            field_id = self.auto_id % self.add_prefix(name)
            ids = [f"{field_id}_error"]
            if self.fields[name].help_text:
                ids.insert(0, f"{field_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)
            self.fields[name].widget.attrs["aria-invalid"] = "true"


class ServiceErrorsMixin(AccessibleErrorsMixin):
    """Shows a service's ``ServiceError`` next to the fields it names (else at the top)."""

    def add_service_error(self, exc: ServiceError) -> None:
        placed = False
        for field, msgs in (exc.errors or {}).items():
            target = field if field in self.fields else None
            for msg in msgs:
                self.add_error(target, msg)
                placed = True
        if not placed:
            self.add_error(None, exc.detail)


class LoginForm(AccessibleErrorsMixin, AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    error_messages = {
        "invalid_login": (
            "That email and password don't match an account. Check them and try again."
        ),
        "inactive": "This account is inactive.",
    }


class RegisterForm(ServiceErrorsMixin, forms.Form):
    full_name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 10 characters. Avoid common passwords.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
