"""skillpass/db.py: engines that behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from skillpass.db import make_engine, pool_settings


def test_many_connections_opening_a_new_sqlite_file_at_once(tmp_path):
    """Switching a new file to WAL answers "database is locked" at once, without waiting for the busy
    timeout; several gunicorn workers opening a fresh database together used to fail on it."""
    for attempt in range(30):
        url = f"sqlite:///{tmp_path / f'fresh{attempt}.db'}"
        barrier, errors = threading.Barrier(4), []

        def open_it() -> None:
            engine = make_engine(url)
            try:
                barrier.wait(timeout=30)
                with engine.begin() as conn:
                    conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
                    assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == [], (attempt, errors)


def test_postgresql_pool_size_from_the_environment():
    assert pool_settings({}) == (5, 5)
    assert pool_settings({"SKILLPASS_DB_POOL_SIZE": "8"}) == (8, 8)
    assert pool_settings({"SKILLPASS_DB_POOL_SIZE": "8", "SKILLPASS_DB_MAX_OVERFLOW": "0"}) == (8, 0)
    for bad in ({"SKILLPASS_DB_POOL_SIZE": "0"}, {"SKILLPASS_DB_POOL_SIZE": "many"}, {"SKILLPASS_DB_MAX_OVERFLOW": "-1"}):
        with pytest.raises(ValueError):
            pool_settings(bad)
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_size=3)  # never connects
    assert (engine.pool.size(), engine.pool._max_overflow) == (3, 3)  # type: ignore[attr-defined]
    engine.dispose()
