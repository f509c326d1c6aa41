"""Server-side request forgery through the verifier service: no connection is ever attempted.

The verifier runs with its production configuration (https only, no
development hosts, its own GuardedFetcher); the socket layer is replaced by a
recorder: `socket.create_connection` records and refuses, DNS is a table. A
credential whose did:web, status list, or share link points at loopback,
private, link-local or metadata addresses (in every spelling: decimal, hex,
octal, IPv6, IPv4-mapped, NAT64, names that resolve there, names that resolve
to a public and a private address at once) is refused with `blocked_address`
(or as malformed), and the recorder shows no connection attempt. Redirects are
tested against a real server on 127.0.0.1 (the one host a development
configuration allows): a redirect to any other origin is refused before
connecting to it.
"""

from __future__ import annotations

import json
import socket
import threading
from typing import Any, Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

import vc.fetch
from adversarial_helpers import checks_of, failed_codes, forge, table_counts
from verifier_helpers import FakeWeb, Holder, Issuer, registry_document
from vc import jose, keys
from vc.fetch import GuardedFetcher

PUBLIC = "93.184.216.34"

#: The fake DNS: names an attacker controls, pointing where an attacker wants.
DNS = {
    "localhost": ["127.0.0.1"],
    "metadata.google.internal": ["169.254.169.254"],
    "internal.corp": ["192.168.0.10"],
    "rebind.example": [PUBLIC, "10.0.0.1"],
    "v6-loopback.example": ["::1"],
    "v6-mapped.example": ["::ffff:169.254.169.254"],
    "cgnat.example": ["100.64.0.1"],
}


class Sockets:
    """Records every DNS question and connection attempt; connects only where allowed (a local test server)."""

    def __init__(self) -> None:
        self.resolved: list[str] = []
        self.connects: list[tuple[str, int]] = []
        self.allowed: set[tuple[str, int]] = set()
        self._real = socket.create_connection

    def resolve(self, host: str, port: int) -> list[str]:
        self.resolved.append(host)
        if host in DNS:
            return DNS[host]
        raise OSError(f"no such host {host}")

    def connect(self, address: tuple[str, int], timeout: Any = None, *args: Any, **kwargs: Any) -> socket.socket:
        self.connects.append((address[0], int(address[1])))
        if (address[0], int(address[1])) in self.allowed:
            return self._real(address, timeout, *args, **kwargs)
        raise ConnectionRefusedError(f"test: no connection to {address} allowed")


@pytest.fixture
def sockets(monkeypatch: pytest.MonkeyPatch) -> Sockets:
    recorder = Sockets()
    monkeypatch.setattr(vc.fetch, "_system_resolver", recorder.resolve)
    monkeypatch.setattr(socket, "create_connection", recorder.connect)
    return recorder


def _verifier(tmp_path, registry: dict[str, Any] | None = None, fetcher: Any = None, **changes: Any) -> Any:  # type: ignore[no-untyped-def]
    from verifier import create_app
    from verifier.config import Config

    path = tmp_path / "registry.json"
    path.write_text(json.dumps(registry or {"issuers": []}))
    config = Config(database_url=f"sqlite:///{tmp_path / 'verifier.db'}", audience="https://employer.test",
                    trust_registry=str(path), auto_migrate=True).with_(**changes)
    app = create_app(config, fetcher=fetcher)  # fetcher None: the production GuardedFetcher
    app.testing = True
    return app


def _counts(app: Any) -> dict[str, int]:
    from verifier.models import metadata

    return table_counts(app.extensions["verifier"].engine, metadata)


def _self_issued(did: str) -> str:
    """A credential of `did`, signed by a key the attacker made up."""
    key = keys.generate()
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "iss": did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": Holder().did, "name": "x"},
    }
    return forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": f"{did}#key-1"}, payload, key=key)


# --- did:web at internal addresses ------------------------------------------------------------------

