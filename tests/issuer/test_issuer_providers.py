"""Providers, their DID documents, keys (rotation, removal) and API keys."""

from __future__ import annotations

import pytest

from issuer_helpers import (
    ADMIN,
    counts,
    create_provider,
    did_document,
    micro_request,
    verify_with_pyjwt,
    verify_with_vc,
)
from vc.errors import KeyNotFound


def test_create_provider_gives_did_web_and_document(client, provider):
    assert provider.did == "did:web:127.0.0.1%3A5001:providers:demo-roc"
    doc = did_document(client, "demo-roc")
    assert doc["id"] == provider.did
    assert doc["assertionMethod"] == [f"{provider.did}#key-1"]
    [method] = doc["verificationMethod"]
    assert method["publicKeyJwk"]["kty"] == "OKP" and "d" not in method["publicKeyJwk"]
    r = client.get("/providers/demo-roc/did.json")
    assert r.mimetype == "application/did+json"
    assert "max-age" in r.headers["Cache-Control"]


def test_provider_details_and_list(client, provider):
    r = client.get("/admin/providers/demo-roc", headers=ADMIN)
    assert r.status_code == 200
    info = r.json
    assert info["name"] == {"nl": "Aanbieder demo-roc", "en": "Provider demo-roc"}
    assert info["brin"] == "99ZZ" and info["kvk"] == "12345678" and info["country"] == "NL"
    assert [k["state"] for k in info["keys"]] == ["current"]
    assert "d" not in info["keys"][0]["publicKeyJwk"]
    r = client.get("/admin/providers", headers=ADMIN)
    assert [p["slug"] for p in r.json["items"]] == ["demo-roc"]


def test_duplicate_slug_is_409_and_writes_nothing(app, client, provider):
    before = counts(app)
    r = client.post("/admin/providers", json={"slug": "demo-roc", "name": {"nl": "X"}, "country": "NL"}, headers=ADMIN)
    assert r.status_code == 409 and r.json["error"] == "provider_exists"
    assert counts(app) == before


@pytest.mark.parametrize(
    "body, pointer",
    [
        ({"slug": "Bad Slug", "name": {"nl": "X"}, "country": "NL"}, "/slug"),
        ({"slug": "ok", "name": {}, "country": "NL"}, "/name"),
        ({"slug": "ok", "name": {"nl": "X"}, "country": "Netherlands"}, "/country"),
        ({"slug": "ok", "name": {"nl": "X"}, "country": "NL", "kvk": "12"}, "/kvk"),
        ({"slug": "ok", "name": {"nl": "X"}, "country": "NL", "keyType": "RSA"}, "/keyType"),
        ({"slug": "ok", "name": {"nl": "X"}, "country": "NL", "did": "did:web:evil"}, "/did"),
    ],
)
def test_invalid_provider_is_400_and_writes_nothing(app, client, body, pointer):
    before = counts(app)
    r = client.post("/admin/providers", json=body, headers=ADMIN)
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    assert pointer in [d["pointer"] for d in r.json["detail"]]
    assert counts(app) == before
    assert client.get("/providers/ok/did.json").status_code == 404


def test_admin_routes_need_the_token(app, client):
    before = counts(app)
    body = {"slug": "x", "name": {"nl": "X"}, "country": "NL"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        r = client.post("/admin/providers", json=body, headers=headers)
        assert r.status_code == 401 and r.json["error"] == "unauthorized"
    assert counts(app) == before


def test_admin_disabled_without_token(make_app, caplog):
    caplog.set_level("WARNING")
    app = make_app(admin_token=None)
    assert "ISSUER_ADMIN_TOKEN is not set" in caplog.text
    r = app.test_client().post("/admin/providers", json={"slug": "x", "name": {"nl": "X"}, "country": "NL"}, headers=ADMIN)
    assert r.status_code == 401 and r.json["error"] == "admin_disabled"
    assert counts(app)["audit"] == 0


def test_unknown_provider_is_404(client):
    assert client.get("/providers/nobody/did.json").json["error"] == "not_found"
    assert client.get("/admin/providers/nobody", headers=ADMIN).status_code == 404
    assert client.post("/admin/providers/nobody/api-keys", json={}, headers=ADMIN).status_code == 404


# --- API keys ---------------------------------------------------------------------


def test_api_keys_shown_once_listed_without_secret_and_revocable(app, client, provider):
    assert provider.key.startswith("sk_") and len(provider.key) == 3 + 43
    r = client.get("/admin/providers/demo-roc/api-keys", headers=ADMIN)
    assert r.status_code == 200
    assert [k["id"] for k in r.json["items"]] == [provider.key_id]
    assert provider.key not in r.get_data(as_text=True)
    assert client.get("/providers/demo-roc/credentials", headers=provider.headers).status_code == 200
    assert client.get("/providers/demo-roc/credentials", headers={"Authorization": f"Bearer {provider.key}"}).status_code == 200
    r = client.post(f"/admin/providers/demo-roc/api-keys/{provider.key_id}/revoke", headers=ADMIN)
    assert r.status_code == 200 and "revokedAt" in r.json
    before = counts(app)
    r = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers)
    assert r.status_code == 401 and r.json["error"] == "unauthorized"
    assert counts(app) == before


