"""Services under gunicorn on 127.0.0.1 for the HTTP benchmarks, and a throw-away PostgreSQL database.

Each service is started the way skillpass/devrun.py starts it (gunicorn,
`<service>.app:create_app()`, configuration from its environment variables),
with as many workers as the machine has cores. The access log is off (it
would measure the terminal). Databases are created and migrated in this
process first, so that the workers never race to create the same tables.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
WORKERS = os.cpu_count() or 1
THREADS = 4  # as skillpass/devrun.py: the gthread worker, which keeps connections alive
# psycopg takes plain postgresql:// URLs; a SQLAlchemy-style "+psycopg" URL is accepted too
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test").replace("postgresql+psycopg://", "postgresql://", 1)


_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (their CPU is the database's share of issuance)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as handle:
                    if handle.read().strip() == "postgres":
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """One gunicorn master with WORKERS workers x THREADS threads on a loopback port."""

    def __init__(self, app: str, env: dict[str, str], *, port: int | None = None, log: Path | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        command = [
            sys.executable, "-m", "gunicorn",
            "--bind", self.host,
            "--workers", str(WORKERS), "--threads", str(THREADS),
            "--log-level", "warning", "--timeout", "120",
            app,
        ]
        full_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
        self.log = log
        out = open(log, "ab") if log else subprocess.DEVNULL
        self.process = subprocess.Popen(command, env=full_env, stdout=out, stderr=subprocess.STDOUT, cwd=str(HERE.parent))

    def wait_healthy(self, timeout: float = 60) -> "Gunicorn":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start (see {self.log})")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.url} did not become healthy in {timeout:.0f} s (see {self.log})")

    def workers(self) -> list[int]:
        """The worker processes (children of the master)."""
        return [int(e) for e in os.listdir("/proc") if e.isdigit() and (_stat(e) or [None, None])[1] == str(self.process.pid)]

    def cpu(self) -> float:
        """CPU seconds the workers have used so far."""
        return cpu_seconds(self.workers())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def running(app: str, env: dict[str, str], **kwargs) -> Iterator[Gunicorn]:  # type: ignore[no-untyped-def]
    server = Gunicorn(app, env, **kwargs)
    try:
        yield server.wait_healthy()
    finally:
        server.stop()


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A fresh database on the local PostgreSQL (dropped afterwards), as a SQLAlchemy URL; None if unreachable."""
    try:
        import psycopg
    except ImportError:
        yield None
        return
    name = f"skillpass_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception:  # noqa: BLE001 - any failure means: skip PostgreSQL
        yield None
        return
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{base}/{name}"
    finally:
        try:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.close()
