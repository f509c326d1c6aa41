"""Configuration of the verifier service, from VERIFIER_* environment variables.

| variable | default | meaning |
| --- | --- | --- |
| VERIFIER_DATABASE_URL (or DATABASE_URL) | sqlite:///var/verifier.db | presentation requests, used nonces |
| VERIFIER_AUDIENCE | http://127.0.0.1:5003 | this verifier's id: the `aud` presentations must name |
| VERIFIER_TRUST_REGISTRY | (none: nobody is trusted) | path of a JSON registry file, or an https URL |
| VERIFIER_TRUST_REFRESH | 3600 | seconds between registry reloads (file: on change; URL: refetch) |
| VERIFIER_OPEN_MODE | 0 | 1: verify issuers that are not in the registry too (trust "unknown") |
| VERIFIER_ACCEPT_UNKNOWN | (empty) | "status", "trust" or both: those "unknown" outcomes still verify |
| VERIFIER_DEV_HOSTS | (empty) | host:port list reachable over http and on loopback, e.g. 127.0.0.1:5001 |
| VERIFIER_MAX_BODY_BYTES | 16777216 | request body cap (413 above) |
| VERIFIER_MAX_BATCH | 1000 | credentials per /verify/batch |
| VERIFIER_REQUIRE_NONCE | 1 | a presentation at /verify must come with the nonce it was asked for |
| VERIFIER_REQUEST_TTL | 600 | seconds a presentation request stays open |
| VERIFIER_FETCH_TIMEOUT | 5 | seconds per remote fetch (DID document, status list) |
| VERIFIER_CACHE_TTL / VERIFIER_CACHE_MAX_TTL | 300 / 3600 | cache lifetime without / at most with Cache-Control |
| VERIFIER_AUTO_MIGRATE | 0 (1 with SKILLPASS_DEV=1) | upgrade the database schema at start |
| VERIFIER_RATE_LIMIT | 1 | 0 switches the rate limit off |
| VERIFIER_VERIFY_MAX_PER_IP / VERIFIER_VERIFY_WINDOW | 120 / 60 | verification requests (/verify, /verify/batch, VC-API verify, presentation requests and their answers) per client IP per window (seconds) before 429 |
| VERIFIER_PROXY_HOPS | 0 | X-Forwarded-For hops to trust for the client IP |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Mapping

from vc.verify import ACCEPTABLE_UNKNOWN

DEFAULT_DATABASE_URL = "sqlite:///var/verifier.db"
DEFAULT_AUDIENCE = "http://127.0.0.1:5003"


class ConfigError(RuntimeError):
    """The environment does not describe a verifier that may start."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not value > 0:
        raise ConfigError(f"{name} must be positive")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


def parse_dev_hosts(value: str) -> tuple[str, ...]:
    hosts = []
    for item in value.split(","):
        item = item.strip().lower()
        if not item:
            continue
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536 or "/" in item:
            raise ConfigError(f"VERIFIER_DEV_HOSTS entries are host:port, got {item!r}")
        hosts.append(item)
    return tuple(hosts)


@dataclass(frozen=True)
class Config:
    database_url: str = DEFAULT_DATABASE_URL
    audience: str = DEFAULT_AUDIENCE
    trust_registry: str | None = None
    trust_refresh: int = 3600
    open_mode: bool = False
    accept_unknown: frozenset[str] = frozenset()
    dev_hosts: tuple[str, ...] = ()
    max_body_bytes: int = 16 * 1024 * 1024
    max_batch: int = 1000
    require_nonce: bool = True
    request_ttl: int = 600
    fetch_timeout: float = 5.0
    cache_ttl: int = 300
    cache_max_ttl: int = 3600
    auto_migrate: bool = False
    dev: bool = False
    #: Rate limit of the verification endpoints, per client IP (in-process sliding window).
    rate_limit: bool = True
    verify_max_per_ip: int = 120
    verify_window: int = 60
    #: X-Forwarded-For hops to trust for the client IP (0: the socket's address).
    proxy_hops: int = 0

    def __post_init__(self) -> None:
        if not frozenset(self.accept_unknown) <= ACCEPTABLE_UNKNOWN:
            raise ConfigError(f"VERIFIER_ACCEPT_UNKNOWN may name only {', '.join(sorted(ACCEPTABLE_UNKNOWN))}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Config":
        env = os.environ if environ is None else environ
        dev = _flag(env, "SKILLPASS_DEV")
        accept = frozenset(a.strip() for a in env.get("VERIFIER_ACCEPT_UNKNOWN", "").split(",") if a.strip())
        return cls(
            database_url=(env.get("VERIFIER_DATABASE_URL") or env.get("DATABASE_URL") or DEFAULT_DATABASE_URL).strip(),
            audience=(env.get("VERIFIER_AUDIENCE") or DEFAULT_AUDIENCE).strip(),
            trust_registry=(env.get("VERIFIER_TRUST_REGISTRY") or "").strip() or None,
            trust_refresh=_int(env, "VERIFIER_TRUST_REFRESH", 3600, minimum=10),
            open_mode=_flag(env, "VERIFIER_OPEN_MODE"),
            accept_unknown=accept,
            dev_hosts=parse_dev_hosts(env.get("VERIFIER_DEV_HOSTS", "")),
            max_body_bytes=_int(env, "VERIFIER_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum=1024),
            max_batch=_int(env, "VERIFIER_MAX_BATCH", 1000, minimum=1),
            require_nonce=_flag(env, "VERIFIER_REQUIRE_NONCE", True),
            request_ttl=_int(env, "VERIFIER_REQUEST_TTL", 600, minimum=10),
            fetch_timeout=_float(env, "VERIFIER_FETCH_TIMEOUT", 5.0),
            cache_ttl=_int(env, "VERIFIER_CACHE_TTL", 300),
            cache_max_ttl=_int(env, "VERIFIER_CACHE_MAX_TTL", 3600),
            auto_migrate=_flag(env, "VERIFIER_AUTO_MIGRATE", dev),
            dev=dev,
            rate_limit=_flag(env, "VERIFIER_RATE_LIMIT", True),
            verify_max_per_ip=_int(env, "VERIFIER_VERIFY_MAX_PER_IP", 120, minimum=1),
            verify_window=_int(env, "VERIFIER_VERIFY_WINDOW", 60, minimum=1),
            proxy_hops=_int(env, "VERIFIER_PROXY_HOPS", 0),
        )

    def with_(self, **changes) -> "Config":  # type: ignore[no-untyped-def]
        return replace(self, **changes)
