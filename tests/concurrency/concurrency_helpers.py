"""Real processes, real HTTP: services under gunicorn (several workers) on SQLite or PostgreSQL.

A database per test: a fresh SQLite file, or a fresh schema in a PostgreSQL
database made for this test session (dropped at its end). The schema is
created first with `skillpass.migrations.upgrade`, as a deployment does
(`skillpass db upgrade`), so the workers start on a database at head.

Every wait here is bounded (deadlines, request timeouts); the tests assert
counts and uniqueness, never timings.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Callable, Iterator

import jwt
import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from skillpass import migrations
from skillpass.db import make_engine
from vc import key_sealing, status_list

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_POSTGRES_URL") else [])
MASTER_KEY = key_sealing.generate_master_key()
ADMIN_TOKEN = "concurrency-admin-" + uuid.uuid4().hex
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
#: Gunicorn workers and threads per worker of every server under test.
WORKERS, THREADS = 4, 2
#: No single request may take longer than this (a 2-core CI machine, everything on it).
REQUEST_TIMEOUT = 120
START_TIMEOUT = 60


# --- databases ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A PostgreSQL database of our own for this session (dropped at the end), or None without TEST_POSTGRES_URL.

    Made beside TEST_POSTGRES_URL's database on the same server; if the role
    may not create databases, schemas in TEST_POSTGRES_URL's database are used.
    """
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        yield None
        return
    name = f"skillpass_concurrency_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - no CREATEDB: fall back to schemas in the given database
        admin.dispose()
        yield base
        return
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, postgres_database: str | None) -> Iterator[str]:
    """An empty database for one service: a SQLite file, or a fresh schema in the session's PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.db'}"
        return
    assert postgres_database is not None
    schema = f"concurrency_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(postgres_database).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def second_database(first: str, tmp_path: Path, name: str) -> Iterator[str]:
    """Another empty database on the same backend as `first` (the wallet's, beside the issuer's)."""
    if first.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / (name + '.db')}"
        return
    url = make_url(first)
    schema = f"{name}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.difference_update_query(["options"]), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def migrated_engine(service: str, url: str) -> Engine:
    """The schema created first (as `skillpass db upgrade` would), and an engine for the test's own checks."""
    engine = make_engine(url)
    migrations.upgrade(service, engine)
    return engine


# --- servers -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_environment() -> dict[str, str]:
    """What a server process inherits: nothing of the test run's own service settings."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT")
    return {k: v for k, v in os.environ.items() if k in keep}


@dataclass
class Gunicorn:
    """One service under gunicorn (its own process group, so a kill -9 reaches every worker)."""

    app: str
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    workers: int = WORKERS
    threads: int = THREADS
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Gunicorn":
        command = [
            sys.executable, "-m", "gunicorn",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers), "--threads", str(self.threads),
            "--timeout", str(REQUEST_TIMEOUT), "--graceful-timeout", "10",
            "--log-level", "info",
            self.app,
        ]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.log_path.parent, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.app} exited at start:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/health", timeout=2).ok and len(self.worker_pids()) == self.workers:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.app} did not become healthy in {START_TIMEOUT} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def worker_pids(self) -> list[int]:
        """The master's children (its workers), from /proc (Linux, like gunicorn's CI here)."""
        assert self.process is not None
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                children.append(int(entry.name))
        return sorted(children)

    def kill_worker(self) -> int:
        """kill -9 one worker (the master starts another); returns its pid."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_all(self) -> None:
        """kill -9 the master and every worker at once: a crashed host."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reap_group()

    def _reap_group(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=20)
        self._reap_group()


@pytest.fixture
def servers() -> Iterator[list[Gunicorn]]:
    """Every server a test starts is stopped at its end, whatever happened."""
    started: list[Gunicorn] = []
    yield started
    for server in started:
        server.stop()


def issuer_environment(database_url: str, base_url: str) -> dict[str, str]:
    return base_environment() | {
        "ISSUER_DATABASE_URL": database_url,
        "ISSUER_BASE_URL": base_url,
        "ISSUER_ADMIN_TOKEN": ADMIN_TOKEN,
        "SKILLPASS_MASTER_KEY": MASTER_KEY,
        "ISSUER_AUTO_MIGRATE": "0",
    }


def start_issuer(servers: list[Gunicorn], database_url: str, tmp_path: Path, **options: Any) -> Gunicorn:
    port = free_port()
    server = Gunicorn("issuer.app:create_app()", issuer_environment(database_url, f"http://127.0.0.1:{port}"),
                      tmp_path / "issuer.log", port=port, **options)
    servers.append(server)
    return server.start()


# --- the issuer over HTTP ------------------------------------------------------------


def _example(name: str) -> dict[str, Any]:
    return json.loads((files("skillpass_schemas") / "examples" / name).read_text(encoding="utf-8"))


MICRO = _example("microcredential-roc-veilig-werken-met-warmtepompen.json")
SKILL = _example("skill-attestation-evc-warmtepompen-installeren.json")


def issue_request(number: int) -> dict[str, Any]:
    """A valid issuance request; even numbers microcredentials, odd ones skill attestations."""
    if number % 2 == 0:
        subject = {k: v for k, v in MICRO["credentialSubject"].items() if k != "id"}
        return {"type": "microcredential", "subject": subject}
    subject = {k: v for k, v in SKILL["credentialSubject"].items() if k != "id"}
    return {"type": "skill-attestation", "subject": subject, "evidence": SKILL["evidence"]}


@dataclass
class Provider:
    slug: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def create_provider(base: str, slug: str) -> Provider:
    r = requests.post(f"{base}/admin/providers", headers=ADMIN, timeout=REQUEST_TIMEOUT,
                      json={"slug": slug, "name": {"nl": f"ROC {slug}", "en": f"ROC {slug}"}, "country": "NL"})
    assert r.status_code == 201, r.text
    k = requests.post(f"{base}/admin/providers/{slug}/api-keys", headers=ADMIN, json={"label": "load"}, timeout=REQUEST_TIMEOUT)
    assert k.status_code == 201, k.text
    return Provider(slug, k.json()["key"])


def positions(issued: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """{purpose: (list number, index)} from an issuance answer's status entries."""
    result = {}
    for entry in issued["status"]:
        number = int(entry["statusListCredential"].rsplit("/", 1)[1])
        result[entry["statusPurpose"]] = (number, int(entry["statusListIndex"]))
    return result


def fetch_list(base: str, slug: str, purpose: str, number: int) -> status_list.StatusList:
    """The published list over HTTP (a fresh connection each time, so any worker may answer), decoded."""
    r = requests.get(f"{base}/providers/{slug}/status/{purpose}/{number}", timeout=REQUEST_TIMEOUT, headers={"Connection": "close"})
    assert r.status_code == 200, r.text
    payload = jwt.decode(r.text, options={"verify_signature": False})
    return status_list.StatusList.decode(payload["credentialSubject"]["encodedList"])


# --- bounded concurrent runs ---------------------------------------------------------


def run_clients(count: int, client: Callable[[int], None], *, deadline: float) -> list[BaseException]:
    """Run `client(i)` in `count` threads at once (a barrier first); every thread is joined by `deadline`."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def body(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            client(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        errors.append(AssertionError(f"{stuck} client thread(s) still running at the deadline"))
    return errors


def report(name: str, **figures: Any) -> None:
    """Figures of a run, on stdout (`pytest -s` shows them) and in CONCURRENCY_REPORT if that is set."""
    line = json.dumps({"test": name, **figures}, sort_keys=True)
    print(line)
    path = os.environ.get("CONCURRENCY_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
