"""The running issuer: configuration, engine and the per-process caches.

One `IssuerState` per app (in `app.extensions["issuer"]`); the CLI gets the
same object from the same factory, so HTTP and CLI run the same code.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy.engine import Engine

from issuer.config import Config
from vc import keys


@dataclass
class IssuerState:
    config: Config
    engine: Engine
    master_key: bytes = field(repr=False)
    #: Opened private keys by SigningKey.uid (process memory only).
    private_keys: dict[str, keys.PrivateKey] = field(default_factory=dict, repr=False)
    #: Signed status lists by (provider id, purpose, number).
    status_cache: dict[tuple[int, str, int], Any] = field(default_factory=dict, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    last_purge: float = 0.0

    def provider_url(self, slug: str) -> str:
        return f"{self.config.base_url}/providers/{slug}"


def current() -> IssuerState:
    """The state of the app handling the current request."""
    return current_app.extensions["issuer"]
