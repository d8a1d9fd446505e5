"""Helpers shared by the benchmarks: a throwaway gunicorn (bin/web), timed HTTP clients and
percentiles. Only loopback addresses are used; every loop is bounded in time and count.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import statistics
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment of a production-like server on loopback, with throttling off."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "RATE_LIMITS": "off",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


class Gunicorn:
    """bin/web on a free loopback port; ``with Gunicorn(...) as server: server.base``."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.base = f"127.0.0.1:{self.port}"
        self.env = {
            **env,
            "PORT": str(self.port),
            "WEB_BIND": "127.0.0.1",
            "WEB_CONCURRENCY": str(workers),
        }
        self.log = log

    def __enter__(self) -> Gunicorn:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._out = self.log.open("wb")
        self.process = subprocess.Popen(
            [str(ROOT / "bin" / "web")],
            cwd=ROOT,
            env=self.env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bin/web exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"http://{self.base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.25)
        self.__exit__()
        raise RuntimeError(f"bin/web did not answer /healthz within 60 s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()


@dataclass
class Timings:
    seconds: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    wall: float = 0.0

    def summary(self) -> dict[str, float]:
        ms = sorted(s * 1000 for s in self.seconds)
        if not ms:
            return {"requests": 0}
        return {
            "requests": len(ms),
            "throughput_rps": round(len(ms) / self.wall, 1) if self.wall else 0.0,
            "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2),
            "max_ms": round(ms[-1], 2),
            "mean_ms": round(statistics.fmean(ms), 2),
        }


def percentile(sorted_values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    rank = (len(sorted_values) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def run_clients(
    host: str,
    paths: list[str],
    *,
    clients: int,
    max_seconds: float,
    on_body: Callable[[str, bytes], None] | None = None,
) -> Timings:
    """GET ``paths`` in order from ``clients`` threads until done or ``max_seconds`` pass.

    Each request is timed from sending to the last byte of the body, on a fresh loopback
    connection (gunicorn's sync workers close the connection after every response).
    """
    timings = Timings()
    lock = threading.Lock()
    cursor = iter(range(len(paths)))
    deadline = time.monotonic() + max_seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            path = paths[index]
            started = time.perf_counter()
            conn = http.client.HTTPConnection(host, timeout=30)
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                status = response.status
            except OSError:
                status, body = 0, b""
            finally:
                conn.close()
            elapsed = time.perf_counter() - started
            with lock:
                timings.seconds.append(elapsed)
                timings.statuses[status] += 1
            if on_body is not None:
                on_body(path, body)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    timings.wall = time.monotonic() - started
    return timings
