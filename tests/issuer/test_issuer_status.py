"""Status lists: publishing, caching, revocation/suspension, allocation, roll-over."""

from __future__ import annotations

import threading

import jwt
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from issuer import statuslists
from issuer.models import StatusIndex, StatusList
from issuer_helpers import counts, did_document, micro_request, verify_with_pyjwt, verify_with_vc
from skillpass.db import read_session, write_transaction
from vc import status_list


def fetch_list(client, url: str, provider_did: str, purpose: str) -> status_list.StatusList:  # type: ignore[no-untyped-def]
    path = url.removeprefix("http://127.0.0.1:5001")
    r = client.get(path)
    assert r.status_code == 200 and r.mimetype == "application/vc+jwt"
    doc = did_document(client, path.split("/")[2])
    payload = verify_with_vc(r.get_data(as_text=True), doc)
    verify_with_pyjwt(r.get_data(as_text=True), doc)
    return status_list.decoded_list(payload, list_url=url, purpose=purpose, expected_issuer=provider_did)


def bit(client, provider, issued: dict, purpose: str) -> int:  # type: ignore[no-untyped-def]
    entry = next(status_list.parse_status_entry(e) for e in issued["status"] if e["statusPurpose"] == purpose)
    return fetch_list(client, entry.list_url, provider.did, purpose).get(entry.index)


def issue(client, provider) -> dict:  # type: ignore[no-untyped-def]
    r = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers)
    assert r.status_code == 201, r.json
    return r.json


def change(client, provider, issued, action, reason="x"):  # type: ignore[no-untyped-def]
    return client.post(f"/providers/demo-roc/credentials/{issued['id']}/{action}", json={"reason": reason}, headers=provider.headers)


def test_status_list_credential(client, provider):
    r = client.get("/providers/demo-roc/status/revocation/1")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/vc+jwt"
    assert r.headers["ETag"].startswith('"')
    max_age = int(r.headers["Cache-Control"].split("max-age=")[1])
    assert 0 < max_age <= 300
    payload = verify_with_vc(r.get_data(as_text=True), did_document(client, "demo-roc"))
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["id"] == "http://127.0.0.1:5001/providers/demo-roc/status/revocation/1"
    assert payload["issuer"] == provider.did
    assert "validUntil" in payload and payload["credentialSubject"]["ttl"] == 300_000
    lst = status_list.decoded_list(payload, list_url=payload["id"], purpose="revocation", expected_issuer=provider.did)
    assert len(lst) == 131_072 and lst.count_set() == 0