BLOCKED_DIDS = [
    "did:web:127.0.0.1",
    "did:web:127.0.0.1%3A5001",
    "did:web:127.1",
    "did:web:2130706433",
    "did:web:0x7f000001",
    "did:web:0177.0.0.1",
    "did:web:0.0.0.0",
    "did:web:0",
    "did:web:localhost",
    "did:web:10.0.0.1",
    "did:web:172.16.0.1",
    "did:web:192.168.1.1",
    "did:web:100.64.0.1",
    "did:web:169.254.169.254",
    "did:web:169.254.169.254:latest:meta-data",
    "did:web:2852039166",                 # 169.254.169.254 as one number
    "did:web:0xa9fea9fe",
    "did:web:metadata.google.internal",
    "did:web:internal.corp",
    "did:web:rebind.example",             # one public and one private answer: refused
    "did:web:v6-loopback.example",
    "did:web:v6-mapped.example",
    "did:web:cgnat.example",
    "did:web:224.0.0.1",
    "did:web:255.255.255.255",
]
#: IPv6 literals cannot be written in a did:web host at all: refused as malformed, never fetched.
MALFORMED_DIDS = [
    "did:web:%5B::1%5D",
    "did:web:%5B::ffff:127.0.0.1%5D",
    "did:web:%5Bfe80::1%5D",
    "did:web:%5Bfd00::1%5D",
    "did:web:%5B64:ff9b::a9fe:a9fe%5D",
    "did:web:user%40169.254.169.254",
    "did:web:169.254.169.254%2Flatest",
]


@pytest.mark.parametrize("did", BLOCKED_DIDS + MALFORMED_DIDS)
def test_did_web_at_internal_addresses_in_open_mode(tmp_path, sockets, did):
    """Open mode resolves any issuer: the DID document request is refused before connecting."""
    app = _verifier(tmp_path, open_mode=True)
    try:
        before = _counts(app)
        report = app.test_client().post("/verify", json={"credential": _self_issued(did)}).get_json()
        assert report["verified"] is False
        expected = ("failed", "blocked_address") if did in BLOCKED_DIDS else ("failed", "invalid_did")
        assert checks_of(report)["did_resolution"] == expected, report["checks"]
        assert checks_of(report)["signature"][0] == "skipped"
        assert sockets.connects == []
        assert _counts(app) == before
    finally:
        app.extensions["verifier"].engine.dispose()


@pytest.mark.parametrize("did", ["did:web:169.254.169.254", "did:web:metadata.google.internal", "did:web:localhost"])
def test_did_web_at_internal_addresses_in_closed_mode_asks_not_even_dns(tmp_path, sockets, did):
    app = _verifier(tmp_path)
    try:
        report = app.test_client().post("/verify", json={"credential": _self_issued(did)}).get_json()
        assert checks_of(report)["trust"] == ("failed", "untrusted_issuer")
        assert sockets.connects == [] and sockets.resolved == []
    finally:
        app.extensions["verifier"].engine.dispose()


def test_a_listed_internal_did_is_still_not_fetched(tmp_path, sockets):
    """Even an operator who lists an internal DID does not open the network to it."""
    did = "did:web:169.254.169.254"
    app = _verifier(tmp_path, {"issuers": [{"id": did, "name": "metadata"}]})
    try:
        report = app.test_client().post("/verify", json={"credential": _self_issued(did)}).get_json()
        assert checks_of(report)["did_resolution"] == ("failed", "blocked_address")
        assert sockets.connects == []
    finally:
        app.extensions["verifier"].engine.dispose()


# --- status lists at internal addresses ------------------------------------------------------------


class Router:
    """The trusted issuer's DID document from memory; every other URL through the production fetcher."""

    def __init__(self, web: FakeWeb) -> None:
        self.web = web
        self.guarded = GuardedFetcher(timeout=5.0, allow_http=False, allowed_hosts=())
        self.passed: list[str] = []

    def __call__(self, url: str, *, headers: Any = None) -> Any:
        if url in self.web.pages:
            return self.web(url, headers=headers)
        self.passed.append(url)
        return self.guarded(url, headers=headers)


