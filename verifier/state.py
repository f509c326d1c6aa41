"""The running verifier: configuration, engine, fetcher, caches and the trust registry.

One `VerifierState` per app (in `app.extensions["verifier"]`). The
`vc.verify.Verifier` in it is shared by every request and thread: its memos
and the caching fetcher are what make the 1,000th credential of a provider
cheap (one DID document and one status list fetch for all of them).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.engine import Engine

from verifier.config import Config, ConfigError
from vc.cache import CachingFetcher
from vc.errors import SkillpassError
from vc.trust import TrustRegistry
from vc.verify import Verifier, VerifyOptions

log = logging.getLogger("verifier")

MAX_REGISTRY_BYTES = 8 * 1024 * 1024


class TrustSource:
    """Loads the registry from a file or an https URL, and reloads it now and then.

    Startup fails loudly on a registry that cannot be loaded; a later reload
    that fails keeps the registry in use and logs why.
    """

    def __init__(
        self,
        location: str | None,
        *,
        fetcher: Callable[..., Any] | None,
        refresh: int,
        dev_hosts: tuple[str, ...] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.location = location
        self._fetcher = fetcher
        self.refresh = refresh
        self._clock = clock
        self._lock = threading.Lock()
        self._mtime: float | None = None
        self.loaded_at: float | None = None
        self.registry = TrustRegistry()
        self.last_error: str | None = None
        if location and "://" in location:
            scheme = location.split("://", 1)[0].lower()
            netloc = (urlsplit(location).netloc or "").lower()
            if scheme != "https" and not (scheme == "http" and netloc in dev_hosts):
                raise ConfigError("VERIFIER_TRUST_REGISTRY must be an https URL (or a file path)")

    @property
    def is_url(self) -> bool:
        return bool(self.location and "://" in self.location)

    def load(self) -> TrustRegistry:
        """Read the registry now; raises ConfigError when it cannot be had."""
        if not self.location:
            self.registry = TrustRegistry()
            self.loaded_at = self._clock()
            return self.registry
        try:
            if self.is_url:
                if self._fetcher is None:
                    raise ConfigError("no fetcher to load the trust registry with")
                data = self._fetcher(self.location).body
            else:
                self._mtime = os.stat(self.location).st_mtime
                with open(self.location, "rb") as handle:
                    data = handle.read(MAX_REGISTRY_BYTES + 1)
                if len(data) > MAX_REGISTRY_BYTES:
                    raise ConfigError(f"the trust registry is larger than {MAX_REGISTRY_BYTES} bytes")
            registry = TrustRegistry.from_json(data)
        except (OSError, SkillpassError) as exc:
            detail = getattr(exc, "detail", None) or str(exc)
            raise ConfigError(f"VERIFIER_TRUST_REGISTRY {self.location!r} could not be loaded: {detail}") from None
        self.registry = registry
        self.loaded_at = self._clock()
        self.last_error = None
        return registry

    def current(self) -> TrustRegistry:
        """The registry, reloaded first when it is due (one thread reloads, the others go on)."""
        if not self.location or self.loaded_at is None or self._clock() - self.loaded_at < self.refresh:
            return self.registry
        if not self._lock.acquire(blocking=False):
            return self.registry
        try:
            if not self.is_url:
                try:
                    if os.stat(self.location).st_mtime == self._mtime:
                        self.loaded_at = self._clock()
                        return self.registry
                except OSError:
                    pass
            try:
                self.load()
                log.info("trust registry reloaded: %d issuers", len(self.registry))
            except ConfigError as exc:
                self.last_error = str(exc)
                self.loaded_at = self._clock()  # try again after the next interval
                log.error("trust registry reload failed, keeping the previous one: %s", exc)
        finally:
            self._lock.release()
        return self.registry


@dataclass
class VerifierState:
    config: Config
    engine: Engine
    fetcher: CachingFetcher
    #: The same guarded fetcher without the cache: for share links, which are new at every view.
    uncached_fetcher: Callable[..., Any]
    trust: TrustSource
    verifier: Verifier
    options: VerifyOptions
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    last_purge: float = 0.0

    def pipeline(self) -> Verifier:
        """The shared Verifier, with the current registry."""
        registry = self.trust.current()
        if self.verifier.trust is not registry:
            self.verifier.trust = registry
        return self.verifier


def current() -> VerifierState:
    return current_app.extensions["verifier"]
