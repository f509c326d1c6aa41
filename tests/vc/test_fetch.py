"""Tests for vc/fetch.py against real HTTP(S) servers on 127.0.0.1.

Refusals are proven to happen before any connection: the tests that expect a
refusal replace ``socket.create_connection`` (the default connector) or pass
a recording ``connect`` hook, and assert it was never called.
"""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from vc.errors import BlockedAddress, FetchError, HTTPStatusError, ResponseTooLarge
from vc.fetch import Fetched, Fetcher, GuardedFetcher, is_public_address

CAP = 1000
DOC = {"id": "did:web:example.com", "verificationMethod": []}
DOC_BYTES = json.dumps(DOC).encode()
ETAG = '"v1"'


RAW = {
    "bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nxx\r\n0\r\n\r\n",
    "bad-length": "HTTP/1.1 200 OK\r\nContent-Length: \u00b2\r\nConnection: close\r\n\r\nxx".encode("latin-1"),
    "two-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 20\r\nConnection: close\r\n\r\nxx",
    "bad-status": b"HTTP/1.1 2OO OK\r\nConnection: close\r\n\r\n",
    "not-http": b"SSH-2.0-OpenSSH_9.6\r\n",
}


# --- the test server ----------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, length: bool = True) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_GET(self) -> None:  # noqa: C901 - one route table, read top to bottom
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        n = int(q.get("n", "0"))
        route = url.path
        if route == "/doc.json":
            if self.headers.get("If-None-Match") == ETAG:
                self._send(304, headers={"ETag": ETAG}, length=False)
            else:
                self._send(200, DOC_BYTES, {"Content-Type": "application/json", "ETag": ETAG})
        elif route == "/echo":
            seen = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}
            self._send(200, json.dumps(seen).encode(), {"Content-Type": "application/json"})
        elif route == "/bytes":  # with Content-Length
            self._send(200, b"x" * n)
        elif route == "/bytes-close":  # no Content-Length: body ends when the connection closes
            self._send(200, b"x" * n, length=False)
        elif route == "/bytes-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for start in range(0, n, 300):
                piece = b"x" * min(300, n - start)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            self.close_connection = True
        elif route == "/endless":  # no length, never ends: only a bounded reader survives
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            while True:
                self.wfile.write(b"x" * 4096)
        elif route == "/claims-huge":  # declares 1 TB, sends nothing, holds the line
            self.send_response(200)
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
            self.wfile.flush()
            time.sleep(3)
        elif route == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.close_connection = True
        elif route == "/raw":  # broken framing, written by hand
            self.wfile.write(RAW[q["kind"]])
            self.close_connection = True
        elif route == "/slow":
            time.sleep(3)
            self._send(200, DOC_BYTES)
        elif route == "/drip":  # honest headers, then one byte at a time
            self.send_response(200)
            self.send_header("Content-Length", "60")
            self.end_headers()
            for _ in range(60):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        elif route == "/status":
            self._send(n, b"nope")
        elif route == "/redirect":
            self._send(int(q.get("code", "302")), headers={"Location": q["to"]})
        elif route == "/redirect-no-location":
            self._send(302)
        elif route == "/chain":  # n redirects, then the document
            to = f"/chain?n={n - 1}" if n > 0 else "/doc.json"
            self._send(302, headers={"Location": to})
        else:
            self._send(404)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up on purpose (caps, timeouts)


def _serve(server: Server) -> Iterator[Server]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    yield from _serve(Server(("127.0.0.1", 0), Handler))


@pytest.fixture
def port(server: Server) -> int:
    return server.server_address[1]


@pytest.fixture
def base(port: int) -> str:
    return f"http://127.0.0.1:{port}"


class Recorder:
    """A connector that records every connection attempt and then makes it."""

    def __init__(self, to: tuple[str, int] | None = None) -> None:
        self.calls: list[tuple[str, int]] = []
        self.to = to  # where to really connect (to stand in for a public host)

    def __call__(self, address: tuple[str, int], timeout: float) -> socket.socket:
        self.calls.append(address)
        return socket.create_connection(self.to or address, timeout=timeout)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def local(port: int, recorder: Recorder) -> GuardedFetcher:
    """A fetcher for the test server: http allowed, only 127.0.0.1:port exempt."""
    return GuardedFetcher(
        allow_http=True, allowed_hosts={f"127.0.0.1:{port}"}, timeout=2, max_bytes=CAP, connect=recorder
    )


# --- success, headers, ETag ---------------------------------------------------


