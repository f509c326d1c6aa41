"""`skillpass issuer ...`: provider administration and cohort issuance from the shell.

The commands work on the issuer's database directly, through the same
application factory and service functions as the HTTP API (no server needed);
their audit actor is `cli`. `group` is the click group the `skillpass` CLI mounts.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

import click
from flask import Flask
from pydantic import ValidationError

from issuer import issuance, keystore, tenancy
from issuer.api import ProviderCreate
from issuer.config import ConfigError
from issuer.errors import STATUS
from issuer.signing_keys import remove_key, rotate_key
from issuer.state import IssuerState
from skillpass.db import read_session
from skillpass.web import BASE_STATUS, pydantic_errors, status_for
from vc import strict_json
from vc.errors import SkillpassError

ACTOR = "cli"
_STATUS_MAP = {**BASE_STATUS, **STATUS}


def _state(ctx: click.Context) -> IssuerState:
    """The issuer of `ctx.obj` (an app, for tests and embedding) or one from the environment."""
    if isinstance(ctx.obj, Flask) and "issuer" in ctx.obj.extensions:
        return ctx.obj.extensions["issuer"]
    from issuer.app import create_app

    try:
        app = create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    ctx.obj = app
    return app.extensions["issuer"]


def _fail(exc: SkillpassError) -> click.ClickException:
    return click.ClickException(f"{exc.code}: {json.dumps(exc.detail, ensure_ascii=False)}")


@click.group("issuer")
def group() -> None:
    """The issuer service: providers, keys, API keys and issuance."""


@group.command("add-provider")
@click.option("--slug", required=True, help="e.g. roc-west; part of the provider's did:web")
@click.option("--name-nl", help="display name in Dutch")
@click.option("--name-en", help="display name in English")
@click.option("--country", default="NL", show_default=True, help="ISO 3166-1 alpha-2")
@click.option("--homepage")
@click.option("--kvk", help="KvK number (8 digits)")
@click.option("--brin", help="BRIN code (e.g. 99ZZ)")
@click.option("--rio", help="RIO code")
@click.option("--key-type", type=click.Choice(["Ed25519", "P-256"]), default=None)
@click.pass_context
def add_provider(ctx: click.Context, slug: str, name_nl: str | None, name_en: str | None, country: str,
                 homepage: str | None, kvk: str | None, brin: str | None, rio: str | None, key_type: str | None) -> None:
    """Create a provider with its did:web, first signing key and status lists."""
    state = _state(ctx)
    raw: dict[str, Any] = {"slug": slug, "name": {k: v for k, v in (("nl", name_nl), ("en", name_en)) if v}, "country": country}
    raw.update({k: v for k, v in (("homepage", homepage), ("kvk", kvk), ("brin", brin), ("rio", rio), ("keyType", key_type)) if v})
    try:
        body = ProviderCreate.model_validate(raw)
    except ValidationError as exc:
        raise click.ClickException("; ".join(f"{e['pointer']}: {e['message']}" for e in pydantic_errors(exc))) from None
    data = {"slug": body.slug, "name_nl": body.name.nl, "name_en": body.name.en, "country": body.country,
            "homepage": body.homepage, "kvk": body.kvk, "brin": body.brin, "rio": body.rio}
    try:
        provider = tenancy.create_provider(state, data, actor=ACTOR, key_type=body.keyType)
    except SkillpassError as exc:
        raise _fail(exc) from None
    click.echo(f"provider {provider.slug}")
    click.echo(f"did      {keystore.provider_did(state, provider.slug)}")
    click.echo(f"document {state.provider_url(provider.slug)}/did.json")


@group.command("create-api-key")
@click.argument("slug")
@click.option("--label", default="", help="what the key is for")
@click.pass_context
def create_api_key(ctx: click.Context, slug: str, label: str) -> None:
    """Create an API key for a provider; it is printed once, store it now."""
    state = _state(ctx)
    try:
        row, secret = tenancy.create_api_key(state, slug, label, actor=ACTOR)
    except SkillpassError as exc:
        raise _fail(exc) from None
    click.echo(f"API key {row.public_id} for {slug} (shown once):", err=True)
    click.echo(secret)


@group.command("rotate-key")
@click.argument("slug")
@click.option("--key-type", type=click.Choice(["Ed25519", "P-256"]), default=None, help="default: the current key's type")
@click.option("--reason", default=None)
@click.pass_context
def rotate_key_command(ctx: click.Context, slug: str, key_type: str | None, reason: str | None) -> None:
    """Rotate the provider's signing key; the old key stays in the DID document."""
    state = _state(ctx)
    try:
        info = rotate_key(state, slug, key_type, reason, actor=ACTOR)
    except SkillpassError as exc:
        raise _fail(exc) from None
    click.echo(f"current key {info['id']} ({info['type']})")


