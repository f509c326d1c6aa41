"""Attacks on the wallet: other citizens' things, ownership by body, guessing, dead links, cross-site posts, markup.

Isolation of every route under another citizen's token (404 everywhere, the
same answer as for an id that does not exist) is tested route by route in
tests/wallet/test_wallet_isolation.py, whose route list comes from the URL
map; here the same probes are repeated with the database in view, to show
that they also write nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from adversarial_helpers import make_wallet
from skillpass.db import write_transaction
from wallet.models import Share, utcnow
from wallet_helpers import PASSWORD, token_of

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'


def _world(folder: Any) -> Any:
    w = make_wallet(folder)
    w.alice_credential = w.keep(w.alice, labels=["alleen alice"], note="geheim")  # type: ignore[attr-defined]
    r = w.client.post("/shares", json={"credential_ids": [w.alice_credential["id"]], "purpose": "alice zoekt werk"}, headers=w.alice.headers)  # type: ignore[attr-defined]
    assert r.status_code == 201
    w.alice_share = r.get_json()  # type: ignore[attr-defined]
    return w


@pytest.fixture
def world(tmp_path):  # type: ignore[no-untyped-def]
    w = _world(tmp_path)
    yield w
    w.app.extensions["wallet"].engine.dispose()


@pytest.fixture(scope="module")
def unchanging(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One world for the probes that must leave it as it is (each checks that they did)."""
    w = _world(tmp_path_factory.mktemp("wallet-attacks"))
    yield w
    w.app.extensions["wallet"].engine.dispose()


# --- another citizen's token on Alice's resources: 404, nothing written ---------------------------------

PROBES = [
    ("GET", "/credentials/{c}", None),
    ("PATCH", "/credentials/{c}", {"labels": ["van bob"], "note": "bob was hier"}),
    ("DELETE", "/credentials/{c}", None),
    ("POST", "/credentials/{c}/check", None),
    ("GET", "/shares/{s}", None),
    ("DELETE", "/shares/{s}", None),
    ("GET", "/shares/{s}/views", None),
    ("GET", "/shares/{s}/qr.svg", None),
    ("GET", "/shares/{s}/qr.png", None),
    ("POST", "/shares", {"credential_ids": ["{c}"]}),
]


@pytest.mark.parametrize("method,path,body", PROBES, ids=[f"{m} {p}" for m, p, _ in PROBES])
def test_bobs_token_on_alices_things(unchanging, method, path, body):
    w = unchanging
    c, s = w.alice_credential["id"], w.alice_share["id"]
    url = path.format(c=c, s=s)
    payload = json.loads(json.dumps(body).replace("{c}", c)) if body else None
    before = w.counts()
    r = w.client.open(url, method=method, headers=w.bob.headers, json=payload)
    assert (r.status_code, r.get_json()["error"]) == (404, "not_found"), r.get_json()
    assert w.counts() == before
    # the answer is the one for an id that exists nowhere
    nowhere = str(uuid.uuid4())
    absent = w.client.open(path.format(c=nowhere, s=nowhere), method=method, headers=w.bob.headers,
                           json=json.loads(json.dumps(body).replace("{c}", nowhere)) if body else None)
    assert absent.get_data() == r.get_data()
    mine = w.client.get(f"/credentials/{c}", headers=w.alice.headers).get_json()
    assert mine["labels"] == ["alleen alice"] and mine["note"] == "geheim"


# --- ownership is the token's, never the body's --------------------------------------------------------

OWNER_FIELDS = ["owner", "account_id", "account", "user_id", "citizen", "holder", "did"]