def test_guarded_fetcher_is_a_fetcher() -> None:
    fetcher: Fetcher = GuardedFetcher()
    assert callable(fetcher)


def test_fetches_json_document(local: GuardedFetcher, base: str) -> None:
    got = local(f"{base}/doc.json#key-1")
    assert isinstance(got, Fetched)
    assert got.status == 200
    assert json.loads(got.body) == DOC
    assert got.url == f"{base}/doc.json"  # fragment stripped
    assert got.headers["content-type"] == "application/json"
    assert got.headers["etag"] == ETAG


def test_etag_round_trip_returns_304(local: GuardedFetcher, base: str) -> None:
    first = local(f"{base}/doc.json")
    again = local(f"{base}/doc.json", headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304
    assert again.body == b""


def test_sends_host_identity_encoding_and_user_agent(local: GuardedFetcher, base: str, port: int) -> None:
    got = local(f"{base}/echo?a=1", headers={"Accept": "application/did+json", "Accept-Encoding": "gzip"})
    seen = json.loads(got.body)
    assert seen["path"] == "/echo?a=1"
    assert seen["headers"]["host"] == f"127.0.0.1:{port}"
    assert seen["headers"]["accept-encoding"] == "identity"  # the caller cannot ask for gzip
    assert seen["headers"]["accept"] == "application/did+json"
    assert seen["headers"]["user-agent"].startswith("skillpass-fetch/")


def test_public_host_connects_to_the_vetted_ip_with_the_original_host_header(port: int) -> None:
    resolved: list[str] = []

    def resolver(host: str, p: int) -> list[str]:
        resolved.append(host)
        return ["93.184.216.34"] if len(resolved) == 1 else ["127.0.0.1"]  # rebinding on the second lookup

    connect = Recorder(to=("127.0.0.1", port))  # stands in for the public server
    fetcher = GuardedFetcher(allow_http=True, resolver=resolver, connect=connect)
    got = fetcher("http://public.example/redirect?to=/echo")  # one same-origin redirect
    assert resolved == ["public.example"]  # resolved once per fetch, not per connection
    assert connect.calls == [("93.184.216.34", 80), ("93.184.216.34", 80)]
    assert json.loads(got.body)["headers"]["host"] == "public.example"
    assert got.url == "http://public.example/echo"


@pytest.mark.parametrize("address", ["2606:4700:4700::1111", "64:ff9b::5db8:d822", "2002:5db8:d822::1"])
def test_public_ipv6_forms_are_allowed(port: int, address: str) -> None:
    connect = Recorder(to=("127.0.0.1", port))
    fetcher = GuardedFetcher(allow_http=True, resolver=lambda h, p: [address], connect=connect)
    assert fetcher("http://v6.example/doc.json").status == 200
    assert connect.calls == [(address, 80)]


# --- status semantics ---------------------------------------------------------


@pytest.mark.parametrize("code", [201, 204, 400, 403, 404, 410, 500, 503])
def test_statuses_other_than_200_and_304_raise_fetch_error(local: GuardedFetcher, base: str, code: int) -> None:
    with pytest.raises(FetchError, match=f"HTTP {code}") as err:
        local(f"{base}/status?n={code}")
    assert type(err.value) is HTTPStatusError
    assert err.value.status == code and err.value.code == "http_error"


# --- size cap -----------------------------------------------------------------


@pytest.mark.parametrize("route", ["bytes", "bytes-close", "bytes-chunked"])
def test_body_at_the_cap_is_accepted(local: GuardedFetcher, base: str, route: str) -> None:
    assert local(f"{base}/{route}?n={CAP}").body == b"x" * CAP


@pytest.mark.parametrize("route", ["bytes", "bytes-close", "bytes-chunked"])
def test_body_over_the_cap_is_refused(local: GuardedFetcher, base: str, route: str) -> None:
    with pytest.raises(ResponseTooLarge):
        local(f"{base}/{route}?n={CAP + 1}")


def test_default_cap_is_one_mebibyte(base: str, port: int) -> None:
    fetcher = GuardedFetcher(allow_http=True, allowed_hosts={f"127.0.0.1:{port}"})
    assert len(fetcher(f"{base}/bytes-close?n={1024 * 1024}").body) == 1024 * 1024
    with pytest.raises(ResponseTooLarge):
        fetcher(f"{base}/bytes-close?n={1024 * 1024 + 1}")


def test_endless_body_stops_at_the_cap(local: GuardedFetcher, base: str) -> None:
    with pytest.raises(ResponseTooLarge):
        local(f"{base}/endless")


def test_oversized_content_length_is_refused_before_reading(local: GuardedFetcher, base: str) -> None:
    start = time.monotonic()
    with pytest.raises(ResponseTooLarge, match="declares"):
        local(f"{base}/claims-huge")  # the server sends no body at all
    assert time.monotonic() - start < 1


def test_truncated_body_is_an_error(local: GuardedFetcher, base: str) -> None:
    with pytest.raises(FetchError, match="truncated"):
        local(f"{base}/truncated")


@pytest.mark.parametrize("kind", sorted(RAW))
def test_broken_responses_are_fetch_errors(local: GuardedFetcher, base: str, kind: str) -> None:
    with pytest.raises(FetchError):
        local(f"{base}/raw?kind={kind}")


# --- timeouts -----------------------------------------------------------------


def test_slow_server_times_out(base: str, port: int) -> None:
    fetcher = GuardedFetcher(allow_http=True, allowed_hosts={f"127.0.0.1:{port}"}, timeout=0.3)
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetcher(f"{base}/slow")
    assert time.monotonic() - start < 1.5


def test_trickling_server_hits_the_total_deadline(base: str, port: int) -> None:
    # Each byte arrives well within the timeout; only a total deadline stops this.
    fetcher = GuardedFetcher(allow_http=True, allowed_hosts={f"127.0.0.1:{port}"}, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetcher(f"{base}/drip")
    assert time.monotonic() - start < 1.5


def test_connection_refused_is_a_fetch_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    fetcher = GuardedFetcher(allow_http=True, allow_private=True, timeout=2)
    with pytest.raises(FetchError, match="could not connect"):
        fetcher(f"http://127.0.0.1:{free}/")


# --- redirects ----------------------------------------------------------------


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_same_origin_redirect_is_followed(local: GuardedFetcher, base: str, code: int) -> None:
    got = local(f"{base}/redirect?code={code}&to=/doc.json")
    assert got.status == 200 and got.url == f"{base}/doc.json"


def test_redirect_chain_within_the_limit(local: GuardedFetcher, base: str) -> None:
    assert local(f"{base}/chain?n=2").status == 200  # 3 redirects: chain 2, 1, 0 -> doc


def test_too_many_redirects(local: GuardedFetcher, base: str) -> None:
    with pytest.raises(FetchError, match="redirects"):
        local(f"{base}/chain?n=3")  # 4 redirects


def test_redirect_without_location(local: GuardedFetcher, base: str) -> None:
    with pytest.raises(FetchError, match="Location"):
        local(f"{base}/redirect-no-location")


@pytest.mark.parametrize(
    "to",
    [
        "http://localhost:{port}/doc.json",  # same machine, another host name
        "http://127.0.0.1:{other}/doc.json",  # same host, another port
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://10.0.0.1/",
        "https://127.0.0.1:{port}/doc.json",  # another scheme
        "//example.com/doc.json",
    ],
)
def test_cross_origin_redirect_is_refused_before_connecting(port: int, to: str) -> None:
    connect = Recorder()
    fetcher = GuardedFetcher(allow_http=True, allow_private=True, connect=connect, timeout=2)
    target = to.format(port=port, other=port + 1)
    with pytest.raises(BlockedAddress, match="another origin"):
        fetcher(f"http://127.0.0.1:{port}/redirect?to={target}")
    assert connect.calls == [("127.0.0.1", port)]  # only the first hop


def test_error_details_never_show_user_info(no_connect: list[object]) -> None:
    for url in ["https://alice:s3cret@public.example/", "https://alice:s3cret@public.example:99999/", "ftp://alice:s3cret@x/"]:
        with pytest.raises(FetchError) as err:
            GuardedFetcher()(url)
        assert "s3cret" not in str(err.value) and "alice" not in str(err.value)


def test_redirect_to_userinfo_url_is_refused(local: GuardedFetcher, base: str, port: int, recorder: Recorder) -> None:
    with pytest.raises(BlockedAddress, match="user info"):
        local(f"{base}/redirect?to=http://u:p@127.0.0.1:{port}/doc.json")
    assert len(recorder.calls) == 1


# --- refusals before any connection -------------------------------------------


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Replace the default connector's socket.create_connection with a tripwire."""
    calls: list[object] = []

    def tripwire(*args: object, **kwargs: object) -> socket.socket:
        calls.append(args)
        raise AssertionError("connection attempted")

    monkeypatch.setattr(socket, "create_connection", tripwire)
    return calls


FAKE_DNS = {
    "localhost": ["127.0.0.1", "::1"],
    "metadata.google.internal": ["169.254.169.254"],
    "intranet.example": ["10.1.2.3"],
    "rebind.example": ["93.184.216.34", "192.168.0.1"],  # one bad answer is enough
    "v6only.example": ["fd00::1"],
}


def fake_resolver(host: str, port: int) -> list[str]:
    return FAKE_DNS[host]


BLOCKED_URLS = [
    # IPv4 loopback and its odd spellings
    "http://127.0.0.1/",
    "http://127.0.0.1./",
    "http://127.1/",
    "http://127.0.1/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://017700000001/",
    "http://0x7F.0.0.1/",
    "https://127.0.0.1:8443/",
    # other non-public IPv4
    "http://0/",
    "http://0.0.0.0/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0xa9fea9fe/",  # 169.254.169.254
    "http://100.64.0.1/",
    "http://192.0.2.1/",
    "http://198.18.0.1/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    # IPv6
    "http://[::1]/",
    "http://[::]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible (deprecated)
    "http://[::ffff:0:127.0.0.1]/",  # IPv4-translated
    "http://[64:ff9b::7f00:1]/",  # NAT64 -> 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 -> 169.254.169.254
    "http://[64:ff9b:1::1]/",  # local-use NAT64
    "http://[2002:7f00:1::]/",  # 6to4 -> 127.0.0.1
    "http://[2002:a9fe:a9fe::1]/",  # 6to4 -> 169.254.169.254
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    "http://[2001:db8::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456:789a::1]/",
    "http://[fe80::1]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
    # names that resolve to non-public addresses
    "http://localhost/",
    "http://LOCALHOST:8080/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://intranet.example/",
    "http://rebind.example/",
    "http://v6only.example/",
    "https://localhost/",
]


@pytest.mark.parametrize("url", BLOCKED_URLS)
def test_non_public_addresses_are_refused_without_connecting(no_connect: list[object], url: str) -> None:
    fetcher = GuardedFetcher(allow_http=True, resolver=fake_resolver)
    with pytest.raises(BlockedAddress):
        fetcher(url)
    assert no_connect == []


def test_real_resolver_refuses_localhost(no_connect: list[object], port: int) -> None:
    with pytest.raises(BlockedAddress):
        GuardedFetcher(allow_http=True)(f"http://localhost:{port}/doc.json")
    assert no_connect == []


def test_ip_literals_never_reach_the_resolver(no_connect: list[object]) -> None:
    asked: list[str] = []
    fetcher = GuardedFetcher(allow_http=True, resolver=lambda h, p: asked.append(h) or ["127.0.0.1"])
    for url in ["http://2130706433/", "http://0x7f.1/", "http://[::1]/"]:
        with pytest.raises(BlockedAddress):
            fetcher(url)
    assert asked == []


@pytest.mark.parametrize(
    "url",
    [
        "http://public.example/",
        "http://93.184.216.34/",
        "ftp://public.example/",
        "file:///etc/passwd",
        "gopher://public.example:70/",
        "javascript:alert(1)",
        "//public.example/",
        "public.example/doc.json",
    ],
)
def test_schemes_other_than_https_are_refused(no_connect: list[object], url: str) -> None:
    with pytest.raises(BlockedAddress, match="(?i)http"):
        GuardedFetcher(resolver=lambda h, p: ["93.184.216.34"])(url)  # allow_http defaults to False
    assert no_connect == []


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("https://user:pass@public.example/", BlockedAddress),
        ("https://user@public.example/", BlockedAddress),
        ("https://@public.example/", BlockedAddress),
        ("https://public.example@127.0.0.1/", BlockedAddress),
        ("https://public.example\\@127.0.0.1/", FetchError),
        ("https://[fe80::1%25eth0]/", BlockedAddress),
        ("", FetchError),
        ("https://", FetchError),
        ("https:///path", FetchError),
        ("https://:443/", FetchError),
        ("https://public.example:0/", FetchError),
        ("https://public.example:65536/", FetchError),
        ("https://public.example:+443/", FetchError),
        ("https://public.example:abc/", FetchError),
        ("https://[::1/", FetchError),
        ("https://[not-ipv6]/", FetchError),
        ("https://exa mple.com/", FetchError),
        ("https://public.example/a b", FetchError),
        ("https://public.example/\r\nX-Injected: 1", FetchError),
        ("https://bücher.example/", FetchError),
        ("https://256.1.1.1/", FetchError),
        ("https://1.2.3.4.5/", FetchError),
        ("https://0x100000000/", FetchError),
        ("https://08.1.1.1/", FetchError),
        ("https://example.123/", FetchError),
        ("https://exa$mple.com/", FetchError),
    ],
)
def test_malformed_urls_are_refused_without_connecting(no_connect: list[object], url: str, error: type) -> None:
    resolver_calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        resolver_calls.append(host)
        return ["10.0.0.1"]  # anything that got this far is refused, but must not get this far

    with pytest.raises(error):
        GuardedFetcher(resolver=resolver)(url)
    assert no_connect == [] and resolver_calls == []