def test_etag_304_and_cache_until_change(client, provider):
    issued = issue(client, provider)
    first = client.get("/providers/demo-roc/status/revocation/1")
    etag = first.headers["ETag"]
    again = client.get("/providers/demo-roc/status/revocation/1")
    assert again.headers["ETag"] == etag and again.get_data() == first.get_data()  # served from the cache
    r = client.get("/providers/demo-roc/status/revocation/1", headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.get_data() == b"" and r.headers["ETag"] == etag
    assert "max-age" in r.headers["Cache-Control"]
    r = client.get("/providers/demo-roc/status/revocation/1", headers={"If-None-Match": '"other", ' + etag})
    assert r.status_code == 304
    issue(client, provider)  # allocation alone does not change the published list
    assert client.get("/providers/demo-roc/status/revocation/1").headers["ETag"] == etag
    assert change(client, provider, issued, "revoke").status_code == 200
    r = client.get("/providers/demo-roc/status/revocation/1", headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag


def test_unknown_lists_are_404(client, provider):
    for path in ("/providers/demo-roc/status/revocation/2", "/providers/demo-roc/status/refresh/1",
                 "/providers/nobody/status/revocation/1", "/providers/demo-roc/status/revocation/x"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json["error"] == "not_found"


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_list_numbers_beyond_any_row_are_404(client, provider, number):
    # a 500 (integer overflow in the query) before, found by a red-team run
    for path in (f"/providers/demo-roc/status/revocation/{number}", f"/providers/demo-roc/status/token/{number}"):
        r = client.get(path)
        assert r.status_code == 404 and r.json["error"] == "not_found", path


@pytest.mark.parametrize("cursor", [2**31, 2**63, -1, "x"])
def test_cursors_beyond_any_row_are_400(app, client, provider, cursor):
    from issuer_helpers import ADMIN

    before = counts(app)
    r = client.get(f"/providers/demo-roc/credentials?cursor={cursor}", headers=provider.headers)
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    r = client.get(f"/admin/providers/demo-roc/audit?cursor={cursor}", headers=ADMIN)
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    r = client.post(f"/admin/providers/demo-roc/keys/{2**63}/remove", json={"reason": "compromise"}, headers=ADMIN)
    assert r.status_code == 404
    assert counts(app) == before


def test_revoke_sets_the_bit_and_is_permanent(app, client, provider):
    issued = issue(client, provider)
    assert bit(client, provider, issued, "revocation") == 0
    r = change(client, provider, issued, "revoke", "fraud")
    assert r.status_code == 200 and r.json["state"] == "revoked"
    assert [h["action"] for h in r.json["history"]] == ["credential.issue", "credential.revoke"]
    assert r.json["history"][1]["detail"] == {"reason": "fraud"}
    assert bit(client, provider, issued, "revocation") == 1
    before = counts(app)
    for action in ("reinstate", "suspend", "revoke"):
        r = change(client, provider, issued, action)
        assert r.status_code == 409 and r.json["error"] == "revoked", action
    assert counts(app) == before
    assert bit(client, provider, issued, "revocation") == 1


def test_suspend_and_reinstate_toggle(app, client, provider):
    issued = issue(client, provider)
    assert change(client, provider, issued, "suspend").json["state"] == "suspended"
    assert bit(client, provider, issued, "suspension") == 1
    assert bit(client, provider, issued, "revocation") == 0
    before = counts(app)
    r = change(client, provider, issued, "suspend")
    assert r.status_code == 409 and r.json["error"] == "already_suspended"
    assert counts(app) == before
    assert change(client, provider, issued, "reinstate").json["state"] == "active"
    assert bit(client, provider, issued, "suspension") == 0
    before = counts(app)
    r = change(client, provider, issued, "reinstate")
    assert r.status_code == 409 and r.json["error"] == "not_suspended"
    assert counts(app) == before
    assert change(client, provider, issued, "suspend").status_code == 200
    assert bit(client, provider, issued, "suspension") == 1


def test_state_change_needs_a_reason_and_a_credential(app, client, provider):
    issued = issue(client, provider)
    before = counts(app)
    r = client.post(f"/providers/demo-roc/credentials/{issued['id']}/revoke", json={}, headers=provider.headers)
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    r = client.post("/providers/demo-roc/credentials/urn:uuid:00000000-0000-4000-8000-000000000000/revoke", json={"reason": "x"}, headers=provider.headers)
    assert r.status_code == 404 and r.json["error"] == "credential_not_found"
    r = client.post(f"/providers/demo-roc/credentials/{issued['id']}/revoke", json={"reason": "x"})
    assert r.status_code == 401
    assert counts(app) == before


def test_change_survives_a_restart(make_app, app, client, provider):
    issued = issue(client, provider)
    assert change(client, provider, issued, "revoke").status_code == 200
    app.extensions["issuer"].engine.dispose()
    fresh = make_app().test_client()
    assert bit(fresh, provider, issued, "revocation") == 1


def test_indices_are_unique_in_the_database(app, provider):
    engine = app.extensions["issuer"].engine
    with read_session(engine) as s:
        row = s.execute(select(StatusIndex)).first()
    assert row is None
    with write_transaction(engine) as s:
        s.execute(insert(StatusIndex), [{"provider_id": 1, "purpose": "revocation", "list_number": 1, "index": 7, "credential_id": "a"}])
    with pytest.raises(IntegrityError):
        with write_transaction(engine) as s:
            s.execute(insert(StatusIndex), [{"provider_id": 1, "purpose": "revocation", "list_number": 1, "index": 7, "credential_id": "b"}])


def test_list_size_is_never_below_the_minimum():
    with pytest.raises(ValueError):
        statuslists.new_list(1, "revocation", 1, size=1024)


def _fill(engine, provider_id: int, leave_free: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Mark list 1 of both purposes as used except `leave_free`, rows and bitmap alike."""
    size = statuslists.LIST_SIZE
    used = bytearray(b"\xff" * (size // 8))
    for i in leave_free:
        used[i >> 3] &= ~(0x80 >> (i & 7)) & 0xFF
    free = set(leave_free)
    with write_transaction(engine) as s:
        for purpose in statuslists.PURPOSES:
            lst = s.execute(select(StatusList).where(StatusList.purpose == purpose, StatusList.number == 1)).scalar_one()
            lst.used = bytes(used)
            lst.allocated = size - len(leave_free)
            s.add(lst)
            s.execute(
                insert(StatusIndex),
                [
                    {"provider_id": provider_id, "purpose": purpose, "list_number": 1, "index": i, "credential_id": "prefill"}
                    for i in range(size) if i not in free
                ],
            )


def test_roll_over_to_a_new_list(app, client, provider):
    engine = app.extensions["issuer"].engine
    _fill(engine, 1, leave_free=[4242])
    first = issue(client, provider)
    assert {e["statusListIndex"] for e in first["status"]} == {"4242"}  # the one free index
    assert all(e["statusListCredential"].endswith("/1") for e in first["status"])
    second = issue(client, provider)
    assert all(e["statusListCredential"].endswith("/2") for e in second["status"])
    with read_session(engine) as s:
        lists = s.execute(select(StatusList.purpose, StatusList.number, StatusList.allocated).order_by(StatusList.purpose, StatusList.number)).all()
    assert [tuple(x) for x in lists] == [("revocation", 1, 131072), ("revocation", 2, 1), ("suspension", 1, 131072), ("suspension", 2, 1)]
    assert client.get("/providers/demo-roc/status/revocation/2").status_code == 200
    assert change(client, provider, second, "revoke").status_code == 200
    assert bit(client, provider, second, "revocation") == 1


def test_concurrent_roll_over_starts_exactly_one_list(app, provider):
    engine = app.extensions["issuer"].engine
    _fill(engine, 1, leave_free=[1, 2])
    barrier = threading.Barrier(6)
    statuses = []

    def work():
        client = app.test_client()
        barrier.wait()
        for _ in range(2):
            r = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers)
            statuses.append(r.status_code)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 12
    with read_session(engine) as s:
        per_purpose = dict(s.execute(select(StatusList.purpose, func.count()).group_by(StatusList.purpose)).all())
        allocated = dict(s.execute(select(StatusList.purpose, StatusList.allocated).where(StatusList.number == 2)).all())
    assert per_purpose == {"revocation": 2, "suspension": 2}
    assert allocated == {"revocation": 10, "suspension": 10}


def test_publish_signs_once_per_change(app, client, provider, monkeypatch):
    from vc import jose

    calls = []
    real = jose.sign_credential
    monkeypatch.setattr(jose, "sign_credential", lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(5):
        client.get("/providers/demo-roc/status/suspension/1")
    assert len(calls) == 1
    jwt.get_unverified_header(client.get("/providers/demo-roc/status/suspension/1").get_data(as_text=True))
