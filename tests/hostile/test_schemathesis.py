"""Schemathesis against the served OpenAPI schema, in process (WSGI), as three personas.

Every operation of /api/schema/ gets generated requests, valid and invalid (schemathesis'
positive and negative modes), sent anonymously, as a patient and as provider staff against
a database seeded by ``seed_demo``. Each response must be a non-5xx whose status code,
content type, headers and body are the ones the schema documents, and invalid input must be
refused. Bounded: ``SCHEMATHESIS_MAX_EXAMPLES`` examples per operation, mode and persona
(default 8), derandomized so CI sees the same requests every run; ci/schemathesis.sh runs
more against gunicorn.
"""

from __future__ import annotations

import io
import os
import time
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from booking.models import AvailabilityRule
from demo.generator import DEMO_PROVIDER_SLUG
from directory.models import ConsultationType, Provider

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]


@pytest.fixture
def seeded(db) -> dict[str, Any]:
    """Demo providers with hours and consultation types, a patient and a staff user."""
    call_command("seed_demo", "--providers", "4", "--seed", "7", stdout=io.StringIO())
    patient = User.objects.get(email="patient@demo.test")
    staff = User.objects.get(email="provider@demo.test")
    provider = Provider.objects.get(slug=DEMO_PROVIDER_SLUG)
    return {
        "patient": Token.objects.get_or_create(user=patient)[0].key,
        "staff": Token.objects.get_or_create(user=staff)[0].key,
        "provider": provider,
    }


@pytest.fixture
def api_schema(seeded):
    from config.wsgi import application

    # As Django's test client does: the WSGI handler would otherwise close the test's
    # connection (and its transaction) at the end of every request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _known_path_values(seeded: dict[str, Any]) -> dict[str, Any]:
    """Path values that exist, so generated requests also reach past the 404."""
    provider = seeded["provider"]
    rule = AvailabilityRule.objects.filter(location__provider=provider).order_by("pk").first()
    return {
        "slug": provider.slug,
        "id": rule.pk if rule else 1,
    }


def _run_operation(operation, *, mode: GenerationMode, headers: dict[str, str], fixed: dict):
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)
    checks = NEGATIVE_CHECKS if mode == GenerationMode.NEGATIVE else CHECKS

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    try:
        run()
    except Unsatisfiable:
        # Negative mode on an operation with nothing left to make invalid (no parameters
        # or body, or every path value fixed): there is no request to send.
        if mode != GenerationMode.NEGATIVE:
            raise


@pytest.mark.parametrize("persona", ["anonymous", "patient", "staff"])
def test_every_operation_conforms_to_the_schema_without_server_errors(persona, api_schema, seeded):
    headers = {} if persona == "anonymous" else {"Authorization": f"Token {seeded[persona]}"}
    known = _known_path_values(seeded)
    failures: list[str] = []
    started = time.monotonic()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        path_names = {p.name for p in operation.path_parameters}
        variants: list[dict] = [{}]
        if path_names:
            variants.append({name: known[name] for name in path_names if name in known})
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for fixed in variants:
                try:
                    _run_operation(operation, mode=mode, headers=headers, fixed=fixed)
                except (Exception, BaseExceptionGroup) as exc:  # collect all, then report
                    failures.append(f"{operation.label} [{mode.value}, {fixed}]: {exc}")
    elapsed = time.monotonic() - started
    print(f"schemathesis {persona}: {len(operations)} operations in {elapsed:.1f}s")
    assert not failures, "\n\n".join(failures)


def test_seeded_data_gives_the_fuzzer_real_objects(seeded):
    provider = seeded["provider"]
    assert ConsultationType.objects.filter(provider=provider).exists()
    assert AvailabilityRule.objects.filter(location__provider=provider).exists()
