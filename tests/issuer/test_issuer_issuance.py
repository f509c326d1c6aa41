"""Issuing credentials: one, idempotent, in batches; every refusal writes nothing."""

from __future__ import annotations

import threading

import jwt
import pytest

from issuer_helpers import (
    MICRO,
    counts,
    did_document,
    micro_request,
    skill_request,
    verify_with_pyjwt,
    verify_with_vc,
)
from vc import credential_types, schemas, status_list
from vc.did import did_key
from vc.keys import generate


@pytest.mark.parametrize("make_body, type_name", [(micro_request, "microcredential"), (skill_request, "skill-attestation")])
def test_issue_each_type(client, provider, make_body, type_name):
    r = client.post("/providers/demo-roc/credentials", json=make_body(), headers=provider.headers)
    assert r.status_code == 201, r.json
    body = r.json
    assert set(body) == {"id", "format", "credential", "status"}
    assert body["format"] == "vc+jwt" and body["id"].startswith("urn:uuid:")
    doc = did_document(client, "demo-roc")
    payload = verify_with_vc(body["credential"], doc)
    assert payload == verify_with_pyjwt(body["credential"], doc)
    ct = credential_types.get_type(type_name)
    assert payload["@context"] == list(ct.context)
    assert payload["type"] == list(ct.types)
    assert payload["id"] == body["id"]
    assert payload["issuer"]["id"] == provider.did == payload["iss"]
    assert payload["issuer"]["type"] == ["Profile"] and payload["issuer"]["name"] == "Aanbieder demo-roc"
    assert payload["credentialSchema"] == [ct.credential_schema]
    assert payload["credentialStatus"] == body["status"]
    purposes = [status_list.parse_status_entry(e).purpose for e in payload["credentialStatus"]]
    assert purposes == ["revocation", "suspension"]
    for entry in body["status"]:
        assert entry["statusListCredential"].startswith("http://127.0.0.1:5001/providers/demo-roc/status/")
    schemas.validate_credential(payload, type_name)  # the whole credential matches its type's schema
    assert jwt.get_unverified_header(body["credential"])["typ"] == "vc+jwt"
    assert r.headers["Location"].endswith(body["id"])


def test_holder_becomes_subject_id(client, provider):
    holder = did_key(generate())
    subject = dict(MICRO["credentialSubject"])
    subject.pop("id")
    r = client.post("/providers/demo-roc/credentials", json=micro_request(subject=subject, holder=holder), headers=provider.headers)
    assert r.status_code == 201, r.json
    payload = jwt.decode(r.json["credential"], options={"verify_signature": False})
    assert payload["credentialSubject"]["id"] == holder
    record = client.get(f"/providers/demo-roc/credentials/{r.json['id']}", headers=provider.headers).json
    assert record["holder"] == holder


def test_valid_until(client, provider):
    r = client.post("/providers/demo-roc/credentials", json=micro_request(validUntil="2035-01-01T00:00:00Z"), headers=provider.headers)
    assert r.status_code == 201
    assert jwt.decode(r.json["credential"], options={"verify_signature": False})["validUntil"] == "2035-01-01T00:00:00Z"


# --- refusals -----------------------------------------------------------------


@pytest.mark.parametrize("member", ["issuer", "validFrom", "id", "credentialSchema", "credentialStatus", "@context"])
def test_service_set_members_are_refused(app, client, provider, member):
    before = counts(app)
    r = client.post("/providers/demo-roc/credentials", json=micro_request(**{member: "x"}), headers=provider.headers)
    assert r.status_code == 400
    assert r.json["error"] == "field_not_allowed"
    assert r.json["detail"][0]["pointer"] == f"/{member}"
    assert counts(app) == before


def test_invalid_subject_names_each_error_by_pointer(app, client, provider):
    before = counts(app)
    subject = dict(MICRO["credentialSubject"])
    subject["achievement"] = dict(subject["achievement"])
    del subject["achievement"]["name"]
    subject["achievement"]["eqfLevel"] = 11
    r = client.post("/providers/demo-roc/credentials", json=micro_request(subject=subject), headers=provider.headers)
    assert r.status_code == 400 and r.json["error"] == "invalid_subject"
    pointers = [d["pointer"] for d in r.json["detail"]]
    assert "/subject/achievement/name" in pointers and "/subject/achievement/eqfLevel" in pointers
    assert all(set(d) == {"pointer", "message"} for d in r.json["detail"])
    assert counts(app) == before