BLOCKED_LISTS = [
    "https://127.0.0.1/status/1",
    "https://127.0.0.1:8443/status/1",
    "https://localhost/status/1",
    "https://127.1/status/1",
    "https://2130706433/status/1",
    "https://0x7f.0.0.1/status/1",
    "https://017700000001/status/1",
    "https://0.0.0.0/status/1",
    "https://10.1.2.3/status/1",
    "https://172.31.255.255/status/1",
    "https://192.168.0.1/status/1",
    "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "https://2852039166/latest/meta-data/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://internal.corp/status/1",
    "https://rebind.example/status/1",
    "https://[::1]/status/1",
    "https://[::ffff:127.0.0.1]/status/1",
    "https://[::ffff:a9fe:a9fe]/status/1",
    "https://[64:ff9b::a9fe:a9fe]/status/1",
    "https://[2002:a9fe:a9fe::]/status/1",
    "https://[fe80::1]/status/1",
    "https://[fd00:ec2::254]/status/1",
    "https://[fc00::1]/status/1",
    "https://[::]/status/1",
    "https://v6-loopback.example/status/1",
    "https://v6-mapped.example/status/1",
    "http://issuer.test/providers/roc-west/status/revocation/1",   # plain http: refused outright
    "http://169.254.169.254/latest/meta-data/",
    "https://user:pass@169.254.169.254/",       # user info: refused by the fetcher
    "https://[fe80::1%25eth0]/status/1",          # IPv6 zone identifier
]
#: Refused as entries already (not an http(s) URL).
MALFORMED_LISTS = [
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "ftp://10.0.0.1/list",
]


@pytest.fixture
def trusted(tmp_path, sockets) -> Iterator[tuple[Any, Issuer, Router]]:  # type: ignore[no-untyped-def]
    web = FakeWeb()
    issuer = Issuer(web)
    router = Router(web)
    app = _verifier(tmp_path, registry_document(issuer), fetcher=router, cache_ttl=0, cache_max_ttl=0)
    yield app, issuer, router
    app.extensions["verifier"].engine.dispose()


def _credential_with_list(issuer: Issuer, holder: Holder, url: str) -> str:
    document = issuer.credential(holder.did)
    document["credentialStatus"] = [{
        "id": url + "#42", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": "42", "statusListCredential": url,
    }]
    return jose.sign_credential(document, issuer.key, issuer.kid)


@pytest.mark.parametrize("url", BLOCKED_LISTS + MALFORMED_LISTS)
def test_status_list_at_internal_addresses(trusted, sockets, url):
    app, issuer, router = trusted
    before = _counts(app)
    report = app.test_client().post("/verify", json={"credential": _credential_with_list(issuer, Holder(), url)}).get_json()
    assert report["verified"] is False
    assert checks_of(report)["signature"] == ("passed", None)
    if url in BLOCKED_LISTS:
        assert checks_of(report)["status.revocation"] == ("failed", "blocked_address"), report["checks"]
    else:
        assert checks_of(report)["status"] == ("failed", "invalid_status_list"), report["checks"]
    assert sockets.connects == []
    assert _counts(app) == before
    r = app.test_client().post("/credentials/verify", json={"verifiableCredential": _credential_with_list(issuer, Holder(), url)})
    assert r.status_code == 422 and r.get_json()["error"] in ("blocked_address", "invalid_status_list")


# --- share links at internal addresses -------------------------------------------------------------


