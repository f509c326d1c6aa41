"""After a full run through all three services, no secret is anywhere in clear.

The story runs over real HTTP on 127.0.0.1 (issuer and wallet as servers, the
verifier fetching from both with its guarded fetcher): a provider with an API
key and a rotated signing key issues and revokes; a citizen registers, logs
in, imports, shares, changes her password and logs out; an employer verifies
the credential and the share link and answers a presentation request. Then
every byte of every database file (main, -wal, -shm) and everything logged
(every logger at DEBUG, and stdout/stderr) is searched for every secret of
the run, in every encoding it could have been written in: private keys as
PEM, PKCS#8 DER, raw bytes, hex and JWK `d`; the master key; the admin token,
API key, bearer tokens, share token, result token and passwords.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from pathlib import Path
from typing import Any, Iterable

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from adversarial_helpers import ADMIN_TOKEN, MASTER_KEY, LiveIssuer
from skillpass.db import read_session

PASSWORDS = ("correct horse battery staple", "tr0ub4dor & 3 more words")


class Quiet(WSGIRequestHandler):
    """The test server's own access log stays out of the captured output (the services' logs are what is searched)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class Served:
    def __init__(self, app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.url = f"http://{self.host}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def private_key_forms(key: Any) -> list[bytes]:
    """A private key in every form a careless line of code could write it."""
    forms = [
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    ]
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        raw = key.private_numbers().private_value.to_bytes(32, "big")
        forms.append(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    d = base64.urlsafe_b64encode(raw).rstrip(b"=")
    forms += [raw, raw.hex().encode(), d, b'"d":"' + d, base64.b64encode(raw)]
    pem_body = b"".join(forms[0].splitlines()[1:-1])
    forms.append(pem_body)
    return forms


def text_forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw).rstrip(b"="), raw.hex().encode()]


@pytest.fixture
def story(tmp_path: Path) -> Iterable[dict[str, Any]]:
    from verifier import create_app as create_verifier
    from verifier.config import Config as VerifierConfig
    from wallet import create_app as create_wallet
    from wallet.config import Config as WalletConfig

    issuer = LiveIssuer(tmp_path)
    registry = tmp_path / "registry.json"
    wallet_app: Any = None
    wallet = Served(lambda environ, start: wallet_app(environ, start))
    secrets: dict[str, list[bytes]] = {"master key": [MASTER_KEY, base64.urlsafe_b64encode(MASTER_KEY).rstrip(b"="), MASTER_KEY.hex().encode()]}
    secrets["admin token"] = text_forms(ADMIN_TOKEN)
    try:
        roc = issuer.provider("roc-west")
        secrets["api key"] = text_forms(roc["headers"]["X-API-Key"])
        registry.write_text(json.dumps({"issuers": [{"id": roc["did"], "name": "ROC West", "accreditation": ["mbo"]}]}))
        wallet_app = create_wallet(WalletConfig(
            database_url=f"sqlite:///{tmp_path / 'wallet.db'}", public_url=wallet.url, master_key=MASTER_KEY,
            trust_registry=str(registry), dev_hosts=(issuer.host,),
            argon2_time_cost=1, argon2_memory_kib=8 * 1024, argon2_parallelism=1,
        ))
        verifier_app = create_verifier(VerifierConfig(
            database_url=f"sqlite:///{tmp_path / 'verifier.db'}", audience="https://employer.test",
            trust_registry=str(registry), dev_hosts=(issuer.host, wallet.host), auto_migrate=True, cache_ttl=0, cache_max_ttl=0,
        ))
        verifier = verifier_app.test_client()
        http = requests.Session()

        # the citizen
        r = http.post(f"{wallet.url}/auth/register", json={"email": "alice@example.nl", "password": PASSWORDS[0], "display_name": "Alice"})
        assert r.status_code == 201, r.text
        alice = r.json()["account"]
        tokens = [r.json()["token"]]
        r = http.post(f"{wallet.url}/auth/login", json={"email": "alice@example.nl", "password": PASSWORDS[0]})
        tokens.append(r.json()["token"])
        auth = {"Authorization": f"Bearer {tokens[-1]}"}
        http.post(f"{wallet.url}/auth/login", json={"email": "alice@example.nl", "password": "wrong " + PASSWORDS[1]})

        # the provider issues, rotates, issues again, revokes one
        kept = issuer.issue(roc, alice["did"])
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        assert issuer.client.post("/admin/providers/roc-west/keys/rotate", json={"reason": "yearly"}, headers=admin).status_code == 201
        later = issuer.issue(roc, alice["did"])
        revoked = issuer.issue(roc, alice["did"])
        assert issuer.client.post(f"/providers/roc-west/credentials/{revoked['id']}/revoke", json={"reason": "fout"}, headers=roc["headers"]).status_code == 200

        # the wallet keeps, refuses the revoked one, shares
        for issued, status in ((kept, 201), (later, 201), (revoked, 422)):
            r = http.post(f"{wallet.url}/credentials", json={"credential": issued["credential"], "note": "mijn diploma"}, headers=auth)
            assert r.status_code == status, r.text
        ids = [c["id"] for c in http.get(f"{wallet.url}/credentials", headers=auth).json()["items"]]
        link = http.post(f"{wallet.url}/shares", json={"credential_ids": ids, "purpose": "sollicitatie"}, headers=auth).json()
        share_token = link["url"].rsplit("/s/", 1)[1]
        http.get(f"{wallet.url}/shares/{link['id']}/qr.svg", headers=auth)

        # the employer verifies the credential, the link, and a presentation request
        assert verifier.post("/verify", json={"credential": kept["credential"]}).get_json()["verified"] is True
        assert verifier.post("/verify", json={"share_url": link["url"]}).get_json()["verified"] is True
        request = verifier.post("/presentation-requests", json={"types": ["microcredential"], "purpose": "vacature"}).get_json()
        vp = http.get(link["url"], params={"nonce": request["nonce"], "audience": request["audience"]}).text
        assert verifier.post(f"/presentation-requests/{request['id']}/response", json={"presentation": vp}).status_code == 200
        result = verifier.get(f"/presentation-requests/{request['id']}/result", headers={"Authorization": f"Bearer {request['resultToken']}"})
        assert result.status_code == 200

        # the citizen changes her password, exports, logs out
        r = http.post(f"{wallet.url}/auth/password", json={"current_password": PASSWORDS[0], "new_password": PASSWORDS[1]}, headers=auth)
        tokens.append(r.json()["token"])
        auth = {"Authorization": f"Bearer {tokens[-1]}"}
        assert http.get(f"{wallet.url}/export", headers=auth).status_code == 200
        assert http.post(f"{wallet.url}/auth/logout", headers=auth).status_code == 204

        # collect the secrets of the run
        for token in tokens:
            secrets.setdefault("bearer token", []).extend(text_forms(token))
        secrets["share token"] = text_forms(share_token)
        secrets["result token"] = text_forms(request["resultToken"])
        secrets["password"] = [form for p in PASSWORDS for form in text_forms(p)]
        from issuer import keystore
        from issuer.models import SigningKey
        from wallet import holder
        from wallet.models import HolderKey

        state = issuer.app.extensions["issuer"]
        with read_session(state.engine) as session:
            rows = session.execute(select(SigningKey)).scalars().all()
        assert len(rows) == 2
        secrets["issuer private key"] = [f for row in rows for f in private_key_forms(keystore.private_key(state, row))]
        wallet_state = wallet_app.extensions["wallet"]
        with read_session(wallet_state.engine) as session:
            holder_rows = session.execute(select(HolderKey)).scalars().all()
        secrets["holder private key"] = [f for row in holder_rows for f in private_key_forms(holder.open_private(wallet_state, row))]
        yield {"secrets": secrets, "folder": tmp_path, "apps": (issuer.app, wallet_app, verifier_app)}
    finally:
        wallet.close()
        issuer.close()