@pytest.mark.parametrize("field", OWNER_FIELDS)
def test_owner_fields_in_bodies_are_refused(world, field):
    w = world
    token, _ = w.issuer.issue(w.alice.did)
    before = w.counts()
    for method, url, body in (
        ("POST", "/credentials", {"credential": token}),
        ("PATCH", f"/credentials/{w.alice_credential['id']}", {"note": "x"}),
        ("POST", "/shares", {"credential_ids": [w.alice_credential["id"]]}),
        ("POST", "/auth/password", {"current_password": PASSWORD, "new_password": "another pass phrase"}),
    ):
        r = w.client.open(url, method=method, headers=w.alice.headers, json={**body, field: w.bob.id})
        assert (r.status_code, r.get_json()["error"]) == (400, "invalid_request"), (url, r.get_json())
        assert r.get_json()["detail"][0]["pointer"] == f"/{field}"
    r = w.client.post("/auth/register", json={"email": "mallory@example.nl", "password": PASSWORD, field: w.bob.id})
    assert (r.status_code, r.get_json()["error"]) == (400, "invalid_request")
    assert w.counts() == before


def test_a_dossier_naming_another_account_lands_in_the_callers(world):
    """`account` and credential `id`s of an imported dossier are informational: the caller's wallet gets it."""
    w = world
    bob_credential = w.keep(w.bob)
    dossier = w.client.get("/export", headers=w.alice.headers).get_json()
    dossier["account"] = {"id": w.bob.id, "email": w.bob.email}
    for item in dossier["credentials"]:
        item["id"] = bob_credential["id"]  # try to overwrite Bob's row
    w.client.delete(f"/credentials/{w.alice_credential['id']}", headers=w.alice.headers)
    r = w.client.post("/import", json=dossier, headers=w.alice.headers)
    assert r.status_code == 200 and len(r.get_json()["imported"]) == 1, r.get_json()
    assert [c["id"] for c in w.client.get("/credentials", headers=w.bob.headers).get_json()["items"]] == [bob_credential["id"]]
    bob_view = w.client.get(f"/credentials/{bob_credential['id']}", headers=w.bob.headers).get_json()
    assert bob_view["labels"] == [] and bob_view["note"] is None
    alice_items = w.client.get("/credentials", headers=w.alice.headers).get_json()["items"]
    assert len(alice_items) == 1 and alice_items[0]["id"] != bob_credential["id"]


# --- share links: guessing, dead links -----------------------------------------------------------------


def _one_off(token: str) -> str:
    """The token with its last character changed: the nearest wrong guess."""
    return token[:-1] + ("B" if token[-1] == "A" else "A")


