"""Worlds to attack and tools to forge with.

- `VerifierWorld`: the verifier service (production-like configuration: closed
  trust registry, nonce required, rate limit on) in front of a fake web that
  records every URL asked for; a trusted did:web issuer whose DID document
  also holds a key granted only `authentication`; a holder with did:key.
- `WalletWorld`: the wallet service with a trusted fake issuer and two
  citizens, Alice and Bob.
- `forge(...)`: a compact JWS from any header and payload, raw bytes allowed
  (duplicate members, invalid UTF-8, NaN), signed with a key, an HMAC secret,
  or given a signature outright.
- `table_counts(...)`: rows per table, to show a refusal wrote nothing.
- `LiveIssuer`: the real issuer service on a socket on 127.0.0.1, able to
  serve crafted documents on its own origin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from vc import did as dids
from vc import jose, keys
from vc.key_sealing import generate_master_key, parse_master_key
from verifier_helpers import AUDIENCE, FakeWeb, Holder, Issuer, registry_document
from wallet_helpers import PASSWORD, Citizen, FakeFetcher, FakeIssuer, register

MASTER_KEY = parse_master_key(generate_master_key())


# --- forging --------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def enc(value: Any) -> bytes:
    """JSON bytes of a value; bytes are taken as they are (for malformed JSON)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def sign_bytes(signing_input: bytes, key: Any) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(signing_input)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return jose._SIGNERS["ES256"].sign(signing_input, key)
    raise TypeError(f"cannot sign with {type(key).__name__}")


def forge(
    header: Any,
    payload: Any,
    *,
    key: Any = None,
    hmac_secret: bytes | None = None,
    digest: Callable[..., Any] = hashlib.sha256,
    signature: bytes | None = None,
) -> str:
    """A compact JWS of exactly these header and payload bytes."""
    signing_input = f"{b64(enc(header))}.{b64(enc(payload))}"
    if signature is None:
        if key is not None:
            signature = sign_bytes(signing_input.encode("ascii"), key)
        elif hmac_secret is not None:
            signature = hmac.new(hmac_secret, signing_input.encode("ascii"), digest).digest()
        else:
            signature = b""
    return f"{signing_input}.{b64(signature)}"


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    decoded = jose.decode_jws(token)
    return dict(decoded.header), dict(decoded.payload)


# --- reports ---------------------------------------------------------------------------------


