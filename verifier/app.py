"""The verifier service: application factory."""

from __future__ import annotations

import logging
from typing import Any, Callable

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from skillpass import migrations
from skillpass.db import make_engine
from skillpass.web import add_security_headers, install_request_guards, register_error_handlers
from verifier import limits, meta, presentation_requests, vcapi, verification
from verifier.config import Config, ConfigError
from verifier.errors import STATUS
from verifier.models import metadata
from verifier.state import TrustSource, VerifierState
from vc.cache import CachingFetcher
from vc.fetch import GuardedFetcher
from vc.verify import Verifier, VerifyOptions

log = logging.getLogger("verifier")


class _FastJSON(DefaultJSONProvider):
    """Responses encoded with orjson (reports are large; this is the hot path).

    Only encoding changes: request bodies are still parsed by vc.strict_json.
    Anything orjson refuses (integers beyond 64 bits, exotic types) falls back
    to the standard encoder, so the output never depends on the value.
    """

    sort_keys = False

    def dumps(self, obj, **kwargs):  # type: ignore[no-untyped-def]
        if not kwargs:
            try:
                return orjson.dumps(obj).decode()
            except TypeError:
                pass
        return super().dumps(obj, **kwargs)

    def response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        obj = self._prepare_response_obj(args, kwargs)
        try:
            data = orjson.dumps(obj)
        except TypeError:
            return super().response(obj)
        return self._app.response_class(data, mimetype=self.mimetype)


def create_app(config: Config | None = None, *, fetcher: Callable[..., Any] | None = None) -> Flask:
    """The verifier as a Flask app; `config` defaults to the environment.

    `fetcher` replaces the guarded network fetcher (tests); it is still
    wrapped in the cache.
    """
    config = config or Config.from_env()
    raw = fetcher or GuardedFetcher(
        timeout=config.fetch_timeout,
        allow_http=bool(config.dev_hosts),
        allowed_hosts=config.dev_hosts,
    )
    trust = TrustSource(config.trust_registry, fetcher=raw, refresh=config.trust_refresh, dev_hosts=config.dev_hosts)
    registry = trust.load()
    if not len(registry):
        if config.open_mode:
            log.warning("no trust registry: open mode, every issuer's trust is 'unknown'")
        else:
            log.warning("no trusted issuers (VERIFIER_TRUST_REGISTRY): every credential will be reported untrusted")

    engine = make_engine(config.database_url)
    try:
        migrations.prepare_database("verifier", engine, metadata, auto_migrate=config.auto_migrate)
    except migrations.SchemaOutOfDate as exc:
        engine.dispose()
        raise ConfigError(str(exc.detail)) from None

    cache = CachingFetcher(raw, default_ttl=config.cache_ttl, max_ttl=max(config.cache_ttl, config.cache_max_ttl))
    options = VerifyOptions(
        open_mode=config.open_mode,
        accept_unknown=config.accept_unknown,
        require_nonce=config.require_nonce,
        require_audience=True,
    )
    pipeline = Verifier(cache, trust=registry, options=options, dev_hosts=config.dev_hosts)

    app = Flask("verifier", static_folder=None)  # a JSON API: no static route
    app.url_map.merge_slashes = False  # `//` is a 404, not an HTML redirect to a Location made from Host
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json = _FastJSON(app)
    app.extensions["verifier"] = VerifierState(
        config=config, engine=engine, fetcher=cache, uncached_fetcher=raw, trust=trust, verifier=pipeline, options=options
    )
    for blueprint in (meta.bp, verification.bp, vcapi.bp, presentation_requests.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app, STATUS)
    install_request_guards(app, own_origins=(config.audience,))
    limits.install(app, config)
    if config.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops)  # type: ignore[method-assign]
    add_security_headers(app)
    return app
