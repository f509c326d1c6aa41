"""Share links: creation, QR codes, the public presentation, expiry, revocation, view limits, guessing."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update
from werkzeug.serving import make_server

from skillpass.db import read_session, write_transaction
from vc import did as dids
from vc import jose
from vc.verify import Verifier, VerifyOptions
from vc.trust import TrustRegistry
from wallet import qr
from wallet.models import Share, ShareView, utcnow
from wallet_helpers import PUBLIC_URL, keep, register, share, token_of


@pytest.fixture
def kept(client, alice, issuer):  # type: ignore[no-untyped-def]
    micro = keep(client, alice, issuer.issue(alice.did)[0])
    skill = keep(client, alice, issuer.issue(alice.did, "skill", valid_until=utcnow() + timedelta(days=400))[0])
    keep(client, alice, issuer.issue(alice.did)[0])  # a third one, never shared
    return micro, skill


def assert_unambiguous(share_body: dict) -> None:
    """Every share answer says when the LINK ends and, per credential, when the CREDENTIAL ends."""
    assert share_body["link_expires_at"].endswith("Z")
    assert "expires_at" not in share_body and "valid_until" not in share_body
    for credential in share_body.get("credentials", []):
        assert "credential_valid_until" in credential


def present(client, url: str, **query: str):  # type: ignore[no-untyped-def]
    return client.get(f"/s/{token_of(url)}", query_string=query)


def holder_verify(vp: str, did: str) -> dict:
    """Verify a vp+jwt with vc.jose alone: the holder key from the did:key / did:jwk."""
    decoded = jose.decode_jws(vp)
    jose.check_header(decoded.header, jose.VP_JWT)
    key = dids.public_key_for(dids.resolve_local(did), decoded.kid, "authentication")
    jose.verify_signature(decoded, key)
    assert jose.check_holder_binding(decoded) == did
    return decoded.payload


def test_create_share_returns_the_url_once(client, alice, kept):
    micro, skill = kept
    body = share(client, alice, [micro["id"], skill["id"], micro["id"]], purpose="sollicitatie bij Jansen", max_views=5)
    assert body["url"].startswith(PUBLIC_URL + "/s/") and len(token_of(body["url"])) == 43
    assert body["state"] == "active" and body["purpose"] == "sollicitatie bij Jansen"
    assert body["views"] == 0 and body["max_views"] == 5 and body["views_left"] == 5
    assert [c["id"] for c in body["credentials"]] == [micro["id"], skill["id"]]
    assert body["credentials"][1]["credential_valid_until"] is not None
    assert body["credentials"][0]["credential_valid_until"] is None
    assert_unambiguous(body)
    default_days = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert body["link_expires_at"].startswith(default_days)

    listed = client.get("/shares", headers=alice.headers).get_json()
    assert [s["id"] for s in listed["items"]] == [body["id"]]
    one = client.get(f"/shares/{body['id']}", headers=alice.headers).get_json()
    for answer in (listed["items"][0], one):
        assert "url" not in answer and token_of(body["url"]) not in str(answer)
        assert_unambiguous(answer)


def test_share_refusals(client, alice, bob, kept, config):
    micro, _ = kept
    for bad in (
        {"credential_ids": []},
        {"credential_ids": [micro["id"]], "expires_in": 10},
        {"credential_ids": [micro["id"]], "expires_in": config.share_max_days * 86400 + 1},
        {"credential_ids": [micro["id"]], "max_views": 0},
        {"credential_ids": [micro["id"]], "owner": bob.id},
        {"credential_ids": [micro["id"]], "account_id": bob.id},
    ):
        r = client.post("/shares", json=bad, headers=alice.headers)
        assert r.status_code == 400, bad
    r = client.post("/shares", json={"credential_ids": [micro["id"], "nope"]}, headers=alice.headers)
    assert r.status_code == 404
    # Bob cannot share Alice's credential: the same 404 as for one that does not exist
    r = client.post("/shares", json={"credential_ids": [micro["id"]]}, headers=bob.headers)
    nowhere = str(uuid.uuid4())
    absent = client.post("/shares", json={"credential_ids": [nowhere]}, headers=bob.headers)
    assert r.status_code == absent.status_code == 404
    assert r.get_data(as_text=True) == absent.get_data(as_text=True)
    assert client.get("/shares", headers=alice.headers).get_json()["items"] == []


def test_presentation_verifies_and_holds_exactly_the_shared_credentials(client, app, alice, kept, issuer):
    micro, skill = kept
    link = share(client, alice, [micro["id"], skill["id"]])
    r = present(client, link["url"], nonce="n-0S6_WzA2Mj", audience="https://werkgever.example/verifier")
    assert r.status_code == 200
    assert r.mimetype == "application/vp+jwt"
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    vp = r.get_data(as_text=True)

    payload = holder_verify(vp, alice.did)
    assert payload["nonce"] == "n-0S6_WzA2Mj" and payload["aud"] == "https://werkgever.example/verifier"
    assert payload["holder"] == alice.did and payload["iat"] <= payload["exp"]
    shared = [jose.unwrap(c) for c in payload["verifiableCredential"]]
    assert shared == [micro["credential"], skill["credential"]]
    assert all(c["type"] == "EnvelopedVerifiableCredential" for c in payload["verifiableCredential"])
    assert jose.decode_jws(vp).kid == dids.resolve_local(alice.did)["authentication"][0]

    # the full pipeline, as an employer's verifier runs it
    registry = TrustRegistry.from_json({"issuers": [{"id": issuer.did, "name": "ROC West", "accreditation": "mbo"}]})
    verifier = Verifier(issuer.fetcher, trust=registry, options=VerifyOptions(require_nonce=True, require_audience=True))
    report = verifier.verify_presentation(vp, nonce="n-0S6_WzA2Mj", audience="https://werkgever.example/verifier")
    assert report.verified, report.to_dict(claims=False)
    wrong = verifier.verify_presentation(vp, nonce="other", audience="https://werkgever.example/verifier")
    assert not wrong.verified

    # every opening is a fresh presentation bound to its own nonce
    again = present(client, link["url"], nonce="second").get_data(as_text=True)
    assert again != vp and holder_verify(again, alice.did)["nonce"] == "second"


def test_p256_holder_presents_with_did_jwk(client, issuer):
    carol = register(client, "carol@example.nl", key_type="P-256")
    cred = keep(client, carol, issuer.issue(carol.did)[0])
    link = share(client, carol, [cred["id"]])
    vp = present(client, link["url"], nonce="abc").get_data(as_text=True)
    assert jose.decode_jws(vp).header["alg"] == "ES256"
    assert holder_verify(vp, carol.did)["nonce"] == "abc"


def test_view_log(client, alice, kept):
    link = share(client, alice, [kept[0]["id"]])
    present(client, link["url"], nonce="one", audience="https://a.example")
    present(client, link["url"])
    r = client.get(f"/shares/{link['id']}/views", headers=alice.headers)
    assert r.status_code == 200
    body = r.get_json()
    assert body["link_expires_at"] == link["link_expires_at"]
    assert len(body["items"]) == 2 and body["views"] == 2
    audiences = {v["audience"] for v in body["items"]}
    assert audiences == {"https://a.example", None}
    hashes = [v["nonce_sha256"] for v in body["items"] if v["nonce_sha256"]]
    assert len(hashes) == 1 and len(hashes[0]) == 64 and "one" not in hashes
    assert client.get(f"/shares/{link['id']}", headers=alice.headers).get_json()["views"] == 2


def test_expired_link_is_410(client, app, alice, kept):
    link = share(client, alice, [kept[0]["id"]], expires_in=3600)
    with write_transaction(app.extensions["wallet"].engine) as s:
        s.execute(update(Share).where(Share.id == link["id"]).values(expires_at=utcnow() - timedelta(seconds=1)))
    r = present(client, link["url"])
    assert r.status_code == 410 and r.get_json()["error"] == "link_gone"
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Referrer-Policy"] == "no-referrer"
    info = client.get(f"/shares/{link['id']}", headers=alice.headers).get_json()
    assert info["state"] == "expired"
    assert client.get(f"/shares/{link['id']}/qr.svg", headers=alice.headers).status_code == 409


def test_revoked_link_is_404_like_an_unknown_one(client, alice, kept):
    link = share(client, alice, [kept[0]["id"]])
    assert present(client, link["url"]).status_code == 200
    r = client.delete(f"/shares/{link['id']}", headers=alice.headers)
    assert r.status_code == 200 and r.get_json()["state"] == "revoked"
    assert_unambiguous(r.get_json())
    revoked = present(client, link["url"])
    unknown = client.get("/s/" + "A" * 43)
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.get_json() == unknown.get_json()
    assert client.delete(f"/shares/{link['id']}", headers=alice.headers).status_code == 200  # idempotent
    assert client.get(f"/shares/{link['id']}/qr.png", headers=alice.headers).status_code == 409
    assert len(client.get(f"/shares/{link['id']}/views", headers=alice.headers).get_json()["items"]) == 1


def test_deleted_credential_leaves_the_share(client, alice, kept):
    micro, skill = kept
    link = share(client, alice, [micro["id"], skill["id"]])
    client.delete(f"/credentials/{micro['id']}", headers=alice.headers)
    vp = present(client, link["url"]).get_data(as_text=True)
    assert [jose.unwrap(c) for c in jose.decode_jws(vp).payload["verifiableCredential"]] == [skill["credential"]]
    client.delete(f"/credentials/{skill['id']}", headers=alice.headers)
    assert present(client, link["url"]).status_code == 404


def test_view_limit(client, alice, kept):
    link = share(client, alice, [kept[0]["id"]], max_views=2)
    assert client.head(f"/s/{token_of(link['url'])}").status_code == 405  # uses up no view
    assert present(client, link["url"]).status_code == 200
    assert present(client, link["url"]).status_code == 200
    r = present(client, link["url"])
    assert r.status_code == 410 and r.get_json()["error"] == "link_gone"
    info = client.get(f"/shares/{link['id']}", headers=alice.headers).get_json()
    assert info["state"] == "used_up" and info["views"] == 2 and info["views_left"] == 0


def test_view_limit_holds_under_concurrency(app, alice, kept):
    client = app.test_client()
    link = share(client, alice, [kept[0]["id"]], max_views=5)
    barrier = threading.Barrier(16)

    def fetch(i: int) -> int:
        c = app.test_client()
        barrier.wait()
        return c.get(f"/s/{token_of(link['url'])}", query_string={"nonce": f"n{i}"}).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(fetch, range(16)))
    assert codes.count(200) == 5 and codes.count(410) == 11, codes
    with read_session(app.extensions["wallet"].engine) as s:
        assert s.execute(select(Share.views).where(Share.id == link["id"])).scalar_one() == 5
        assert len(s.execute(select(ShareView).where(ShareView.share_id == link["id"])).all()) == 5


def test_view_limit_holds_over_real_http(app, alice, kept):
    client = app.test_client()
    link = share(client, alice, [kept[0]["id"]], max_views=3)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/s/{token_of(link['url'])}"
        barrier = threading.Barrier(10)

        def fetch(i: int) -> requests.Response:
            barrier.wait()
            return requests.get(url, params={"nonce": f"n{i}", "audience": "https://v.example"}, timeout=30)

        with ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(fetch, range(10)))
    finally:
        server.shutdown()
        thread.join()
    codes = [a.status_code for a in answers]
    assert codes.count(200) == 3 and codes.count(410) == 7, codes
    ok = next(a for a in answers if a.status_code == 200)
    assert ok.headers["Content-Type"] == "application/vp+jwt"
    assert ok.headers["Cache-Control"] == "no-store" and ok.headers["Referrer-Policy"] == "no-referrer"


def test_guessing_tokens_is_429(make_app, issuer):
    app = make_app(rate_limit=True, share_max_failures_per_ip=5)
    client = app.test_client()
    citizen = register(client, "guess@example.nl")
    cred = keep(client, citizen, issuer.issue(citizen.did)[0])
    link = share(client, citizen, [cred["id"]])
    for i in range(5):
        assert client.get(f"/s/{'B' * 42}{i}").status_code == 404
    r = client.get(f"/s/{'C' * 43}")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.headers["Cache-Control"] == "no-store"
    # while blocked, even a real link is refused from that address ...
    assert client.get(f"/s/{token_of(link['url'])}").status_code == 429
    # ... but not from another one
    other = client.get(f"/s/{token_of(link['url'])}", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 200


def test_malformed_tokens_are_404(client):
    for token in ("short", "x" * 44, "%00" * 5, "a" * 42 + "."):
        assert client.get(f"/s/{token}").status_code == 404


def test_qr_codes_encode_the_share_url(client, alice, kept):
    link = share(client, alice, [kept[0]["id"]])
    svg = client.get(f"/shares/{link['id']}/qr.svg", headers=alice.headers)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<svg") and svg.data == qr.svg(link["url"])
    png = client.get(f"/shares/{link['id']}/qr.png", headers=alice.headers)
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n") and png.data == qr.png(link["url"])
    assert token_of(link["url"]).encode() not in svg.data
    assert client.get(f"/shares/{link['id']}/qr.svg").status_code == 401


def test_qr_png_is_a_valid_image_of_the_matrix():
    import struct
    import zlib

    data = qr.png("http://127.0.0.1:5002/s/" + "A" * 43, scale=2)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    matrix = qr.matrix("http://127.0.0.1:5002/s/" + "A" * 43)
    assert width == height == len(matrix) * 2
    idat_len = struct.unpack(">I", data[33:37])[0]
    raw = zlib.decompress(data[41 : 41 + idat_len])
    row = raw[: 1 + width]
    assert row[0] == 0 and (row[1 + 2 * 4] == 0) == matrix[0][4]  # the finder pattern starts after the quiet zone
