"""Guarded HTTP(S) fetching: the one module of vc/ that touches the network.

Why it exists: the verifier fetches URLs taken from the credentials it is asked
to verify (did:web documents, status lists). Those URLs are chosen by whoever
sent the credential, so a naive fetch is a server-side request forgery hole: it
can reach cloud metadata (169.254.169.254), an admin port on localhost or the
intranet, and it can be made to hang or to read gigabytes. The rest of vc/
takes a ``Fetcher`` argument; the services pass ``GuardedFetcher()``, tests
pass their own.

Status semantics (one rule, everywhere)
---------------------------------------
A fetch *returns* only ``200 OK`` and ``304 Not Modified`` (the answer to a
conditional request: callers send ``If-None-Match`` and read the 304).
Redirects (301, 302, 303, 307, 308) are followed within the same origin, up to
``max_redirects``. Every other outcome *raises*:

- ``BlockedAddress``: refused by policy, always before any connection: a scheme
  other than https (or http when allowed), ``user:pass@`` in the URL, a host
  that is or resolves to a non-public address, a redirect to another origin.
- ``ResponseTooLarge``: the body, or its declared Content-Length, exceeds
  ``max_bytes``.
- ``FetchError``: a malformed URL, DNS failure, connection or TLS failure,
  timeout, too many redirects, a truncated body, or any other HTTP status
  (the detail reads ``HTTP 404 from <url>``).

Callers therefore never inspect status codes beyond 200 vs 304.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from vc.errors import BlockedAddress, FetchError, HTTPStatusError, ResponseTooLarge

__all__ = [
    "Connector",
    "Fetched",
    "Fetcher",
    "GuardedFetcher",
    "Resolver",
    "is_public_address",
]

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: ``resolver(host, port)`` returns the host's IP addresses as strings.
Resolver = Callable[[str, int], Sequence[str]]
#: ``connect((ip, port), timeout)`` returns a connected TCP socket.
Connector = Callable[[tuple[str, int], float], socket.socket]

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_REDIRECTS = 3
DEFAULT_USER_AGENT = "skillpass-fetch/0.1"

_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
# Headers the fetcher owns; a caller's value for them is ignored.
_OWN_HEADERS = frozenset({"host", "accept-encoding", "connection", "content-length", "transfer-encoding"})

_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
_IPV4_NUMBER = re.compile(r"[0-9]+|0x[0-9a-f]*")
_DIGITS = re.compile(r"[0-9]+")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE_FORBIDDEN = re.compile(r"[\x00\r\n]")


# --- the interface ------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """A successful fetch: status 200, or 304 with an empty body."""

    url: str  # final URL, after redirects, without fragment
    status: int
    headers: Mapping[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes


class Fetcher(Protocol):
    """What vc/ codes against: GET a URL, get a ``Fetched`` or a ``FetchError``."""

    def __call__(self, url: str, *, headers: Mapping[str, str] | None = None) -> Fetched: ...


# --- which addresses are public -----------------------------------------------

_NETS = ipaddress.ip_network
# Explicit lists, because ipaddress' is_global/is_private differ between Python
# releases and miss cases (3.11 calls 224.0.0.1 "global").
_BLOCKED_V4 = tuple(
    _NETS(n)
    for n in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 reaches localhost on Linux
        "10.0.0.0/8",  # RFC 1918
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
        "172.16.0.0/12",  # RFC 1918
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # RFC 1918
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes broadcast 255.255.255.255
    )
)
_BLOCKED_V6 = tuple(
    _NETS(n)
    for n in (
        "::/8",  # unspecified, loopback, IPv4-compatible, IPv4-translated
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, incl. Teredo 2001::/32
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local (ULA)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = _NETS("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address forwards to, if it is such a form.

    ::ffff:a.b.c.d (mapped), 64:ff9b::a.b.c.d (NAT64) and 2002:aabb:ccdd::
    (6to4) all end up at the IPv4 address, so that address is what is judged.
    """
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def is_public_address(ip: IPAddress) -> bool:
    """True when ``ip`` is a globally routable unicast address.

    Refuses loopback, RFC 1918, CGNAT, link-local (cloud metadata), unspecified,
    multicast, broadcast, reserved and documentation ranges, IPv6 ULA and
    link-local, and IPv6 forms that embed a refused IPv4 address.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
        blocked: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network] = _BLOCKED_V6
    else:
        blocked = _BLOCKED_V4
    if any(ip in net for net in blocked):
        return False
    # Backstop for whatever the lists miss.
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_private)


# --- URLs ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """A URL that passed validation, split into what the request needs."""

    scheme: str
    host: str  # lower-case; IPv6 without brackets
    port: int
    path: str  # request target: path and query, never the fragment
    ip: IPAddress | None  # set when the host is an IP literal (never resolved)

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def netloc(self) -> str:
        """host[:port] as the Host header wants it (port omitted when default)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.path}"


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Parse ``host`` as an IPv4 address the way browsers and inet_aton do.

    ``127.1``, ``0x7f.1``, ``0177.0.0.1`` and ``2130706433`` are all 127.0.0.1.
    Parsing them here means an IP literal is judged by the address it really
    is and never reaches DNS. Returns None for a host name; raises for a host
    that ends in a number but is no valid address (WHATWG URL, "ends in a
    number").
    """
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    if not _IPV4_NUMBER.fullmatch(labels[-1]):
        return None
    if len(labels) > 4 or not all(_IPV4_NUMBER.fullmatch(label) for label in labels):
        raise FetchError(f"invalid IPv4 address {host!r}")
    numbers = []
    for label in labels:
        if label.startswith("0x"):
            numbers.append(int(label[2:] or "0", 16))
        elif len(label) > 1 and label.startswith("0"):
            if not set(label) <= set("01234567"):
                raise FetchError(f"invalid IPv4 address {host!r}")
            numbers.append(int(label, 8))
        else:
            numbers.append(int(label))
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise FetchError(f"invalid IPv4 address {host!r}")
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


_USERINFO = re.compile(r"^([^:/?#]*:)?(//)?[^/?#]*@")


def _redact(url: str) -> str:
    """The URL for an error detail, without any ``user:pass@`` in it."""
    return _USERINFO.sub(lambda m: f"{m.group(1) or ''}{m.group(2) or ''}...@", url)


def _parse_url(url: str) -> _Target:
    """Validate a URL's syntax: scheme, no userinfo, a host, a port in range."""
    if not isinstance(url, str) or not url:
        raise FetchError("empty URL")
    shown = repr(_redact(url))
    if not url.isascii() or _URL_FORBIDDEN.search(url):
        raise FetchError(
            f"invalid URL {shown}: only printable ASCII without spaces or backslashes "
            "(percent-encode the path, punycode the host)"
        )
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchError(f"invalid URL {shown}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BlockedAddress(f"scheme {scheme or '(none)'!r} refused in {shown}: only https and http")
    if "@" in parts.netloc:
        raise BlockedAddress(f"URL with user info refused: {shown}")
    try:
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"invalid URL {shown}: {exc}") from None
    host = parts.hostname
    if not host:
        raise FetchError(f"invalid URL {shown}: no host")
    if port == 0:
        raise FetchError(f"invalid URL {shown}: port 0")
    if port is None:
        port = _DEFAULT_PORTS[scheme]

    ip: IPAddress | None
    if ":" in host:  # urlsplit only lets ':' into hostname from a [bracketed] literal
        if "%" in host:
            raise BlockedAddress(f"IPv6 zone identifiers refused in {shown}")
        try:
            ip = ipaddress.IPv6Address(host)
        except ValueError:
            raise FetchError(f"invalid IPv6 address in {shown}") from None
    else:
        ip = _parse_ipv4(host)
        if ip is None and not _HOST_NAME.fullmatch(host):
            raise FetchError(f"invalid host name in {shown}")

    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return _Target(scheme, host, port, path, ip)


def _request_headers(target: _Target, user_agent: str, extra: Mapping[str, str] | None) -> dict[str, str]:
    """The headers to send: the caller's, then the ones the fetcher owns.

    Checked here rather than by http.client so that a bad header fails before
    any connection; the value is never echoed (it may be a credential).
    """
    headers: dict[str, tuple[str, str]] = {"user-agent": ("User-Agent", user_agent)}
    for name, value in (extra or {}).items():
        if not _HEADER_NAME.fullmatch(name) or _HEADER_VALUE_FORBIDDEN.search(value):
            raise FetchError(f"invalid request header {name!r}")
        if name.lower() not in _OWN_HEADERS:
            headers[name.lower()] = (name, value)
    out = dict(headers.values())
    out["Host"] = target.netloc
    out["Accept-Encoding"] = "identity"  # never decompress: the size cap is on what we read
    out["Connection"] = "close"
    return out


# --- the connection -----------------------------------------------------------


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to addresses vetted in advance.

    Plain http.client would resolve the host again at connect time, and a DNS
    answer that changed in between (rebinding) would bypass the vetting. This
    connect() only uses the vetted addresses; TLS still sends SNI for, and
    verifies the certificate against, the host name from the URL.
    """

    def __init__(
        self,
        target: _Target,
        addresses: Sequence[IPAddress],
        connect: Connector,
        ssl_context: ssl.SSLContext | None,
        deadline: float,
    ) -> None:
        super().__init__(target.host, target.port)
        self._target = target
        self._addresses = addresses
        self._connect = connect
        self._ssl_context = ssl_context
        self._deadline = deadline
        # http.client drops self.sock when the response says "close"; the
        # response still reads from it, so keep a handle for read timeouts.
        self.pinned_sock: socket.socket | None = None

    def connect(self) -> None:
        error: OSError | None = None
        for ip in self._addresses:
            try:
                sock = self._connect((str(ip), self.port), _remaining(self._deadline, self._target))
                break
            except OSError as exc:
                error = exc
        else:
            raise FetchError(f"could not connect to {self._target.url}: {error}")
        if self._ssl_context is not None:
            try:
                sock = self._ssl_context.wrap_socket(sock, server_hostname=self.host)
            except BaseException:
                sock.close()
                raise
        self.sock = self.pinned_sock = sock


def _remaining(deadline: float, target: _Target) -> float:
    """Seconds left before the deadline; a FetchError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(f"timed out fetching {target.url}")
    return left


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)))


