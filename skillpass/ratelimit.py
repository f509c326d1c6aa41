"""In-process sliding-window rate limits (per account, per client IP), for every service.

One process, one memory: behind several worker processes each counts on its
own, which still bounds guessing to (workers x limit) per window. A shared
store (Redis) is the step up if that is ever too loose.

The client IP is `request.remote_addr`; a service behind a proxy trusts
`X-Forwarded-For` only as far as its `<PREFIX>PROXY_HOPS` setting says (werkzeug's
ProxyFix), so a client cannot pick its own address.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Callable

from flask import has_request_context, request

from skillpass.web import TooManyRequests


class RateLimited(TooManyRequests):
    """Too many attempts; wait `Retry-After` seconds."""

    code = "rate_limited"

    def __init__(self, detail: Any = None, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))


def client_ip() -> str:
    """The client's address as the app sees it (after ProxyFix); "local" outside a request (CLI)."""
    if not has_request_context():
        return "local"
    return request.remote_addr or "unknown"


class SlidingWindow:
    """At most `limit` events per key within any `window` seconds."""

    #: Keys kept at most; beyond this the oldest-used keys are forgotten (memory bound).
    MAX_KEYS = 100_000

    def __init__(self, limit: int, window: float, *, enabled: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.enabled = enabled
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def _wait(self, events: deque[float], now: float) -> int:
        return max(1, int(events[0] + self.window - now + 0.999))

    def _append(self, key: str, events: deque[float], now: float) -> None:
        if not events:
            if len(self._events) >= self.MAX_KEYS:
                self._events.pop(next(iter(self._events)))
            self._events[key] = events
        events.append(now)

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait when `key` is at its limit now; None when it is not."""
        if not self.enabled:
            return None
        with self._lock:
            now = self._clock()
            events = self._trim(key, now)
            if len(events) < self.limit:
                return None
            return self._wait(events, now)

    def check(self, key: str, message: str) -> None:
        """Refuse (429) when `key` is at its limit; counts nothing (see `hit`)."""
        wait = self.retry_after(key)
        if wait is not None:
            raise RateLimited(message, retry_after=wait)

    def hit(self, key: str) -> None:
        """Count one event for `key`."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            self._append(key, self._trim(key, now), now)

    def take(self, key: str, message: str) -> None:
        """Check and count in one step: for limits on every attempt (registration, verification)."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            events = self._trim(key, now)
            if len(events) >= self.limit:
                raise RateLimited(message, retry_after=self._wait(events, now))
            self._append(key, events, now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)
