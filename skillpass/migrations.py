"""Schema migrations with Alembic, one history per service, and the start-up rule.

Each service keeps its migration scripts in `<service>/migrations/` (an
`env.py` that calls `run_env` with the service's metadata, and `versions/`).

The start-up rule, the same for the issuer, the wallet and the verifier
(`prepare_database`, called by every `create_app`):
- a database at the newest revision (head): start;
- an empty database (no tables of the service, no history): created by
  upgrading to head; this is how a new deployment (and every test) begins;
- a database behind head, or with the service's tables but no migration
  history: refuse to start with `SchemaOutOfDate`, whose message names the
  one command to run (`skillpass db upgrade --service <service>`), because
  new code on an old schema corrupts data quietly. `<SERVICE>_AUTO_MIGRATE=1`
  (the default only with `SKILLPASS_DEV=1`) upgrades instead;
- a database at a revision this code does not know (newer code ran on it):
  refuse, always.

`upgrade` runs under a lock (a transaction-scoped advisory lock on
PostgreSQL, `BEGIN IMMEDIATE` on SQLite) and re-reads the revision once it
holds it, so several workers starting at once on an empty database create
it exactly once. A database that has the service's tables but no history
(made by `create_all` before the service had migrations) is adopted: stamped
at head when it matches the models exactly, refused with the differences
otherwise.
"""

from __future__ import annotations

import logging
import zlib
from importlib import resources
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel.sql.sqltypes import AutoString

from skillpass.db import immediate
from vc.errors import SkillpassError

SERVICES = ("issuer", "wallet", "verifier")
#: pg_advisory_xact_lock keys, one per service (a database-wide lock: migrations of one service run one at a time).
_LOCK_KEYS = {service: zlib.crc32(f"skillpass-migrate-{service}".encode()) for service in SERVICES}


class SchemaOutOfDate(SkillpassError):
    """The database schema is not the one this code expects."""

    code = "schema_out_of_date"


def upgrade_command(service: str) -> str:
    """The command that brings `service`'s database to head (what every refusal tells the operator to run)."""
    return f"skillpass db upgrade --service {service}"


def _config(service: str, connection: Connection | None = None) -> Config:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    config = Config()
    config.set_main_option("script_location", str(resources.files(service) / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _scripts(service: str) -> ScriptDirectory:
    return ScriptDirectory.from_config(_config(service))


def head_revision(service: str, engine: Engine | None = None) -> str | None:
    """The newest revision of the service's scripts (`engine` is accepted and ignored)."""
    return _scripts(service).get_current_head()


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def current_revision(engine: Engine) -> str | None:
    """The revision the database says it is at (None: no history)."""
    with engine.connect() as connection:
        return _revision_of(connection)


def _service_tables(connection: Connection, metadata: MetaData) -> set[str]:
    return set(metadata.tables) & set(inspect(connection).get_table_names())


def schema_differences(connection: Connection, metadata: MetaData) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match `metadata` ([] = identical)."""
    return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)


def _metadata(service: str) -> MetaData:
    import importlib

    return importlib.import_module(f"{service}.models").metadata


def _lock(connection: Connection, service: str) -> None:
    """Serialise migrations of `service` (SQLite: the BEGIN IMMEDIATE of the connection already did)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEYS[service]})


def upgrade(service: str, engine: Engine, revision: str = "head", *, metadata: MetaData | None = None) -> str | None:
    """Migrate the service's database to `revision` (the newest by default); returns the revision reached.

    One transaction, holding the service's migration lock: concurrent callers
    wait, then find the work done. A database with the service's tables but
    no history is stamped at head if it matches the models (`metadata`,
    default `<service>.models.metadata`), refused otherwise.
    """
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with immediate(engine).connect() as connection:
        with connection.begin():
            _lock(connection, service)
            config = _config(service, connection)
            if _revision_of(connection) is None and revision == "head":
                metadata = metadata if metadata is not None else _metadata(service)
                if _service_tables(connection, metadata):
                    differences = schema_differences(connection, metadata)
                    if differences:
                        raise SchemaOutOfDate(
                            f"the {service} database has tables but no migration history, and they differ from "
                            f"what this version expects ({len(differences)} difference(s), first: {differences[0]!r}); "
                            "it cannot be migrated automatically: restore a backup made with migrations, or migrate "
                            "it by hand and then run `alembic stamp`"
                        )
                    command.stamp(config, "head")
                    return _revision_of(connection)
            command.upgrade(config, revision)
            return _revision_of(connection)


