"""docker-compose.yml, Dockerfile, Procfile and the bin scripts agree with each other.

There is no Docker engine on the development machines, so the compose file is checked by
parsing it: the services exist, run the same bin/ scripts bin/dev and CI run, and get every
configuration variable of the contract.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML comes with drf-spectacular")

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")
CONTRACT_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "RATE_LIMITS",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


@pytest.mark.parametrize("script", ["dev", "test", "web", "worker", "beat"])
def test_bin_script_exists_and_is_executable(script):
    path = ROOT / "bin" / script
    assert path.is_file()
    assert os.access(path, os.X_OK), f"bin/{script} is not executable"
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in path.read_text()


def test_compose_has_the_app_and_the_services_it_needs(compose):
    assert set(compose["services"]) >= {
        "web",
        "worker",
        "beat",
        "migrate",
        "postgres",
        "redis",
        "mailpit",
    }


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_runs_the_same_bin_script_as_the_procfile(compose, service):
    assert compose["services"][service]["command"] == [procfile()[service]]
    assert procfile()[service] == f"bin/{service}"


def test_the_procfile_runs_web_worker_and_beat():
    assert set(procfile()) == set(APP_SERVICES)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_get_every_contract_variable(compose, service):
    environment = compose["services"][service]["environment"]
    assert set(environment) >= CONTRACT_VARIABLES
    assert environment["EMAIL_HOST"] == "mailpit"
    assert environment["EMAIL_PORT"] == "1025"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_start_after_healthy_databases_and_migrations(compose, service):
    depends = compose["services"][service]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_the_secret_key_has_no_default_in_compose(compose):
    # ${VAR:?message} makes compose refuse to start without it.
    value = compose["services"]["web"]["environment"]["DJANGO_SECRET_KEY"]
    assert value.startswith("${DJANGO_SECRET_KEY:?")


def test_migrate_runs_once_before_the_app(compose):
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"


def test_postgres_and_redis_versions_and_healthchecks(compose):
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:15"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["image"] == "redis:7"
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_mailpit_ui_is_published_and_web_checks_healthz(compose):
    services = compose["services"]
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert "8025:8025" in services["mailpit"]["ports"]
    assert "8000:8000" in services["web"]["ports"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_dockerfile_builds_a_slim_non_root_image_with_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'^CMD \["bin/web"\]$', dockerfile, re.M)


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "var", "db.sqlite3*"} <= ignored
