"""A small in-memory world for the verifier service tests: issuers on did:web with
status lists, holders with did:key, and a fake web that counts requests.
Real time (the service reads the clock itself); no network."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, timedelta, timezone
from importlib.resources import files
from typing import Any

import pytest

from vc import did as dids
from vc import jose, keys, model, status_list
from vc.errors import FetchError
from vc.fetch import Fetched

AUDIENCE = "https://verifier.test"


def example(name: str) -> dict[str, Any]:
    return json.loads(files("skillpass_schemas").joinpath("examples", name).read_text(encoding="utf-8"))


MICRO = example("microcredential-roc-veilig-werken-met-warmtepompen.json")
SKILL = example("skill-attestation-evc-warmtepompen-installeren.json")


def now() -> datetime:
    return datetime.now(timezone.utc)


class FakeWeb:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.calls: list[str] = []
        self.down: set[str] = set()

    def put(self, url: str, body: bytes | str, **headers: str) -> None:
        data = body.encode() if isinstance(body, str) else body
        hdrs = {"etag": '"' + hashlib.sha256(data).hexdigest()[:16] + '"'}
        hdrs.update({k.replace("_", "-"): v for k, v in headers.items()})
        self.pages[url] = (data, hdrs)

    def __call__(self, url: str, *, headers: dict[str, str] | None = None) -> Fetched:
        self.calls.append(url)
        if url in self.down or url.split("/")[2] in self.down:
            raise FetchError(f"could not connect to {url}")
        if url not in self.pages:
            raise FetchError(f"HTTP 404 from {url}")
        body, hdrs = self.pages[url]
        if headers and headers.get("If-None-Match") == hdrs.get("etag"):
            return Fetched(url, 304, hdrs, b"")
        return Fetched(url, 200, hdrs, body)


class Issuer:
    def __init__(self, web: FakeWeb, slug: str = "roc-west", host: str = "issuer.test") -> None:
        self.web = web
        self.base = f"https://{host}/providers/{slug}"
        self.did = dids.did_web_from_url(self.base)
        self.key = keys.generate()
        self.kid = f"{self.did}#key-1"
        self.lists = {p: status_list.StatusList.new() for p in ("revocation", "suspension")}
        doc = dids.build_did_document(self.did, [("key-1", self.key.public_key())])
        web.put(f"{self.base}/did.json", json.dumps(doc), cache_control="max-age=300")
        for purpose in self.lists:
            self.publish(purpose)

    def list_url(self, purpose: str) -> str:
        return f"{self.base}/status/{purpose}/1"

    def publish(self, purpose: str) -> None:
        t = now()
        doc = status_list.status_list_credential(
            self.list_url(purpose), self.did, purpose, self.lists[purpose].encode(), t - timedelta(minutes=5), t + timedelta(minutes=10)
        )
        # max-age=0: every verification sees the newest list (revocation tests)
        self.web.put(self.list_url(purpose), jose.sign_credential(doc, self.key, self.kid), cache_control="max-age=0")

    def set_status(self, purpose: str, index: int, value: int) -> None:
        self.lists[purpose].set(index, value)
        self.publish(purpose)

    def credential(self, holder: str, index: int = 42, base: dict[str, Any] = MICRO, **changes: Any) -> dict[str, Any]:
        cred = copy.deepcopy(base)
        cred["issuer"] = {"id": self.did, "type": ["Profile"], "name": "Self-Proclaimed Academy"}
        cred["validFrom"] = "2025-07-01T09:00:00Z"
        cred["credentialSubject"]["id"] = holder
        cred["credentialStatus"] = [status_list.status_entry(self.list_url(p), index, p) for p in ("revocation", "suspension")]
        cred.update(changes)
        return cred

    def issue(self, holder: str, index: int = 42, **changes: Any) -> str:
        return jose.sign_credential(self.credential(holder, index, **changes), self.key, self.kid)


class Holder:
    def __init__(self) -> None:
        self.key = keys.generate()
        self.did = dids.did_key(self.key)
        self.kid = dids.resolve_local(self.did)["verificationMethod"][0]["id"]

    def present(self, credentials: list[str], *, nonce: str | None, audience: str | None = AUDIENCE, key: Any = None) -> str:
        vp = model.build_presentation(self.did, [jose.envelope(c) for c in credentials])
        return jose.sign_presentation(vp, key or self.key, self.kid, nonce=nonce, audience=audience, issued_at=int(now().timestamp()))


def registry_document(*issuers: Issuer) -> dict[str, Any]:
    return {
        "name": "test registry",
        "issuers": [
            {"id": i.did, "name": {"nl": f"ROC {i.did.rsplit(':', 1)[-1]} (erkend)", "en": f"ROC {i.did.rsplit(':', 1)[-1]} (accredited)"}, "accreditation": ["mbo"]}
            for i in issuers
        ],
    }


@pytest.fixture
def web() -> FakeWeb:
    return FakeWeb()


@pytest.fixture
def issuer(web: FakeWeb) -> Issuer:
    return Issuer(web)


@pytest.fixture
def holder() -> Holder:
    return Holder()


@pytest.fixture
def registry_file(tmp_path, issuer: Issuer):  # type: ignore[no-untyped-def]
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(registry_document(issuer)))
    return path


@pytest.fixture
def config(tmp_path, registry_file):  # type: ignore[no-untyped-def]
    from verifier.config import Config

    return Config(
        database_url=f"sqlite:///{tmp_path / 'verifier.db'}",
        audience=AUDIENCE,
        trust_registry=str(registry_file),
        auto_migrate=True,
    )


@pytest.fixture
def make_app(config, web):  # type: ignore[no-untyped-def]
    from verifier import create_app

    apps = []

    def make(fetcher: Any = None, **changes: Any):  # type: ignore[no-untyped-def]
        app = create_app(config.with_(**changes) if changes else config, fetcher=fetcher or web)
        app.testing = True
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["verifier"].engine.dispose()


@pytest.fixture
def app(make_app):  # type: ignore[no-untyped-def]
    return make_app()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()