def downgrade(service: str, engine: Engine, revision: str) -> str | None:
    """Migrate the service's database back to `revision` ("base": nothing left); under the same lock as `upgrade`."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with immediate(engine).connect() as connection:
        with connection.begin():
            _lock(connection, service)
            command.downgrade(_config(service, connection), revision)
            return _revision_of(connection)


def check(service: str, engine: Engine, metadata: MetaData) -> str:
    """'current', 'empty' or 'behind'; raises SchemaOutOfDate for a revision this code does not know."""
    with engine.connect() as connection:
        current = _revision_of(connection)
        head = head_revision(service)
        if current == head:
            return "current"
        if current is None:
            return "behind" if _service_tables(connection, metadata) else "empty"
    scripts = _scripts(service)
    try:
        known = scripts.get_revision(current) is not None
    except Exception:  # alembic raises its own errors for unknown or ambiguous ids
        known = False
    if not known:
        raise SchemaOutOfDate(
            f"the {service} database is at revision {current}, which this version does not know (head {head}): "
            "it was migrated by a newer version of skillpass; run that version, or restore a backup"
        )
    return "behind"


def ensure_current(service: str, engine: Engine, metadata: MetaData | None = None) -> None:
    """Refuse to run on a schema that is not at head, with the command to fix it."""
    metadata = metadata if metadata is not None else _metadata(service)
    if check(service, engine, metadata) == "current":
        return
    current = current_revision(engine)
    where = f"at revision {current}" if current else "without migration history"
    raise SchemaOutOfDate(
        f"the {service} database is {where} but this version needs revision {head_revision(service)}: "
        f"run `{upgrade_command(service)}` (with the same {service.upper()}_DATABASE_URL / DATABASE_URL) "
        f"before starting it, or set {service.upper()}_AUTO_MIGRATE=1"
    )


def prepare_database(service: str, engine: Engine, metadata: MetaData, *, auto_migrate: bool) -> None:
    """The start-up rule (module docstring): create an empty database, refuse one that is behind
    unless `auto_migrate`, refuse one from a newer version always."""
    try:
        status = check(service, engine, metadata)
        if status == "current":
            return
        if status == "empty" or auto_migrate:
            upgrade(service, engine, metadata=metadata)
            return
        ensure_current(service, engine, metadata)
    finally:
        # No connection stays pooled from start-up: with gunicorn --preload, create_app runs in the
        # master, and a connection inherited by several forked workers would be shared by all of them.
        engine.dispose()


def run_env(metadata: MetaData) -> None:
    """The body of every service's migrations/env.py: online migrations on the connection `upgrade` passes
    (or, for Alembic's own commands, on `config.attributes["engine"]`)."""
    connection: Any = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection, metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine: Any = context.config.attributes["engine"]
    with engine.connect() as connection:
        _configure(connection, metadata)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


def _render_item(type_: str, obj: Any, _autogen_context: Any) -> str | bool:
    """Autogenerate writes SQLModel's AutoString as plain sa.String (scripts import only sqlalchemy)."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def _configure(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
        compare_type=True,
    )


def new_revision(service: str, message: str, *, rev_id: str | None = None) -> str:
    """Write `<service>/migrations/versions/<rev>_<slug>.py` with what changed in the models since head.

    Autogenerated against a scratch SQLite database brought to head; read
    the script before committing it (renames look like drop + add).
    For contributors: `python -c "from skillpass.migrations import new_revision; new_revision('issuer', 'what changed')"`.
    """
    import tempfile
    from pathlib import Path

    from skillpass.db import make_engine

    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        try:
            upgrade(service, engine)
            with engine.connect() as connection:
                config = _config(service, connection)
                with connection.begin():
                    script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    path = script.path if script is not None and not isinstance(script, list) else ""  # type: ignore[union-attr]
    return str(path)