def test_skill_attestation_needs_evidence(app, client, provider):
    before = counts(app)
    body = skill_request()
    del body["evidence"]
    r = client.post("/providers/demo-roc/credentials", json=body, headers=provider.headers)
    assert r.status_code == 400 and r.json["error"] == "invalid_subject"
    assert r.json["detail"][0]["pointer"] == "/evidence"
    assert counts(app) == before


@pytest.mark.parametrize(
    "body, status, code",
    [
        (micro_request(type="diploma"), 400, "unknown_credential_type"),
        (micro_request(holder="did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"), 400, "holder_mismatch"),
        (micro_request(validUntil="2001-01-01T00:00:00Z"), 400, "invalid_valid_until"),
        (micro_request(validUntil="tomorrow"), 400, "invalid_valid_until"),
        # valid dateTimeStamps whose UTC time is past year 9999 (a 500 before, found by a red-team run)
        (micro_request(validUntil="9999-12-31T23:59:59-23:59"), 400, "invalid_valid_until"),
        (micro_request(validUntil="9999-12-31T23:00:00-12:00", format="dc+sd-jwt"), 400, "invalid_valid_until"),
        (micro_request(extra=1), 400, "invalid_request"),
        ({"type": "microcredential"}, 400, "invalid_request"),
        (micro_request(subject="not an object"), 400, "invalid_request"),
        ([micro_request()], 400, "invalid_request"),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(app, client, provider, body, status, code):
    before = counts(app)
    r = client.post("/providers/demo-roc/credentials", json=body, headers=provider.headers)
    assert r.status_code == status, r.json
    assert r.json["error"] == code
    assert counts(app) == before


def test_holder_must_be_did_key_or_jwk(app, client, provider):
    before = counts(app)
    subject = dict(MICRO["credentialSubject"])
    subject.pop("id")
    r = client.post("/providers/demo-roc/credentials", json=micro_request(subject=subject, holder="https://example.org/me"), headers=provider.headers)
    assert r.status_code == 400 and r.json["error"] == "invalid_subject"
    assert r.json["detail"][0]["pointer"] == "/holder"
    assert counts(app) == before


def test_malformed_bodies(app, client, provider):
    before = counts(app)
    h = {**provider.headers, "Content-Type": "application/json"}
    r = client.post("/providers/demo-roc/credentials", data=b'{"type": "microcredential", "type": "x"}', headers=h)
    assert r.status_code == 400 and r.json["error"] == "malformed_json"
    r = client.post("/providers/demo-roc/credentials", data=b"{", headers=h)
    assert r.status_code == 400 and r.json["error"] == "malformed_json"
    r = client.post("/providers/demo-roc/credentials", data=b"type=x", headers={**provider.headers, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and r.json["error"] == "unsupported_media_type"
    assert counts(app) == before


def test_no_or_bad_api_key_is_401(app, client, provider):
    before = counts(app)
    for headers in ({}, {"X-API-Key": "sk_nope"}, {"Authorization": "Bearer sk_nope"}):
        r = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=headers)
        assert r.status_code == 401 and r.json["error"] == "unauthorized"
    assert counts(app) == before


def test_tenant_isolation(app, client, provider, other):
    mine = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers).json
    before = counts(app)
    # A's key at B: 404, like a provider that does not exist
    for method, path, body in (
        ("post", "/providers/other-college/credentials", micro_request()),
        ("post", "/providers/other-college/credentials/batch", {"items": [micro_request()]}),
        ("get", "/providers/other-college/credentials", None),
        ("get", f"/providers/other-college/credentials/{mine['id']}", None),
        ("post", f"/providers/other-college/credentials/{mine['id']}/revoke", {"reason": "x"}),
    ):
        r = getattr(client, method)(path, json=body, headers=provider.headers)
        assert r.status_code == 404 and r.json["error"] == "not_found", path
        assert mine["id"] not in r.get_data(as_text=True)
    # B's key at B cannot see or touch A's credential
    r = client.get(f"/providers/other-college/credentials/{mine['id']}", headers=other.headers)
    assert r.status_code == 404 and r.json["error"] == "credential_not_found"
    r = client.post(f"/providers/other-college/credentials/{mine['id']}/revoke", json={"reason": "x"}, headers=other.headers)
    assert r.status_code == 404
    assert client.get("/providers/other-college/credentials", headers=other.headers).json["items"] == []
    assert counts(app) == before


# --- idempotency --------------------------------------------------------------------


def test_idempotency_same_body_same_credential(app, client, provider):
    h = {**provider.headers, "Idempotency-Key": "cohort-2025-student-17"}
    first = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=h)
    assert first.status_code == 201
    before = counts(app)
    again = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=h)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert counts(app) == before