def test_guessing_share_tokens_is_429_after_the_limit(tmp_path):
    w = make_wallet(tmp_path, rate_limit=True, share_max_failures_per_ip=5, register_max_per_ip=100)
    try:
        credential = w.keep(w.alice)
        link = w.client.post("/shares", json={"credential_ids": [credential["id"]]}, headers=w.alice.headers).get_json()
        before = w.counts()
        assert w.client.get("/s/%2e%2e%2f").status_code == 404  # not even the route: counts nothing
        guesses = ["A" * 43, "B" * 43, _one_off(token_of(link["url"])), "x" * 10, "a" * 42 + "."]
        for guess in guesses:
            r = w.client.get(f"/s/{guess}")
            assert (r.status_code, r.get_json()["error"]) == (404, "not_found")
        r = w.client.get("/s/" + "C" * 43)
        assert (r.status_code, r.get_json()["error"]) == (429, "rate_limited") and int(r.headers["Retry-After"]) > 0
        assert w.client.get(f"/s/{token_of(link['url'])}").status_code == 429  # even the right one, from this address
        assert w.counts() == before  # no view logged, no counter moved
        assert w.client.get(f"/s/{token_of(link['url'])}", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200
    finally:
        w.app.extensions["wallet"].engine.dispose()


def test_share_views_per_address_are_limited_too(tmp_path):
    w = make_wallet(tmp_path, rate_limit=True, share_max_views_per_ip=3, register_max_per_ip=100)
    try:
        credential = w.keep(w.alice)
        link = w.client.post("/shares", json={"credential_ids": [credential["id"]]}, headers=w.alice.headers).get_json()
        for _ in range(3):
            assert w.client.get(f"/s/{token_of(link['url'])}").status_code == 200
        before = w.counts()
        r = w.client.get(f"/s/{token_of(link['url'])}")
        assert (r.status_code, r.get_json()["error"]) == (429, "rate_limited")
        assert w.counts() == before
    finally:
        w.app.extensions["wallet"].engine.dispose()


def _expire(w: Any, share_id: str) -> None:
    with write_transaction(w.app.extensions["wallet"].engine) as session:
        session.execute(update(Share).where(Share.id == share_id).values(expires_at=utcnow() - timedelta(seconds=1)))


@pytest.mark.parametrize("how,status,code", [
    ("expired", 410, "link_gone"),
    ("used-up", 410, "link_gone"),
    ("revoked", 404, "not_found"),
    ("credential-deleted", 404, "not_found"),
    ("account-erased", 404, "not_found"),
])
def test_dead_links(world, how, status, code):
    w = world
    body: dict[str, Any] = {"credential_ids": [w.alice_credential["id"]]}
    if how == "used-up":
        body["max_views"] = 1
    link = w.client.post("/shares", json=body, headers=w.alice.headers).get_json()
    token = token_of(link["url"])
    if how == "expired":
        _expire(w, link["id"])
    elif how == "used-up":
        assert w.client.get(f"/s/{token}").status_code == 200
    elif how == "revoked":
        assert w.client.delete(f"/shares/{link['id']}", headers=w.alice.headers).status_code == 200
    elif how == "credential-deleted":
        assert w.client.delete(f"/credentials/{w.alice_credential['id']}", headers=w.alice.headers).status_code == 204
    elif how == "account-erased":
        assert w.client.delete("/me", headers=w.alice.headers).status_code == 200
    before = w.counts()
    for query in ({}, {"nonce": "n", "audience": "https://verifier.example"}):
        r = w.client.get(f"/s/{token}", query_string=query)
        assert (r.status_code, r.get_json()["error"]) == (status, code), r.get_json()
        assert r.headers["Cache-Control"] == "no-store" and r.headers["Referrer-Policy"] == "no-referrer"
    assert w.counts() == before


# --- cross-site posts: refused, state unchanged -----------------------------------------------------------

STATE_CHANGING = [
    ("POST", "/auth/logout"),
    ("POST", "/auth/password"),
    ("DELETE", "/me"),
    ("POST", "/credentials"),
    ("PATCH", "/credentials/{c}"),
    ("DELETE", "/credentials/{c}"),
    ("POST", "/credentials/{c}/check"),
    ("POST", "/shares"),
    ("DELETE", "/shares/{s}"),
    ("POST", "/import"),
    ("POST", "/auth/register"),
    ("POST", "/auth/login"),
]

CROSS_SITE = [
    ("form", {"Content-Type": "application/x-www-form-urlencoded"}, b"note=pwned&labels=x", 415, "unsupported_media_type"),
    ("multipart", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\npwned\r\n--x--\r\n", 415, "unsupported_media_type"),
    ("text-plain", {"Content-Type": "text/plain"}, b'{"note": "pwned"}', 415, "unsupported_media_type"),
    ("text-plain-charset", {"Content-Type": "text/plain; charset=utf-8"}, b'{"note": "pwned"}', 415, "unsupported_media_type"),
    ("no-body-text-plain", {"Content-Type": "text/plain"}, b"", 415, "unsupported_media_type"),
    ("origin-evil", {"Content-Type": "application/json", "Origin": "https://evil.example"}, b'{"note": "pwned"}', 403, "cross_site_request"),
    ("origin-null", {"Content-Type": "application/json", "Origin": "null"}, b'{"note": "pwned"}', 403, "cross_site_request"),
    ("origin-look-alike", {"Content-Type": "application/json", "Origin": "http://127.0.0.1:5002.evil.example"}, b'{"note": "pwned"}', 403, "cross_site_request"),
    ("origin-other-port", {"Content-Type": "application/json", "Origin": "http://127.0.0.1:5003"}, b'{"note": "pwned"}', 403, "cross_site_request"),
    ("sec-fetch-cross-site", {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, b'{"note": "pwned"}', 403, "cross_site_request"),
]


@pytest.mark.parametrize("kind,headers,data,status,code", CROSS_SITE, ids=[c[0] for c in CROSS_SITE])
@pytest.mark.parametrize("method,path", STATE_CHANGING, ids=[f"{m} {p}" for m, p in STATE_CHANGING])
def test_cross_site_requests_change_nothing(unchanging, method, path, kind, headers, data, status, code):
    w = unchanging
    url = path.format(c=w.alice_credential["id"], s=w.alice_share["id"])
    before = w.counts()
    r = w.client.open(url, method=method, data=data, headers={**w.alice.headers, **headers})
    assert (r.status_code, r.get_json()["error"]) == (status, code), r.get_json()
    assert w.counts() == before
    me = w.client.get("/me", headers=w.alice.headers)
    assert me.status_code == 200  # token not revoked, account not erased
    assert w.client.get(f"/credentials/{w.alice_credential['id']}", headers=w.alice.headers).get_json()["note"] == "geheim"
    assert w.client.get(f"/shares/{w.alice_share['id']}", headers=w.alice.headers).get_json()["state"] == "active"


def test_the_wallets_own_origin_and_plain_api_clients_are_accepted(world):
    w = world
    url = f"/credentials/{w.alice_credential['id']}"
    for extra in ({}, {"Origin": "http://127.0.0.1:5002"}, {"Origin": "http://localhost"}, {"Sec-Fetch-Site": "same-origin"}):
        r = w.client.patch(url, json={"note": "bijgewerkt"}, headers={**w.alice.headers, **extra})
        assert r.status_code == 200, (extra, r.get_json())


# --- markup: no HTML anywhere, so nothing to inject into ---------------------------------------------------


def test_markup_in_every_field_never_becomes_html(world):
    w = world
    token, _ = w.issuer.issue(w.alice.did, title=MARKUP)
    r = w.client.post("/credentials", json={"credential": token, "labels": [MARKUP[:100]], "note": MARKUP}, headers=w.alice.headers)
    assert r.status_code == 201, r.get_json()
    credential = r.get_json()
    link = w.client.post("/shares", json={"credential_ids": [credential["id"]], "purpose": MARKUP}, headers=w.alice.headers).get_json()
    w.client.get(f"/s/{token_of(link['url'])}", query_string={"audience": MARKUP, "nonce": MARKUP})
    probes = [
        ("GET", "/me"), ("GET", "/credentials"), ("GET", f"/credentials/{credential['id']}"), ("GET", f"/credentials?q={MARKUP[:50]}"),
        ("GET", "/shares"), ("GET", f"/shares/{link['id']}"), ("GET", f"/shares/{link['id']}/views"),
        ("GET", f"/shares/{link['id']}/qr.svg"), ("GET", f"/shares/{link['id']}/qr.png"), ("GET", "/export"),
        ("GET", f"/credentials/{MARKUP}"), ("GET", f"/no-such-route/{MARKUP}"), ("GET", f"/s/{MARKUP}"),
        ("POST", f"/credentials/{MARKUP}/check"),
    ]
    for method, url in probes:
        r = w.client.open(url, method=method, headers=w.alice.headers)
        assert r.mimetype != "text/html", url
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
        if r.mimetype == "image/svg+xml":
            svg = r.get_data(as_text=True)
            assert "<script" not in svg and "onerror" not in svg and "alert" not in svg
        if r.mimetype == "application/json":
            assert r.get_json() is not None  # parses as JSON: the markup is inside strings
        if r.status_code >= 400:
            assert "<script" not in r.get_data(as_text=True), url  # errors do not echo the path
    views = w.client.get(f"/shares/{link['id']}/views", headers=w.alice.headers).get_json()
    assert views["items"][0]["audience"] == MARKUP  # kept verbatim, shown only as JSON
