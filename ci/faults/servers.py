"""Throwaway servers for the fault checks: PostgreSQL, Redis and an SMTP sink on free ports,
each started, stopped and restarted here (never the machine's shared servers).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import shutil
import socket
import subprocess
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, up: bool, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                is_up = True
        except OSError:
            is_up = False
        if is_up == up:
            return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} still {'down' if up else 'up'} after {timeout} s")


class Postgres:
    """A PostgreSQL cluster in a temporary folder (run as the postgres user when we are root)."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.data = root / "pg"
        self.socket_dir = root / "pg-socket"
        self.log = root / "pg.log"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/faults"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)

    def init(self) -> None:
        for folder in (self.data, self.socket_dir):
            folder.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(folder, "postgres", "postgres")
                shutil.chown(folder.parent, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "faults")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w",
                  "start")  # fmt: skip

    def stop(self, check: bool = True) -> None:
        # fast: active sessions are killed mid-transaction, as in a crash or failover.
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=check)


class Redis:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.pidfile = root / "redis.pid"
        self.log = root / "redis.log"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--daemonize", "yes", "--pidfile", str(self.pidfile),
             "--logfile", str(self.log)],
            check=True, timeout=20,
        )  # fmt: skip
        wait_port(self.port, up=True)

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            capture_output=True,
            timeout=20,
        )
        wait_port(self.port, up=False)


class _Handler:
    def __init__(self, sink: Sink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # The delay comes before DATA, so a sender killed while waiting has sent nothing.
        if self.sink.delay:
            self.sink.rcpt_waiting.set()
            await asyncio.sleep(self.sink.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)
        return "250 Message accepted"


class Sink:
    """An SMTP server that can go down and come back on the same port, keeping what it got."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.delay = 0.0
        self.rcpt_waiting = threading.Event()  # set while a delayed sender waits on RCPT
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        wait_port(self.port, up=False)

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]).strip("<>") for m in self.messages]