def checks_of(report: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """check name -> (status, code); nested parts are not looked into."""
    return {c["check"]: (c["status"], c["code"]) for c in report["checks"]}


def failed_codes(report: dict[str, Any]) -> list[str]:
    return [c["code"] for c in report["checks"] if c["status"] in ("failed", "unknown")]


def table_counts(engine: Engine, metadata: Any) -> dict[str, int]:
    """Rows in every table of a service's database."""
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


# --- the verifier --------------------------------------------------------------------------


@dataclass
class VerifierWorld:
    web: FakeWeb
    issuer: Issuer
    holder: Holder
    app: Any
    auth_key: Any
    tmp: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def client(self) -> Any:
        return self.app.test_client()

    def counts(self) -> dict[str, int]:
        from verifier.models import metadata

        return table_counts(self.app.extensions["verifier"].engine, metadata)

    def payload(self, **changes: Any) -> dict[str, Any]:
        """A valid credential payload of the trusted issuer for the holder, `iss` included."""
        document = self.issuer.credential(self.holder.did)
        document["iss"] = self.issuer.did
        document.update(changes)
        return document

    def header(self, **changes: Any) -> dict[str, Any]:
        header = {"alg": "EdDSA", "kid": self.issuer.kid, "typ": "vc+jwt", "cty": "vc"}
        header.update(changes)
        return {k: v for k, v in header.items() if v is not None}

    def verify(self, credential: Any) -> dict[str, Any]:
        r = self.client.post("/verify", json={"credential": credential})
        assert r.status_code == 200, r.get_data(as_text=True)[:500]
        assert r.headers["Cache-Control"] == "no-store"
        return r.get_json()


def make_verifier(
    tmp_path: Path, web: FakeWeb | None = None, *, extra_issuers: list[dict[str, Any]] = (), **changes: Any  # type: ignore[assignment]
) -> VerifierWorld:
    from verifier import create_app
    from verifier.config import Config

    web = web or FakeWeb()
    issuer = Issuer(web)
    auth_key = keys.generate()
    document = dids.build_did_document(
        issuer.did, [("key-1", issuer.key.public_key())], authentication_keys=[("auth-1", auth_key.public_key())]
    )
    web.put(f"{issuer.base}/did.json", json.dumps(document), cache_control="max-age=300")
    registry = tmp_path / "verifier-registry.json"
    document = registry_document(issuer)
    document["issuers"] += list(extra_issuers)
    registry.write_text(json.dumps(document))
    config = Config(
        database_url=f"sqlite:///{tmp_path / 'verifier.db'}",
        audience=AUDIENCE,
        trust_registry=str(registry),
        auto_migrate=True,
    ).with_(**changes)
    app = create_app(config, fetcher=web)
    app.testing = True
    return VerifierWorld(web, issuer, Holder(), app, auth_key, tmp_path)



# --- the wallet ------------------------------------------------------------------------------


@dataclass
class WalletWorld:
    fetcher: FakeFetcher
    issuer: FakeIssuer
    app: Any
    alice: Citizen
    bob: Citizen
    auth_key: Any

    @property
    def client(self) -> Any:
        return self.app.test_client()

    def counts(self) -> dict[str, int]:
        from wallet.models import metadata

        return table_counts(self.app.extensions["wallet"].engine, metadata)

    def payload(self, citizen: Citizen | None = None, **changes: Any) -> dict[str, Any]:
        document, _ = self.issuer.credential((citizen or self.alice).did)
        document["iss"] = self.issuer.did
        document.update(changes)
        return document

    def header(self, **changes: Any) -> dict[str, Any]:
        header = {"alg": "EdDSA", "kid": self.issuer.kid, "typ": "vc+jwt", "cty": "vc"}
        header.update(changes)
        return {k: v for k, v in header.items() if v is not None}

    def keep(self, citizen: Citizen | None = None, **extra: Any) -> dict[str, Any]:
        token, _ = self.issuer.issue((citizen or self.alice).did)
        r = self.client.post("/credentials", json={"credential": token, **extra}, headers=(citizen or self.alice).headers)
        assert r.status_code == 201, r.get_json()
        return r.get_json()


def make_wallet(tmp_path: Path, **changes: Any) -> WalletWorld:
    from wallet import create_app
    from wallet.config import Config

    fetcher = FakeFetcher()
    issuer = FakeIssuer(fetcher)
    auth_key = keys.generate()
    document = dids.build_did_document(
        issuer.did, [("key-1", keys.public_key_of(issuer.key))], authentication_keys=[("auth-1", auth_key.public_key())]
    )
    fetcher.documents[dids.did_web_to_url(issuer.did, scheme="https")] = json.dumps(document).encode()
    registry = tmp_path / "wallet-registry.json"
    registry.write_text(json.dumps({"issuers": [{"id": issuer.did, "name": {"nl": "ROC West"}}]}))
    config = Config(
        database_url=f"sqlite:///{tmp_path / 'wallet.db'}",
        public_url="http://127.0.0.1:5002",
        master_key=MASTER_KEY,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        rate_limit=False,
        trust_registry=str(registry),
    ).with_(**changes)
    app = create_app(config, fetcher=fetcher)
    app.testing = True
    client = app.test_client()
    alice = register(client, "alice@example.nl", PASSWORD, display_name="Alice")
    bob = register(client, "bob@example.nl", PASSWORD)
    return WalletWorld(fetcher, issuer, app, alice, bob, auth_key)



# --- the real issuer, served over HTTP on 127.0.0.1 ------------------------------------------------

ADMIN_TOKEN = "adversarial-admin-" + "z" * 24


class LiveIssuer:
    """The issuer service on a real socket (werkzeug, a thread, port 0).

    `overrides` serves crafted bytes at chosen paths of the same origin (a
    compromised or careless issuer publishing bad lists); `requests` records
    every path asked for.
    """

    def __init__(self, tmp_path: Path) -> None:
        import threading

        from werkzeug.serving import make_server

        from issuer import create_app
        from issuer.config import Config

        self.requests: list[str] = []
        self.overrides: dict[str, tuple[bytes, str]] = {}
        self._app: Any = None

        def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
            path = environ.get("PATH_INFO", "")
            self.requests.append(path)
            if path in self.overrides:
                body, media_type = self.overrides[path]
                start_response("200 OK", [("Content-Type", media_type), ("Content-Length", str(len(body))), ("Cache-Control", "no-cache")])
                return [body]
            return self._app(environ, start_response)

        self.server = make_server("127.0.0.1", 0, wsgi, threaded=True)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.base = f"http://{self.host}"
        self.app = create_app(Config(
            database_url=f"sqlite:///{tmp_path / 'issuer.db'}",
            base_url=self.base,
            admin_token=ADMIN_TOKEN,
            master_key=MASTER_KEY,
            status_ttl=300,
        ))
        self._app = self.app
        self.client = self.app.test_client()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.app.extensions["issuer"].engine.dispose()

    def counts(self) -> dict[str, int]:
        from issuer.models import metadata

        return table_counts(self.app.extensions["issuer"].engine, metadata)

    def provider(self, slug: str) -> dict[str, Any]:
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        r = self.client.post("/admin/providers", json={"slug": slug, "name": {"nl": slug, "en": slug}, "country": "NL"}, headers=admin)
        assert r.status_code == 201, r.get_json()
        k = self.client.post(f"/admin/providers/{slug}/api-keys", json={"label": "test"}, headers=admin)
        assert k.status_code == 201, k.get_json()
        return {"slug": slug, "did": r.get_json()["did"], "headers": {"X-API-Key": k.get_json()["key"]}}

    def issue(self, provider: dict[str, Any], holder: str) -> dict[str, Any]:
        from verifier_helpers import MICRO

        subject = json.loads(json.dumps(MICRO["credentialSubject"]))
        subject["id"] = holder
        r = self.client.post(f"/providers/{provider['slug']}/credentials", json={"type": "microcredential", "subject": subject}, headers=provider["headers"])
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def signing_key(self, provider: dict[str, Any]) -> tuple[Any, str]:
        """The provider's private key, from its key store: the attacker here is the issuer itself."""
        from issuer import keystore, tenancy
        from skillpass.db import read_session

        state = self.app.extensions["issuer"]
        with read_session(state.engine) as session:
            row = keystore.current_key(session, tenancy.get_provider(session, provider["slug"]).id)
        return keystore.private_key(state, row), f"{provider['did']}#{keystore.key_fragment(row.number)}"