def test_idempotency_different_body_is_422(app, client, provider):
    h = {**provider.headers, "Idempotency-Key": "k1"}
    assert client.post("/providers/demo-roc/credentials", json=micro_request(), headers=h).status_code == 201
    before = counts(app)
    r = client.post("/providers/demo-roc/credentials", json=skill_request(), headers=h)
    assert r.status_code == 422 and r.json["error"] == "idempotency_key_reused"
    assert counts(app) == before


def test_idempotency_keys_are_per_provider(client, provider, other):
    a = client.post("/providers/demo-roc/credentials", json=micro_request(), headers={**provider.headers, "Idempotency-Key": "same"})
    b = client.post("/providers/other-college/credentials", json=micro_request(), headers={**other.headers, "Idempotency-Key": "same"})
    assert a.status_code == b.status_code == 201 and a.json["id"] != b.json["id"]


def test_idempotency_without_retention_is_409_on_replay(make_app, provider):
    app = make_app(retention_days=0)
    client = app.test_client()
    h = {**provider.headers, "Idempotency-Key": "k"}
    assert client.post("/providers/demo-roc/credentials", json=micro_request(), headers=h).status_code == 201
    before = counts(app)
    r = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=h)
    assert r.status_code == 409 and r.json["error"] == "idempotency_conflict"
    assert counts(app) == before


def test_concurrent_same_idempotency_key_makes_one_credential(app, provider):
    results = []
    barrier = threading.Barrier(4)

    def post():
        client = app.test_client()
        barrier.wait()
        r = client.post("/providers/demo-roc/credentials", json=micro_request(), headers={**provider.headers, "Idempotency-Key": "race"})
        results.append((r.status_code, r.json))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = [s for s, _ in results]
    assert statuses.count(201) == 1 and all(s in (200, 201, 409) for s in statuses)
    assert len({body["id"] for s, body in results if s != 409}) == 1
    assert counts(app)["credentials"] == 1


def test_bad_idempotency_key(app, client, provider):
    before = counts(app)
    r = client.post("/providers/demo-roc/credentials", json=micro_request(), headers={**provider.headers, "Idempotency-Key": "a b"})
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    assert counts(app) == before


# --- batch --------------------------------------------------------------------------


def test_batch_bad_items_consume_nothing(app, client, provider):
    before = counts(app)
    items = [micro_request(), micro_request(issuer="x"), skill_request(), micro_request(type="nope"), "junk", micro_request()]
    r = client.post("/providers/demo-roc/credentials/batch", json={"items": items}, headers=provider.headers)
    assert r.status_code == 200
    body = r.json
    assert body["issued"] == 3 and body["failed"] == 3
    assert [x["status"] for x in body["results"]] == [201, 400, 201, 400, 400, 201]
    assert [x["index"] for x in body["results"]] == list(range(6))
    assert body["results"][1]["error"]["error"] == "field_not_allowed"
    assert body["results"][3]["error"]["error"] == "unknown_credential_type"
    after = counts(app)
    assert after["credentials"] - before["credentials"] == 3
    assert after["indices"] - before["indices"] == 6  # two per good item, none for the bad ones
    assert after["allocated"] - before["allocated"] == 6
    doc = did_document(client, "demo-roc")
    seen = set()
    for result in body["results"]:
        if result["status"] == 201:
            verify_with_pyjwt(result["result"]["credential"], doc)
            for entry in result["result"]["status"]:
                seen.add((entry["statusPurpose"], entry["statusListIndex"]))
    assert len(seen) == 6  # all distinct


def test_a_batch_item_with_an_impossible_date_fails_alone(app, client, provider):
    # one such item made the whole batch a 500 and left indices allocated for nothing
    before = counts(app)
    items = [micro_request()] * 5 + [micro_request(validUntil="9999-12-31T23:59:59-23:59")]
    r = client.post("/providers/demo-roc/credentials/batch", json={"items": items}, headers=provider.headers)
    assert r.status_code == 200 and r.json["issued"] == 5 and r.json["failed"] == 1
    assert r.json["results"][5]["error"]["error"] == "invalid_valid_until"
    after = counts(app)
    assert after["credentials"] - before["credentials"] == 5
    assert after["allocated"] - before["allocated"] == 10  # two per issued credential, none for the bad item


