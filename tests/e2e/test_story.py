"""The whole system as its users meet it, over real HTTP between three real servers.

Issuer, wallet and verifier each run as their own HTTP server on 127.0.0.1
(werkzeug, one thread each, port 0) with their own SQLite database; they reach
each other only through HTTP, with the guarded fetcher allowing exactly these
development hosts. The test talks to them as a provider's system, a citizen
and an employer would, with `requests`:

provider issues -> citizen imports -> citizen shares -> employer verifies the
link -> provider revokes -> employer sees revoked -> citizen revokes the link
-> employer gets 404.
"""

from __future__ import annotations

import json
import threading
from importlib.resources import files
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from vc import did, key_sealing

ADMIN_TOKEN = "e2e-admin-" + "a" * 32
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


@pytest.fixture
def system(tmp_path: Path) -> Iterator[dict[str, Server]]:
    from issuer import create_app as create_issuer
    from issuer.config import Config as IssuerConfig
    from verifier import create_app as create_verifier
    from verifier.config import Config as VerifierConfig
    from wallet import create_app as create_wallet
    from wallet.config import Config as WalletConfig

    servers = {name: Server() for name in ("issuer", "wallet", "verifier")}
    issuer, wallet, verifier = servers["issuer"], servers["wallet"], servers["verifier"]
    provider_did = did.did_web_from_url(f"{issuer.url}/providers/roc-e2e")
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"issuers": [{"id": provider_did, "name": {"nl": "ROC E2E", "en": "ROC E2E"}, "accreditation": ["mbo"]}]}))

    issuer_settings: dict[str, Any] = {"auto_migrate": True} if "auto_migrate" in IssuerConfig.__dataclass_fields__ else {}
    issuer.start(create_issuer(IssuerConfig(
        database_url=f"sqlite:///{tmp_path / 'issuer.db'}", base_url=issuer.url, admin_token=ADMIN_TOKEN,
        master_key=MASTER_KEY, **issuer_settings,
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
    yield servers
    for server in servers.values():
        server.stop()


def _subject(example: str) -> dict[str, Any]:
    document = json.loads((files("skillpass_schemas") / "examples" / example).read_text(encoding="utf-8"))
    subject = dict(document["credentialSubject"])
    subject.pop("id", None)
    return subject


def test_issue_keep_share_verify_revoke(system: dict[str, Server]) -> None:
    issuer, wallet, verifier = (system[n].url for n in ("issuer", "wallet", "verifier"))
    http = requests.Session()
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    # A provider is created and given an API key.
    provider = http.post(f"{issuer}/admin/providers", headers=admin, timeout=30, json={
        "slug": "roc-e2e", "name": {"nl": "ROC E2E", "en": "ROC E2E"}, "country": "NL"})
    assert provider.status_code == 201, provider.text
    api_key = http.post(f"{issuer}/admin/providers/roc-e2e/api-keys", headers=admin, json={"label": "e2e"}, timeout=30).json()["key"]
    api = {"Authorization": f"Bearer {api_key}"}

    # A citizen registers; the wallet makes her holder DID.
    registered = http.post(f"{wallet}/auth/register", timeout=30, json={"email": "fatima@example.nl", "password": "correct horse battery"})
    assert registered.status_code == 201, registered.text
    citizen = {"Authorization": f"Bearer {registered.json()['token']}"}
    holder = http.get(f"{wallet}/me", headers=citizen, timeout=30).json()["did"]

    # The provider issues a microcredential to her, and she imports it (the wallet verifies it over HTTP).
    issued = http.post(f"{issuer}/providers/roc-e2e/credentials", headers=api, timeout=30, json={
        "type": "microcredential", "holder": holder,
        "subject": _subject("microcredential-roc-veilig-werken-met-warmtepompen.json")})
    assert issued.status_code == 201, issued.text
    imported = http.post(f"{wallet}/credentials", headers=citizen, json={"credential": issued.json()["credential"]}, timeout=60)
    assert imported.status_code == 201, imported.text
    assert imported.json()["status"] == "valid" and imported.json()["trusted"] is True

    # She shares it; the employer verifies the link.
    share = http.post(f"{wallet}/shares", headers=citizen, timeout=30, json={
        "credential_ids": [imported.json()["id"]], "purpose": "sollicitatie bij Installatiebedrijf Noord"})
    assert share.status_code == 201, share.text
    share_url, share_id = share.json()["url"], share.json()["id"]
    report = http.post(f"{verifier}/verify", json={"share_url": share_url}, timeout=60)
    assert report.status_code == 200, report.text
    assert report.json()["verified"] is True, report.json()
    [inner] = report.json()["credentials"]
    assert inner["trust"]["name"]["nl"] == "ROC E2E"

    # The provider revokes; the employer sees it revoked.
    revoked = http.post(f"{issuer}/providers/roc-e2e/credentials/{issued.json()['id']}/revoke", headers=api,
                        json={"reason": "fraude bij examen"}, timeout=30)
    assert revoked.status_code == 200, revoked.text
    report = http.post(f"{verifier}/verify", json={"share_url": share_url}, timeout=60).json()
    assert report["verified"] is False
    [inner] = report["credentials"]
    revocation = next(c for c in inner["checks"] if c["check"] == "status.revocation")
    assert (revocation["status"], revocation["code"]) == ("failed", "revoked")

    # The citizen sees it as revoked in her wallet, not deleted.
    checked = http.post(f"{wallet}/credentials/{imported.json()['id']}/check", headers=citizen, timeout=60)
    assert checked.status_code == 200 and checked.json()["status"] == "revoked"

    # She revokes the link; the employer gets 404.
    assert http.delete(f"{wallet}/shares/{share_id}", headers=citizen, timeout=30).status_code == 200
    gone = http.post(f"{verifier}/verify", json={"share_url": share_url}, timeout=60)
    assert (gone.status_code, gone.json()["error"]) == (404, "share_not_found")

    # Both views before the revocation of the link are in her view log, with the verifier as audience.
    views = http.get(f"{wallet}/shares/{share_id}/views", headers=citizen, timeout=30).json()["items"]
    assert len(views) == 2 and {v["audience"] for v in views} == {verifier}
