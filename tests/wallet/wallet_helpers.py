"""Fixtures of the wallet tests: a wallet app on a fresh SQLite file (and on
PostgreSQL too when TEST_POSTGRES_URL is set: a fresh schema per test), a fake
did:web issuer whose DID document and status lists a fake fetcher serves (no
network at all), and citizens."""

from __future__ import annotations

import copy
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib.resources import files
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from vc import did as dids
from vc import jose, key_sealing, keys
from vc.errors import FetchError
from vc.fetch import Fetched
from vc.model import format_datetime
from vc.status_list import StatusList, status_entry, status_list_credential
from wallet import create_app
from wallet.config import Config

MASTER_KEY = key_sealing.parse_master_key(key_sealing.generate_master_key())
PUBLIC_URL = "http://127.0.0.1:5002"
PASSWORD = "correct horse battery"
BACKENDS = ["sqlite"] + (["postgres"] if os.environ.get("TEST_POSTGRES_URL") else [])


def _example(name: str) -> dict[str, Any]:
    return json.loads(files("skillpass_schemas").joinpath("examples", name).read_text(encoding="utf-8"))


MICRO = _example("microcredential-roc-veilig-werken-met-warmtepompen.json")
SKILL = _example("skill-attestation-evc-warmtepompen-installeren.json")
HEAT_PUMP = "http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f"
SAFETY = "http://data.europa.eu/esco/skill/a3c7e9b1-2d4f-4e6a-8b0c-1d3e5f7a9b2c"


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


# --- the network, faked ------------------------------------------------------------------


class FakeFetcher:
    """Serves registered URLs; anything else is a FetchError (as an unreachable host)."""

    def __init__(self) -> None:
        self.documents: dict[str, bytes] = {}
        self.calls: list[str] = []
        self.cache_control = "no-cache"

    def __call__(self, url: str, *, headers: Any = None) -> Fetched:
        self.calls.append(url)
        if url not in self.documents:
            raise FetchError(f"HTTP 404 from {url}")
        return Fetched(url, 200, {"content-type": "application/json", "cache-control": self.cache_control}, self.documents[url])


# --- a training provider, faked ----------------------------------------------------------


@dataclass
class FakeIssuer:
    """A did:web issuer with a signing key, revocation and suspension lists."""

    fetcher: FakeFetcher
    slug: str = "roc-west"
    name: str = "ROC West"
    key_type: str = "Ed25519"
    key: Any = None
    lists: dict[str, StatusList] = field(default_factory=dict)
    next_index: int = 1000
    #: Where the issuer lives; its did:web and its list URLs derive from it.
    origin: str = "https://issuer.test"

    def __post_init__(self) -> None:
        self.key = keys.generate(self.key_type)  # type: ignore[arg-type]
        self.base = f"{self.origin}/providers/{self.slug}"
        self.did = dids.did_web_from_url(self.base)
        self.kid = f"{self.did}#key-1"
        doc = dids.build_did_document(self.did, [("key-1", keys.public_key_of(self.key))])
        scheme = self.origin.partition("://")[0]
        self.fetcher.documents[dids.did_web_to_url(self.did, scheme=scheme)] = json.dumps(doc).encode()
        for purpose in ("revocation", "suspension"):
            self.lists[purpose] = StatusList.new()
            self.publish(purpose)

    def list_url(self, purpose: str) -> str:
        return f"{self.base}/status/{purpose}/1"

    def publish(self, purpose: str) -> None:
        credential = status_list_credential(
            self.list_url(purpose), self.did, purpose, self.lists[purpose].encode(), now() - timedelta(minutes=5)
        )
        self.fetcher.documents[self.list_url(purpose)] = jose.sign_credential(credential, self.key, self.kid).encode()

    def set_bit(self, purpose: str, index: int, value: int = 1) -> None:
        self.lists[purpose].set(index, value)
        self.publish(purpose)

    def credential(
        self,
        holder: str | None,
        kind: str = "micro",
        *,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        title: str | None = None,
        status: bool = True,
    ) -> tuple[dict[str, Any], int]:
        """An unsigned credential of the example's shape, issued by this issuer to `holder`."""
        doc = copy.deepcopy(MICRO if kind == "micro" else SKILL)
        doc["id"] = f"urn:uuid:{uuid.uuid4()}"
        doc["issuer"] = self.did
        doc["validFrom"] = format_datetime(valid_from or now() - timedelta(days=1))
        if valid_until is not None:
            doc["validUntil"] = format_datetime(valid_until)
        if title:
            doc["name"] = title
        subject = doc["credentialSubject"]
        if holder is None:
            subject.pop("id", None)
        else:
            subject["id"] = holder
        if kind == "micro":
            subject["achievement"]["creator"]["id"] = self.did
            subject["achievement"]["creator"]["name"] = self.name
            if title:
                subject["achievement"]["name"] = title
        else:
            subject["assessor"]["parentOrg"]["parentOrg"]["id"] = self.did
        index = self.next_index
        self.next_index += 1
        if status:
            doc["credentialStatus"] = [
                status_entry(self.list_url("revocation"), index, "revocation"),
                status_entry(self.list_url("suspension"), index, "suspension"),
            ]
        else:
            doc.pop("credentialStatus", None)
        return doc, index

    def sign(self, document: dict[str, Any]) -> str:
        return jose.sign_credential(document, self.key, self.kid)

    def issue(self, holder: str | None, kind: str = "micro", **options: Any) -> tuple[str, int]:
        """A signed vc+jwt and its status index."""
        document, index = self.credential(holder, kind, **options)
        return self.sign(document), index


