"""The verifier's HTTP API through the Flask test client: /verify, /verify/batch,
the VC-API endpoints, trusted issuers, health, OpenAPI, errors."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from verifier_helpers import SKILL, Holder, Issuer, registry_document
from vc import jose


def post(client, path, body, **kw):  # type: ignore[no-untyped-def]
    return client.post(path, json=body, **kw)


def codes(report: dict) -> dict[str, tuple[str, str | None]]:
    return {c["check"]: (c["status"], c["code"]) for c in report["checks"]}


# --- /verify with a credential -------------------------------------------------------------


def test_valid_credential(client, issuer, holder):
    r = post(client, "/verify", {"credential": issuer.issue(holder.did)})
    assert r.status_code == 200, r.json
    body = r.json
    assert body["verified"] is True
    assert all(c["status"] == "passed" for c in body["checks"])
    assert body["issuer"] == issuer.did
    assert body["trust"]["name"]["nl"].endswith("(erkend)")
    assert body["claims"]["credentialSubject"]["id"] == holder.did
    nl, en = body["summary"]["nl"], body["summary"]["en"]
    assert nl["headline"].startswith("Geverifieerd: Microcredential 'Veilig werken met warmtepompen'")
    assert en["headline"].startswith("Verified: Microcredential")
    assert en["issuer"] == "ROC roc-west (accredited) (mbo)"
    assert nl["status"] == "geldig" and en["status"] == "valid"
    assert en["holder"]["id"] == holder.did
    assert any(s["uri"].startswith("http://data.europa.eu/esco/skill/") and s["label"] for s in en["skills"])
    assert en["validFrom"] == "1 July 2025" and nl["validFrom"] == "1 juli 2025"
    # never the credential's own name for its issuer
    assert "Self-Proclaimed" not in json.dumps(body["summary"])
    assert r.headers["Cache-Control"] == "no-store"


def test_skill_attestation_summary(client, issuer, holder):
    token = jose.sign_credential(issuer.credential(holder.did, base=SKILL), issuer.key, issuer.kid)
    body = post(client, "/verify", {"credential": jose.envelope(token)}).json
    assert body["verified"] is True
    assert body["summary"]["en"]["type"] == "Validated skill"
    assert body["summary"]["nl"]["type"] == "Gevalideerde vaardigheid"
    assert len(body["summary"]["en"]["skills"]) == 1


def test_not_verified_is_still_200_with_reasons(client, issuer, holder):
    token = issuer.issue(holder.did, index=9)
    issuer.set_status("revocation", 9, 1)
    r = post(client, "/verify", {"credential": token})
    assert r.status_code == 200
    assert r.json["verified"] is False
    assert codes(r.json)["status.revocation"] == ("failed", "revoked")
    assert r.json["summary"]["nl"]["status"] == "ingetrokken"
    assert "ingetrokken" in r.json["summary"]["nl"]["headline"]
    assert r.json["summary"]["en"]["reason"] == "the issuer has revoked it"


def test_untrusted_issuer_zero_requests(client, web, holder):
    stranger = Issuer(web, slug="stranger")
    web.calls.clear()
    body = post(client, "/verify", {"credential": stranger.issue(holder.did)}).json
    assert body["verified"] is False
    assert codes(body)["trust"] == ("failed", "untrusted_issuer")
    assert web.calls == []
    assert "not in the registry" in body["summary"]["en"]["issuer"]


def test_unreachable_issuer_unknown(client, web, issuer, holder):
    web.down.add("issuer.test")
    body = post(client, "/verify", {"credential": issuer.issue(holder.did)}).json
    assert codes(body)["did_resolution"] == ("unknown", "issuer_unreachable")
    assert body["verified"] is False


def test_accept_unknown_option(client, web, issuer, holder):
    token = issuer.issue(holder.did)
    web.down.add(issuer.list_url("suspension"))
    assert post(client, "/verify", {"credential": token}).json["verified"] is False
    r = post(client, "/verify", {"credential": token, "options": {"acceptUnknown": ["status"], "includeClaims": False}})
    assert r.json["verified"] is True and "claims" not in r.json
    assert post(client, "/verify", {"credential": token, "options": {"acceptUnknown": ["signature"]}}).status_code == 400


# --- /verify with a presentation ---------------------------------------------------------


def test_presentation_with_nonce_then_replay(client, issuer, holder):
    vp = holder.present([issuer.issue(holder.did)], nonce="nonce-1")
    first = post(client, "/verify", {"presentation": vp, "nonce": "nonce-1"})
    assert first.status_code == 200 and first.json["verified"] is True, first.json
    assert first.json["summary"]["en"]["credentials"][0]["verified"] is True
    assert first.json["credentials"][0]["summary"]["nl"]["headline"].startswith("Geverifieerd")
    again = post(client, "/verify", {"presentation": vp, "nonce": "nonce-1"})
    assert again.json["verified"] is False
    assert codes(again.json)["nonce"] == ("failed", "nonce_replayed")
    assert codes(again.json)["credentials"] == ("passed", None)


def test_presentation_failures_do_not_burn_the_nonce(client, issuer, holder):
    vp_wrong = holder.present([issuer.issue(holder.did)], nonce="other")
    assert codes(post(client, "/verify", {"presentation": vp_wrong, "nonce": "nonce-2"}).json)["nonce"] == ("failed", "nonce_mismatch")
    thief = Holder()
    forged = holder.present([issuer.issue(holder.did)], nonce="nonce-2", key=thief.key)
    assert codes(post(client, "/verify", {"presentation": forged, "nonce": "nonce-2"}).json)["holder_signature"][0] == "failed"
    good = holder.present([issuer.issue(holder.did)], nonce="nonce-2")
    assert post(client, "/verify", {"presentation": good, "nonce": "nonce-2"}).json["verified"] is True


def test_presentation_needs_a_nonce_by_default(client, issuer, holder):
    vp = holder.present([issuer.issue(holder.did)], nonce=None)
    body = post(client, "/verify", {"presentation": vp}).json
    assert codes(body)["nonce"] == ("failed", "nonce_required")
    assert body["verified"] is False


def test_presentation_audience_defaults_to_this_verifier(client, issuer, holder):
    vp = holder.present([issuer.issue(holder.did)], nonce="n-a", audience="https://another-verifier.test")
    body = post(client, "/verify", {"presentation": vp, "nonce": "n-a"}).json
    assert codes(body)["audience"] == ("failed", "audience_mismatch")
    vp = holder.present([issuer.issue(holder.did)], nonce="n-b", audience="https://another-verifier.test")
    assert post(client, "/verify", {"presentation": vp, "nonce": "n-b", "audience": "https://another-verifier.test"}).json["verified"] is True


def test_presentation_of_someone_elses_credential(client, issuer, holder):
    victim = Holder()
    vp = holder.present([issuer.issue(victim.did)], nonce="n-c")
    body = post(client, "/verify", {"presentation": vp, "nonce": "n-c"}).json
    assert codes(body)["subject_binding"] == ("failed", "holder_mismatch")
    assert codes(body)["holder_signature"] == ("passed", None)
    assert body["verified"] is False
    assert "not the one it was issued to" in body["summary"]["en"]["headline"]


# --- malformed requests ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,status,code",
    [
        (b"{not json", 400, "malformed_json"),
        (b'{"credential": "a", "credential": "b"}', 400, "malformed_json"),
        (b"", 400, "malformed_json"),
        (b"[]", 400, "invalid_request"),
        (b'"just a string"', 400, "invalid_request"),
        (b"{}", 400, "invalid_request"),
        (b'{"credential": 5}', 400, "invalid_request"),
        (b'{"credential": "x", "presentation": "y"}', 400, "invalid_request"),
        (b'{"credential": "x", "nonce": "n"}', 400, "invalid_request"),
        (b'{"credential": "x", "extra": 1}', 400, "invalid_request"),
        (b'{"share_url": "http://wallet.test/s/abc"}', 400, "invalid_share_url"),
        (b'{"share_url": "https://wallet.test/s/abc", "nonce": "n"}', 400, "invalid_request"),
        (b'{"credential": "x", "options": {"acceptUnknown": ["everything"]}}', 400, "invalid_request"),
        (b'{"credential": NaN}', 400, "malformed_json"),
        (b'{"credential": "\xff"}', 400, "malformed_json"),
        (b"[" * 100 + b"]" * 100, 400, "malformed_json"),
    ],
)
def test_malformed_bodies_are_400(client, data, status, code):
    for path in ("/verify", "/verify/batch", "/credentials/verify", "/presentations/verify"):
        r = client.post(path, data=data, content_type="application/json")
        assert r.status_code == 400, (path, r.json)
        assert set(r.json) == {"error", "detail"}
        if path == "/verify":
            assert r.json["error"] == code, r.json


def test_wrong_media_type_is_415(client):
    r = client.post("/verify", data="credential=x", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415 and r.json["error"] == "unsupported_media_type"


def test_garbage_credential_is_a_report_not_an_error(client):
    body = post(client, "/verify", {"credential": "definitely.not.ajwt"}).json
    assert body["verified"] is False and codes(body)["parse"][0] == "failed"


def test_oversize_is_413(make_app):
    client = make_app(max_body_bytes=2048).test_client()
    r = client.post("/verify", json={"credential": "x" * 4096})
    assert r.status_code == 413
    assert r.json["error"] == "request_entity_too_large"


def test_unknown_route_and_method_are_json(client):
    r = client.get("/nothing-here")
    assert r.status_code == 404 and set(r.json) == {"error", "detail"}
    r = client.get("/verify")
    assert r.status_code == 405 and "POST" in r.headers["Allow"]


# --- batch -------------------------------------------------------------------------------


def test_batch_one_report_each_in_order(client, issuer, holder):
    good = issuer.issue(holder.did, index=1)
    revoked = issuer.issue(holder.did, index=2)
    issuer.set_status("revocation", 2, 1)
    r = post(client, "/verify/batch", {"credentials": [good, revoked, "garbage", jose.envelope(good)]})
    assert r.status_code == 200, r.json
    body = r.json
    assert [x["verified"] for x in body["results"]] == [True, False, False, True]
    assert body["verified"] == 2 and body["notVerified"] == 2
    assert codes(body["results"][1])["status.revocation"] == ("failed", "revoked")
    assert "claims" not in body["results"][0]
    assert body["results"][0]["summary"]["en"]["verified"] is True


def test_batch_of_1000_fetches_each_document_once(make_app, web, issuer, holder):
    # a list cached for its max-age: the point is the fetch count
    for purpose in ("revocation", "suspension"):
        body, headers = web.pages[issuer.list_url(purpose)]
        web.pages[issuer.list_url(purpose)] = (body, {**headers, "cache-control": "max-age=300"})
    client = make_app().test_client()
    tokens = [issuer.issue(holder.did, index=i) for i in range(1000)]
    web.calls.clear()
    r = post(client, "/verify/batch", {"credentials": tokens})
    assert r.status_code == 200
    assert r.json["verified"] == 1000
    assert sorted(web.calls) == sorted([f"{issuer.base}/did.json", issuer.list_url("revocation"), issuer.list_url("suspension")])


def test_batch_limits(make_app, issuer, holder):
    client = make_app(max_batch=3).test_client()
    r = post(client, "/verify/batch", {"credentials": ["x"] * 4})
    assert r.status_code == 400 and r.json["error"] == "batch_too_large"
    assert post(client, "/verify/batch", {"credentials": []}).status_code == 400
    assert post(client, "/verify/batch", {"credentials": "x"}).status_code == 400


# --- VC-API ------------------------------------------------------------------------------


def test_vc_api_credentials_verify(client, issuer, holder):
    token = issuer.issue(holder.did)
    r = post(client, "/credentials/verify", {"verifiableCredential": jose.envelope(token)})
    assert r.status_code == 200 and r.json["verified"] is True
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    r = post(client, "/credentials/verify", {"verifiableCredential": tampered, "options": {}})
    assert r.status_code == 422
    assert r.json["error"] in ("invalid_signature", "malformed_token")
    assert r.json["verified"] is False and r.json["checks"]
    r = post(client, "/credentials/verify", {"verifiableCredential": token, "options": {"challenge": "x"}})
    assert r.status_code == 400
    assert post(client, "/credentials/verify", {"credential": token}).status_code == 400


def test_vc_api_presentations_verify(client, issuer, holder):
    vp = holder.present([issuer.issue(holder.did)], nonce="c-1", audience="https://rp.test")
    r = post(client, "/presentations/verify", {"verifiablePresentation": vp, "options": {"challenge": "c-1", "domain": "https://rp.test"}})
    assert r.status_code == 200, r.json
    r = post(client, "/presentations/verify", {"verifiablePresentation": vp, "options": {"challenge": "c-1", "domain": "https://rp.test"}})
    assert r.status_code == 422 and r.json["error"] == "nonce_replayed"
    vp = holder.present([issuer.issue(holder.did)], nonce="c-2")
    r = post(client, "/presentations/verify", {"verifiablePresentation": jose.envelope(vp, jose.VP_MEDIA_TYPE), "options": {"challenge": "c-3"}})
    assert r.status_code == 422 and r.json["error"] == "nonce_mismatch"
    r = post(client, "/presentations/verify", {"verifiablePresentation": vp})
    assert r.status_code == 422 and r.json["error"] == "nonce_required"


# --- trust, health, OpenAPI ------------------------------------------------------------


def test_trusted_issuers(client, issuer):
    r = client.get("/trusted-issuers")
    assert r.status_code == 200
    assert r.json["issuers"][0]["id"] == issuer.did
    assert r.json["issuers"][0]["accreditation"] == ["mbo"]
    assert r.json["openMode"] is False


def test_registry_from_an_https_url(make_app, web, issuer, holder, tmp_path):
    web.put("https://registry.test/trust.json", json.dumps(registry_document(issuer)))
    client = make_app(trust_registry="https://registry.test/trust.json").test_client()
    assert client.get("/trusted-issuers").json["issuers"][0]["id"] == issuer.did
    assert post(client, "/verify", {"credential": issuer.issue(holder.did)}).json["verified"] is True


def test_bad_registries_refuse_to_start(make_app, web, tmp_path):
    from verifier.config import ConfigError

    bad = tmp_path / "bad.json"
    bad.write_text('{"issuers": [{"id": "https://not-a-did"}]}')
    with pytest.raises(ConfigError):
        make_app(trust_registry=str(bad))
    with pytest.raises(ConfigError):
        make_app(trust_registry=str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError):
        make_app(trust_registry="http://registry.test/trust.json")  # not https, not a dev host
    with pytest.raises(ConfigError):
        make_app(trust_registry="https://registry.test/unreachable.json")


def test_registry_file_reload(make_app, web, issuer, holder, registry_file):
    import os

    app = make_app(trust_refresh=10)
    client = app.test_client()
    other = Issuer(web, slug="other")
    assert post(client, "/verify", {"credential": other.issue(holder.did)}).json["verified"] is False
    registry_file.write_text(json.dumps(registry_document(issuer, other)))
    st = os.stat(registry_file)
    os.utime(registry_file, (st.st_atime, st.st_mtime + 5))
    app.extensions["verifier"].trust.loaded_at -= 11  # the refresh interval has passed
    assert post(client, "/verify", {"credential": other.issue(holder.did)}).json["verified"] is True
    # a broken file later keeps the registry in use
    registry_file.write_text("{")
    os.utime(registry_file, (st.st_atime, st.st_mtime + 10))
    app.extensions["verifier"].trust.loaded_at -= 11
    assert post(client, "/verify", {"credential": other.issue(holder.did)}).json["verified"] is True
    assert client.get("/health").json["registryError"]


def test_open_mode(make_app, web, holder):
    stranger = Issuer(web, slug="stranger")
    client = make_app(open_mode=True).test_client()
    body = post(client, "/verify", {"credential": stranger.issue(holder.did)}).json
    assert codes(body)["trust"] == ("unknown", "issuer_not_in_registry")
    assert codes(body)["signature"] == ("passed", None)
    assert body["verified"] is False
    body = post(client, "/verify", {"credential": stranger.issue(holder.did), "options": {"acceptUnknown": ["trust"]}}).json
    assert body["verified"] is True


def test_health(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.json["status"] == "ok" and r.json["trustedIssuers"] == 1


def test_openapi_document_is_valid(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    document = r.json
    validate(document)
    for path in ("/verify", "/verify/batch", "/credentials/verify", "/presentations/verify", "/trusted-issuers",
                 "/presentation-requests", "/presentation-requests/{request_id}/response", "/health", "/openapi.json"):
        assert path in document["paths"], path


def test_config_from_env():
    from verifier.config import Config, ConfigError

    c = Config.from_env({
        "VERIFIER_DEV_HOSTS": "127.0.0.1:5001, localhost:5002",
        "VERIFIER_OPEN_MODE": "1",
        "VERIFIER_ACCEPT_UNKNOWN": "status",
        "VERIFIER_MAX_BODY_BYTES": "4096",
    })
    assert c.dev_hosts == ("127.0.0.1:5001", "localhost:5002")
    assert c.open_mode and c.accept_unknown == frozenset({"status"}) and c.max_body_bytes == 4096
    assert c.require_nonce and not c.auto_migrate
    assert Config.from_env({"SKILLPASS_DEV": "1"}).auto_migrate
    for env in ({"VERIFIER_DEV_HOSTS": "http://x"}, {"VERIFIER_ACCEPT_UNKNOWN": "signature"}, {"VERIFIER_OPEN_MODE": "maybe"}, {"VERIFIER_MAX_BATCH": "0"}):
        with pytest.raises(ConfigError):
            Config.from_env(env)