@pytest.mark.parametrize("url,status,code", [
    ("https://169.254.169.254/s/abc", 502, "share_unavailable"),
    ("https://localhost/s/abc", 502, "share_unavailable"),
    ("https://[::1]/s/abc", 502, "share_unavailable"),
    ("https://10.0.0.1:8443/s/abc", 502, "share_unavailable"),
    ("https://rebind.example/s/abc", 502, "share_unavailable"),
    ("http://127.0.0.1:5002/s/abc", 400, "invalid_share_url"),
    ("https://user:pw@wallet.example/s/abc", 400, "invalid_share_url"),
    ("file:///etc/passwd", 400, "invalid_share_url"),
])
def test_share_links_at_internal_addresses(tmp_path, sockets, url, status, code):
    app = _verifier(tmp_path)
    try:
        before = _counts(app)
        r = app.test_client().post("/verify", json={"share_url": url})
        assert (r.status_code, r.get_json()["error"]) == (status, code), r.get_json()
        assert sockets.connects == []
        assert _counts(app) == before
    finally:
        app.extensions["verifier"].engine.dispose()


# --- redirects (a real server on 127.0.0.1, the one development host) ------------------------------------


class Redirector:
    """A development issuer whose status list answers with a redirect."""

    def __init__(self, issuer_web: FakeWeb) -> None:
        self.location = ""
        self.hits: list[str] = []

        @Request.application
        def app(request: Request) -> Response:
            self.hits.append(request.path)
            if request.path.startswith("/list"):
                return Response("", status=302, headers={"Location": self.location})
            if request.path == "/same-origin-target":
                return Response("not a list", status=200, content_type="application/vc+jwt")
            return Response("", status=404)

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def redirector(tmp_path, sockets) -> Iterator[tuple[Any, Issuer, Redirector]]:  # type: ignore[no-untyped-def]
    web = FakeWeb()
    issuer = Issuer(web)
    server = Redirector(web)
    sockets.allowed.add(("127.0.0.1", server.server.server_port))

    class DevRouter(Router):
        def __init__(self) -> None:
            super().__init__(web)
            self.guarded = GuardedFetcher(timeout=5.0, allow_http=True, allowed_hosts=(server.host,))

    app = _verifier(tmp_path, registry_document(issuer), fetcher=DevRouter(), cache_ttl=0, cache_max_ttl=0, dev_hosts=(server.host,))
    yield app, issuer, server
    server.close()
    app.extensions["verifier"].engine.dispose()


@pytest.mark.parametrize("location", [
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:1/list",                     # loopback, another port: another origin
    "http://localhost:{port}/list",                # the same server by another name
    "http://[::1]:{port}/list",
    "https://{host}/list",                         # same host, https: another origin
    "http://10.0.0.1/",
    "https://rebind.example/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{port}/",
])
def test_redirects_to_another_origin_are_refused_before_connecting(redirector, sockets, location):
    app, issuer, server = redirector
    server.location = location.format(port=server.server.server_port, host=server.host)
    url = f"http://{server.host}/list/1"
    before = _counts(app)
    report = app.test_client().post("/verify", json={"credential": _credential_with_list(issuer, Holder(), url)}).get_json()
    assert report["verified"] is False
    assert checks_of(report)["status.revocation"][0] in ("failed", "unknown"), report["checks"]
    assert checks_of(report)["status.revocation"][1] in ("blocked_address", "status_unavailable")
    # one connection: to the development server itself, never to the redirect's target
    assert set(sockets.connects) == {("127.0.0.1", server.server.server_port)}, sockets.connects
    assert server.hits == ["/list/1"]
    assert _counts(app) == before


def test_redirect_loops_stop(redirector, sockets):
    app, issuer, server = redirector
    server.location = "/list/again"  # same origin, forever
    report = app.test_client().post("/verify", json={
        "credential": _credential_with_list(issuer, Holder(), f"http://{server.host}/list/1")}).get_json()
    assert checks_of(report)["status.revocation"] == ("unknown", "status_unavailable")
    assert len(server.hits) == vc.fetch.DEFAULT_MAX_REDIRECTS + 1
    assert "status_unavailable" in failed_codes(report)
