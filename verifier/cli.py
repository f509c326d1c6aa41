"""`skillpass verifier ...`: verify from the command line, check a trust registry file."""

from __future__ import annotations

import json
import sys

import click

from verifier.config import Config


@click.group("verifier")
def group() -> None:
    """The verifier service."""


@group.command("verify")
@click.argument("source", type=click.File("r"), default="-")
@click.option("--nonce", help="The nonce a presentation must carry.")
@click.option("--audience", help="The audience a presentation must name (default VERIFIER_AUDIENCE).")
def verify(source, nonce: str | None, audience: str | None) -> None:  # type: ignore[no-untyped-def]
    """Verify a vc+jwt or vp+jwt (file or stdin) with the VERIFIER_* configuration; prints the report."""
    from vc.cache import CachingFetcher
    from vc.fetch import GuardedFetcher
    from vc.verify import VP_JWT, Verifier, VerifyOptions, detect_format
    from verifier.state import TrustSource
    from verifier.summary import report_body

    config = Config.from_env()
    fetcher = GuardedFetcher(timeout=config.fetch_timeout, allow_http=bool(config.dev_hosts), allowed_hosts=config.dev_hosts)
    registry = TrustSource(config.trust_registry, fetcher=fetcher, refresh=config.trust_refresh, dev_hosts=config.dev_hosts).load()
    options = VerifyOptions(open_mode=config.open_mode, accept_unknown=config.accept_unknown)
    pipeline = Verifier(CachingFetcher(fetcher), trust=registry, options=options, dev_hosts=config.dev_hosts)
    token = source.read().strip()
    if detect_format(token) == VP_JWT:
        report = pipeline.verify_presentation(token, nonce=nonce, audience=audience or config.audience)
    else:
        report = pipeline.verify_credential(token)
    click.echo(json.dumps(report_body(report), indent=2, ensure_ascii=False))
    sys.exit(0 if report.verified else 1)


@group.command("check-registry")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def check_registry(path: str) -> None:
    """Validate a trust registry file and list its issuers."""
    from vc.trust import TrustRegistry, TrustRegistryError

    try:
        with open(path, "rb") as handle:
            registry = TrustRegistry.from_json(handle.read())
    except TrustRegistryError as exc:
        raise click.ClickException(str(exc.detail)) from None
    for entry in registry.entries.values():
        click.echo(f"{entry.did}\t{entry.name['nl']} / {entry.name['en']}\t{', '.join(entry.accreditation)}")
    click.echo(f"{len(registry)} issuer(s)", err=True)
