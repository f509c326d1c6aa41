"""The `skillpass` command: keys, the three services, and everyday jobs.

Service commands live with their service (`issuer/cli.py`, ...) and are
mounted here lazily, so `skillpass keygen` does not import Flask apps.
"""

from __future__ import annotations

import importlib
import json
import sys

import click

from vc import did, key_sealing, keys

_SERVICE_GROUPS = {"issuer": "issuer.cli", "wallet": "wallet.cli", "verifier": "verifier.cli"}


class _LazyGroup(click.Group):
    """Loads `skillpass <service> ...` from the service's own cli module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_SERVICE_GROUPS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _SERVICE_GROUPS:
            try:
                return importlib.import_module(_SERVICE_GROUPS[name]).group
            except (ImportError, AttributeError) as exc:
                raise click.ClickException(f"the {name} service is not available: {exc}") from exc
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup)
def main() -> None:
    """skillpass: issue, keep, share and verify skills as Verifiable Credentials."""


@main.command()
@click.option("--type", "key_type", type=click.Choice(["Ed25519", "P-256"]), default="Ed25519", show_default=True)
@click.option("--master-key", is_flag=True, help="Print a new SKILLPASS_MASTER_KEY instead of a signing key.")
def keygen(key_type: str, master_key: bool) -> None:
    """Generate a signing key (private JWK on stdout) or a master key.

    Write the output to a file only you can read; never commit it.
    """
    if master_key:
        click.echo(key_sealing.generate_master_key())
        return
    key = keys.generate(key_type)  # type: ignore[arg-type]
    jwk = keys.private_jwk(key) | {"kid": keys.thumbprint(keys.public_jwk(key))}
    click.echo(json.dumps(jwk, indent=2))
    click.echo(f"public did:key {did.did_key(key)}", err=True)


@main.group()
def db() -> None:
    """Database schemas: each service's own database, migrated with Alembic."""


_SERVICE_CHOICE = click.Choice([*_SERVICE_GROUPS, "all"])


def _database_urls(service: str) -> dict[str, str]:
    """The database URL of each chosen service, from its own configuration (`<SERVICE>_DATABASE_URL`,
    else `DATABASE_URL`, else its default)."""
    names = list(_SERVICE_GROUPS) if service == "all" else [service]
    urls = {}
    for name in names:
        try:
            urls[name] = importlib.import_module(f"{name}.config").Config.from_env().database_url
        except RuntimeError as exc:  # each service's ConfigError
            raise click.ClickException(f"{name}: {exc}") from None
    seen: dict[str, str] = {}
    for name, url in urls.items():
        if url in seen:
            raise click.ClickException(
                f"{seen[url]} and {name} resolve to the same database ({_shown(url)}): every service needs its own "
                f"(their tables would collide); set {seen[url].upper()}_DATABASE_URL and {name.upper()}_DATABASE_URL"
            )
        seen[url] = name
    return urls


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db.command("upgrade")
@click.option("--service", type=_SERVICE_CHOICE, default="all", show_default=True)
def db_upgrade(service: str) -> None:
    """Migrate each chosen service's database to the newest schema (an empty one is created).

    Run it with the same environment as the service, before starting a new version.
    """
    from skillpass import migrations
    from skillpass.db import make_engine

    for name, url in _database_urls(service).items():
        engine = make_engine(url)
        try:
            before = migrations.current_revision(engine)
            after = migrations.upgrade(name, engine)
        except migrations.SchemaOutOfDate as exc:
            raise click.ClickException(f"{name}: {exc.detail}") from None
        finally:
            engine.dispose()
        change = "already at head" if before == after else f"{before or 'empty'} -> {after}"
        click.echo(f"{name}: {_shown(url)} at revision {after} ({change})")


@db.command("current")
@click.option("--service", type=_SERVICE_CHOICE, default="all", show_default=True)
def db_current(service: str) -> None:
    """Show each chosen service's database revision and whether it is at head; exit 1 if one is not."""
    from skillpass import migrations
    from skillpass.db import make_engine

    behind = False
    for name, url in _database_urls(service).items():
        engine = make_engine(url)
        try:
            current = migrations.current_revision(engine)
        finally:
            engine.dispose()
        head = migrations.head_revision(name)
        behind |= current != head
        click.echo(f"{name}: {_shown(url)} at revision {current or 'none'} (head {head}{'' if current == head else ': run `' + migrations.upgrade_command(name) + '`'})")
    if behind:
        sys.exit(1)


@main.command()
@click.option("--only", type=click.Choice(sorted(_SERVICE_GROUPS)), help="Run one service instead of all three.")
def run(only: str | None) -> None:
    """Start the services on 127.0.0.1 with demo data (development only)."""
    from skillpass import devrun

    sys.exit(devrun.run(only))


if __name__ == "__main__":  # pragma: no cover
    main()
