"""vc/cache.py: CachingFetcher (TTL, no-store, ETag revalidation, validUntil bound,
failures, single flight, bounds) and Memo. A fake clock; no network."""

from __future__ import annotations

import threading
import time

import pytest

from vc.cache import CachingFetcher, Memo, parse_cache_control
from vc.errors import BlockedAddress, FetchError, HTTPStatusError
from vc.fetch import Fetched


class Origin:
    def __init__(self) -> None:
        self.body = b"v1"
        self.etag: str | None = '"e1"'
        self.cache_control: str | None = "max-age=60"
        self.calls: list[dict | None] = []
        self.fail: Exception | None = None
        self.delay = 0.0

    def __call__(self, url: str, *, headers=None) -> Fetched:
        self.calls.append(dict(headers) if headers else None)
        if self.delay:
            time.sleep(self.delay)
        if self.fail:
            raise self.fail
        hdrs = {}
        if self.etag:
            hdrs["etag"] = self.etag
        if self.cache_control is not None:
            hdrs["cache-control"] = self.cache_control
        if headers and self.etag and headers.get("If-None-Match") == self.etag:
            return Fetched(url, 304, hdrs, b"")
        return Fetched(url, 200, hdrs, self.body)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def origin() -> Origin:
    return Origin()


@pytest.fixture
def clock() -> Clock:
    return Clock()


URL = "https://issuer.test/providers/x/status/revocation/1"


def test_fresh_responses_come_from_memory(origin, clock):
    cache = CachingFetcher(origin, clock=clock)
    for _ in range(1000):
        assert cache(URL).body == b"v1"
    assert len(origin.calls) == 1
    assert cache.stats()["hits"] == 999


def test_max_age_expiry_then_revalidation_with_etag(origin, clock):
    cache = CachingFetcher(origin, clock=clock)
    first = cache(URL)
    clock.now += 61
    again = cache(URL)
    assert origin.calls[-1] == {"If-None-Match": '"e1"'}
    assert again is first  # 304: the stored response
    assert cache.stats()["revalidated"] == 1
    clock.now += 30
    cache(URL)
    assert len(origin.calls) == 2  # fresh again for max-age after the 304


def test_changed_document_replaces_the_entry(origin, clock):
    cache = CachingFetcher(origin, clock=clock)
    cache(URL)
    origin.body, origin.etag = b"v2", '"e2"'
    clock.now += 61
    assert cache(URL).body == b"v2"
    clock.now += 1
    assert cache(URL).body == b"v2" and len(origin.calls) == 2


def test_no_etag_means_a_plain_fetch(origin, clock):
    origin.etag = None
    cache = CachingFetcher(origin, clock=clock)
    cache(URL)
    clock.now += 61
    cache(URL)
    assert origin.calls == [None, None]


def test_default_ttl_and_bounds(origin, clock):
    origin.cache_control = None
    cache = CachingFetcher(origin, clock=clock, default_ttl=10)
    cache(URL)
    clock.now += 9
    cache(URL)
    assert len(origin.calls) == 1
    clock.now += 2
    cache(URL)
    assert len(origin.calls) == 2

    origin.cache_control = "max-age=999999"
    capped = CachingFetcher(origin, clock=clock, max_ttl=100)
    capped(URL)
    clock.now += 101
    capped(URL)
    assert len(origin.calls) == 4

    origin.cache_control = "max-age=0"
    floored = CachingFetcher(origin, clock=clock, min_ttl=5)
    floored(URL)
    floored(URL)
    assert len(origin.calls) == 5


@pytest.mark.parametrize("value", ["max-age=abc", "max-age=-5", "max-age=1e9"])
def test_bad_max_age_falls_back_to_default(origin, clock, value):
    origin.cache_control = value
    cache = CachingFetcher(origin, clock=clock, default_ttl=10)
    cache(URL)
    clock.now += 5
    cache(URL)
    assert len(origin.calls) == 1


def test_no_store_is_honoured(origin, clock):
    origin.cache_control = "no-store"
    cache = CachingFetcher(origin, clock=clock)
    cache(URL)
    cache(URL)
    assert len(origin.calls) == 2 and len(cache) == 0


def test_no_store_drops_an_older_copy(origin, clock):
    cache = CachingFetcher(origin, clock=clock)
    cache(URL)
    clock.now += 61
    origin.cache_control = "no-store"
    origin.body, origin.etag = b"v2", '"e2"'
    assert cache(URL).body == b"v2"
    assert len(cache) == 0


def test_no_cache_revalidates_every_time(origin, clock):
    origin.cache_control = "no-cache"
    cache = CachingFetcher(origin, clock=clock)
    cache(URL)
    cache(URL)
    assert origin.calls == [None, {"If-None-Match": '"e1"'}]


def test_limit_lifetime_bounds_even_across_304(origin, clock):
    origin.cache_control = "max-age=3600"
    cache = CachingFetcher(origin, clock=clock)
    fetched = cache(URL)
    cache.limit_lifetime(URL, clock.now + 30, body=fetched.body)
    clock.now += 31
    cache(URL)
    # past the hard limit there is nothing to revalidate: a full fetch
    assert origin.calls == [None, None]


