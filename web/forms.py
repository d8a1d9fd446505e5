"""Forms of the web pages. They check shape only; rules live in the services."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from booking.intake import (
    PREGNANCY_CHOICES,
    REASON_MAX_LENGTH,
    SUBSTANCES,
    YES_NO_UNSURE,
    IntakeSerializer,
)
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


class IntakeForm(AccessibleErrorsMixin, forms.Form):
    """The optional pre-screening and the reason, as HTML fields.

    The answers are then validated by ``booking.intake.IntakeSerializer`` (the API's rules);
    this form only turns checkboxes, radios and lines of text into that shape.
    """

    reason = forms.CharField(
        label="What would you like help with?",
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional. Only the clinic sees this.",
    )
    current_substances = forms.MultipleChoiceField(
        label="Which substances are you using now?",
        required=False,
        choices=SUBSTANCES,
        widget=forms.CheckboxSelectMultiple,
    )
    current_medications = forms.CharField(
        label="Medicines you take now",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. One per line, including over-the-counter medicines.",
    )
    psychosis_history = forms.ChoiceField(
        label="Have you ever been diagnosed with or treated for psychosis?",
        required=False,
        choices=YES_NO_UNSURE,
        widget=forms.RadioSelect,
    )
    uncontrolled_high_blood_pressure = forms.ChoiceField(
        label="Do you have high blood pressure that is not under control?",
        required=False,
        choices=YES_NO_UNSURE,
        widget=forms.RadioSelect,
    )
    pregnant = forms.ChoiceField(
        label="Are you pregnant?",
        required=False,
        choices=PREGNANCY_CHOICES,
        widget=forms.RadioSelect,
    )
    prior_ketamine_treatment = forms.ChoiceField(
        label="Have you had ketamine treatment before?",
        required=False,
        choices=YES_NO_UNSURE,
        widget=forms.RadioSelect,
    )

    INTAKE_FIELDS = (
        "current_substances",
        "current_medications",
        "psychosis_history",
        "uncontrolled_high_blood_pressure",
        "pregnant",
        "prior_ketamine_treatment",
    )

    def clean(self):
        data = super().clean()
        raw: dict = {}
        for name in self.INTAKE_FIELDS:
            value = data.get(name)
            if name == "current_medications":
                value = [line.strip() for line in (value or "").splitlines() if line.strip()]
            if value:
                raw[name] = value
        serializer = IntakeSerializer(data=raw)
        if not serializer.is_valid():
            for field, msgs in serializer.errors.items():
                target = field if field in self.fields else None
                for msg in _messages(msgs):
                    self.add_error(target, msg)
        else:
            data["intake"] = dict(serializer.validated_data)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", required=False, max_length=1000)


def _messages(value) -> list[str]:
    """DRF error detail (list, dict of index -> list, or a string) -> flat messages."""
    if isinstance(value, dict):
        return [m for sub in value.values() for m in _messages(sub)]
    if isinstance(value, list):
        return [m for sub in value for m in _messages(sub)]
    return [str(value)]


WEEKDAYS = (
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
)


class HoursForm(ServiceErrorsMixin, forms.Form):
    """One weekly opening-hours rule, in the location's wall time."""

    location = forms.TypedChoiceField(label="Location", coerce=int)
    weekday = forms.TypedChoiceField(label="Day", choices=WEEKDAYS, coerce=int)
    start_time = forms.TimeField(
        label="Opens at", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label="Closes at", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [
            (loc.pk, f"{loc.city}, {loc.address_line1}") for loc in locations
        ]


class TimeOffForm(ServiceErrorsMixin, forms.Form):
    """A block of time away; the times are read in the chosen location's zone."""

    location = forms.TypedChoiceField(
        label="Where",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Everywhere blocks telehealth too. Times are in that location's time zone.",
    )
    start = forms.DateTimeField(
        label="From", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(
        label="Until", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label="Note for your team", required=False, max_length=200)

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [("", "Everywhere")] + [
            (loc.pk, f"{loc.city}, {loc.address_line1}") for loc in locations
        ]