def test_bad_request_header_is_refused_without_connecting(no_connect: list[object]) -> None:
    fetcher = GuardedFetcher(resolver=lambda h, p: ["93.184.216.34"])
    with pytest.raises(FetchError, match="header"):
        fetcher("https://public.example/", headers={"X-Evil": "a\r\nInjected: 1"})
    assert no_connect == []


def test_allowed_hosts_exempts_only_the_named_host_and_port(no_connect: list[object]) -> None:
    fetcher = GuardedFetcher(allow_http=True, allowed_hosts={"127.0.0.1:5001", "[::1]:5002", "issuer.local"})
    for url in ["http://127.0.0.1:5002/", "http://127.0.0.1/", "http://[::1]:5001/", "http://localhost:5001/"]:
        with pytest.raises(BlockedAddress):
            fetcher(url)
    assert no_connect == []


def test_allowed_hosts_reach_the_exempted_servers(base: str, port: int, server: Server) -> None:
    assert GuardedFetcher(allow_http=True, allowed_hosts={f"127.0.0.1:{port}"})(f"{base}/doc.json").status == 200
    assert GuardedFetcher(allow_http=True, allowed_hosts={"127.0.0.1"})(f"{base}/doc.json").status == 200


def test_is_public_address() -> None:
    import ipaddress

    assert is_public_address(ipaddress.ip_address("93.184.216.34"))
    assert is_public_address(ipaddress.ip_address("2606:4700:4700::1111"))
    assert not is_public_address(ipaddress.ip_address("169.254.169.254"))
    assert not is_public_address(ipaddress.ip_address("::ffff:192.168.0.1"))