def test_limit_lifetime_ignores_another_body(origin, clock):
    cache = CachingFetcher(origin, clock=clock)
    cache(URL)
    cache.limit_lifetime(URL, clock.now + 1, body=b"something else")
    clock.now += 2
    cache(URL)
    assert len(origin.calls) == 1


def test_failures_are_remembered_briefly(origin, clock):
    origin.fail = FetchError("could not connect")
    cache = CachingFetcher(origin, clock=clock, error_ttl=30)
    for _ in range(100):
        with pytest.raises(FetchError):
            cache(URL)
    assert len(origin.calls) == 1
    origin.fail = None
    clock.now += 31
    assert cache(URL).body == b"v1"


def test_blocked_addresses_keep_their_type(origin, clock):
    origin.fail = BlockedAddress("10.0.0.1 is not a public address")
    cache = CachingFetcher(origin, clock=clock)
    for _ in range(2):
        with pytest.raises(BlockedAddress):
            cache(URL)
    assert len(origin.calls) == 1


def test_remembered_http_errors_keep_their_type_and_status(origin, clock):
    """HTTPStatusError takes (status, url): the remembered copy must be rebuilt with both (was a TypeError, a 500)."""
    origin.fail = HTTPStatusError(404, URL)
    cache = CachingFetcher(origin, clock=clock)
    for _ in range(3):
        with pytest.raises(HTTPStatusError) as caught:
            cache(URL)
        assert caught.value.status == 404 and caught.value.detail == f"HTTP 404 from {URL}"
    assert len(origin.calls) == 1


def test_error_ttl_zero_does_not_remember(origin, clock):
    origin.fail = FetchError("down")
    cache = CachingFetcher(origin, clock=clock, error_ttl=0)
    for _ in range(3):
        with pytest.raises(FetchError):
            cache(URL)
    assert len(origin.calls) == 3


def test_non_200_is_passed_through_uncached(clock):
    def fetcher(url, *, headers=None):
        return Fetched(url, 304, {}, b"")

    cache = CachingFetcher(fetcher, clock=clock)
    assert cache(URL, headers={"If-None-Match": '"x"'}).status == 304
    assert len(cache) == 0


def test_headers_are_part_of_the_key(origin, clock):
    cache = CachingFetcher(origin, clock=clock)
    cache(URL)
    cache(URL, headers={"Accept": "application/vc+jwt"})
    cache(URL, headers={"accept": "application/vc+jwt"})
    assert len(origin.calls) == 2


def test_bounded_entries_and_bytes(origin, clock):
    cache = CachingFetcher(origin, clock=clock, max_entries=3)
    for i in range(10):
        cache(f"{URL}?{i}")
    assert len(cache) == 3
    cache(f"{URL}?9")
    assert len(origin.calls) == 10
    origin.body = b"x" * 100
    small = CachingFetcher(origin, clock=clock, max_bytes=250)
    for i in range(5):
        small(f"{URL}?{i}")
    assert small.stats()["bytes"] <= 250 and len(small) == 2
    big = CachingFetcher(origin, clock=clock, max_bytes=50)
    big(URL)
    assert len(big) == 0


def test_invalidate_and_clear(origin, clock):
    cache = CachingFetcher(origin, clock=clock)
    cache(URL)
    cache.invalidate(URL)
    cache(URL)
    cache.clear()
    cache(URL)
    assert len(origin.calls) == 3


def test_single_flight_under_threads(origin):
    origin.delay = 0.05
    cache = CachingFetcher(origin)
    results = []
    threads = [threading.Thread(target=lambda: results.append(cache(URL).body)) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [b"v1"] * 20
    assert len(origin.calls) == 1


def test_many_threads_many_urls_stay_consistent(origin):
    cache = CachingFetcher(origin, max_entries=16)
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(200):
                assert cache(f"{URL}?{(n * 7 + i) % 40}").body == b"v1"
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(cache) <= 16 and not cache._flights


def test_parse_cache_control():
    assert parse_cache_control('public, max-age=300, no-cache="set-cookie", , Private') == {
        "public": None, "max-age": "300", "no-cache": "set-cookie", "private": None,
    }
    assert parse_cache_control(None) == {}
    assert parse_cache_control("max-age=1, max-age=2")["max-age"] == "1"


def test_constructor_refuses_nonsense(origin):
    with pytest.raises(ValueError):
        CachingFetcher(origin, min_ttl=10, max_ttl=5)
    with pytest.raises(ValueError):
        CachingFetcher(origin, max_entries=0)


def test_memo_is_bounded_and_keeps_none_apart_from_missing():
    memo = Memo(3)
    for i in range(5):
        memo.put(i, i * 10)
    assert len(memo) == 3 and memo.get(0) is None and memo.get(4) == 40
    memo.put("n", None)
    assert memo.get("n", False) is None and memo.get("missing", False) is False
    memo.clear()
    assert len(memo) == 0
    with pytest.raises(ValueError):
        Memo(0)
