"""Production settings: a real secret is required, and the deploy checks pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k" * 20 + "-production-secret-for-the-settings-test-" + "z" * 20


def _run(code: list[str] | str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST_")) and k != "RATE_LIMITS"
    }
    base.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    args = code if isinstance(code, list) else [sys.executable, "-c", code]
    return subprocess.run(args, cwd=ROOT, env=base, capture_output=True, text=True, timeout=120)


PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_PROXY_SSL_HEADER": getattr(s, "SECURE_PROXY_SSL_HEADER", None),
    "NUM_PROXIES": s.REST_FRAMEWORK["NUM_PROXIES"],
    "RATE_LIMITS": s.RATE_LIMITS,
}))
"""


def test_production_settings_refuse_to_load_without_a_secret_key():
    result = _run(PRINT_SETTINGS, DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_refuse_a_short_secret_key():
    result = _run(PRINT_SETTINGS, DJANGO_DEBUG="false", DJANGO_SECRET_KEY="too-short")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_settings_are_secure_by_default():
    result = _run(PRINT_SETTINGS, DJANGO_DEBUG="false", DJANGO_SECRET_KEY=SECRET)

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "NUM_PROXIES": 0,
        "RATE_LIMITS": True,
    }


def test_behind_a_proxy_its_forwarded_proto_and_address_are_trusted():
    result = _run(
        PRINT_SETTINGS,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_BEHIND_PROXY="true",
        DJANGO_SECURE_SSL_REDIRECT="false",  # the proxy redirects
    )

    values = json.loads(result.stdout)
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["NUM_PROXIES"] == 1
    assert values["SECURE_SSL_REDIRECT"] is False


def test_deploy_check_has_no_security_warning():
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="care.example.org",
    )

    output = result.stdout + result.stderr
    assert "security.W" not in output, output
    assert "security.E" not in output, output
    # The one other source of warnings is the OpenAPI schema (drf_spectacular.W...).
    other = [
        line
        for line in output.splitlines()
        if line.startswith("?:") and "drf_spectacular" not in line
    ]
    assert other == []
