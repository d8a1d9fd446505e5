"""Parsing and validating provider search parameters (shared by the API and the web page).

The parameter names are the public contract (``/api/v1/providers/``): ``near``, ``radius``,
``route``, ``specialty``, ``insurance``, ``language``, ``telehealth``,
``accepting_new_patients``, ``q`` and ``ordering``.
"""

from __future__ import annotations

import re

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema_field

from directory.geo import zip_lookup
from directory.models import (
    AddictionSpecialty,
    AdministrationRoute,
    InsurancePlan,
    Language,
    Provider,
)
from directory.selectors import (
    DEFAULT_RADIUS_MILES,
    ORDERINGS,
    GeoPoint,
    ProviderSearch,
    provider_search,
    reference_ids,
)

MIN_RADIUS, MAX_RADIUS = 1, 500
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")
COORDS_RE = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


class NearField(forms.CharField):
    """A US ZIP code or "lat,lng" -> GeoPoint."""

    def __init__(self, **kwargs):
        kwargs["required"] = False
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if ZIP_RE.match(value):
            info = zip_lookup(value)
            if info is None:
                raise ValidationError(
                    "We don't know the ZIP code %(zip)s. Check it, or search by coordinates.",
                    code="unknown_zip",
                    params={"zip": value},
                )
            return GeoPoint(info.latitude, info.longitude)
        match = COORDS_RE.match(value)
        if match:
            lat, lng = float(match.group(1)), float(match.group(2))
            if -90 <= lat <= 90 and -180 <= lng <= 180:
                return GeoPoint(lat, lng)
        raise ValidationError(
            "Give a 5-digit US ZIP code (10001) or coordinates as lat,lng (40.75,-73.99).",
            code="invalid_coordinates",
        )


class RadiusField(forms.FloatField):
    def __init__(self, **kwargs):
        kwargs["required"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        try:
            value = super().clean(value)
        except ValidationError:
            value = float("nan")
        if value is None:
            return DEFAULT_RADIUS_MILES
        if not (MIN_RADIUS <= value <= MAX_RADIUS):  # also rejects NaN
            raise ValidationError(
                "The radius is in miles, from %(min)s to %(max)s.",
                code="invalid_radius",
                params={"min": MIN_RADIUS, "max": MAX_RADIUS},
            )
        return value


class SlugListField(forms.Field):
    """Every value of a repeated parameter (``route=a&route=b``, or ``route=a,b``) -> ids.

    An unknown slug is an error naming it, so a typo never silently widens a search.
    """

    widget = forms.SelectMultiple

    def __init__(self, *, model, list_url: str, **kwargs):
        kwargs.pop("queryset", None)
        self.model = model
        self.list_url = list_url
        kwargs["required"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        if value in (None, "", []):
            return []
        if isinstance(value, str):
            value = [value]
        slugs = []
        for item in value:
            slugs.extend(part.strip() for part in str(item).split(",") if part.strip())
        slugs = list(dict.fromkeys(slugs))[:50]
        if not slugs:
            return []
        # Only well-formed slugs reach the database: anything else (a NUL byte, which
        # PostgreSQL refuses in text, or punctuation) cannot exist and is simply unknown.
        lookup = [slug for slug in slugs if SLUG_RE.match(slug)]
        found = reference_ids(self.model, lookup) if lookup else {}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise ValidationError(
                "Unknown value %(values)s. The valid values are listed at %(url)s.",
                code="unknown_slug",
                params={"values": ", ".join(repr(u[:50]) for u in unknown), "url": self.list_url},
            )
        return [found[slug] for slug in slugs]


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (also 1/0, yes/no); anything else is an error, not ignored."""

    widget = forms.TextInput
    TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

    def __init__(self, **kwargs):
        kwargs["required"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError("Use true or false.", code="invalid_boolean")


class NearFilter(filters.CharFilter):
    field_class = NearField


class RadiusFilter(filters.NumberFilter):
    field_class = RadiusField


class SlugListFilter(filters.MultipleChoiceFilter):
    field_class = SlugListField


def _slug_list(description: str, **kwargs) -> SlugListFilter:
    """A repeatable slug filter, documented as an array of strings in the OpenAPI schema.

    The valid slugs live in reference tables operators can extend, so the schema gives the
    list endpoint to read them from rather than a frozen enum.
    """
    schema = {"type": "string", "description": description}
    return extend_schema_field(schema)(SlugListFilter(help_text=description, **kwargs))


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class ProviderSearchFilter(filters.FilterSet):
    near = NearFilter(
        help_text='A US ZIP code ("10001") or coordinates "lat,lng" ("40.75,-73.99").',
    )
    radius = RadiusFilter(
        help_text=(
            f"Miles around `near` ({MIN_RADIUS}-{MAX_RADIUS}, default {DEFAULT_RADIUS_MILES:g})."
        ),
    )
    route = _slug_list(
        "Administration route slug (see /api/v1/routes/); repeat to match any of several.",
        model=AdministrationRoute,
        list_url="/api/v1/routes/",
    )
    specialty = _slug_list(
        "Addiction specialty slug (see /api/v1/specialties/); repeat to match any of several.",
        model=AddictionSpecialty,
        list_url="/api/v1/specialties/",
    )
    insurance = _slug_list(
        "Insurance plan slug (self-pay, medicare, medicaid, ...; see /api/v1/insurance/); "
        "repeat to match any of several.",
        model=InsurancePlan,
        list_url="/api/v1/insurance/",
    )
    language = _slug_list(
        "Language code (en, es, ...; see /api/v1/languages/); repeat to match any of several.",
        model=Language,
        list_url="/api/v1/languages/",
    )
    telehealth = StrictBooleanFilter(help_text="Offers telehealth (true or false).")
    accepting_new_patients = StrictBooleanFilter(
        help_text="Accepting new patients (true or false)."
    )
    q = filters.CharFilter(
        max_length=200, help_text="Free text matched against name, city and description."
    )
    ordering = filters.ChoiceFilter(
        choices=[(o, o) for o in ORDERINGS],
        help_text=(
            "distance (default with `near`), next_available, or name (default without `near`)."
        ),
        error_messages={
            "invalid_choice": "Order by one of: " + ", ".join(ORDERINGS) + ".",
        },
    )

    class Meta:
        model = Provider
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Form validation runs the filters' fields; cross-field rules go in clean().
        self.form.clean = self._clean_form

    def get_form_class(self):
        # django-filter builds a new form class, and new form fields, on every request; the
        # filters never change per request, so one class per filter set serves them all.
        # (Each form still works on its own deep copy of the fields, as Django forms do.)
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def _clean_form(self):
        data = self.form.cleaned_data
        if data.get("ordering") == "distance" and not data.get("near"):
            self.form.add_error(
                "ordering",
                ValidationError(
                    "Ordering by distance needs a location: add near=<ZIP or lat,lng>.",
                    code="near_required",
                ),
            )
        return data

    def to_search(self) -> ProviderSearch:
        data = self.form.cleaned_data
        return ProviderSearch(
            near=data.get("near"),
            radius_miles=data.get("radius") or DEFAULT_RADIUS_MILES,
            route_ids=data.get("route") or (),
            specialty_ids=data.get("specialty") or (),
            insurance_ids=data.get("insurance") or (),
            language_ids=data.get("language") or (),
            telehealth=data.get("telehealth"),
            accepting_new_patients=data.get("accepting_new_patients"),
            text=(data.get("q") or "").strip(),
            ordering=data.get("ordering") or None,
        )

    def filter_queryset(self, queryset):
        return provider_search(self.to_search(), queryset=queryset)
