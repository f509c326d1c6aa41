"""Schema migrations of all three services, on SQLite and (with TEST_POSTGRES_URL) PostgreSQL.

- The scripts, run on an EMPTY database, give exactly the models' schema
  (Alembic's compare_metadata finds no difference), and downgrade cleanly.
- The start-up rule (skillpass/migrations.py) is the same for every service:
  an empty database is created; one without history, or behind head, is
  refused with a message naming `skillpass db upgrade --service <s>`, which
  then brings it to head (or the service upgrades it itself with
  auto-migrate); one at a revision the code does not know is refused always.
"""

from __future__ import annotations

import importlib
import os
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from alembic.config import Config as AlembicConfig
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from skillpass import migrations
from skillpass.cli import main
from skillpass.db import make_engine
from vc import key_sealing

SERVICES = migrations.SERVICES
BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_POSTGRES_URL") else [])
MASTER_KEY = key_sealing.parse_master_key(key_sealing.generate_master_key())


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """An empty database: a fresh SQLite file, or a fresh PostgreSQL schema (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.db'}"
        return
    base = os.environ["TEST_POSTGRES_URL"]
    schema = f"migrations_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Any]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _metadata(service: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"{service}.models").metadata


def _start(service: str, url: str, **changes: Any) -> None:
    """create_app with a configuration the service starts with (no network), then let go of its engine."""
    settings: dict[str, Any] = {"database_url": url, **changes}
    if service in ("issuer", "wallet"):
        settings["master_key"] = MASTER_KEY
    config = importlib.import_module(f"{service}.config").Config(**settings)
    app = importlib.import_module(f"{service}.app").create_app(config)
    app.extensions[service].engine.dispose()


def _config_error(service: str) -> type[Exception]:
    return importlib.import_module(f"{service}.config").ConfigError


def _db(args: list[str], **urls: str):  # type: ignore[no-untyped-def]
    """`skillpass db ...` with only the given <SERVICE>_DATABASE_URL / DATABASE_URL set."""
    env: dict[str, str | None] = {f"{name.upper()}_DATABASE_URL": None for name in SERVICES} | {"DATABASE_URL": None}
    env.update({name.upper() if name == "database_url" else f"{name.upper()}_DATABASE_URL": url for name, url in urls.items()})
    return CliRunner().invoke(main, ["db", *args], env=env)


def _differences(engine: Any, service: str) -> list[Any]:
    with engine.connect() as conn:
        return migrations.schema_differences(conn, _metadata(service))


# --- the scripts make the models' schema ------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_empty_database_upgraded_to_head_matches_the_models(service, engine):
    assert migrations.current_revision(engine) is None and inspect(engine).get_table_names() == []
    assert migrations.upgrade(service, engine) == migrations.head_revision(service)
    assert _differences(engine, service) == []
    # the downgrades work too, and upgrading again gives the same schema
    assert migrations.downgrade(service, engine, "base") is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrations.upgrade(service, engine)
    assert _differences(engine, service) == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_creates_an_empty_database_at_start(service, database_url, engine):
    _start(service, database_url, auto_migrate=False)
    assert migrations.current_revision(engine) == migrations.head_revision(service)
    assert _differences(engine, service) == []
    _start(service, database_url, auto_migrate=False)  # and starts again on it


@pytest.mark.parametrize("service", SERVICES)
def test_concurrent_first_starts_create_the_schema_once(service, database_url):
    """Several workers starting at once on an empty database (the migration lock; each its own engine)."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        engine = make_engine(database_url)
        try:
            barrier.wait(timeout=30)
            migrations.prepare_database(service, engine, _metadata(service), auto_migrate=False)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    engine = make_engine(database_url)
    try:
        assert migrations.current_revision(engine) == migrations.head_revision(service)
        assert _differences(engine, service) == []
    finally:
        engine.dispose()


# --- the start-up rule ------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_tables_without_history_are_refused_until_db_upgrade(service, database_url, engine):
    _metadata(service).create_all(engine)  # the service's tables, made without migrations
    with pytest.raises(_config_error(service)) as info:
        _start(service, database_url, auto_migrate=False)
    message = str(info.value)
    assert f"the {service} database is without migration history" in message
    assert f"run `skillpass db upgrade --service {service}`" in message
    result = _db(["upgrade", "--service", service], **{service: database_url})
    assert result.exit_code == 0, result.output
    head = migrations.head_revision(service)
    assert f"{service}: " in result.output and f"at revision {head} (empty -> {head})" in result.output
    assert migrations.current_revision(engine) == head  # adopted: the tables matched the models
    _start(service, database_url, auto_migrate=False)


@pytest.mark.parametrize("service", SERVICES)
def test_tables_without_history_are_adopted_with_auto_migrate(service, database_url, engine):
    _metadata(service).create_all(engine)
    _start(service, database_url, auto_migrate=True)
    assert migrations.current_revision(engine) == migrations.head_revision(service)