def test_revoke_unknown_api_key_is_404(client, provider, other):
    r = client.post(f"/admin/providers/other-college/api-keys/{provider.key_id}/revoke", headers=ADMIN)
    assert r.status_code == 404
    assert client.get("/providers/demo-roc/credentials", headers=provider.headers).status_code == 200


def test_api_key_is_stored_hashed(app, provider):
    import hashlib

    from sqlalchemy import select

    from issuer.models import ApiKey
    from skillpass.db import read_session

    with read_session(app.extensions["issuer"].engine) as s:
        row = s.execute(select(ApiKey)).scalar_one()
    assert row.key_hash == hashlib.sha256(provider.key.encode()).hexdigest()


# --- rotation and removal ---------------------------------------------------------------


def test_rotation_keeps_old_credentials_verifiable(client, provider):
    old = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers).json
    r = client.post("/admin/providers/demo-roc/keys/rotate", json={"reason": "yearly"}, headers=ADMIN)
    assert r.status_code == 201
    assert r.json["id"] == f"{provider.did}#key-2" and r.json["state"] == "current"
    new = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers).json
    doc = did_document(client, "demo-roc")
    assert doc["assertionMethod"] == [f"{provider.did}#key-1", f"{provider.did}#key-2"]
    for body, kid in ((old, "key-1"), (new, "key-2")):
        verify_with_vc(body["credential"], doc)
        verify_with_pyjwt(body["credential"], doc)
        import jwt

        assert jwt.get_unverified_header(body["credential"])["kid"] == f"{provider.did}#{kid}"
    # the status list is now signed with the new key and still verifies
    token = client.get("/providers/demo-roc/status/revocation/1").get_data(as_text=True)
    assert jwt.get_unverified_header(token)["kid"].endswith("#key-2")
    verify_with_pyjwt(token, doc)
    states = [k["state"] for k in client.get("/admin/providers/demo-roc", headers=ADMIN).json["keys"]]
    assert states == ["retired", "current"]


def test_rotation_to_p256(client, provider):
    r = client.post("/admin/providers/demo-roc/keys/rotate", json={"keyType": "P-256"}, headers=ADMIN)
    assert r.status_code == 201 and r.json["type"] == "P-256"
    body = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers).json
    doc = did_document(client, "demo-roc")
    verify_with_vc(body["credential"], doc)
    verify_with_pyjwt(body["credential"], doc, algorithms=("ES256",))


def test_p256_provider(client):
    handle = create_provider(client, "p256-college", key_type="P-256")
    body = client.post("/providers/p256-college/credentials", json=micro_request(), headers=handle.headers).json
    doc = did_document(client, "p256-college")
    assert doc["verificationMethod"][0]["publicKeyJwk"]["crv"] == "P-256"
    verify_with_pyjwt(body["credential"], doc, algorithms=("ES256",))


def test_remove_key_after_compromise(app, client, provider):
    old = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers).json
    before = counts(app)
    r = client.post("/admin/providers/demo-roc/keys/1/remove", json={"reason": "compromised"}, headers=ADMIN)
    assert r.status_code == 409 and r.json["error"] == "key_in_use"
    assert counts(app) == before
    client.post("/admin/providers/demo-roc/keys/rotate", json={}, headers=ADMIN)
    r = client.post("/admin/providers/demo-roc/keys/1/remove", json={"reason": "compromised"}, headers=ADMIN)
    assert r.status_code == 200 and r.json["state"] == "removed" and "publicKeyJwk" not in r.json
    doc = did_document(client, "demo-roc")
    assert doc["assertionMethod"] == [f"{provider.did}#key-2"]
    with pytest.raises(KeyNotFound):
        verify_with_vc(old["credential"], doc)
    r = client.post("/admin/providers/demo-roc/keys/1/remove", json={"reason": "again"}, headers=ADMIN)
    assert r.status_code == 404 and r.json["error"] == "key_not_found"
    r = client.post("/admin/providers/demo-roc/keys/1/remove", json={}, headers=ADMIN)
    assert r.status_code == 400


def test_removed_key_private_half_is_erased(app, client, provider):
    from sqlalchemy import select

    from issuer.models import SigningKey
    from skillpass.db import read_session

    client.post("/admin/providers/demo-roc/keys/rotate", json={}, headers=ADMIN)
    client.post("/admin/providers/demo-roc/keys/1/remove", json={"reason": "compromised"}, headers=ADMIN)
    with read_session(app.extensions["issuer"].engine) as s:
        rows = {k.number: k for k in s.execute(select(SigningKey)).scalars()}
    assert rows[1].sealed_private is None and rows[1].state == "removed"
    assert rows[2].sealed_private is not None


def test_audit_log_records_key_and_tenant_events_without_secrets(client, provider):
    client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers)
    client.post("/admin/providers/demo-roc/keys/rotate", json={"reason": "yearly"}, headers=ADMIN)
    r = client.get("/admin/providers/demo-roc/audit", headers=ADMIN)
    assert r.status_code == 200
    actions = [e["action"] for e in r.json["items"]]
    assert actions[0] == "key.rotate"
    assert {"provider.create", "key.create", "api_key.create", "credential.issue"} <= set(actions)
    issue = next(e for e in r.json["items"] if e["action"] == "credential.issue")
    assert issue["actor"] == f"api-key:{provider.key_id}"
    text = r.get_data(as_text=True)
    assert provider.key not in text and '"d"' not in text