@group.command("remove-key")
@click.argument("slug")
@click.argument("number", type=int)
@click.option("--reason", required=True, help="e.g. 'compromised'")
@click.pass_context
def remove_key_command(ctx: click.Context, slug: str, number: int, reason: str) -> None:
    """Remove a retired key (compromise): what it signed no longer verifies."""
    state = _state(ctx)
    try:
        info = remove_key(state, slug, number, reason, actor=ACTOR)
    except SkillpassError as exc:
        raise _fail(exc) from None
    click.echo(f"removed {info['id']}")


def _read_lines(handle: TextIO) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(handle, start=1) if line.strip()]


@group.command("issue")
@click.argument("slug")
@click.option("--file", "file_", type=click.File("r", encoding="utf-8"), required=True,
              help="JSON Lines, one issuance request per line: {type, subject, holder?, validUntil?, evidence?}")
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-", show_default=True,
              help="where the results go (JSON Lines: line, status, id + credential or error)")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=500, show_default=True)
@click.pass_context
def issue_command(ctx: click.Context, slug: str, file_: TextIO, out: TextIO, batch_size: int) -> None:
    """Issue a cohort from a JSONL file, with a progress bar; bad lines are reported, not issued."""
    state = _state(ctx)
    with read_session(state.engine) as session:
        try:
            provider = tenancy.get_provider(session, slug)
        except SkillpassError as exc:
            raise _fail(exc) from None
    lines = _read_lines(file_)
    issued = failed = 0
    with click.progressbar(length=len(lines), label=f"issuing for {slug}", file=sys.stderr) as bar:
        for start in range(0, len(lines), batch_size):
            chunk = lines[start:start + batch_size]
            good: list[tuple[int, issuance.Prepared]] = []
            results: dict[int, dict[str, Any]] = {}
            for line_no, line in chunk:
                try:
                    good.append((line_no, issuance.prepare(strict_json.loads(line))))
                except SkillpassError as exc:
                    results[line_no] = {"line": line_no, "status": status_for(exc, _STATUS_MAP), "error": exc.to_dict()}
            try:
                bodies = issuance.issue(state, provider, [p for _, p in good], actor=ACTOR)
            except SkillpassError as exc:
                raise _fail(exc) from None
            for (line_no, _), body in zip(good, bodies):
                results[line_no] = {"line": line_no, "status": 201, "id": body["id"], "credential": body["credential"]}
            for line_no, _ in chunk:
                out.write(json.dumps(results[line_no], ensure_ascii=False) + "\n")
            issued += len(good)
            failed += len(chunk) - len(good)
            bar.update(len(chunk))
    click.echo(f"issued {issued}, failed {failed}", err=True)
    if failed:
        ctx.exit(1)


@group.command("purge")
@click.pass_context
def purge(ctx: click.Context) -> None:
    """Forget signed credentials whose retention period (ISSUER_RETENTION_DAYS) has ended."""
    state = _state(ctx)
    click.echo(f"forgot {issuance.maybe_purge(state, force=True)} signed credentials")


@group.command("rebuild-status")
@click.option("--provider", "slug", default=None, help="one provider (default: every provider)")
@click.option("--start-new-lists", is_flag=True,
              help="after restoring an OLDER backup: also start a new list per purpose, so no index given out "
                   "after the backup can be given out again")
@click.pass_context
def rebuild_status(ctx: click.Context, slug: str | None, start_new_lists: bool) -> None:
    """Recompute every status list's bits from the credential states and re-publish them.

    For after a restore or a suspected inconsistency: revocation bits = revoked
    credentials, suspension bits = suspended ones, every list's version bumped
    so every running worker re-signs it at its next request. Safe while the
    service runs (the provider is locked for the moment it takes).
    """
    from sqlalchemy import select

    from issuer import statuslists
    from issuer.models import Provider

    state = _state(ctx)
    with read_session(state.engine) as session:
        if slug is None:
            providers = list(session.execute(select(Provider).order_by(Provider.slug)).scalars())
        else:
            try:
                providers = [tenancy.get_provider(session, slug)]
            except SkillpassError as exc:
                raise _fail(exc) from None
    corrected = 0
    for provider in providers:
        for item in statuslists.rebuild(state, provider.id, start_new_lists=start_new_lists):
            statuslists.publish(state, provider.slug, item.purpose, item.number)  # signs: the key opens, the list is servable
            corrected += item.corrected_bits
            if item.version == 0:
                click.echo(f"{provider.slug} {item.purpose}/{item.number}: new list, issuance continues here")
                continue
            click.echo(
                f"{provider.slug} {item.purpose}/{item.number}: {item.corrected_bits} bit(s) corrected, "
                f"{item.marked_used} index(es) marked used, version {item.version}"
            )
    click.echo(f"rebuilt the status lists of {len(providers)} provider(s); {corrected} bit(s) corrected", err=True)
