"""Configuration of the issuer service, from ISSUER_* environment variables.

Every setting has a safe default except the two secrets: without
`SKILLPASS_MASTER_KEY` the service refuses to start (unless `SKILLPASS_DEV=1`,
which uses an ephemeral master key and says so), and without
`ISSUER_ADMIN_TOKEN` the admin API is disabled.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Mapping

from vc import key_sealing
from vc.errors import InvalidKey

DEFAULT_DATABASE_URL = "sqlite:///var/issuer.db"
DEFAULT_BASE_URL = "http://127.0.0.1:5001"


class ConfigError(RuntimeError):
    """The environment does not describe a service that may start."""


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
    return raw in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Config:
    """Everything the issuer needs to know about its deployment.

    Secrets (`master_key`, `admin_token`) are kept out of `repr`, so a logged
    or printed Config never shows them.
    """

    database_url: str = DEFAULT_DATABASE_URL
    #: Public base URL; provider DIDs and status list URLs are derived from it.
    base_url: str = DEFAULT_BASE_URL
    admin_token: str | None = field(default=None, repr=False)
    #: The 32-byte master key (parsed); None only when `dev` is set.
    master_key: bytes | None = field(default=None, repr=False)
    dev: bool = False
    #: Provider slug that `POST /credentials/issue` (VC-API) issues for.
    default_provider: str | None = None
    #: Days a signed credential is kept for re-delivery; 0 = never stored.
    retention_days: int = 30
    #: Seconds a published status list is valid (validUntil, Cache-Control, ttl).
    status_ttl: int = 300
    #: Cache-Control max-age of DID documents, seconds.
    did_max_age: int = 300
    #: Most items in one batch request.
    max_batch: int = 1000
    #: Key type of new providers unless they ask for another.
    default_key_type: str = "Ed25519"
    #: Upgrade a database that is behind at start (an empty one is always created); see skillpass/migrations.py.
    auto_migrate: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Config":
        env = os.environ if environ is None else environ
        dev = _flag(env, "SKILLPASS_DEV")
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
        key_type = env.get("ISSUER_DEFAULT_KEY_TYPE", "Ed25519").strip() or "Ed25519"
        if key_type not in ("Ed25519", "P-256"):
            raise ConfigError("ISSUER_DEFAULT_KEY_TYPE must be Ed25519 or P-256")
        return cls(
            database_url=(
                env.get("ISSUER_DATABASE_URL") or env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
            ).strip(),
            base_url=(env.get("ISSUER_BASE_URL") or DEFAULT_BASE_URL).strip().rstrip("/"),
            admin_token=env.get("ISSUER_ADMIN_TOKEN") or None,
            master_key=master_key,
            dev=dev,
            default_provider=(env.get("ISSUER_DEFAULT_PROVIDER") or "").strip() or None,
            retention_days=_int(env, "ISSUER_RETENTION_DAYS", 30),
            status_ttl=_int(env, "ISSUER_STATUS_TTL", 300, minimum=10),
            did_max_age=_int(env, "ISSUER_DID_MAX_AGE", 300),
            max_batch=_int(env, "ISSUER_MAX_BATCH", 1000, minimum=1),
            default_key_type=key_type,
            auto_migrate=_flag(env, "ISSUER_AUTO_MIGRATE", dev),
        )

    def with_(self, **changes) -> "Config":  # type: ignore[no-untyped-def]
        """A copy with some settings changed (tests, CLI)."""
        return replace(self, **changes)
