"""Configuration of the wallet service, from WALLET_* environment variables.

Every setting has a safe default except the master key: without
`SKILLPASS_MASTER_KEY` the wallet refuses to start (unless `SKILLPASS_DEV=1`,
which uses an ephemeral master key and says so), because the citizens' holder
keys and the share-link tokens are sealed with it.

| variable | default | meaning |
| --- | --- | --- |
| SKILLPASS_MASTER_KEY | (required) | 32 bytes base64url; seals holder keys and share tokens |
| SKILLPASS_DEV | 0 | 1: start without a master key (ephemeral), migrate automatically |
| WALLET_DATABASE_URL (or DATABASE_URL) | sqlite:///var/wallet.db | the wallet's own database |
| WALLET_PUBLIC_URL | http://127.0.0.1:5002 | share links are `<this>/s/<token>` |
| WALLET_TOKEN_TTL | 43200 | seconds a bearer token lives |
| WALLET_PASSWORD_MIN_LENGTH | 8 | shortest password accepted |
| WALLET_ARGON2_TIME_COST / _MEMORY_KIB / _PARALLELISM | 3 / 65536 / 4 | argon2id cost (RFC 9106 low-memory profile) |
| WALLET_RATE_LIMIT | 1 | 0 switches every rate limit off |
| WALLET_LOGIN_MAX_PER_ACCOUNT / _PER_IP | 5 / 20 | failed logins per window before 429 |
| WALLET_LOGIN_WINDOW | 900 | seconds of the login window |
| WALLET_REGISTER_MAX_PER_IP | 20 | registrations per client IP per hour |
| WALLET_SHARE_MAX_FAILURES_PER_IP | 20 | unknown/revoked share tokens per client IP per window before 429 |
| WALLET_SHARE_WINDOW | 600 | seconds of the share-guessing window |
| WALLET_SHARE_MAX_VIEWS_PER_IP | 300 | share-link views (any outcome) per client IP per WALLET_SHARE_WINDOW before 429 |
| WALLET_PROXY_HOPS | 0 | X-Forwarded-For hops to trust for the client IP |
| WALLET_TRUST_REGISTRY | (none: no issuer is "trusted") | registry file path or https URL (the verifier's format) |
| WALLET_TRUST_REFRESH | 3600 | seconds between reloads of a registry URL (a file: on change) |
| WALLET_DEV_HOSTS | (empty) | host:port list reachable over http and on loopback, e.g. 127.0.0.1:5001 |
| WALLET_MAX_CREDENTIALS | 20000 | credentials one citizen may keep |
| WALLET_SHARE_DEFAULT_DAYS / WALLET_SHARE_MAX_DAYS | 30 / 365 | link lifetime when none is asked / at most |
| WALLET_PRESENTATION_TTL | 600 | `exp` of a presentation made from a link, seconds after `iat` |
| WALLET_AUTO_MIGRATE | 0 (1 with SKILLPASS_DEV=1) | upgrade a database that is behind at start (an empty one is always created) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Mapping
from urllib.parse import urlsplit

from vc import key_sealing
from vc.errors import InvalidKey

DEFAULT_DATABASE_URL = "sqlite:///var/wallet.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5002"


class ConfigError(RuntimeError):
    """The environment does not describe a wallet that may start."""


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def _flag(environ: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1/0 (true/false), got {raw!r}")


def _list(environ: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in environ.get(name, "").split(",") if item.strip())


@dataclass(frozen=True)
class Config:
    """Everything the wallet needs to know about its deployment.

    The master key is kept out of `repr`, so a logged or printed Config never
    shows it.
    """

    database_url: str = DEFAULT_DATABASE_URL
    #: Public base URL of this wallet: share links are `<public_url>/s/<token>`.
    public_url: str = DEFAULT_PUBLIC_URL
    #: The 32-byte master key (parsed); None only when `dev` is set.
    master_key: bytes | None = field(default=None, repr=False)
    dev: bool = False
    #: Migrate a database that is behind on start (default: only with SKILLPASS_DEV=1); an empty one is always created.
    auto_migrate: bool = False

    # --- accounts ---
    #: Lifetime of a bearer token, seconds.
    token_ttl: int = 12 * 3600
    password_min_length: int = 8
    #: argon2id cost; the defaults are RFC 9106's "second recommended option" as argon2-cffi ships it.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    argon2_parallelism: int = 4

    # --- rate limits (in-process sliding windows; `rate_limit=False` switches all off) ---
    rate_limit: bool = True
    #: Failed logins per account (e-mail address) within `login_window` seconds.
    login_max_per_account: int = 5
    #: Failed logins per client IP within `login_window` seconds.
    login_max_per_ip: int = 20
    login_window: int = 15 * 60
    #: Registrations per client IP within an hour.
    register_max_per_ip: int = 20
    #: Failed share-link look-ups (unknown, revoked tokens) per client IP within `share_window` seconds.
    share_max_failures_per_ip: int = 20
    share_window: int = 10 * 60
    #: Share-link views of any outcome per client IP within `share_window` seconds.
    share_max_views_per_ip: int = 300
    #: X-Forwarded-For hops to trust for the client IP (0: use the socket's address).
    proxy_hops: int = 0

    # --- credentials ---
    #: Trust registry (the verifier's JSON format): a file path or an https URL; None: no issuer is "trusted".
    trust_registry: str | None = None
    #: Seconds between reloads of a registry URL (a file is reloaded when it changes).
    trust_refresh: int = 3600
    #: Hosts (host or host:port) whose did:web and status lists may be fetched over http on loopback (development).
    dev_hosts: tuple[str, ...] = ()
    #: Most credentials one citizen may keep.
    max_credentials: int = 20_000

    # --- shares ---
    share_default_days: int = 30
    share_max_days: int = 365
    #: Lifetime (`exp`) of a presentation made from a share link, seconds.
    presentation_ttl: int = 600

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Config":
        env = os.environ if environ is None else environ
        master_text = env.get("SKILLPASS_MASTER_KEY", "").strip()
        master_key = None
        if master_text:
            try:
                master_key = key_sealing.parse_master_key(master_text)
            except InvalidKey:
                raise ConfigError(
                    "SKILLPASS_MASTER_KEY must be 32 random bytes, base64url "
                    "(generate one with `skillpass keygen --master-key`)"
                ) from None
        dev = _flag(env, "SKILLPASS_DEV")
        config = cls(
            database_url=(env.get("WALLET_DATABASE_URL") or env.get("DATABASE_URL") or DEFAULT_DATABASE_URL).strip(),
            public_url=(env.get("WALLET_PUBLIC_URL") or DEFAULT_PUBLIC_URL).strip().rstrip("/"),
            master_key=master_key,
            dev=dev,
            auto_migrate=_flag(env, "WALLET_AUTO_MIGRATE", dev),
            token_ttl=_int(env, "WALLET_TOKEN_TTL", cls.token_ttl, minimum=60),
            password_min_length=_int(env, "WALLET_PASSWORD_MIN_LENGTH", cls.password_min_length, minimum=8),
            argon2_time_cost=_int(env, "WALLET_ARGON2_TIME_COST", cls.argon2_time_cost, minimum=1),
            argon2_memory_kib=_int(env, "WALLET_ARGON2_MEMORY_KIB", cls.argon2_memory_kib, minimum=8),
            argon2_parallelism=_int(env, "WALLET_ARGON2_PARALLELISM", cls.argon2_parallelism, minimum=1),
            rate_limit=_flag(env, "WALLET_RATE_LIMIT", True),
            login_max_per_account=_int(env, "WALLET_LOGIN_MAX_PER_ACCOUNT", cls.login_max_per_account, minimum=1),
            login_max_per_ip=_int(env, "WALLET_LOGIN_MAX_PER_IP", cls.login_max_per_ip, minimum=1),
            login_window=_int(env, "WALLET_LOGIN_WINDOW", cls.login_window, minimum=1),
            register_max_per_ip=_int(env, "WALLET_REGISTER_MAX_PER_IP", cls.register_max_per_ip, minimum=1),
            share_max_failures_per_ip=_int(env, "WALLET_SHARE_MAX_FAILURES_PER_IP", cls.share_max_failures_per_ip, minimum=1),
            share_window=_int(env, "WALLET_SHARE_WINDOW", cls.share_window, minimum=1),
            share_max_views_per_ip=_int(env, "WALLET_SHARE_MAX_VIEWS_PER_IP", cls.share_max_views_per_ip, minimum=1),
            proxy_hops=_int(env, "WALLET_PROXY_HOPS", 0),
            trust_registry=(env.get("WALLET_TRUST_REGISTRY") or "").strip() or None,
            trust_refresh=_int(env, "WALLET_TRUST_REFRESH", cls.trust_refresh, minimum=10),
            dev_hosts=_list(env, "WALLET_DEV_HOSTS"),
            max_credentials=_int(env, "WALLET_MAX_CREDENTIALS", cls.max_credentials, minimum=1),
            share_default_days=_int(env, "WALLET_SHARE_DEFAULT_DAYS", cls.share_default_days, minimum=1),
            share_max_days=_int(env, "WALLET_SHARE_MAX_DAYS", cls.share_max_days, minimum=1),
            presentation_ttl=_int(env, "WALLET_PRESENTATION_TTL", cls.presentation_ttl, minimum=30),
        )
        config.check()
        return config

    def check(self) -> None:
        """Refuse settings that contradict each other."""
        parts = urlsplit(self.public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ConfigError(f"WALLET_PUBLIC_URL {self.public_url!r} must be an http(s) base URL")
        if self.share_default_days > self.share_max_days:
            raise ConfigError("WALLET_SHARE_DEFAULT_DAYS must not exceed WALLET_SHARE_MAX_DAYS")
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:
            raise ConfigError("WALLET_ARGON2_MEMORY_KIB must be at least 8 x WALLET_ARGON2_PARALLELISM")

    def with_(self, **changes) -> "Config":  # type: ignore[no-untyped-def]
        """A copy with some settings changed (tests, CLI)."""
        return replace(self, **changes)
