"""The verifier against the real issuer service over HTTP on 127.0.0.1.

The issuer runs as a real HTTP server (werkzeug, a thread, port 0); the
verifier uses its real GuardedFetcher with VERIFIER_DEV_HOSTS set to that
host:port, so DID documents and status lists travel over loopback exactly as
in `make run`. Attacks that need the provider's own key (a credential pointing
at another provider's list, an `iss` that is not the issuer) take the key from
the issuer's key store: the attacker here is a compromised or careless issuer,
which is what the verifier must still catch.
"""

from __future__ import annotations

import copy
import json
import socket
import threading
from importlib import resources
from typing import Any

import pytest
from werkzeug.serving import make_server

from verifier_helpers import MICRO, Holder
from vc import jose, keys, status_list, strict_json

issuer_pkg = pytest.importorskip("issuer")
from issuer import create_app as create_issuer  # noqa: E402
from issuer import keystore, tenancy  # noqa: E402
from issuer.config import Config as IssuerConfig  # noqa: E402
from skillpass.db import read_session  # noqa: E402
from vc import key_sealing  # noqa: E402

ADMIN = {"Authorization": "Bearer " + "admin-token-" + "y" * 24}


class LiveIssuer:
    def __init__(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        self.requests: list[str] = []
        self._app: Any = None

        def wsgi(environ, start_response):  # type: ignore[no-untyped-def]
            self.requests.append(environ.get("PATH_INFO", ""))
            return self._app(environ, start_response)

        self.server = make_server("127.0.0.1", 0, wsgi, threaded=True)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.base = f"http://{self.host}"
        config = IssuerConfig(
            database_url=f"sqlite:///{tmp_path / 'issuer.db'}",
            base_url=self.base,
            admin_token=ADMIN["Authorization"].split()[1],
            master_key=key_sealing.parse_master_key(key_sealing.generate_master_key()),
            status_ttl=300,
        )
        if resources.files("issuer").joinpath("migrations").is_dir():  # once the issuer has Alembic scripts
            from skillpass import migrations
            from skillpass.db import make_engine

            migrations.upgrade("issuer", make_engine(config.database_url))
        self.app = create_issuer(config)
        self._app = self.app
        self.client = self.app.test_client()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.app.extensions["issuer"].engine.dispose()

    def provider(self, slug: str) -> dict[str, Any]:
        r = self.client.post("/admin/providers", json={"slug": slug, "name": {"nl": f"Aanbieder {slug}", "en": f"Provider {slug}"}, "country": "NL"}, headers=ADMIN)
        assert r.status_code == 201, r.json
        k = self.client.post(f"/admin/providers/{slug}/api-keys", json={"label": "test"}, headers=ADMIN)
        assert k.status_code == 201, k.json
        return {"slug": slug, "did": r.json["did"], "headers": {"X-API-Key": k.json["key"]}}

    def issue(self, provider: dict[str, Any], holder: str) -> dict[str, Any]:
        subject = copy.deepcopy(MICRO["credentialSubject"])
        subject["id"] = holder
        r = self.client.post(f"/providers/{provider['slug']}/credentials", json={"type": "microcredential", "subject": subject}, headers=provider["headers"])
        assert r.status_code == 201, r.json
        return r.json

    def change(self, provider: dict[str, Any], credential_id: str, action: str) -> None:
        r = self.client.post(f"/providers/{provider['slug']}/credentials/{credential_id}/{action}", json={"reason": "test"}, headers=provider["headers"])
        assert r.status_code == 200, r.json

    def signing_key(self, provider: dict[str, Any]) -> tuple[Any, str]:
        state = self.app.extensions["issuer"]
        with read_session(state.engine) as session:
            row = keystore.current_key(session, tenancy.get_provider(session, provider["slug"]).id)
        return keystore.private_key(state, row), f"{provider['did']}#{keystore.key_fragment(row.number)}"


@pytest.fixture
def live(tmp_path):  # type: ignore[no-untyped-def]
    server = LiveIssuer(tmp_path)
    yield server
    server.close()


@pytest.fixture
def world(live, tmp_path, make_app):  # type: ignore[no-untyped-def]
    roc = live.provider("roc-west")
    other = live.provider("other-college")
    stranger = live.provider("not-accredited")
    registry = tmp_path / "live-registry.json"
    registry.write_text(json.dumps({"issuers": [
        {"id": roc["did"], "name": {"nl": "ROC West", "en": "ROC West"}, "accreditation": ["mbo"]},
        {"id": other["did"], "name": "Other College", "accreditation": ["hbo"]},
    ]}))

    def verifier(**changes: Any):  # type: ignore[no-untyped-def]
        from verifier import create_app
        from verifier.config import Config

        config = Config(
            database_url=f"sqlite:///{tmp_path / 'verifier.db'}",
            audience="https://employer.test",
            trust_registry=str(registry),
            dev_hosts=(live.host,),
            # every status check asks the issuer (If-None-Match: 304 when unchanged)
            cache_ttl=0,
            cache_max_ttl=0,
            auto_migrate=True,
            fetch_timeout=5,
        )
        app = create_app(config.with_(**changes))
        app.testing = True
        return app.test_client()

    return {"roc": roc, "other": other, "stranger": stranger, "verifier": verifier}


def verify(client, token: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post("/verify", json={"credential": token})
    assert r.status_code == 200, r.json
    return r.json


def codes(report: dict) -> dict[str, tuple[str, str | None]]:
    return {c["check"]: (c["status"], c["code"]) for c in report["checks"]}


def assert_others_reported(report: dict, *names: str) -> None:
    assert report["verified"] is False
    listed = {c["check"] for c in report["checks"]}
    assert {"parse", "trust", "did_resolution", "signature", "issuer_binding", "data_model", "validity_period", "schema"} <= listed
    for name in names:
        assert codes(report)[name][0] == "passed", (name, report["checks"])


def test_valid_credential_from_the_real_issuer(live, world):
    holder = Holder()
    issued = live.issue(world["roc"], holder.did)
    client = world["verifier"]()
    report = verify(client, issued["credential"])
    assert report["verified"] is True, report["checks"]
    assert report["trust"]["name"]["en"] == "ROC West"
    assert report["status"] == {"revocation": "valid", "suspension": "valid"}
    assert report["summary"]["en"]["headline"].startswith("Verified: Microcredential")
    assert any(p.endswith("/did.json") for p in live.requests)
    # VC-API too
    r = client.post("/credentials/verify", json={"verifiableCredential": jose.envelope(issued["credential"])})
    assert r.status_code == 200


def test_tampered_payload_and_signature(live, world):
    token = live.issue(world["roc"], Holder().did)["credential"]
    client = world["verifier"]()
    h, p, s = token.split(".")
    payload = jose.decode_jws(token).payload
    payload["credentialSubject"]["achievement"]["name"] = "Arts"
    tampered = f"{h}.{keys.b64url_encode(strict_json.dumps(payload).encode())}.{s}"
    report = verify(client, tampered)
    assert codes(report)["signature"] == ("failed", "invalid_signature")
    assert_others_reported(report, "trust", "did_resolution", "issuer_binding", "data_model", "validity_period")
    sig = bytearray(keys.b64url_decode(s))
    sig[0] ^= 0x80
    report = verify(client, f"{h}.{p}.{keys.b64url_encode(bytes(sig))}")
    assert codes(report)["signature"] == ("failed", "invalid_signature")
    r = client.post("/credentials/verify", json={"verifiableCredential": tampered})
    assert r.status_code == 422 and r.json["error"] == "invalid_signature"


def test_alg_none_and_hs256_with_the_public_key(live, world):
    import hashlib
    import hmac

    token = live.issue(world["roc"], Holder().did)["credential"]
    client = world["verifier"]()
    header = jose.decode_jws(token).header
    p = token.split(".")[1]
    h_none = keys.b64url_encode(strict_json.dumps(header | {"alg": "none"}).encode())
    report = verify(client, f"{h_none}.{p}.AA")
    assert codes(report)["signature"] == ("failed", "unsupported_algorithm")
    assert_others_reported(report, "trust", "did_resolution", "issuer_binding", "data_model")
    doc = json.loads(live.client.get(f"/providers/{world['roc']['slug']}/did.json").data)
    jwk = doc["verificationMethod"][0]["publicKeyJwk"]
    h_hs = keys.b64url_encode(strict_json.dumps(header | {"alg": "HS256"}).encode())
    for secret in (keys.b64url_decode(jwk["x"]), json.dumps(jwk).encode()):
        mac = hmac.new(secret, f"{h_hs}.{p}".encode(), hashlib.sha256).digest()
        report = verify(client, f"{h_hs}.{p}.{keys.b64url_encode(mac)}")
        assert codes(report)["signature"] == ("failed", "unsupported_algorithm")


def test_key_not_in_the_did_document_and_iss_not_the_issuer(live, world):
    holder = Holder()
    token = live.issue(world["roc"], holder.did)["credential"]
    client = world["verifier"]()
    payload = jose.decode_jws(token).payload
    attacker = keys.generate()
    report = verify(client, jose.sign_jws(payload, attacker, kid=f"{world['roc']['did']}#key-99", typ="vc+jwt"))
    assert codes(report)["signature"] == ("failed", "key_not_found")
    assert_others_reported(report, "trust", "did_resolution", "issuer_binding", "data_model")
    # signed by the other (also accredited) provider with its own key, claiming to be roc-west
    other_key, other_kid = live.signing_key(world["other"])
    live.requests.clear()
    report = verify(client, jose.sign_jws(payload, other_key, kid=other_kid, typ="vc+jwt"))
    assert codes(report)["issuer_binding"] == ("failed", "signer_not_issuer")
    assert codes(report)["signature"] == ("skipped", "signer_not_issuer")
    assert_others_reported(report, "trust", "data_model", "validity_period")
    assert not [p for p in live.requests if "other-college" in p]
    key, kid = live.signing_key(world["roc"])
    report = verify(client, jose.sign_jws(payload | {"iss": world["other"]["did"]}, key, kid=kid, typ="vc+jwt"))
    assert codes(report)["issuer_binding"] == ("failed", "issuer_mismatch")
    assert codes(report)["signature"] == ("passed", None)
    assert report["verified"] is False


def test_expired_and_not_yet_valid(live, world):
    token = live.issue(world["roc"], Holder().did)["credential"]
    client = world["verifier"]()
    key, kid = live.signing_key(world["roc"])
    payload = jose.decode_jws(token).payload
    expired = jose.sign_credential(payload | {"validUntil": "2025-01-01T00:00:00Z", "validFrom": "2024-01-01T00:00:00Z"}, key, kid)
    report = verify(client, expired)
    assert codes(report)["validity_period"] == ("failed", "expired")
    assert_others_reported(report, "trust", "signature", "issuer_binding", "data_model")
    future = jose.sign_credential(payload | {"validFrom": "2099-01-01T00:00:00Z"}, key, kid)
    assert codes(verify(client, future))["validity_period"] == ("failed", "not_yet_valid")


def test_revoked(live, world):
    issued = live.issue(world["roc"], Holder().did)
    client = world["verifier"]()
    assert verify(client, issued["credential"])["verified"] is True
    live.change(world["roc"], issued["id"], "revoke")
    report = verify(client, issued["credential"])
    assert codes(report)["status.revocation"] == ("failed", "revoked")
    assert_others_reported(report, "trust", "signature", "issuer_binding", "data_model", "validity_period", "status.suspension")


def test_suspended_then_reinstated(live, world):
    issued = live.issue(world["roc"], Holder().did)
    client = world["verifier"]()
    live.change(world["roc"], issued["id"], "suspend")
    report = verify(client, issued["credential"])
    assert codes(report)["status.suspension"] == ("failed", "suspended")
    assert report["summary"]["nl"]["status"] == "geschorst"
    live.change(world["roc"], issued["id"], "reinstate")
    assert verify(client, issued["credential"])["verified"] is True


def test_status_list_of_another_issuer_and_of_the_wrong_purpose(live, world):
    token = live.issue(world["roc"], Holder().did)["credential"]
    live.issue(world["other"], Holder().did)  # the other provider has lists too
    client = world["verifier"]()
    key, kid = live.signing_key(world["roc"])
    payload = jose.decode_jws(token).payload
    roc_rev = payload["credentialStatus"][0]["statusListCredential"]
    other_rev = roc_rev.replace("/roc-west/", "/other-college/")
    crafted = copy.deepcopy(payload)
    crafted["credentialStatus"][0] = status_list.status_entry(other_rev, 5, "revocation")
    report = verify(client, jose.sign_credential(crafted, key, kid))
    assert codes(report)["status.revocation"] == ("failed", "status_list_issuer_mismatch")
    assert_others_reported(report, "trust", "signature", "issuer_binding", "data_model", "status.suspension")
    crafted = copy.deepcopy(payload)
    crafted["credentialStatus"][0] = status_list.status_entry(roc_rev.replace("/revocation/", "/suspension/"), 5, "revocation")
    report = verify(client, jose.sign_credential(crafted, key, kid))
    assert codes(report)["status.revocation"] == ("failed", "status_list_purpose_mismatch")


def test_untrusted_issuer_gets_zero_requests(live, world):
    token = live.issue(world["stranger"], Holder().did)["credential"]
    client = world["verifier"]()
    live.requests.clear()
    report = verify(client, token)
    assert codes(report)["trust"] == ("failed", "untrusted_issuer")
    assert live.requests == []
    assert report["verified"] is False


def test_unreachable_issuer_is_unknown(live, world, tmp_path):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    dead = f"127.0.0.1:{probe.getsockname()[1]}"
    probe.close()  # nothing listens there now
    token = live.issue(world["roc"], Holder().did)["credential"]
    # the same credential as if its issuer lived on the dead port
    key, _ = live.signing_key(world["roc"])
    dead_did = world["roc"]["did"].replace(live.host.replace(":", "%3A"), dead.replace(":", "%3A"))
    payload = jose.decode_jws(token).payload | {"issuer": {"id": dead_did, "type": ["Profile"], "name": "x"}}
    registry = tmp_path / "dead-registry.json"
    registry.write_text(json.dumps({"issuers": [{"id": dead_did, "name": "Gone"}]}))
    client = world["verifier"](trust_registry=str(registry), dev_hosts=(live.host, dead), fetch_timeout=2)
    report = verify(client, jose.sign_credential(payload, key, f"{dead_did}#key-1"))
    assert codes(report)["did_resolution"] == ("unknown", "issuer_unreachable")
    assert report["verified"] is False
    assert "niet bereikbaar" in report["summary"]["nl"]["headline"]


def test_presentations_against_the_real_issuer(live, world):
    holder, victim = Holder(), Holder()
    mine = live.issue(world["roc"], holder.did)["credential"]
    theirs = live.issue(world["roc"], victim.did)["credential"]
    client = world["verifier"]()
    req = client.post("/presentation-requests", json={"types": ["microcredential"]}).json
    vp = holder.present([mine], nonce=req["nonce"], audience=req["audience"])
    r = client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": vp})
    assert r.status_code == 200, r.json
    assert r.json["matched"]["types"][0]["credentials"] == [0]
    # replayed nonce
    r = client.post("/verify", json={"presentation": vp, "nonce": req["nonce"], "audience": req["audience"]})
    assert codes(r.json)["nonce"] == ("failed", "nonce_replayed")
    # wrong audience
    vp = holder.present([mine], nonce="n-1", audience="https://someone-else.test")
    assert codes(client.post("/verify", json={"presentation": vp, "nonce": "n-1"}).json)["audience"] == ("failed", "audience_mismatch")
    # someone else's credential in a validly signed presentation
    vp = holder.present([theirs], nonce="n-2", audience="https://employer.test")
    body = client.post("/verify", json={"presentation": vp, "nonce": "n-2"}).json
    assert codes(body)["subject_binding"] == ("failed", "holder_mismatch")
    assert codes(body)["holder_signature"] == ("passed", None) and codes(body)["credentials"] == ("passed", None)
    # wrong holder: signed by one key, naming another holder
    from vc import model

    presentation = model.build_presentation(victim.did, [jose.envelope(theirs)])
    forged = jose.sign_presentation(presentation, holder.key, holder.kid, nonce="n-3", audience="https://employer.test")
    body = client.post("/verify", json={"presentation": forged, "nonce": "n-3"}).json
    assert body["verified"] is False
    assert codes(body)["holder_binding"] == ("failed", "holder_not_signer")


def test_batch_of_one_provider_fetches_its_lists_once(live, world):
    holder = Holder()
    r = live.client.post(
        f"/providers/{world['roc']['slug']}/credentials/batch",
        json={"items": [{"type": "microcredential", "subject": copy.deepcopy(MICRO["credentialSubject"]) | {"id": holder.did}} for _ in range(200)]},
        headers=world["roc"]["headers"],
    )
    assert r.status_code == 200, r.json
    tokens = [item["result"]["credential"] for item in r.json["results"]]
    client = world["verifier"](cache_ttl=300, cache_max_ttl=3600)
    live.requests.clear()
    body = client.post("/verify/batch", json={"credentials": tokens}).json
    assert body["verified"] == 200, body["results"][0]["checks"]
    assert sorted(live.requests) == sorted([f"/providers/{world['roc']['slug']}/did.json", f"/providers/{world['roc']['slug']}/status/revocation/1", f"/providers/{world['roc']['slug']}/status/suspension/1"])
