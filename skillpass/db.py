"""Database engines for the services: SQLite (WAL) by default, PostgreSQL by URL.

Each service has its own database; this module only makes engines behave the
same way on both systems:
- SQLite runs in WAL mode with a busy timeout, foreign keys on, and pysqlite's
  own transaction handling switched off so that SQLAlchemy's BEGIN is real.
  `write_transaction` starts `BEGIN IMMEDIATE`, taking the write lock up front,
  so two writers never both read-then-write the same rows (no lost updates,
  no deadlock upgrade from a read lock).
- PostgreSQL gets pre-ping and a modest pool per process (SKILLPASS_DB_POOL_SIZE,
  SKILLPASS_DB_MAX_OVERFLOW); row locks (`FOR UPDATE`) do the work there.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

_IMMEDIATE = "skillpass_begin_immediate"
#: How long a SQLite connection waits for another one's write lock.
BUSY_TIMEOUT_MS = 30_000
DEFAULT_POOL_SIZE = 5


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def pool_settings(environ: Mapping[str, str] | None = None) -> tuple[int, int]:
    """(pool size, overflow) of each process's PostgreSQL pool: `SKILLPASS_DB_POOL_SIZE` (default 5)
    and `SKILLPASS_DB_MAX_OVERFLOW` (default: the pool size). Size them to a worker's threads."""
    env = os.environ if environ is None else environ

    def number(name: str, default: int, minimum: int) -> int:
        raw = env.get(name, "").strip()
        if not raw:
            return default
        if not raw.isdigit() or int(raw) < minimum:
            raise ValueError(f"{name} must be a whole number >= {minimum}, got {raw!r}")
        return int(raw)

    size = number("SKILLPASS_DB_POOL_SIZE", DEFAULT_POOL_SIZE, 1)
    return size, number("SKILLPASS_DB_MAX_OVERFLOW", size, 0)


def make_engine(url: str, *, pool_size: int | None = None, max_overflow: int | None = None) -> Engine:
    """An engine for `url`; SQLite files get their folder created.

    PostgreSQL: a pool of `pool_size` connections plus `max_overflow` (by
    default from `pool_settings()`), checked before use (pre-ping).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    size, overflow = pool_settings()
    size = pool_size if pool_size is not None else size
    overflow = max_overflow if max_overflow is not None else (overflow if pool_size is None else pool_size)
    return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=overflow)


def _journal_mode_wal(cursor: sqlite3.Cursor) -> None:
    """Switch to WAL, waiting for other connections as the busy timeout would.

    Switching a new database file to WAL needs it to itself, and SQLite answers
    "database is locked" at once rather than calling the busy handler: several
    processes opening a fresh file together (gunicorn workers at first start)
    would fail. Once the file is in WAL mode this returns at the first try.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _journal_mode_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        begin_immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if begin_immediate else "BEGIN")


def immediate(engine: Engine) -> Engine:
    """`engine`, whose transactions begin IMMEDIATE on SQLite (the write lock first); as is elsewhere."""
    return engine.execution_options(**{_IMMEDIATE: True}) if is_sqlite(engine) else engine


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; nothing it does is committed."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back on any error.

    On SQLite it begins IMMEDIATE (the write lock is taken first); on
    PostgreSQL callers lock the rows they will change with `with_for_update()`.
    """
    with Session(immediate(engine), expire_on_commit=False) as session:
        with session.begin():
            yield session
