"""Credentials: verified import, refusals with the report, listing, search, labels, check."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert

from skillpass.db import write_transaction
from vc import jose, keys
from wallet.models import CredentialLabel, CredentialSkill, StoredCredential, utcnow
from wallet_helpers import HEAT_PUMP, SAFETY, FakeIssuer, keep, now, register


def checks_of(report: dict) -> dict[str, dict]:
    return {c["check"]: c for c in report["checks"]}


# --- import ----------------------------------------------------------------------------


def test_import_compact_and_enveloped(client, alice, issuer):
    token, _ = issuer.issue(alice.did)
    body = keep(client, alice, token, labels=["werk", " werk ", "2025"], note="praktijkexamen")
    assert body["status"] == "valid" and body["trusted"] is True
    assert body["issuer"] == issuer.did
    assert body["issuer_name"] == "ROC West (register)"  # from the trust registry
    assert body["issuer_claimed_name"] == "ROC West"  # what the credential says
    assert body["kind"] == "microcredential" and body["type"] == "OpenBadgeCredential"
    assert body["title"] == "Veilig werken met warmtepompen"
    assert HEAT_PUMP in [s["uri"] for s in body["skills"]]
    assert body["labels"] == ["2025", "werk"]
    assert body["note"] == "praktijkexamen"
    assert body["credential"] == token
    assert body["credential_valid_until"] is None and body["credential_valid_from"].endswith("Z")
    assert body["report"]["verified"] is True
    assert checks_of(body["report"])["holder_binding"]["status"] == "passed"
    assert len(body["id"]) == 36 and body["credential_id"].startswith("urn:uuid:")

    skill, _ = issuer.issue(alice.did, "skill")
    enveloped = keep(client, alice, jose.envelope(skill))
    assert enveloped["kind"] == "skill-attestation"
    assert enveloped["skills"] == [{"uri": HEAT_PUMP, "name": "install heat pump"}]


def test_untrusted_issuer_is_kept_marked_untrusted(client, alice, stranger):
    token, _ = stranger.issue(alice.did)
    body = keep(client, alice, token)
    assert body["trusted"] is False and body["status"] == "valid"
    assert body["issuer_name"] is None  # nobody vouches for the name
    assert checks_of(body["report"])["trust"]["status"] == "unknown"
    assert checks_of(body["report"])["signature"]["status"] == "passed"


def test_credential_without_subject_id_is_kept(client, alice, issuer):
    token, _ = issuer.issue(None)
    body = keep(client, alice, token)
    assert checks_of(body["report"])["holder_binding"]["status"] == "skipped"


def test_expired_and_suspended_are_kept_with_their_status(client, alice, issuer):
    expired, _ = issuer.issue(alice.did, valid_from=now() - timedelta(days=400), valid_until=now() - timedelta(days=30))
    body = keep(client, alice, expired)
    assert body["status"] == "expired"
    assert body["credential_valid_until"] is not None
    suspended, index = issuer.issue(alice.did)
    issuer.set_bit("suspension", index)
    assert keep(client, alice, suspended)["status"] == "suspended"


def _refused(client, citizen, credential) -> dict:  # type: ignore[no-untyped-def]
    r = client.post("/credentials", json={"credential": credential}, headers=citizen.headers)
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["error"] == "credential_rejected"
    assert body["detail"]["verified"] is False
    return body["detail"]


def test_refused_bad_signature(client, alice, issuer):
    token, _ = issuer.issue(alice.did)
    head, payload, signature = token.split(".")
    forged = keys.b64url_encode(bytes(64)) if len(keys.b64url_decode(signature)) == 64 else signature[::-1]
    report = _refused(client, alice, f"{head}.{payload}.{forged}")
    assert checks_of(report)["signature"]["status"] == "failed"
    # signed by another key than the issuer's
    impostor = FakeIssuer(issuer.fetcher, slug="impostor")
    document, _ = issuer.credential(alice.did)
    report = _refused(client, alice, jose.sign_credential(document, impostor.key, issuer.kid))
    assert checks_of(report)["signature"]["code"] == "invalid_signature"


def test_refused_revoked(client, alice, issuer):
    token, index = issuer.issue(alice.did)
    issuer.set_bit("revocation", index)
    report = _refused(client, alice, token)
    assert checks_of(report)["status.revocation"]["code"] == "revoked"


def test_refused_bound_to_another_holder(client, alice, bob, issuer):
    token, _ = issuer.issue(bob.did)
    report = _refused(client, alice, token)
    check = checks_of(report)["holder_binding"]
    assert check["status"] == "failed" and check["code"] == "holder_mismatch"
    keep(client, bob, token)  # Bob may keep it


def test_refused_malformed(client, alice):
    for credential in ("not a token", "a.b.c", {"type": "EnvelopedVerifiableCredential", "id": "data:text/plain,x"}, {"type": "Other"}):
        report = _refused(client, alice, credential)
        assert report["checks"][0]["status"] == "failed"


def test_refused_unreachable_issuer(client, alice, issuer, fetcher):
    token, _ = issuer.issue(alice.did)
    fetcher.documents.clear()
    report = _refused(client, alice, token)
    assert checks_of(report)["did_resolution"]["status"] == "unknown"


def test_bad_bodies_are_400(client, alice):
    for body in ({}, {"credential": 5}, {"credential": "x", "owner": alice.id}, {"credential": "x", "account_id": alice.id}, {"credential": "x", "labels": ["a" * 101]}):
        r = client.post("/credentials", json=body, headers=alice.headers)
        assert r.status_code == 400, body
    r = client.post("/credentials", data="{}", headers={**alice.headers, "Content-Type": "text/plain"})
    assert r.status_code == 415


def test_duplicate_is_409(client, alice, issuer):
    token, _ = issuer.issue(alice.did)
    keep(client, alice, token)
    r = client.post("/credentials", json={"credential": jose.envelope(token)}, headers=alice.headers)
    assert r.status_code == 409 and r.get_json()["error"] == "duplicate_credential"


def test_refusal_leaves_nothing_behind(client, alice, issuer):
    token, index = issuer.issue(alice.did)
    issuer.set_bit("revocation", index)
    client.post("/credentials", json={"credential": token}, headers=alice.headers)
    assert client.get("/credentials", headers=alice.headers).get_json()["total"] == 0


# --- read, change, delete ---------------------------------------------------------------


def test_get_patch_delete(client, alice, issuer):
    token, _ = issuer.issue(alice.did)
    cred = keep(client, alice, token, labels=["oud"], note="eerste")
    r = client.get(f"/credentials/{cred['id']}", headers=alice.headers)
    assert r.status_code == 200
    assert r.get_json()["document"]["credentialSubject"]["id"] == alice.did
    assert r.get_json()["credential"] == token

    r = client.patch(f"/credentials/{cred['id']}", json={"labels": ["nieuw", "cv"]}, headers=alice.headers)
    assert r.status_code == 200 and r.get_json()["labels"] == ["cv", "nieuw"] and r.get_json()["note"] == "eerste"
    r = client.patch(f"/credentials/{cred['id']}", json={"note": None}, headers=alice.headers)
    assert r.get_json()["note"] is None and r.get_json()["labels"] == ["cv", "nieuw"]
    r = client.patch(f"/credentials/{cred['id']}", json={"note": "x", "owner": "y"}, headers=alice.headers)
    assert r.status_code == 400
    r = client.patch(f"/credentials/{cred['id']}", json={"token": "x"}, headers=alice.headers)
    assert r.status_code == 400

    assert client.delete(f"/credentials/{cred['id']}", headers=alice.headers).status_code == 204
    assert client.get(f"/credentials/{cred['id']}", headers=alice.headers).status_code == 404
    assert client.delete(f"/credentials/{cred['id']}", headers=alice.headers).status_code == 404
    keep(client, alice, token)  # may be imported again after deletion


def test_check_shows_revocation_and_keeps_the_credential(client, alice, issuer):
    token, index = issuer.issue(alice.did)
    cred = keep(client, alice, token)
    issuer.set_bit("revocation", index)
    r = client.post(f"/credentials/{cred['id']}/check", headers=alice.headers)
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "revoked"
    assert checks_of(body["report"])["status.revocation"]["code"] == "revoked"
    listed = client.get("/credentials", headers=alice.headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["status"] == "revoked"
    assert client.get("/credentials?status=revoked", headers=alice.headers).get_json()["total"] == 1
    # suspension lifted / status unknown when the list cannot be fetched
    issuer.fetcher.documents.pop(issuer.list_url("revocation"))
    body = client.post(f"/credentials/{cred['id']}/check", headers=alice.headers).get_json()
    assert body["status"] == "unknown"


# --- listing ---------------------------------------------------------------------------------


def test_listing_filters_and_search(client, alice, issuer, stranger):
    micro = keep(client, alice, issuer.issue(alice.did, title="Warmtepompen ontwerpen")[0], labels=["sollicitatie"], note="voor Installatiebedrijf Jansen")
    skill = keep(client, alice, issuer.issue(alice.did, "skill")[0])
    other = keep(client, alice, stranger.issue(alice.did)[0], labels=["hobby"])

    def ids(query: str) -> list[str]:
        r = client.get(f"/credentials{query}", headers=alice.headers)
        assert r.status_code == 200, r.get_json()
        return [c["id"] for c in r.get_json()["items"]]

    assert ids("") == [other["id"], skill["id"], micro["id"]]  # newest first
    assert set(ids("?type=microcredential")) == {micro["id"], other["id"]}
    assert ids("?type=SkillAttestationCredential") == [skill["id"]]
    assert set(ids(f"?issuer={issuer.did}")) == {micro["id"], skill["id"]}
    assert set(ids(f"?skill={HEAT_PUMP}")) == {micro["id"], skill["id"], other["id"]}
    assert set(ids(f"?skill={SAFETY}")) == {micro["id"], other["id"]}
    assert ids("?label=sollicitatie") == [micro["id"]]
    assert ids("?q=jansen") == [micro["id"]]  # note
    assert ids("?q=HOBBY") == [other["id"]]  # label
    assert ids("?q=ontwerpen") == [micro["id"]]  # title
    assert set(ids("?q=install heat")) == {micro["id"], skill["id"], other["id"]}  # skill names
    assert ids("?q=100%25") == []  # LIKE wildcards are literal
    assert ids("?type=microcredential&label=hobby") == [other["id"]]
    r = client.get("/credentials?limit=101", headers=alice.headers)
    assert r.status_code == 400
    assert client.get("/credentials?unknown=1", headers=alice.headers).status_code == 400
    assert client.get("/credentials?cursor=garbage", headers=alice.headers).status_code == 400
    # tampered cursors that decode: a lone surrogate or a NUL in the id was a 500 (second red-team run)
    import base64

    for tampered in (b'["2026-01-01T00:00:00+00:00","\\ud800"]', b'["2026-01-01T00:00:00+00:00","a\\u0000b"]',
                     b'["2026-01-01T00:00:00+00:00","../../etc"]', b'["0001-01-01T00:00:00+05:00","x"]', b'[1,2]'):
        cursor = base64.urlsafe_b64encode(tampered).decode().rstrip("=")
        r = client.get(f"/credentials?cursor={cursor}", headers=alice.headers)
        assert r.status_code == 400 and r.get_json()["error"] == "invalid_cursor", (tampered, r.status_code)


def test_ten_thousand_credentials_page_correctly(client, app, alice, issuer):
    """10,000 rows of one citizen (inserted directly) and some of another: pages are exact."""
    token, _ = issuer.issue(alice.did)
    base = utcnow() - timedelta(days=1)
    bob = register(client, "bob@example.nl")
    rows, labels, skills = [], [], []
    for i in range(10_000):
        pk = str(uuid.uuid4())
        owner = alice.id
        rows.append(
            dict(
                id=pk, account_id=owner, fingerprint=f"urn:uuid:{uuid.uuid4()}", credential_id=None, token=token,
                type_name="SkillAttestationCredential" if i % 2 else "OpenBadgeCredential",
                types=json.dumps(["VerifiableCredential"]), kind="skill-attestation" if i % 2 else "microcredential",
                issuer=issuer.did, issuer_name=None, issuer_claimed_name=None, title=f"credential {i:05d}",
                valid_from=None, valid_until=None, status="valid", trusted=True, checked_at=base, report="{}",
                note=None, search_text=f"credential {i:05d}", imported_at=base + timedelta(seconds=i),
            )
        )
        if i % 10 == 0:
            labels.append(dict(credential_pk=pk, label="tiende", account_id=owner))
        if i % 1000 == 0:
            skills.append(dict(credential_pk=pk, uri=HEAT_PUMP, name="install heat pump", account_id=owner))
    for i in range(50):
        rows.append({**rows[i], "id": str(uuid.uuid4()), "account_id": bob.id, "fingerprint": f"bob-{i}"})
    with write_transaction(app.extensions["wallet"].engine) as s:
        s.execute(insert(StoredCredential), rows)
        s.execute(insert(CredentialLabel), labels)
        s.execute(insert(CredentialSkill), skills)

    page = client.get("/credentials?limit=100", headers=alice.headers).get_json()
    assert page["total"] == 10_000 and len(page["items"]) == 100
    assert [c["title"] for c in page["items"]] == [f"credential {i:05d}" for i in range(9999, 9899, -1)]
    seen, cursor, pages = [], None, 0
    while pages < 5:
        r = client.get("/credentials?limit=100" + (f"&cursor={cursor}" if cursor else ""), headers=alice.headers).get_json()
        seen += [c["title"] for c in r["items"]]
        cursor = r["next_cursor"]
        pages += 1
    assert seen == [f"credential {i:05d}" for i in range(9999, 9499, -1)]

    labelled = client.get("/credentials?label=tiende&limit=100", headers=alice.headers).get_json()
    assert labelled["total"] == 1000 and labelled["items"][0]["title"] == "credential 09990"
    skilled = client.get(f"/credentials?skill={HEAT_PUMP}&limit=100", headers=alice.headers).get_json()
    assert skilled["total"] == 10 and skilled["next_cursor"] is None
    typed = client.get("/credentials?type=skill-attestation&limit=3", headers=alice.headers).get_json()
    assert typed["total"] == 5000 and [c["title"] for c in typed["items"]] == ["credential 09999", "credential 09997", "credential 09995"]
    found = client.get("/credentials?q=credential 0424", headers=alice.headers).get_json()
    assert found["total"] == 10
    # the last page ends the walk
    cursor = None
    for _ in range(3):
        r = client.get("/credentials?type=microcredential&q=credential 0000" + (f"&cursor={cursor}" if cursor else "") + "&limit=2", headers=alice.headers).get_json()
        cursor = r["next_cursor"]
        if cursor is None:
            break
    assert cursor is None and r["items"][-1]["title"] == "credential 00000"
    # Bob sees only his own 50
    assert client.get("/credentials", headers=bob.headers).get_json()["total"] == 50


@pytest.mark.parametrize("limit", [1, 7])
def test_pagination_walks_every_credential_once(client, alice, issuer, limit):
    kept = {keep(client, alice, issuer.issue(alice.did)[0])["id"] for _ in range(12)}
    seen: list[str] = []
    cursor = None
    while True:
        r = client.get(f"/credentials?limit={limit}" + (f"&cursor={cursor}" if cursor else ""), headers=alice.headers).get_json()
        seen += [c["id"] for c in r["items"]]
        cursor = r["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 12 and set(seen) == kept


# --- the wallet's trust registry ------------------------------------------------------------


def test_registry_file_is_reloaded_when_it_changes(client, alice, issuer, registry_file):
    import os
    from pathlib import Path

    assert keep(client, alice, issuer.issue(alice.did)[0])["trusted"] is True
    path = Path(registry_file)
    path.write_text(json.dumps({"issuers": []}))
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    body = keep(client, alice, issuer.issue(alice.did)[0])
    assert body["trusted"] is False and body["issuer_name"] is None


def test_registry_from_an_https_url(make_app, fetcher, issuer, stranger):
    fetcher.documents["https://registry.test/trust.json"] = json.dumps(
        {"issuers": [{"id": stranger.did, "name": "Avondschool", "accreditation": "private provider"}]}
    ).encode()
    app = make_app(trust_registry="https://registry.test/trust.json")
    client = app.test_client()
    citizen = register(client, "url@example.nl")
    assert keep(client, citizen, stranger.issue(citizen.did)[0])["issuer_name"] == "Avondschool"
    assert keep(client, citizen, issuer.issue(citizen.did)[0])["trusted"] is False


def test_unusable_registry_refuses_to_start(make_app, tmp_path):
    from wallet.config import ConfigError

    bad = tmp_path / "bad.json"
    bad.write_text('{"issuers": [{"id": "not a did"}]}')
    for location in (str(bad), str(tmp_path / "missing.json"), "http://registry.test/trust.json", "https://registry.test/none.json"):
        with pytest.raises(ConfigError, match="WALLET_TRUST_REGISTRY"):
            make_app(trust_registry=location)


def test_import_uses_the_cache_and_check_asks_the_issuer(client, alice, issuer, fetcher):
    fetcher.cache_control = "max-age=300"
    first, first_index = issuer.issue(alice.did)
    cred = keep(client, alice, first)
    token, index = issuer.issue(alice.did)
    fetched = len(fetcher.calls)
    keep(client, alice, token)
    assert len(fetcher.calls) == fetched  # DID document and lists from the cache
    issuer.set_bit("revocation", index)
    issuer.set_bit("revocation", first_index)
    r = client.post("/credentials", json={"credential": token}, headers=alice.headers)
    assert r.status_code == 409
    body = client.post(f"/credentials/{cred['id']}/check", headers=alice.headers).get_json()
    assert body["status"] == "revoked"
    assert issuer.list_url("revocation") in fetcher.calls[fetched:]


def test_dev_hosts_reach_a_loopback_issuer_over_http(config, fetcher):
    """The real guarded fetcher: a did:web on 127.0.0.1 only with WALLET_DEV_HOSTS."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    from wallet import create_app

    class Serve(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            by_path = {urlsplit(url).path: body for url, body in fetcher.documents.items()}
            body = by_path.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Serve)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{server.server_port}"
    local = FakeIssuer(fetcher, slug="local-roc", origin=f"http://{host}")
    apps = []
    try:
        for dev_hosts, expected in (((host,), 201), ((), 422)):
            app = create_app(config.with_(dev_hosts=dev_hosts, trust_registry=None))
            apps.append(app)
            client = app.test_client()
            citizen = register(client)
            r = client.post("/credentials", json={"credential": local.issue(citizen.did)[0]}, headers=citizen.headers)
            assert r.status_code == expected, r.get_json()
            if expected == 201:
                assert r.get_json()["status"] == "valid" and r.get_json()["trusted"] is False
            else:
                assert checks_of(r.get_json()["detail"])["did_resolution"]["code"] == "blocked_address"
    finally:
        server.shutdown()
        for app in apps:
            app.extensions["wallet"].engine.dispose()
