"""The verifier service with SD-JWT VCs from the real issuer, over HTTP on 127.0.0.1.

The issuer runs as a werkzeug server in a thread (port 0); the verifier uses
its real guarded fetcher with the issuer's host:port as a development host,
so the DID document and the Token Status List travel over loopback. POST
/verify takes {"credential": "<sd-jwt>"} and {"presentation": "<sd-jwt~kb>",
"nonce", "audience"}; presentation requests take SD-JWT presentations too.
"""

from __future__ import annotations

import copy
import json
import threading
from importlib import resources
from typing import Any, Iterator

import pytest
from werkzeug.serving import make_server

from verifier_helpers import MICRO
from vc import did as dids
from vc import key_sealing, keys, sdjwt

ADMIN_TOKEN = "sd-admin-" + "z" * 32
AUDIENCE = "https://employer.test"
NAME = "Sanne de Vries"
BIRTH_DATE = "1994-03-17"
SKILLS = ("credentialSubject", "achievement", "alignment", None)
HEAT_PUMP = "http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f"


class LiveIssuer:
    def __init__(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        from issuer import create_app
        from issuer.config import Config

        self._app: Any = None
        self.server = make_server("127.0.0.1", 0, lambda e, s: self._app(e, s), threaded=True)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.base = f"http://{self.host}"
        config = Config(
            database_url=f"sqlite:///{tmp_path / 'issuer.db'}",
            base_url=self.base,
            admin_token=ADMIN_TOKEN,
            master_key=key_sealing.parse_master_key(key_sealing.generate_master_key()),
        )
        if resources.files("issuer").joinpath("migrations").is_dir():
            from skillpass import migrations
            from skillpass.db import make_engine

            engine = make_engine(config.database_url)
            migrations.upgrade("issuer", engine)
            engine.dispose()
        self.app = self._app = create_app(config)
        self.client = self.app.test_client()
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        r = self.client.post("/admin/providers", json={"slug": "roc-west", "name": {"nl": "ROC West", "en": "ROC West"}, "country": "NL"}, headers=admin)
        assert r.status_code == 201, r.json
        self.did = r.json["did"]
        key = self.client.post("/admin/providers/roc-west/api-keys", json={"label": "t"}, headers=admin).json["key"]
        self.headers = {"X-API-Key": key}
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def issue(self, holder_did: str) -> dict[str, Any]:
        subject = copy.deepcopy(MICRO["credentialSubject"])
        subject.pop("id")
        subject["identifier"][0]["identityHash"] = NAME
        subject["birthDate"] = BIRTH_DATE
        body = {"type": "microcredential", "format": "dc+sd-jwt", "holder": holder_did, "subject": subject}
        r = self.client.post("/providers/roc-west/credentials", json=body, headers=self.headers)
        assert r.status_code == 201, r.json
        return r.json

    def change(self, credential_id: str, action: str) -> None:
        r = self.client.post(f"/providers/roc-west/credentials/{credential_id}/{action}", json={"reason": "t"}, headers=self.headers)
        assert r.status_code == 200, r.json

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.app.extensions["issuer"].engine.dispose()


@pytest.fixture
def live(tmp_path) -> Iterator[LiveIssuer]:  # type: ignore[no-untyped-def]
    server = LiveIssuer(tmp_path)
    yield server
    server.close()


@pytest.fixture
def verifier(live: LiveIssuer, tmp_path):  # type: ignore[no-untyped-def]
    from verifier import create_app
    from verifier.config import Config

    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"issuers": [{"id": live.did, "name": {"nl": "ROC West", "en": "ROC West"}, "accreditation": ["mbo"]}]}))
    app = create_app(Config(
        database_url=f"sqlite:///{tmp_path / 'verifier.db'}", audience=AUDIENCE, trust_registry=str(registry),
        dev_hosts=(live.host,), cache_ttl=0, cache_max_ttl=0, auto_migrate=True, fetch_timeout=5,
    ))
    app.testing = True
    yield app.test_client()
    app.extensions["verifier"].engine.dispose()


@pytest.fixture
def holder_key() -> Any:
    return keys.generate("Ed25519")


