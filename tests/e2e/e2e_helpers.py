"""The three services as real HTTP servers on loopback, for the end-to-end tests."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Callable

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from vc import did, key_sealing

MASTER_KEY = key_sealing.parse_master_key(key_sealing.generate_master_key())


class Server:
    """A WSGI app on a free loopback port; the app is made once the port is known."""

    def __init__(self) -> None:
        self._app: Flask | None = None
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.url = f"http://{self.host}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self._app is not None
        return self._app(environ, start_response)

    def start(self, app: Flask) -> None:
        self._app = app
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def start_system(tmp_path: Path, *, admin_token: str, slug: str, name: dict[str, str]) -> dict[str, Server]:
    """Issuer, wallet and verifier, each with its own SQLite database; the verifier's and the
    wallet's trust registry lists the provider `slug` (not created here) as `name`."""
    from issuer import create_app as create_issuer
    from issuer.config import Config as IssuerConfig
    from verifier import create_app as create_verifier
    from verifier.config import Config as VerifierConfig
    from wallet import create_app as create_wallet
    from wallet.config import Config as WalletConfig

    servers = {service: Server() for service in ("issuer", "wallet", "verifier")}
    issuer, wallet, verifier = servers["issuer"], servers["wallet"], servers["verifier"]
    provider_did = did.did_web_from_url(f"{issuer.url}/providers/{slug}")
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"issuers": [{"id": provider_did, "name": name, "accreditation": ["mbo"]}]}))
    issuer.start(create_issuer(IssuerConfig(
        database_url=f"sqlite:///{tmp_path / 'issuer.db'}", base_url=issuer.url, admin_token=admin_token,
        master_key=MASTER_KEY, auto_migrate=True,
    )))
    wallet.start(create_wallet(WalletConfig(
        database_url=f"sqlite:///{tmp_path / 'wallet.db'}", public_url=wallet.url, master_key=MASTER_KEY,
        auto_migrate=True, trust_registry=str(registry), dev_hosts=(issuer.host,),
        argon2_time_cost=1, argon2_memory_kib=8 * 1024, argon2_parallelism=1,
    )))
    verifier.start(create_verifier(VerifierConfig(
        database_url=f"sqlite:///{tmp_path / 'verifier.db'}", audience=verifier.url, trust_registry=str(registry),
        dev_hosts=(issuer.host, wallet.host), auto_migrate=True,
        cache_ttl=0, cache_max_ttl=0,  # revalidate every time (ETag): revocation is seen at once
    )))
    return servers


def stop_system(servers: dict[str, Server]) -> None:
    for server in servers.values():
        server.stop()