def _database_files(folder: Path) -> list[Path]:
    files = [p for p in folder.rglob("*") if p.is_file() and ".db" in p.name]
    assert {p.name for p in files} >= {"issuer.db", "wallet.db", "verifier.db"}
    return files


def test_no_secret_in_any_database_or_log(story, caplog, capfd):
    secrets: dict[str, list[bytes]] = story["secrets"]
    found: list[str] = []
    for path in _database_files(story["folder"]):
        data = path.read_bytes()
        for what, forms in secrets.items():
            if any(form in data for form in forms):
                found.append(f"{what} in {path.name}")
    out, err = capfd.readouterr()
    # urllib3 is the test's own HTTP client (playing the citizen's browser), not a service: its lines are not searched
    records = [r for phase in ("setup", "call") for r in caplog.get_records(phase) if not r.name.startswith("urllib3")]
    assert any(r.name == "vc.fetch" for r in records), "the run's DEBUG records were not captured"
    lines = [f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in records]
    logged = ("\n".join(lines) + out + err).encode()
    for what, forms in secrets.items():
        if any(form in logged for form in forms):
            found.append(f"{what} in the log output")
    assert found == []


def test_the_search_would_find_them(story):
    """The search is not blind: the same secrets are found where they are meant to be (the answers that carried them)."""
    secrets = story["secrets"]
    assert len(secrets["issuer private key"]) >= 2 * 8 and len(secrets["holder private key"]) >= 8
    pem = next(s for s in secrets["issuer private key"] if s.startswith(b"-----BEGIN"))
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    # a token, written in clear, would be caught
    probe = story["folder"] / "probe.db"
    probe.write_bytes(b"prefix" + secrets["share token"][0] + b"suffix")
    try:
        assert any(form in probe.read_bytes() for form in secrets["share token"])
    finally:
        probe.unlink()


@pytest.fixture(autouse=True)
def _debug_logging(caplog, capfd):  # type: ignore[no-untyped-def]
    """Every logger at DEBUG, and stdout/stderr captured, for the whole run (the story included)."""
    caplog.set_level(logging.DEBUG)
    yield
