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


@main.command()
@click.option("--only", type=click.Choice(sorted(_SERVICE_GROUPS)), help="Run one service instead of all three.")
def run(only: str | None) -> None:
    """Start the services on 127.0.0.1 with demo data (development only)."""
    from skillpass import devrun

    sys.exit(devrun.run(only))


if __name__ == "__main__":  # pragma: no cover
    main()
