"""Smoke tests of bin/web, bin/worker and bin/beat: the scripts bin/dev, docker-compose.yml
and CI all run. Each starts the real process against the test database (and Redis or the
filesystem broker, whichever the environment configures) and checks it does its job.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import LocationFactory, ProviderFactory

ROOT = Path(__file__).resolve().parents[2]

# The processes must see what the tests commit (so: transactional), and the reference data
# must be back for the transactional tests that run after these.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A bin/ script running in the background with its output in a file."""

    def __init__(self, script: str, *args: str, log: Path, **env: str) -> None:
        self.log = log
        self._out = log.open("wb")
        self.popen = subprocess.Popen(
            [str(ROOT / "bin" / script), *args],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "INFO", **env},
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.popen.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"{text!r} not seen; output:\n{self.output()[-3000:]}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._out.close()


def get(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


def wait_for_http(url: str, process: Process, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            pytest.fail(f"bin/web exited:\n{process.output()[-3000:]}")
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"bin/web did not answer; output:\n{process.output()[-3000:]}")


def test_bin_web_serves_healthz_and_the_search_api(tmp_path):
    LocationFactory(
        provider=ProviderFactory(slug="mission-clinic"),
        city="San Francisco",
        state="CA",
        postal_code="94103",
        latitude=37.7726,
        longitude=-122.4180,
        timezone="America/Los_Angeles",
    )
    port = free_port()
    web = Process(
        "web", log=tmp_path / "web.log", PORT=str(port), WEB_BIND="127.0.0.1", WEB_CONCURRENCY="1"
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", web)

        assert get(f"{base}/healthz") == (200, {"status": "ok"})
        status, body = get(f"{base}/api/v1/providers/?near=94103&radius=10")
        assert status == 200
        assert [r["slug"] for r in body["results"]] == ["mission-clinic"]
        web.wait_for("core.request")  # one structured line per request
        assert "near=94103" not in web.output()  # query strings are never logged
    finally:
        web.stop()


def test_bin_worker_runs_a_task_from_the_configured_broker(tmp_path):
    from config.celery import app

    queue = f"smoke-{uuid.uuid4().hex[:10]}"  # never steal other processes' tasks
    worker = Process(
        "worker",
        "--pool",
        "solo",
        "--queues",
        queue,
        "--without-mingle",
        "--without-gossip",
        log=tmp_path / "worker.log",
    )
    try:
        worker.wait_for("ready.")
        result = app.send_task("booking.tasks.expire_holds", queue=queue)
        worker.wait_for(f"booking.tasks.expire_holds[{result.id}] succeeded")
    finally:
        worker.stop()


def test_bin_beat_starts_with_its_schedule_file(tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    beat = Process("beat", "--schedule", str(schedule), log=tmp_path / "beat.log")
    try:
        beat.wait_for("beat: Starting...")
        assert beat.popen.poll() is None
    finally:
        beat.stop()
