"""The issuer service: application factory."""

from __future__ import annotations

import logging

from flask import Flask

from issuer import api_keys, credentials, meta, providers, sd_jwt_vc, signing_keys, status, vcapi
from issuer.config import Config, ConfigError
from issuer.errors import STATUS
from issuer.models import metadata
from issuer.state import IssuerState
from skillpass import migrations
from skillpass.db import make_engine
from skillpass.web import add_security_headers, install_request_guards, register_error_handlers
from vc import did as dids
from vc import key_sealing
from vc.errors import DIDError

log = logging.getLogger("issuer")

#: A batch of 1,000 credentials with their subjects fits well within this.
MAX_BODY_BYTES = 16 * 1024 * 1024


def _master_key(config: Config) -> bytes:
    if config.master_key is not None:
        return config.master_key
    if not config.dev:
        raise ConfigError(
            "SKILLPASS_MASTER_KEY is not set: the issuer refuses to start without a master key "
            "to encrypt the providers' private keys. Generate one with `skillpass keygen --master-key`; "
            "for development only, set SKILLPASS_DEV=1 to use an ephemeral key."
        )
    log.warning(
        "SKILLPASS_DEV=1 and no SKILLPASS_MASTER_KEY: using an EPHEMERAL master key. Private keys sealed "
        "now cannot be opened after a restart. Never run like this in production."
    )
    return key_sealing.parse_master_key(key_sealing.generate_master_key())


def create_app(config: Config | None = None) -> Flask:
    """The issuer as a Flask app; `config` defaults to the environment."""
    config = config or Config.from_env()
    master_key = _master_key(config)
    try:
        dids.did_web_from_url(f"{config.base_url}/providers/example")
    except DIDError:
        raise ConfigError(f"ISSUER_BASE_URL {config.base_url!r} is not an http(s) URL a did:web can be made from") from None
    if not config.admin_token:
        log.warning("ISSUER_ADMIN_TOKEN is not set: the admin API (/admin/...) is disabled")

    engine = make_engine(config.database_url)
    try:
        migrations.prepare_database("issuer", engine, metadata, auto_migrate=config.auto_migrate)
    except migrations.SchemaOutOfDate as exc:
        engine.dispose()
        raise ConfigError(str(exc.detail)) from None

    app = Flask("issuer", static_folder=None)  # a JSON API: no static route
    app.url_map.merge_slashes = False  # `//` is a 404, not an HTML redirect to a Location made from Host
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["issuer"] = IssuerState(config=config, engine=engine, master_key=master_key)
    for blueprint in (meta.bp, providers.bp, signing_keys.bp, api_keys.bp, credentials.bp, status.bp, vcapi.bp, sd_jwt_vc.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app, STATUS)
    install_request_guards(app, own_origins=(config.base_url,))
    add_security_headers(app)
    return app
