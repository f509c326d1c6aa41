"""Schema migrations with Alembic, one history per service.

Each service keeps its migration scripts in `<service>/migrations/` (an
`env.py` that calls `run_env` with the service's metadata, and `versions/`).
`skillpass db upgrade` brings a database to the newest revision; a service
refuses to start on a database that is behind, saying what to run, because
running new code on an old schema corrupts data quietly.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from vc.errors import SkillpassError

SERVICES = ("issuer", "wallet", "verifier")


class SchemaOutOfDate(SkillpassError):
    """The database schema is not the one this code expects."""

    code = "schema_out_of_date"


def _config(service: str, engine: Engine) -> Config:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    config = Config()
    config.set_main_option("script_location", str(resources.files(service) / "migrations"))
    config.attributes["engine"] = engine
    return config


def head_revision(service: str, engine: Engine) -> str | None:
    return ScriptDirectory.from_config(_config(service, engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(service: str, engine: Engine, revision: str = "head") -> None:
    """Migrate the service's database to `revision` (the newest by default)."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    command.upgrade(_config(service, engine), revision)


def ensure_current(service: str, engine: Engine) -> None:
    """Refuse to run on a schema that is not at head, with the command to fix it."""
    current, head = current_revision(engine), head_revision(service, engine)
    if current != head:
        raise SchemaOutOfDate(
            f"the {service} database is at revision {current or 'none (empty)'} but this version "
            f"needs {head}: run `skillpass db upgrade --service {service}` (same DATABASE_URL) first"
        )


def run_env(metadata: MetaData) -> None:
    """The body of every service's migrations/env.py: online migrations on the given engine."""
    engine: Any = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
