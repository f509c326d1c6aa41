"""Presentation requests: ask, answer once, say what matched and what is missing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from skillpass.db import write_transaction
from verifier.models import PresentationRequest, utcnow
from verifier_helpers import AUDIENCE, SKILL, Holder
from vc import jose

ESCO = "http://data.europa.eu/esco/skill/00735755-adc6-4ea0-b034-b8caff339c9f"


def create(client, **body):  # type: ignore[no-untyped-def]
    r = client.post("/presentation-requests", json=body or {"types": ["microcredential"], "skills": [ESCO]})
    assert r.status_code == 201, r.json
    return r.json


def test_create_and_read(client):
    req = create(client, types=["OpenBadgeCredential"], skills=[ESCO], purpose="Sollicitatie monteur")
    assert req["audience"] == AUDIENCE and len(req["nonce"]) >= 32 and req["state"] == "pending"
    assert req["responseUri"].endswith(f"/presentation-requests/{req['id']}/response")
    public = client.get(f"/presentation-requests/{req['id']}").json
    assert public["nonce"] == req["nonce"] and "resultToken" not in public
    other = create(client)
    assert other["nonce"] != req["nonce"] and other["id"] != req["id"]


def test_answer_matches_and_misses_then_replay_is_refused(client, issuer, holder):
    missing_skill = "http://data.europa.eu/esco/skill/11111111-2222-4333-8444-555555555555"
    req = create(client, types=["microcredential", "SkillAttestationCredential"], skills=[ESCO, missing_skill])
    vp = holder.present([issuer.issue(holder.did)], nonce=req["nonce"], audience=req["audience"])
    r = client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": vp})
    assert r.status_code == 200, r.json
    answer = r.json
    assert answer["verified"] is True
    assert answer["matched"]["types"] == [{"type": "microcredential", "credentials": [0]}]
    assert answer["missing"]["types"] == ["SkillAttestationCredential"]
    assert answer["matched"]["skills"][0]["uri"] == ESCO and answer["matched"]["skills"][0]["label"] == "install heat pump"
    assert answer["missing"]["skills"] == [missing_skill]
    assert answer["report"]["summary"]["en"]["verified"] is True
    assert client.get(f"/presentation-requests/{req['id']}").json["state"] == "answered"

    again = client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": vp})
    assert again.status_code == 409 and again.json["error"] == "nonce_replayed"
    # the same presentation at /verify is a replay too
    body = client.post("/verify", json={"presentation": vp, "nonce": req["nonce"]}).json
    assert {c["check"]: c["code"] for c in body["checks"]}["nonce"] == "nonce_replayed"


def test_a_request_nonce_is_answered_at_its_request_only(client, issuer, holder):
    # The nonce is public (GET the request): at /verify it must neither pass nor be used up.
    req = create(client)
    vp = holder.present([issuer.issue(holder.did)], nonce=req["nonce"])
    at_verify = client.post("/verify", json={"presentation": vp, "nonce": req["nonce"]}).json
    assert at_verify["verified"] is False
    assert {c["check"]: c["code"] for c in at_verify["checks"]}["nonce"] == "nonce_of_a_request"
    r = client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": vp})
    assert r.status_code == 200 and r.json["verified"] is True
    # and once answered, neither place takes it again
    assert client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": vp}).status_code == 409
    assert client.post("/verify", json={"presentation": vp, "nonce": req["nonce"]}).json["verified"] is False


def test_an_empty_presentation_cannot_use_up_a_request(client, issuer, holder):
    # found by a red-team run: anyone could read the nonce and answer first with a self-signed
    # presentation of nothing, leaving the citizen's real answer a "replay"
    req = create(client)
    stranger = type(holder)()
    url = f"/presentation-requests/{req['id']}/response"
    empty = client.post(url, json={"presentation": stranger.present([], nonce=req["nonce"])})
    assert empty.status_code == 422
    via_verify = client.post("/verify", json={"presentation": stranger.present([], nonce=req["nonce"]), "nonce": req["nonce"]})
    assert via_verify.json["verified"] is False
    assert client.get(f"/presentation-requests/{req['id']}").json["state"] == "pending"
    genuine = client.post(url, json={"presentation": holder.present([issuer.issue(holder.did)], nonce=req["nonce"])})
    assert genuine.status_code == 200 and genuine.json["verified"] is True


def test_a_forged_or_untrusted_credential_cannot_use_up_a_request(client, issuer, holder, web):
    # found by a second red-team run: a holder-signed presentation around a credential nobody
    # trusted (or whose signature is zeros) used the request up; the citizen then got a 409
    from verifier_helpers import Issuer

    req = create(client)
    url = f"/presentation-requests/{req['id']}/response"
    stranger = Holder()
    untrusted = Issuer(web, slug="self-made", host="nobody.test")  # not in the registry
    header, payload, _ = issuer.issue(stranger.did).split(".")
    forged = f"{header}.{payload}." + "A" * 86
    for credential in (untrusted.issue(stranger.did), forged):
        r = client.post(url, json={"presentation": stranger.present([credential], nonce=req["nonce"])})
        assert r.status_code == 422
        assert client.get(f"/presentation-requests/{req['id']}").json["state"] == "pending"
    genuine = client.post(url, json={"presentation": holder.present([issuer.issue(holder.did)], nonce=req["nonce"])})
    assert genuine.status_code == 200 and genuine.json["verified"] is True


def test_a_revoked_credential_still_answers_the_request(client, issuer, holder):
    req = create(client)
    issuer.set_status("revocation", 42, 1)
    r = client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": holder.present([issuer.issue(holder.did)], nonce=req["nonce"])})
    assert r.status_code == 422
    auth = {"Authorization": f"Bearer {req['resultToken']}"}
    done = client.get(f"/presentation-requests/{req['id']}/result", headers=auth).json
    assert done["state"] == "answered" and done["answer"]["verified"] is False


def test_result_needs_the_token(client, issuer, holder):
    req = create(client)
    assert client.get(f"/presentation-requests/{req['id']}/result").status_code == 401
    assert client.get(f"/presentation-requests/{req['id']}/result", headers={"Authorization": "Bearer wrong"}).status_code == 401
    auth = {"Authorization": f"Bearer {req['resultToken']}"}
    pending = client.get(f"/presentation-requests/{req['id']}/result", headers=auth).json
    assert pending["state"] == "pending" and pending["answer"] is None
    vp = holder.present([issuer.issue(holder.did)], nonce=req["nonce"])
    client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": vp})
    done = client.get(f"/presentation-requests/{req['id']}/result", headers=auth).json
    assert done["state"] == "answered" and done["answer"]["verified"] is True
    assert "claims" not in done["answer"]["report"]


def test_wrong_nonce_wrong_audience_and_wrong_holder_are_refused(client, issuer, holder):
    req = create(client)
    url = f"/presentation-requests/{req['id']}/response"
    r = client.post(url, json={"presentation": holder.present([issuer.issue(holder.did)], nonce="guess")})
    assert r.status_code == 422 and r.json["error"] == "nonce_mismatch"
    r = client.post(url, json={"presentation": holder.present([issuer.issue(holder.did)], nonce=req["nonce"], audience="https://evil.test")})
    assert r.status_code == 422 and r.json["error"] == "audience_mismatch"
    # an answer for another audience does not use the request up: it is not an answer to this verifier
    assert client.get(f"/presentation-requests/{req['id']}").json["state"] == "pending"
    req = create(client)
    victim = Holder()
    r = client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": holder.present([issuer.issue(victim.did)], nonce=req["nonce"])})
    assert r.status_code == 422 and r.json["error"] == "holder_mismatch"
    assert r.json["matched"] == {"types": [], "skills": []}


def test_revoked_credential_does_not_match(client, issuer, holder):
    req = create(client, types=["microcredential"])
    token = issuer.issue(holder.did, index=3)
    issuer.set_status("revocation", 3, 1)
    r = client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": holder.present([token], nonce=req["nonce"])})
    assert r.status_code == 422 and r.json["error"] == "credential_not_verified"
    assert r.json["missing"]["types"] == ["microcredential"]


def test_skill_attestation_matches_its_skill(client, issuer, holder):
    skill_uri = SKILL["credentialSubject"]["skill"]["targetUrl"]
    req = create(client, skills=[skill_uri])
    token = jose.sign_credential(issuer.credential(holder.did, base=SKILL), issuer.key, issuer.kid)
    r = client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": holder.present([token], nonce=req["nonce"])})
    assert r.status_code == 200, r.json
    assert r.json["matched"]["skills"][0]["uri"] == skill_uri


def test_expired_request(app, client, issuer, holder):
    req = create(client)
    with write_transaction(app.extensions["verifier"].engine) as session:
        session.execute(update(PresentationRequest).where(PresentationRequest.id == req["id"]).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get(f"/presentation-requests/{req['id']}").json["state"] == "expired"
    r = client.post(f"/presentation-requests/{req['id']}/response", json={"presentation": holder.present([issuer.issue(holder.did)], nonce=req["nonce"])})
    assert r.status_code == 410 and r.json["error"] == "presentation_request_expired"


def test_unknown_request_and_bad_bodies(client):
    assert client.get("/presentation-requests/nope").status_code == 404
    assert client.post("/presentation-requests/nope/response", json={"presentation": "x"}).status_code == 404
    for body in ({}, {"types": []}, {"skills": ["not a uri"]}, {"types": ["x"], "ttl": 5}, {"types": ["x"], "extra": 1}, {"types": [" padded "]}):
        r = client.post("/presentation-requests", json=body)
        assert r.status_code == 400 and r.json["error"] == "invalid_request", body
    req = create(client)
    assert client.post(f"/presentation-requests/{req['id']}/response", json={"vp": "x"}).status_code == 400
    assert client.post(f"/presentation-requests/{req['id']}/response", data=b"{", content_type="application/json").status_code == 400