@pytest.mark.parametrize("service", SERVICES)
def test_tables_without_history_that_differ_are_never_adopted(service, database_url, engine):
    _metadata(service).create_all(engine)
    table = sorted(_metadata(service).tables)[0]
    with engine.begin() as conn:
        conn.execute(text(f'DROP TABLE "{table}" CASCADE' if engine.dialect.name == "postgresql" else f'DROP TABLE "{table}"'))
    with pytest.raises(_config_error(service), match="differ from what this version expects"):
        _start(service, database_url, auto_migrate=True)
    result = _db(["upgrade", "--service", service], **{service: database_url})
    assert result.exit_code != 0 and "cannot be migrated automatically" in result.output
    assert migrations.current_revision(engine) is None


@pytest.fixture
def newer_scripts(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Each service's real scripts plus one newer revision (a new table), as the next version would ship."""

    def make(service: str) -> str:
        folder = tmp_path / f"{service}-migrations"
        shutil.copytree(Path(str(migrations._config(service).get_main_option("script_location"))), folder)
        head = migrations.head_revision(service)
        (folder / "versions" / "9999_next.py").write_text(
            '"""the next version"""\n'
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            f"revision = 'next_{service}'\ndown_revision = {head!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
            "def upgrade():\n    op.create_table('next_table', sa.Column('id', sa.Integer(), primary_key=True))\n\n\n"
            "def downgrade():\n    op.drop_table('next_table')\n"
        )
        original = migrations._config

        def patched(name: str, connection: Any = None) -> AlembicConfig:
            config = original(name, connection)
            if name == service:
                config.set_main_option("script_location", str(folder))
            return config

        monkeypatch.setattr(migrations, "_config", patched)
        return f"next_{service}"

    return make


@pytest.mark.parametrize("service", SERVICES)
def test_a_database_behind_head_is_refused_until_db_upgrade(service, database_url, engine, newer_scripts):
    previous = migrations.upgrade(service, engine)  # today's head...
    head = newer_scripts(service)  # ...is behind the next version's
    with pytest.raises(_config_error(service)) as info:
        _start(service, database_url, auto_migrate=False)
    message = str(info.value)
    assert f"the {service} database is at revision {previous} but this version needs revision {head}" in message
    assert f"run `skillpass db upgrade --service {service}`" in message
    current = _db(["current", "--service", service], **{service: database_url})
    assert current.exit_code == 1 and f"run `skillpass db upgrade --service {service}`" in current.output
    result = _db(["upgrade", "--service", service], **{service: database_url})
    assert result.exit_code == 0, result.output
    assert f"at revision {head} ({previous} -> {head})" in result.output
    assert migrations.current_revision(engine) == head and "next_table" in inspect(engine).get_table_names()
    _start(service, database_url, auto_migrate=False)
    assert _db(["current", "--service", service], **{service: database_url}).exit_code == 0
    again = _db(["upgrade", "--service", service], **{service: database_url})
    assert again.exit_code == 0 and "already at head" in again.output


@pytest.mark.parametrize("service", SERVICES)
def test_a_database_behind_head_is_upgraded_with_auto_migrate(service, database_url, engine, newer_scripts):
    migrations.upgrade(service, engine)
    head = newer_scripts(service)
    _start(service, database_url, auto_migrate=True)
    assert migrations.current_revision(engine) == head


@pytest.mark.parametrize("service", SERVICES)
def test_a_revision_from_a_newer_version_is_always_refused(service, database_url, engine):
    migrations.upgrade(service, engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    for auto_migrate in (False, True):
        with pytest.raises(_config_error(service), match="which this version does not know"):
            _start(service, database_url, auto_migrate=auto_migrate)


def test_auto_migrate_defaults_to_on_only_in_development():
    for service in SERVICES:
        config_type = importlib.import_module(f"{service}.config").Config
        prefix = service.upper()
        assert config_type.from_env({}).auto_migrate is False
        assert config_type.from_env({"SKILLPASS_DEV": "1"}).auto_migrate is True
        assert config_type.from_env({f"{prefix}_AUTO_MIGRATE": "1"}).auto_migrate is True
        assert config_type.from_env({"SKILLPASS_DEV": "1", f"{prefix}_AUTO_MIGRATE": "0"}).auto_migrate is False


# --- skillpass db ------------------------------------------------------------------


def test_db_upgrade_all_uses_each_services_own_url(tmp_path):
    urls = {service: f"sqlite:///{tmp_path / (service + '.db')}" for service in SERVICES}
    result = _db(["upgrade"], **urls)
    assert result.exit_code == 0, result.output
    for service in SERVICES:
        assert f"{service}: {urls[service]} at revision {migrations.head_revision(service)}" in result.output
        engine = make_engine(urls[service])
        try:
            assert _differences(engine, service) == []
        finally:
            engine.dispose()
    assert _db(["current"], **urls).exit_code == 0


def test_db_upgrade_refuses_services_sharing_one_database(tmp_path):
    result = _db(["upgrade"], database_url=f"sqlite:///{tmp_path / 'shared.db'}")
    assert result.exit_code != 0 and "resolve to the same database" in result.output
    assert not (tmp_path / "shared.db").exists()