# --- TLS ----------------------------------------------------------------------


def _certificate(tmp: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` (and nothing else)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, ssl.SSLContext]]:
    """An https server for ``tls.test`` on 127.0.0.1, and a client context trusting it."""
    cert, key = _certificate(tmp_path_factory.mktemp("tls"), "tls.test")
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    for running in _serve(httpd):
        yield running.server_address[1], ssl.create_default_context(cafile=str(cert))


def _tls_fetcher(context: ssl.SSLContext | None, connect: Recorder | None = None) -> GuardedFetcher:
    return GuardedFetcher(
        resolver=lambda h, p: ["127.0.0.1"],
        allowed_hosts={"tls.test", "alias.test"},
        ssl_context=context,
        connect=connect,
        timeout=2,
    )


def test_https_pins_the_ip_and_verifies_the_host_name(tls: tuple[int, ssl.SSLContext]) -> None:
    port, context = tls
    connect = Recorder()
    got = _tls_fetcher(context, connect)(f"https://tls.test:{port}/echo")
    assert connect.calls == [("127.0.0.1", port)]
    assert json.loads(got.body)["headers"]["host"] == f"tls.test:{port}"


def test_https_refuses_an_untrusted_certificate(tls: tuple[int, ssl.SSLContext]) -> None:
    port, _ = tls
    with pytest.raises(FetchError, match="TLS"):
        _tls_fetcher(None)(f"https://tls.test:{port}/doc.json")  # system CAs do not know it


def test_https_refuses_a_certificate_for_another_name(tls: tuple[int, ssl.SSLContext]) -> None:
    port, context = tls
    with pytest.raises(FetchError, match="TLS"):
        _tls_fetcher(context)(f"https://alias.test:{port}/doc.json")  # same IP, wrong name


def test_https_to_http_downgrade_redirect_is_refused(tls: tuple[int, ssl.SSLContext]) -> None:
    port, context = tls
    connect = Recorder()
    fetcher = GuardedFetcher(
        resolver=lambda h, p: ["127.0.0.1"], allowed_hosts={"tls.test"}, allow_http=True,
        ssl_context=context, connect=connect, timeout=2,
    )
    with pytest.raises(BlockedAddress, match="another origin"):
        fetcher(f"https://tls.test:{port}/redirect?to=http://tls.test:{port}/doc.json")
    assert len(connect.calls) == 1
