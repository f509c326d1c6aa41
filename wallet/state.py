"""The running wallet: configuration, engine, hasher, rate limits, verification.

One `WalletState` per app (in `app.extensions["wallet"]`); the CLI gets the
same object from the same factory, so HTTP and CLI run the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy.engine import Engine

from wallet.config import Config
from wallet.passwords import Passwords
from skillpass.ratelimit import SlidingWindow

if TYPE_CHECKING:
    from wallet.verification import CredentialVerifier


@dataclass
class Limits:
    login_account: SlidingWindow
    login_ip: SlidingWindow
    register_ip: SlidingWindow
    share_ip: SlidingWindow
    share_views_ip: SlidingWindow

    @classmethod
    def from_config(cls, config: Config) -> "Limits":
        on = config.rate_limit
        return cls(
            login_account=SlidingWindow(config.login_max_per_account, config.login_window, enabled=on),
            login_ip=SlidingWindow(config.login_max_per_ip, config.login_window, enabled=on),
            register_ip=SlidingWindow(config.register_max_per_ip, 3600, enabled=on),
            share_ip=SlidingWindow(config.share_max_failures_per_ip, config.share_window, enabled=on),
            share_views_ip=SlidingWindow(config.share_max_views_per_ip, config.share_window, enabled=on),
        )


@dataclass
class WalletState:
    config: Config
    engine: Engine
    master_key: bytes = field(repr=False)
    passwords: Passwords = field(repr=False)
    limits: Limits = field(repr=False)
    verifier: "CredentialVerifier" = field(repr=False)

    def share_url(self, token: str) -> str:
        return f"{self.config.public_url}/s/{token}"


def current() -> WalletState:
    """The state of the app handling the current request."""
    return current_app.extensions["wallet"]
