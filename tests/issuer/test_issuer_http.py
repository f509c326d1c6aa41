"""End to end over real HTTP on 127.0.0.1: provider, issue, DID document, status list."""

from __future__ import annotations

import threading

import jwt
import pytest
import requests
from werkzeug.serving import make_server

from issuer_helpers import ADMIN, micro_request, skill_request
from vc import did as dids
from vc import status_list


@pytest.fixture
def server(make_app):  # type: ignore[no-untyped-def]
    # The base URL (and so the DIDs) must name the port the server really
    # listens on: bind port 0 first, then make the app the server dispatches to.
    holder = {}
    srv = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    port = srv.server_port
    holder["app"] = make_app(base_url=f"http://127.0.0.1:{port}")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    srv.shutdown()
    thread.join(timeout=10)


def test_over_http(server):
    s = requests.Session()
    r = s.post(f"{server}/admin/providers", json={"slug": "roc-http", "name": {"nl": "ROC HTTP"}, "country": "NL"}, headers=ADMIN, timeout=10)
    assert r.status_code == 201
    did = r.json()["did"]
    key = s.post(f"{server}/admin/providers/roc-http/api-keys", json={}, headers=ADMIN, timeout=10).json()["key"]
    h = {"Authorization": f"Bearer {key}"}
    issued = [s.post(f"{server}/providers/roc-http/credentials", json=body, headers=h, timeout=10).json() for body in (micro_request(), skill_request())]

    # resolve the DID the way a verifier does: did:web -> URL -> document
    url = dids.did_web_to_url(did, scheme="http")
    assert url == f"{server}/providers/roc-http/did.json"
    doc = dids.parse_did_document(s.get(url, timeout=10).content, did)

    def verify(token: str) -> dict:
        header = jwt.get_unverified_header(token)
        public = dids.public_key_for(doc, header["kid"], "assertionMethod")
        return jwt.decode(token, public, algorithms=["EdDSA"])

    for body in issued:
        payload = verify(body["credential"])
        assert payload["issuer"]["id"] == did

    r = s.post(f"{server}/providers/roc-http/credentials/{issued[0]['id']}/revoke", json={"reason": "error"}, headers=h, timeout=10)
    assert r.status_code == 200
    entry = status_list.parse_status_entry(issued[0]["status"][0])
    r = s.get(entry.list_url, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/vc+jwt"
    lst = verify(r.text)
    assert status_list.read_status(lst, entry, expected_issuer=did) == 1
    r2 = s.get(entry.list_url, headers={"If-None-Match": r.headers["ETag"]}, timeout=10)
    assert r2.status_code == 304

    # rotate: the old credential still verifies against the new document
    assert s.post(f"{server}/admin/providers/roc-http/keys/rotate", json={}, headers=ADMIN, timeout=10).status_code == 201
    doc = dids.parse_did_document(s.get(url, timeout=10).content, did)
    verify(issued[1]["credential"])
    assert s.get(f"{server}/health", timeout=10).json() == {"status": "ok"}
    assert s.get(f"{server}/openapi.json", timeout=10).json()["openapi"] == "3.1.0"