def test_batch_too_large_or_empty(app, client, provider):
    before = counts(app)
    r = client.post("/providers/demo-roc/credentials/batch", json={"items": [micro_request()] * 1001}, headers=provider.headers)
    assert r.status_code == 400 and r.json["error"] == "batch_too_large"
    r = client.post("/providers/demo-roc/credentials/batch", json={"items": []}, headers=provider.headers)
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    r = client.post("/providers/demo-roc/credentials/batch", json={"items": [micro_request()], "x": 1}, headers=provider.headers)
    assert r.status_code == 400
    assert counts(app) == before


def test_batch_of_1000(client, provider, app):
    items = [micro_request() if i % 2 else skill_request() for i in range(1000)]
    r = client.post("/providers/demo-roc/credentials/batch", json={"items": items}, headers=provider.headers)
    assert r.status_code == 200 and r.json["issued"] == 1000
    assert counts(app)["credentials"] == 1000
    assert len({x["result"]["id"] for x in r.json["results"]}) == 1000


# --- records ------------------------------------------------------------------------


def test_list_and_get_records(client, provider):
    ids = [client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers).json["id"] for _ in range(3)]
    r = client.get("/providers/demo-roc/credentials?limit=2", headers=provider.headers)
    assert r.status_code == 200
    assert [x["id"] for x in r.json["items"]] == ids[::-1][:2]
    nxt = r.json["next"]
    r2 = client.get(f"/providers/demo-roc/credentials?limit=2&cursor={nxt}", headers=provider.headers)
    assert [x["id"] for x in r2.json["items"]] == [ids[0]] and r2.json["next"] is None
    assert "credential" not in r.json["items"][0] and "history" not in r.json["items"][0]
    record = client.get(f"/providers/demo-roc/credentials/{ids[0]}", headers=provider.headers).json
    assert record["state"] == "active" and record["type"] == "microcredential"
    assert [h["action"] for h in record["history"]] == ["credential.issue"]
    assert record["credential"].count(".") == 2  # retained for re-delivery
    bare = ids[0].removeprefix("urn:uuid:")
    assert client.get(f"/providers/demo-roc/credentials/{bare}", headers=provider.headers).json["id"] == ids[0]
    r = client.get("/providers/demo-roc/credentials/not-a-uuid", headers=provider.headers)
    assert r.status_code == 404 and r.json["error"] == "credential_not_found"
    assert client.get("/providers/demo-roc/credentials?state=bogus", headers=provider.headers).status_code == 400


def test_retention_zero_keeps_no_token(make_app, provider):
    app = make_app(retention_days=0)
    client = app.test_client()
    body = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers).json
    record = client.get(f"/providers/demo-roc/credentials/{body['id']}", headers=provider.headers).json
    assert "credential" not in record
    from sqlalchemy import select

    from issuer.models import Credential
    from skillpass.db import read_session

    with read_session(app.extensions["issuer"].engine) as s:
        row = s.execute(select(Credential)).scalar_one()
    assert row.token is None and row.token_expires_at is None
    assert body["credential"] not in str(row.model_dump())


def test_expired_tokens_are_purged(app, client, provider):
    from datetime import timedelta

    from sqlalchemy import select, update

    from issuer import issuance
    from issuer.models import Credential, utcnow
    from skillpass.db import read_session, write_transaction

    body = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers).json
    engine = app.extensions["issuer"].engine
    with write_transaction(engine) as s:
        s.execute(update(Credential).values(token_expires_at=utcnow() - timedelta(seconds=1)))
    assert "credential" not in client.get(f"/providers/demo-roc/credentials/{body['id']}", headers=provider.headers).json
    assert issuance.maybe_purge(app.extensions["issuer"], force=True) == 1
    with read_session(engine) as s:
        assert s.execute(select(Credential.token)).scalar_one() is None


# --- secrets ------------------------------------------------------------------------


