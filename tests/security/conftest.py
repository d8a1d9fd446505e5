"""Fixtures of the security tests: an empty cache (throttle and lockout counters) each test."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache(_test_settings):
    # conftest's locmem cache is one dict per process: counters would leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rate_limits(settings):
    """RATE_LIMITS on (the tests' default is off), with small rates that tests can reach."""
    settings.RATE_LIMITS = True
    settings.THROTTLE_RATES = {"search": "3/min", "booking": "2/min", "auth": "100/min"}
    return settings
