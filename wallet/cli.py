"""`skillpass wallet ...`: the wallet from the shell. `group` is what the skillpass CLI mounts.

The commands work on the wallet's database directly, through the same
application factory and service functions as the HTTP API (no server needed):
enough to set up a demo citizen with credentials and a share link.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import Flask
from pydantic import ValidationError

from skillpass import migrations
from skillpass.db import make_engine
from skillpass.web import BASE_STATUS, pydantic_errors, status_for
from vc.errors import SkillpassError
from wallet import accounts, dossier, qr, sharing
from wallet.api import CredentialQuery, Register, ShareCreate
from wallet.config import Config, ConfigError
from wallet.errors import STATUS
from wallet.state import WalletState

_STATUS_MAP = {**BASE_STATUS, **STATUS}


def _state(ctx: click.Context) -> WalletState:
    """The wallet of `ctx.obj` (an app, for tests and embedding) or one from the environment."""
    if isinstance(ctx.obj, Flask) and "wallet" in ctx.obj.extensions:
        return ctx.obj.extensions["wallet"]
    from wallet.app import create_app

    try:
        app = create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    ctx.obj = app
    return app.extensions["wallet"]


def _fail(exc: SkillpassError) -> click.ClickException:
    return click.ClickException(f"{exc.code} ({status_for(exc, _STATUS_MAP)}): {json.dumps(exc.detail, ensure_ascii=False)}")


def _account(state: WalletState, email: str) -> str:
    account_id = accounts.account_id_for(state, email)
    if account_id is None:
        raise click.ClickException(f"no account for {email}")
    return account_id


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


@click.group("wallet")
def group() -> None:
    """The wallet service: citizens' accounts, credentials and share links."""


@group.command("db-upgrade")
def db_upgrade() -> None:
    """Migrate the wallet database (WALLET_DATABASE_URL / DATABASE_URL) to the newest schema."""
    try:
        config = Config.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    engine = make_engine(config.database_url)
    try:
        migrations.upgrade("wallet", engine)
        click.echo(f"wallet database at revision {migrations.current_revision(engine)}")
    finally:
        engine.dispose()


@group.command("add-citizen")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name")
@click.option("--key-type", type=click.Choice(["Ed25519", "P-256"]), default="Ed25519", show_default=True)
@click.pass_context
def add_citizen(ctx: click.Context, email: str, password: str, display_name: str | None, key_type: str) -> None:
    """Create a citizen account with its holder key; prints the profile (JSON)."""
    try:
        body = Register(email=email, password=password, display_name=display_name, key_type=key_type)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise click.ClickException(json.dumps(pydantic_errors(exc))) from None
    state = _state(ctx)
    try:
        profile, _token = accounts.register(state, body.email, body.password, body.display_name, body.key_type)
    except SkillpassError as exc:
        raise _fail(exc) from None
    _echo_json(profile)


@group.command("import-credential")
@click.option("--email", required=True, help="the citizen's account")
@click.option("--label", "labels", multiple=True)
@click.option("--note")
@click.argument("source", type=click.File("r"), default="-")
@click.pass_context
def import_credential(ctx: click.Context, email: str, labels: tuple[str, ...], note: str | None, source) -> None:  # type: ignore[no-untyped-def]
    """Verify and keep a credential (compact vc+jwt, or JSON of an EnvelopedVerifiableCredential) from SOURCE."""
    state = _state(ctx)
    text = source.read().strip()
    credential: Any = json.loads(text) if text.startswith("{") else text
    try:
        stored = dossier.import_credential(state, _account(state, email), credential, list(dict.fromkeys(labels)), note)
    except SkillpassError as exc:
        raise _fail(exc) from None
    _echo_json({k: v for k, v in stored.items() if k not in ("credential", "document", "report")})


@group.command("share")
@click.option("--email", required=True, help="the citizen's account")
@click.option("--credential", "credential_ids", multiple=True, help="wallet credential id; default: all")
@click.option("--days", type=int, help="link lifetime in days (default WALLET_SHARE_DEFAULT_DAYS)")
@click.option("--max-views", type=int)
@click.option("--purpose")
@click.option("--qr/--no-qr", "show_qr", default=True, help="print the link as a terminal QR code too")
@click.pass_context
def share(ctx: click.Context, email: str, credential_ids: tuple[str, ...], days: int | None, max_views: int | None, purpose: str | None, show_qr: bool) -> None:
    """Create a share link; prints the URL (once) and a terminal QR code."""
    state = _state(ctx)
    account_id = _account(state, email)
    try:
        ids = list(credential_ids)
        if not ids:
            ids = [c["id"] for c in dossier.list_credentials(state, account_id, CredentialQuery(limit=50))["items"]]
        body = ShareCreate(
            credential_ids=ids, expires_in=days * 86400 if days else None, max_views=max_views, purpose=purpose
        )
        created = sharing.create_share(state, account_id, body)
    except SkillpassError as exc:
        raise _fail(exc) from None
    except ValidationError as exc:
        raise click.ClickException(json.dumps(pydantic_errors(exc))) from None
    click.echo(created["url"])
    click.echo(f"link expires at {created['link_expires_at']}", err=True)
    if show_qr:
        qr.print_terminal(created["url"], sys.stderr)


@group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5002, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the wallet with Flask's development server (use gunicorn in production)."""
    from wallet.app import create_app

    try:
        app = create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    app.run(host=host, port=port, threaded=True)