def test_private_keys_never_in_responses_logs_or_database_in_clear(app, client, provider, caplog, config):
    import json

    from issuer.models import SigningKey
    from skillpass.db import read_session
    from sqlalchemy import select
    from vc import keys as vckeys

    caplog.set_level("DEBUG")
    bodies = [
        client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers).get_data(),
        client.post("/admin/providers/demo-roc/keys/rotate", json={}, headers={"Authorization": "Bearer " + config.admin_token}).get_data(),
        client.get("/admin/providers/demo-roc", headers={"Authorization": "Bearer " + config.admin_token}).get_data(),
        client.get("/providers/demo-roc/did.json").get_data(),
        client.get("/providers/demo-roc/status/revocation/1").get_data(),
    ]
    state = app.extensions["issuer"]
    with read_session(state.engine) as s:
        rows = list(s.execute(select(SigningKey)).scalars())
    secrets = []
    for row in rows:
        from issuer import keystore

        private = keystore.private_key(state, row)
        jwk = vckeys.private_jwk(private)
        der = vckeys.private_key_to_bytes(private)
        secrets.append((jwk["d"].encode(), der))
        assert "d" not in json.loads(row.public_jwk)
    for d, der in secrets:
        for body in bodies:
            assert d not in body and der not in body
        assert d.decode() not in caplog.text
    assert config.admin_token not in caplog.text and provider.key not in caplog.text
    assert repr(config.master_key) not in repr(config) and config.admin_token not in repr(config)
    if config.database_url.startswith("sqlite"):
        path = config.database_url.removeprefix("sqlite:///")
        state.engine.dispose()
        blob = b""
        import glob

        for name in glob.glob(path + "*"):  # the database, its WAL and shared memory
            with open(name, "rb") as fh:
                blob += fh.read()
        for d, der in secrets:
            raw = vckeys.b64url_decode(d.decode())
            assert d not in blob and der not in blob and raw not in blob


def test_batch_body_is_read_strictly(app, client, provider):
    before = counts(app)
    h = {**provider.headers, "Content-Type": "application/json"}
    deep = b'{"items": [' + b"[" * 70 + b"]" * 70 + b"]}"
    r = client.post("/providers/demo-roc/credentials/batch", data=deep, headers=h)
    assert r.status_code == 400 and r.json["error"] == "malformed_json"
    very_deep = b'{"items": [' + b"[" * 100000 + b"]" * 100000 + b"]}"
    r = client.post("/providers/demo-roc/credentials/batch", data=very_deep, headers=h)
    assert r.status_code == 400 and r.json["error"] == "malformed_json"
    r = client.post("/providers/demo-roc/credentials/batch", data=b'{"items": [], "items": [1]}', headers=h)
    assert r.status_code == 400 and r.json["error"] == "malformed_json"
    r = client.post("/providers/demo-roc/credentials/batch", data=b'{"items": [NaN]}', headers=h)
    assert r.status_code == 400 and r.json["error"] == "malformed_json"
    r = client.post("/providers/demo-roc/credentials/batch", data=b"", headers=h)
    assert r.status_code == 400 and r.json["error"] == "malformed_json"
    r = client.post("/providers/demo-roc/credentials/batch", data=b"{}", headers={**provider.headers, "Content-Type": "text/plain"})
    assert r.status_code == 415
    assert counts(app) == before


def test_status_indices_are_random(client, provider):
    body = {"items": [micro_request() for _ in range(40)]}
    results = client.post("/providers/demo-roc/credentials/batch", json=body, headers=provider.headers).json["results"]
    indices = sorted(int(x["result"]["status"][0]["statusListIndex"]) for x in results)
    assert len(set(indices)) == 40
    assert indices != list(range(indices[0], indices[0] + 40))  # not handed out in order
    assert indices[-1] > 1000  # spread over the list of 131,072


def test_a_key_revoked_while_a_batch_signs_issues_nothing(app, client, provider, monkeypatch):
    # found by a second red-team run: a batch authenticated just before its key was revoked
    # recorded 1,000 credentials after the revocation, with audit times from before it
    from issuer import issuance, tenancy
    from issuer_helpers import ADMIN

    state = app.extensions["issuer"]
    sign = issuance.jose.sign_credential
    revoked = []

    def sign_then_revoke(*args, **kwargs):
        if not revoked:
            revoked.append(tenancy.revoke_api_key(state, "demo-roc", provider.key_id, actor="admin"))
        return sign(*args, **kwargs)

    monkeypatch.setattr(issuance.jose, "sign_credential", sign_then_revoke)
    before = counts(app)
    r = client.post("/providers/demo-roc/credentials/batch", json={"items": [micro_request()] * 5}, headers=provider.headers)
    assert revoked and r.status_code == 401 and r.json["error"] == "unauthorized"
    after = counts(app)
    assert after["credentials"] == before["credentials"]
    assert after["audit"] == before["audit"] + 1  # the revocation, and no issuance
    actions = [e["action"] for e in client.get("/admin/providers/demo-roc/audit", headers=ADMIN).json["items"]]
    assert "api_key.revoke" in actions and "credential.issue" not in actions
