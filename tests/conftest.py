"""Shared fixtures and markers.

Personas (healthchecks style): alice and bob are patients; carol is staff of the provider
``sunrise``; dave is staff of another provider. Tests that need PostgreSQL or Redis skip,
with the reason, when DATABASE_URL / REDIS_URL do not point at them (.ci/run sets both).
"""

from __future__ import annotations

import os

import pytest
from rest_framework.test import APIClient

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
HAS_REDIS = os.environ.get("REDIS_URL", "").startswith("redis://")

requires_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL=postgres://... (.ci/run does)"
)
requires_redis = pytest.mark.skipif(
    not HAS_REDIS, reason="needs Redis: set REDIS_URL=redis://... (.ci/run does)"
)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.RATE_LIMITS = False


@pytest.fixture(autouse=True)
def _fresh_reference_ids():
    # Each test reads the reference tables afresh: rolled-back rows (whose ids SQLite hands
    # out again) must not linger in the process's slug copy, and query counts stay exact.
    from directory.selectors import reference_ids_forget

    reference_ids_forget()


@pytest.fixture
def api() -> APIClient:
    return APIClient()
