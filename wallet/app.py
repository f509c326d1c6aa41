"""The wallet service: application factory."""

from __future__ import annotations

import logging
from typing import Any, Callable

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from skillpass import migrations
from skillpass.db import make_engine
from skillpass.web import add_security_headers, install_request_guards, register_error_handlers
from vc import key_sealing
from vc.errors import SkillpassError
from wallet import auth, credentials, export, meta, public, shares
from wallet.config import Config, ConfigError
from wallet.errors import STATUS
from wallet.models import metadata
from wallet.passwords import Passwords
from wallet.state import Limits, WalletState
from wallet.verification import CredentialVerifier, RegistrySource, StandardVerifier, cached, guarded_fetcher

log = logging.getLogger("wallet")

#: A whole dossier may come back through POST /import.
MAX_BODY_BYTES = 64 * 1024 * 1024


def _master_key(config: Config) -> bytes:
    if config.master_key is not None:
        return config.master_key
    if not config.dev:
        raise ConfigError(
            "SKILLPASS_MASTER_KEY is not set: the wallet refuses to start without a master key "
            "to encrypt the citizens' holder keys and share-link tokens. Generate one with "
            "`skillpass keygen --master-key`; for development only, set SKILLPASS_DEV=1 to use an ephemeral key."
        )
    log.warning(
        "SKILLPASS_DEV=1 and no SKILLPASS_MASTER_KEY: using an EPHEMERAL master key. Holder keys sealed "
        "now cannot be opened after a restart. Never run like this in production."
    )
    return key_sealing.parse_master_key(key_sealing.generate_master_key())


def create_app(
    config: Config | None = None,
    *,
    fetcher: Callable[..., Any] | None = None,
    verifier: CredentialVerifier | None = None,
) -> Flask:
    """The wallet as a Flask app; `config` defaults to the environment.

    `fetcher` replaces the guarded network fetcher used to resolve did:web
    issuers and status lists (tests serve their own); `verifier` replaces the
    whole verification step.
    """
    config = config or Config.from_env()
    config.check()
    master_key = _master_key(config)
    if verifier is None:
        raw = fetcher or guarded_fetcher(config.dev_hosts)
        try:
            registry = RegistrySource(
                config.trust_registry, fetcher=raw, refresh=config.trust_refresh, dev_hosts=config.dev_hosts
            )
        except (OSError, SkillpassError, ValueError) as exc:
            raise ConfigError(f"WALLET_TRUST_REGISTRY {config.trust_registry!r} cannot be used: {exc}") from None
        if not len(registry.registry):
            log.info("no trust registry: every issuer's trust is 'unknown' (credentials are kept, marked untrusted)")
        verifier = StandardVerifier(cached(raw), registry, config.dev_hosts)

    engine = make_engine(config.database_url)
    try:
        migrations.prepare_database("wallet", engine, metadata, auto_migrate=config.auto_migrate)
    except migrations.SchemaOutOfDate as exc:
        engine.dispose()
        raise ConfigError(str(exc.detail)) from None

    app = Flask("wallet", static_folder=None)  # a JSON API: no static route
    app.url_map.merge_slashes = False  # `//` is a 404, not an HTML redirect to a Location made from Host
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if config.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops)  # type: ignore[method-assign]
    app.extensions["wallet"] = WalletState(
        config=config,
        engine=engine,
        master_key=master_key,
        passwords=Passwords(
            time_cost=config.argon2_time_cost,
            memory_kib=config.argon2_memory_kib,
            parallelism=config.argon2_parallelism,
        ),
        limits=Limits.from_config(config),
        verifier=verifier,
    )
    for blueprint in (meta.bp, auth.bp, credentials.bp, shares.bp, public.bp, export.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app, STATUS)
    install_request_guards(app, own_origins=(config.public_url,))
    add_security_headers(app)
    return app
