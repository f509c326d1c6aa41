"""Fixtures: an issuer app on a fresh SQLite file, and on PostgreSQL too when
TEST_POSTGRES_URL is set (a fresh schema per test, dropped afterwards)."""

from __future__ import annotations

import copy
import json
import os
import uuid
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Iterator

import jwt
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from issuer import create_app
from issuer.config import Config
from issuer.models import ApiKey, AuditEvent, Credential, IdempotencyRecord, StatusIndex, StatusList
from skillpass.db import read_session
from vc import did as dids
from vc import jose, key_sealing

ADMIN_TOKEN = "test-admin-token-" + "x" * 24
BASE_URL = "http://127.0.0.1:5001"
MASTER_KEY = key_sealing.parse_master_key(key_sealing.generate_master_key())

BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_POSTGRES_URL") else [])


def _example(name: str) -> dict[str, Any]:
    return json.loads(files("skillpass_schemas").joinpath("examples", name).read_text(encoding="utf-8"))


MICRO = _example("microcredential-roc-veilig-werken-met-warmtepompen.json")
SKILL = _example("skill-attestation-evc-warmtepompen-installeren.json")


def micro_request(**changes: Any) -> dict[str, Any]:
    body = {"type": "microcredential", "subject": copy.deepcopy(MICRO["credentialSubject"])}
    body.update(changes)
    return body


def skill_request(**changes: Any) -> dict[str, Any]:
    body = {
        "type": "skill-attestation",
        "subject": copy.deepcopy(SKILL["credentialSubject"]),
        "evidence": copy.deepcopy(SKILL["evidence"]),
    }
    body.update(changes)
    return body


@pytest.fixture(scope="session")
def postgres_admin_url() -> str | None:
    return os.environ.get("TEST_POSTGRES_URL")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'issuer.db'}"
        return
    base = os.environ["TEST_POSTGRES_URL"]
    schema = f"issuer_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def config(database_url: str) -> Config:
    return Config(
        database_url=database_url,
        base_url=BASE_URL,
        admin_token=ADMIN_TOKEN,
        master_key=MASTER_KEY,
        default_provider="demo-roc",
        retention_days=30,
        status_ttl=300,
    )


@pytest.fixture
def make_app(config: Config):  # type: ignore[no-untyped-def]
    apps = []

    def make(**changes: Any):  # type: ignore[no-untyped-def]
        app = create_app(config.with_(**changes) if changes else config)
        app.testing = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["issuer"].engine.dispose()


@pytest.fixture
def app(make_app):  # type: ignore[no-untyped-def]
    return make_app()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass
class ProviderHandle:
    slug: str
    did: str
    key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}


def create_provider(client, slug: str, key_type: str | None = None, **extra: Any) -> ProviderHandle:  # type: ignore[no-untyped-def]
    body: dict[str, Any] = {"slug": slug, "name": {"nl": f"Aanbieder {slug}", "en": f"Provider {slug}"}, "country": "NL", **extra}
    if key_type:
        body["keyType"] = key_type
    r = client.post("/admin/providers", json=body, headers=ADMIN)
    assert r.status_code == 201, r.json
    k = client.post(f"/admin/providers/{slug}/api-keys", json={"label": "sis"}, headers=ADMIN)
    assert k.status_code == 201, k.json
    return ProviderHandle(slug=slug, did=r.json["did"], key=k.json["key"], key_id=k.json["id"])


@pytest.fixture
def provider(client) -> ProviderHandle:  # type: ignore[no-untyped-def]
    return create_provider(client, "demo-roc", homepage="https://www.roc-demo.example", brin="99ZZ", kvk="12345678")


@pytest.fixture
def other(client) -> ProviderHandle:  # type: ignore[no-untyped-def]
    return create_provider(client, "other-college")


def counts(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What a refused request must leave unchanged."""
    with read_session(app.extensions["issuer"].engine) as s:
        return {
            "credentials": s.execute(select(func.count()).select_from(Credential)).scalar_one(),
            "indices": s.execute(select(func.count()).select_from(StatusIndex)).scalar_one(),
            "allocated": s.execute(select(func.coalesce(func.sum(StatusList.allocated), 0))).scalar_one(),
            "versions": s.execute(select(func.coalesce(func.sum(StatusList.version), 0))).scalar_one(),
            "lists": s.execute(select(func.count()).select_from(StatusList)).scalar_one(),
            "audit": s.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
            "idempotency": s.execute(select(func.count()).select_from(IdempotencyRecord)).scalar_one(),
            "api_keys": s.execute(select(func.count()).select_from(ApiKey)).scalar_one(),
        }


def did_document(client, slug: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.get(f"/providers/{slug}/did.json")
    assert r.status_code == 200
    return r.get_json(force=True)


def verify_with_vc(token: str, doc: dict[str, Any], typ: str = jose.VC_JWT) -> dict[str, Any]:
    """Verify with vc.jose and the served DID document only."""
    decoded = jose.decode_jws(token)
    jose.check_header(decoded.header, typ)
    key = dids.public_key_for(doc, decoded.kid, "assertionMethod")
    jose.verify_signature(decoded, key)
    jose.check_issuer_binding(decoded)
    return decoded.payload


def verify_with_pyjwt(token: str, doc: dict[str, Any], algorithms: tuple[str, ...] = ("EdDSA",)) -> dict[str, Any]:
    """Verify with PyJWT (the independent implementation): key from the DID document by kid."""
    header = jwt.get_unverified_header(token)
    method = next(m for m in doc["verificationMethod"] if m["id"] == header["kid"])
    assert header["kid"] in doc["assertionMethod"]
    key = jwt.PyJWK(method["publicKeyJwk"], algorithm=header["alg"]).key
    return jwt.decode(token, key, algorithms=list(algorithms), options={"verify_aud": False})
