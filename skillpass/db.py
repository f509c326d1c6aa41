"""Database engines for the services: SQLite (WAL) by default, PostgreSQL by URL.

Each service has its own database; this module only makes engines behave the
same way on both systems:
- SQLite runs in WAL mode with a busy timeout, foreign keys on, and pysqlite's
  own transaction handling switched off so that SQLAlchemy's BEGIN is real.
  `write_transaction` starts `BEGIN IMMEDIATE`, taking the write lock up front,
  so two writers never both read-then-write the same rows (no lost updates,
  no deadlock upgrade from a read lock).
- PostgreSQL gets pre-ping and a modest pool; row locks (`FOR UPDATE`) do the
  work there.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

_IMMEDIATE = "skillpass_begin_immediate"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine for `url`; SQLite files get their folder created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


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
    bind = engine.execution_options(**{_IMMEDIATE: True}) if is_sqlite(engine) else engine
    with Session(bind, expire_on_commit=False) as session:
        with session.begin():
            yield session