# --- database and app ---------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'wallet.db'}"
        return
    base = os.environ["TEST_POSTGRES_URL"]
    schema = f"wallet_test_{uuid.uuid4().hex[:12]}"
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
def fetcher() -> FakeFetcher:
    return FakeFetcher()


@pytest.fixture
def issuer(fetcher: FakeFetcher) -> FakeIssuer:
    return FakeIssuer(fetcher)


@pytest.fixture
def stranger(fetcher: FakeFetcher) -> FakeIssuer:
    """An issuer that is in no trust registry."""
    return FakeIssuer(fetcher, slug="avondschool", name="Avondschool De Uil")


@pytest.fixture
def registry_file(tmp_path, issuer: FakeIssuer) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "trust-registry.json"
    path.write_text(
        json.dumps({"name": "test registry", "issuers": [{"id": issuer.did, "name": {"nl": "ROC West (register)"}, "accreditation": ["mbo"]}]})
    )
    return str(path)


@pytest.fixture
def config(database_url: str, registry_file: str) -> Config:
    return Config(
        database_url=database_url,
        public_url=PUBLIC_URL,
        master_key=MASTER_KEY,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        rate_limit=False,
        trust_registry=registry_file,
    )


@pytest.fixture
def make_app(config: Config, fetcher: FakeFetcher):  # type: ignore[no-untyped-def]
    apps = []

    def make(**changes: Any):  # type: ignore[no-untyped-def]
        app = create_app(config.with_(**changes) if changes else config, fetcher=fetcher)
        app.testing = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["wallet"].engine.dispose()


@pytest.fixture
def app(make_app):  # type: ignore[no-untyped-def]
    return make_app()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


# --- citizens -----------------------------------------------------------------------------


@dataclass
class Citizen:
    id: str
    email: str
    did: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def register(client, email: str | None = None, password: str = PASSWORD, **extra: Any) -> Citizen:  # type: ignore[no-untyped-def]
    email = email or f"citizen-{uuid.uuid4().hex[:8]}@example.nl"
    r = client.post("/auth/register", json={"email": email, "password": password, **extra})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    return Citizen(body["account"]["id"], email, body["account"]["did"], body["token"])


@pytest.fixture
def alice(client) -> Citizen:  # type: ignore[no-untyped-def]
    return register(client, "alice@example.nl", display_name="Alice de Vries")


@pytest.fixture
def bob(client) -> Citizen:  # type: ignore[no-untyped-def]
    return register(client, "bob@example.nl")


def keep(client, citizen: Citizen, token: str, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Import a credential; it must be accepted."""
    r = client.post("/credentials", json={"credential": token, **extra}, headers=citizen.headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def share(client, citizen: Citizen, credential_ids: list[str], **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post("/shares", json={"credential_ids": credential_ids, **extra}, headers=citizen.headers)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def token_of(url: str) -> str:
    return url.rsplit("/s/", 1)[1]