def codes(report: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {c["check"]: (c["status"], c["code"]) for c in report["checks"]}


def test_verify_an_sd_jwt_vc(live, verifier, holder_key):
    issued = live.issue(dids.did_key(holder_key))
    r = verifier.post("/verify", json={"credential": issued["credential"]})
    assert r.status_code == 200
    report = r.json
    assert report["verified"] is True, codes(report)
    assert report["format"] == "dc+sd-jwt" and report["issuer"] == live.did
    assert codes(report)["status.status_list"] == ("passed", None) and codes(report)["schema"] == ("skipped", "not_applicable")
    assert report["status"] == {"revocation": "valid", "suspension": "valid"}
    assert report["summary"]["nl"]["headline"].startswith("Geverifieerd: Microcredential")
    assert report["summary"]["en"]["holder"]["name"] == NAME  # the issued form discloses everything
    assert "disclosure" in report["summary"]["en"]


def test_verify_a_presentation_that_hides_name_and_birth_date(live, verifier, holder_key):
    issued = live.issue(dids.did_key(holder_key))
    presentation = sdjwt.present(issued["credential"], [SKILLS], holder_key=holder_key, audience=AUDIENCE, nonce="nonce-1")
    r = verifier.post("/verify", json={"presentation": presentation, "nonce": "nonce-1", "audience": AUDIENCE})
    assert r.status_code == 200
    report = r.json
    assert report["verified"] is True, codes(report)
    assert report["kind"] == "presentation" and report["format"] == "dc+sd-jwt"
    [credential] = report["credentials"]
    subject = credential["claims"]["credentialSubject"]
    assert set(subject) == {"type", "achievement"}
    assert [s["uri"] for s in credential["summary"]["en"]["skills"]][0] == HEAT_PUMP
    assert credential["summary"]["en"]["holder"]["name"] is None
    hidden = {tuple(h["path"]): h["digests"] for h in credential["disclosures"]["hidden"]}
    assert hidden[("credentialSubject",)] >= 7  # id, identifier, birthDate, two dates, >= 2 decoys: counted, never named
    body = r.get_data(as_text=True)
    assert NAME not in body and BIRTH_DATE not in body and dids.did_key(holder_key) not in body
    # the same presentation again is a replay
    again = verifier.post("/verify", json={"presentation": presentation, "nonce": "nonce-1", "audience": AUDIENCE}).json
    assert codes(again)["nonce"] == ("failed", "nonce_replayed") and again["verified"] is False


def test_a_presentation_for_another_verifier_fails(live, verifier, holder_key):
    issued = live.issue(dids.did_key(holder_key))
    presentation = sdjwt.present(issued["credential"], [], holder_key=holder_key, audience="https://other.test", nonce="n")
    report = verifier.post("/verify", json={"presentation": presentation, "nonce": "n", "audience": AUDIENCE}).json
    assert codes(report)["audience"] == ("failed", "audience_mismatch") and report["verified"] is False


def test_revocation_and_suspension_at_the_issuer_are_seen(live, verifier, holder_key):
    issued = live.issue(dids.did_key(holder_key))
    live.change(issued["id"], "suspend")
    report = verifier.post("/verify", json={"credential": issued["credential"]}).json
    assert codes(report)["status.status_list"] == ("failed", "suspended") and report["status"]["suspension"] == "suspended"
    live.change(issued["id"], "reinstate")
    assert verifier.post("/verify", json={"credential": issued["credential"]}).json["verified"] is True
    live.change(issued["id"], "revoke")
    report = verifier.post("/verify", json={"credential": issued["credential"]}).json
    assert codes(report)["status.status_list"] == ("failed", "revoked") and report["summary"]["en"]["status"] == "revoked"


def test_a_presentation_request_answered_with_an_sd_jwt(live, verifier, holder_key):
    issued = live.issue(dids.did_key(holder_key))
    req = verifier.post("/presentation-requests", json={"types": ["microcredential"], "skills": [HEAT_PUMP]}).json
    presentation = sdjwt.present(issued["credential"], [SKILLS], holder_key=holder_key, audience=req["audience"], nonce=req["nonce"])
    r = verifier.post(f"/presentation-requests/{req['id']}/response", json={"presentation": presentation})
    assert r.status_code == 200, r.json
    assert r.json["missing"] == {"types": [], "skills": []}
    # hiding the skills leaves the skill missing
    req = verifier.post("/presentation-requests", json={"skills": [HEAT_PUMP]}).json
    hidden = sdjwt.present(issued["credential"], [], holder_key=holder_key, audience=req["audience"], nonce=req["nonce"])
    answer = verifier.post(f"/presentation-requests/{req['id']}/response", json={"presentation": hidden}).json
    assert answer["missing"]["skills"] == [HEAT_PUMP]


def test_vc_api_verifies_sd_jwt_presentations(live, verifier, holder_key):
    issued = live.issue(dids.did_key(holder_key))
    presentation = sdjwt.present(issued["credential"], [SKILLS], holder_key=holder_key, audience=AUDIENCE, nonce="c-1")
    r = verifier.post("/presentations/verify", json={"verifiablePresentation": presentation, "options": {"challenge": "c-1", "domain": AUDIENCE}})
    assert r.status_code == 200, r.json
    r = verifier.post("/credentials/verify", json={"verifiableCredential": issued["credential"]})
    assert r.status_code == 200, r.json
