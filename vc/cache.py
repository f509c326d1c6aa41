"""Caching for what the verifier fetches (DID documents, status lists), as pure logic.

``CachingFetcher`` wraps any ``Fetcher`` (vc/fetch.py) and is one itself. It
keeps 200 responses in a dict, with a clock that is injected; it opens no
connection of its own. HTTP semantics, kept small (RFC 9111, private cache):

- freshness from ``Cache-Control: max-age=N``, clamped to ``[min_ttl, max_ttl]``;
  ``default_ttl`` when the response gives none; ``no-cache`` = stored but
  revalidated on every use; ``no-store`` = never stored (and an older copy is
  dropped). ``Expires``, ``Vary``, ``s-maxage`` are not read.
- a stale entry with an ``ETag`` is revalidated with ``If-None-Match``; a 304
  keeps the stored body and starts a new freshness period from the 304's own
  Cache-Control.
- ``limit_lifetime(url, until, body=...)``: the caller (the verification
  pipeline) knows more than HTTP does: a status list credential is no good
  after its ``validUntil``, so the cached copy is never served past it, even
  when a 304 would otherwise extend it.
- failures (``FetchError``) are remembered for ``error_ttl`` seconds, so a
  batch of 1,000 credentials of an unreachable issuer costs one timeout, not
  1,000. ``BlockedAddress`` is a policy answer and is remembered the same way.
- concurrent callers of one URL share one fetch (single flight): gunicorn
  threads verifying 50 credentials of one provider at once fetch its list once.
- bounded: at most ``max_entries`` and ``max_bytes`` of bodies; the least
  recently used go first.

``Memo`` is the other half: a small bounded, thread-safe dict for values the
pipeline derives from fetched bytes (parsed DID documents, public keys,
decoded status lists, schema results). Keys contain the bytes they were
derived from, so a changed document can never be answered from the memo.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Hashable, Mapping

from vc.errors import FetchError, SkillpassError

if TYPE_CHECKING:  # typing only: vc/cache.py never imports the network module
    from vc.fetch import Fetched, Fetcher

__all__ = ["CachingFetcher", "Memo", "parse_cache_control"]

DEFAULT_TTL = 300.0
MIN_TTL = 0.0
MAX_TTL = 24 * 3600.0
ERROR_TTL = 30.0
MAX_ENTRIES = 10_000
MAX_BYTES = 256 * 1024 * 1024
_INF = float("inf")


def parse_cache_control(value: str | None) -> dict[str, str | None]:
    """`public, max-age=300, no-cache="x"` -> {"public": None, "max-age": "300", "no-cache": "x"}."""
    directives: dict[str, str | None] = {}
    if not value:
        return directives
    for part in value.split(","):
        name, sep, arg = part.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        arg = arg.strip()
        if len(arg) >= 2 and arg[0] == arg[-1] == '"':
            arg = arg[1:-1]
        directives.setdefault(name, arg if sep else None)
    return directives


@dataclass(slots=True)
class _Entry:
    fetched: Any  # a Fetched with status 200
    etag: str | None
    expires: float  # fresh until (clock seconds)
    not_after: float  # hard limit set by limit_lifetime; survives revalidation
    size: int


def _again(error: FetchError) -> FetchError:
    """A fresh copy of a remembered failure, of the same type with the same attributes.

    Not `type(error)(error.detail)`: subclasses take other arguments
    (HTTPStatusError(status, url)); not the same object either, whose
    traceback would grow with every caller that re-raises it.
    """
    fresh = type(error).__new__(type(error))
    fresh.__dict__.update(error.__dict__)
    Exception.__init__(fresh, *error.args)
    return fresh


@dataclass(slots=True)
class _Failure:
    error: SkillpassError
    until: float


class _Flight:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


class CachingFetcher:
    """A Fetcher that answers from memory while a response is fresh.

    ``clock`` returns seconds since the epoch (wall time, so that a list's
    ``validUntil`` can bound an entry); tests pass a fake.
    """

    def __init__(
        self,
        fetcher: "Fetcher",
        *,
        clock: Callable[[], float] = time.time,
        default_ttl: float = DEFAULT_TTL,
        min_ttl: float = MIN_TTL,
        max_ttl: float = MAX_TTL,
        error_ttl: float = ERROR_TTL,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        if not 0 <= min_ttl <= max_ttl or default_ttl < 0 or error_ttl < 0 or max_entries < 1 or max_bytes < 0:
            raise ValueError("need 0 <= min_ttl <= max_ttl, default_ttl >= 0, error_ttl >= 0, max_entries >= 1")
        self._fetcher = fetcher
        self._clock = clock
        self.default_ttl = float(default_ttl)
        self.min_ttl = float(min_ttl)
        self.max_ttl = float(max_ttl)
        self.error_ttl = float(error_ttl)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._failures: dict[Hashable, _Failure] = {}
        self._flights: dict[Hashable, _Flight] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = self.revalidated = 0

    # --- the Fetcher interface -----------------------------------------------------

    def __call__(self, url: str, *, headers: Mapping[str, str] | None = None) -> "Fetched":
        key = _key(url, headers)
        entry = self._entries.get(key)  # lock-free fast path: dict reads are atomic
        if entry is not None and self._clock() < entry.expires:
            self.hits += 1
            return entry.fetched
        with self._lock:
            flight = self._flights.get(key)
            if flight is None:
                flight = self._flights[key] = _Flight()
            flight.users += 1
        try:
            with flight.lock:
                return self._fetch_once(key, url, headers)
        finally:
            with self._lock:
                flight.users -= 1
                if flight.users == 0 and self._flights.get(key) is flight:
                    del self._flights[key]

    def _fetch_once(self, key: Hashable, url: str, headers: Mapping[str, str] | None) -> "Fetched":
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now < entry.expires:  # filled by the flight we waited for
                self._entries.move_to_end(key)
                self.hits += 1
                return entry.fetched
            failure = self._failures.get(key)
            if failure is not None:
                if now < failure.until:
                    raise _again(failure.error)
                del self._failures[key]
        send = dict(headers or {})
        if entry is not None and entry.etag and now < entry.not_after:
            send["If-None-Match"] = entry.etag
        else:
            entry = None  # nothing to revalidate (no validator, or past its hard limit)
        try:
            fetched = self._fetcher(url, headers=send or None)
        except FetchError as exc:
            if self.error_ttl > 0:
                with self._lock:
                    self._failures[key] = _Failure(exc, self._clock() + self.error_ttl)
            raise
        self.misses += 1
        now = self._clock()
        directives = parse_cache_control(fetched.headers.get("cache-control"))
        ttl = self._ttl(directives)
        with self._lock:
            if fetched.status == 304:
                if entry is None:  # the caller's own conditional request: not ours to answer
                    return fetched
                self.revalidated += 1
                if "no-store" in directives:
                    self._drop(key)
                    return entry.fetched
                entry.expires = min(now + ttl, entry.not_after)
                if self._entries.get(key) is entry:
                    self._entries.move_to_end(key)
                return entry.fetched
            if fetched.status != 200:
                return fetched
            self._drop(key)
            if "no-store" in directives:
                return fetched
            size = len(fetched.body)
            if size > self.max_bytes:
                return fetched
            etag = fetched.headers.get("etag")
            self._entries[key] = _Entry(fetched, etag, now + ttl, _INF, size)
            self._bytes += size
            self._evict()
        return fetched

    def _ttl(self, directives: Mapping[str, str | None]) -> float:
        if "no-cache" in directives:
            return 0.0
        raw = directives.get("max-age")
        if raw is not None and raw.isdigit():
            return min(max(float(int(raw)), self.min_ttl), self.max_ttl)
        return min(max(self.default_ttl, self.min_ttl), self.max_ttl)

    def _drop(self, key: Hashable) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.size

    def _evict(self) -> None:
        while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
            _, old = self._entries.popitem(last=False)
            self._bytes -= old.size

    # --- what the pipeline tells the cache -------------------------------------

    def limit_lifetime(
        self, url: str, until: float, *, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        """Never serve the cached `url` after `until` (epoch seconds), e.g. a list's validUntil.

        With `body`, only the entry holding exactly that body is limited (the
        one the caller looked at, not a newer one another thread stored).
        """
        key = _key(url, headers)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or (body is not None and entry.fetched.body is not body and entry.fetched.body != body):
                return
            entry.not_after = min(entry.not_after, until)
            entry.expires = min(entry.expires, entry.not_after)

    def invalidate(self, url: str, *, headers: Mapping[str, str] | None = None) -> None:
        key = _key(url, headers)
        with self._lock:
            self._drop(key)
            self._failures.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._failures.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def stats(self) -> dict[str, int]:
        return {
            "entries": len(self._entries),
            "bytes": self._bytes,
            "hits": self.hits,
            "misses": self.misses,
            "revalidated": self.revalidated,
        }


def _key(url: str, headers: Mapping[str, str] | None) -> Hashable:
    if not headers:
        return url
    return (url, tuple(sorted((name.lower(), value) for name, value in headers.items())))


class Memo:
    """A bounded dict for derived values; thread-safe, oldest out first.

    Reads take no lock (a dict lookup is atomic); writes do.
    """

    __slots__ = ("_data", "_max", "_lock")

    def __init__(self, max_entries: int = 4096) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be >= 1")
        self._data: dict[Hashable, Any] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        return self._data.get(key, default)

    def put(self, key: Hashable, value: Any) -> Any:
        with self._lock:
            data = self._data
            if key not in data:
                while len(data) >= self._max:
                    data.pop(next(iter(data)))
            data[key] = value
        return value

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