def _system_connect(address: tuple[str, int], timeout: float) -> socket.socket:
    # Looked up at call time so tests can monkeypatch socket.create_connection.
    return socket.create_connection(address, timeout=timeout)


# --- the fetcher --------------------------------------------------------------


class GuardedFetcher:
    """The default ``Fetcher``: GET over https with SSRF, size and time guards.

    - ``timeout``: one budget in seconds for the whole fetch (connect, TLS,
      every read, every redirect). A server that trickles bytes cannot stretch
      it. DNS resolution is the one step it cannot interrupt.
    - ``max_bytes``: body cap. A larger Content-Length is refused before the
      body is read; otherwise reading stops at ``max_bytes + 1``.
    - ``max_redirects``: redirects followed, same origin (scheme, host, port)
      only, which also refuses https -> http downgrades.
    - ``allow_http``: accept http:// URLs (development only; default https only).
    - ``allow_private``: skip the public-address check (development only).
    - ``allowed_hosts``: ``host`` or ``host:port`` (IPv6 as ``[::1]:8000``)
      exempt from the public-address check, e.g. the local issuer in
      ``make run``; an entry without a port matches every port.
    - ``resolver``, ``connect``, ``ssl_context``: injection points for tests
      and for deployments with a private CA.

    The host is resolved once per call, every address is vetted, and the
    connection goes to a vetted address, never to a fresh DNS answer.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        allow_http: bool = False,
        allow_private: bool = False,
        allowed_hosts: Collection[str] = (),
        user_agent: str = DEFAULT_USER_AGENT,
        resolver: Resolver | None = None,
        connect: Connector | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if timeout <= 0 or max_bytes < 0 or max_redirects < 0:
            raise ValueError("timeout must be positive, max_bytes and max_redirects not negative")
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.allow_http = allow_http
        self.allow_private = allow_private
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.user_agent = user_agent
        self._resolve = resolver or _system_resolver
        self._connect = connect or _system_connect
        self._ssl_context = ssl_context  # the default is built on first https use: loading CAs is slow

    def __call__(self, url: str, *, headers: Mapping[str, str] | None = None) -> Fetched:
        """GET ``url``; return a 200 or 304, raise FetchError for anything else."""
        deadline = time.monotonic() + self.timeout
        target = self._check_url(url)
        send = _request_headers(target, self.user_agent, headers)
        addresses = self._vetted_addresses(target)
        for hop in range(self.max_redirects + 1):
            status, response_headers, body = self._get(target, addresses, send, deadline)
            # the origin only: a path or query can be a capability (a wallet's share link)
            log.debug("GET %s://%s/... -> %d", target.scheme, target.netloc, status)
            if status not in _REDIRECT_STATUSES:
                break
            location = response_headers.get("location")
            if not location:
                raise FetchError(f"HTTP {status} without Location from {target.url}")
            if hop == self.max_redirects:
                raise FetchError(f"more than {self.max_redirects} redirects from {_redact(url)!r}")
            following = self._check_url(urljoin(target.url, location))
            if following.origin != target.origin:
                raise BlockedAddress(f"redirect from {target.url} to another origin refused: {following.url}")
            # Same origin (so same Host header): the vetted addresses still apply, no second DNS lookup.
            target = following
        if status not in (200, 304):
            raise HTTPStatusError(status, target.url)
        return Fetched(target.url, status, MappingProxyType(response_headers), body)

    def _check_url(self, url: str) -> _Target:
        target = _parse_url(url)
        if target.scheme == "http" and not self.allow_http:
            raise BlockedAddress(f"http refused, https only: {target.url}")
        return target

    def _exempt(self, target: _Target) -> bool:
        """Whether the public-address check is skipped for this host."""
        host = f"[{target.host}]" if ":" in target.host else target.host
        return self.allow_private or bool({target.host, host, f"{host}:{target.port}"} & self.allowed_hosts)

    def _vetted_addresses(self, target: _Target) -> tuple[IPAddress, ...]:
        """Resolve once and vet every address: one bad answer refuses the host."""
        if target.ip is not None:
            addresses: tuple[IPAddress, ...] = (target.ip,)
        else:
            try:
                answers = self._resolve(target.host, target.port)
            except OSError as exc:
                raise FetchError(f"could not resolve {target.host!r}: {exc}") from None
            try:
                addresses = tuple(ipaddress.ip_address(a) for a in answers)
            except ValueError:
                raise FetchError(f"resolver gave a non-address for {target.host!r}") from None
            if not addresses:
                raise FetchError(f"no addresses for {target.host!r}")
        if not self._exempt(target):
            for ip in addresses:
                if not is_public_address(ip):
                    # The address itself stays out of the detail: no DNS oracle into the intranet.
                    what = str(ip) if target.ip is not None else f"host {target.host!r}"
                    raise BlockedAddress(f"{what} is not a public address: {target.url}")
        return addresses

    def _get(
        self, target: _Target, addresses: Sequence[IPAddress], headers: Mapping[str, str], deadline: float
    ) -> tuple[int, dict[str, str], bytes]:
        """One GET without following redirects; the body is read only for a 200."""
        context = None
        if target.scheme == "https":
            if self._ssl_context is None:
                self._ssl_context = ssl.create_default_context()  # system CAs, hostname checking on
            context = self._ssl_context
        conn = _PinnedConnection(target, addresses, self._connect, context, deadline)
        response: http.client.HTTPResponse | None = None
        try:
            conn.request("GET", target.path, headers=dict(headers))
            if conn.pinned_sock is None:  # connect() always sets it; guards a refactor
                raise FetchError(f"no connection to {target.url}")
            conn.pinned_sock.settimeout(_remaining(deadline, target))
            response = conn.getresponse()
            response_headers: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.lower()
                response_headers[key] = f"{response_headers[key]}, {value}" if key in response_headers else value
            body = b""
            if response.status == 200:
                body = self._read_body(response, response_headers, conn.pinned_sock, target, deadline)
            return response.status, response_headers, body
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError(f"timed out fetching {target.url}") from None
        except ssl.SSLError as exc:
            raise FetchError(f"TLS failure fetching {target.url}: {exc.reason or exc}") from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # ValueError: http.client's answer to e.g. a malformed chunk size
            raise FetchError(f"could not fetch {target.url}: {exc!r}") from None
        finally:
            if response is not None:
                response.close()  # holds the socket open otherwise, e.g. after the size cap
            conn.close()

    def _read_body(
        self,
        response: http.client.HTTPResponse,
        headers: Mapping[str, str],
        sock: socket.socket,
        target: _Target,
        deadline: float,
    ) -> bytes:
        """Read at most ``max_bytes + 1`` bytes, in chunks, within the deadline."""
        declared: int | None = None
        if "content-length" in headers:
            if not _DIGITS.fullmatch(headers["content-length"]):
                raise FetchError(f"invalid Content-Length from {target.url}")
            declared = int(headers["content-length"])
            if declared > self.max_bytes:
                raise ResponseTooLarge(f"{target.url} declares {declared} bytes, cap is {self.max_bytes}")
        chunks: list[bytes] = []
        total = 0
        # http.client closes the socket once the body is complete; stop then.
        while not response.isclosed():
            sock.settimeout(_remaining(deadline, target))
            # read1: at most one recv per call, so the deadline is checked between them
            chunk = response.read1(min(_CHUNK, self.max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > self.max_bytes:
                raise ResponseTooLarge(f"{target.url} sent more than {self.max_bytes} bytes")
        if declared is not None and total != declared and "chunked" not in headers.get("transfer-encoding", ""):
            raise FetchError(f"truncated body from {target.url}: {total} of {declared} bytes")
        return b"".join(chunks)
