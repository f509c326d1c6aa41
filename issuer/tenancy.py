"""Providers (tenants) and their API keys; who is asking.

API keys are `sk_` + 32 random bytes (base64url), shown once and stored as
SHA-256 hex. A key only ever opens its own provider: a key of provider A at
provider B is answered exactly like an unknown provider (404), never with data.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from issuer import audit, keystore, statuslists
from issuer.errors import AdminDisabled, ProviderExists
from issuer.models import ApiKey, Provider, SigningKey, iso, utcnow
from issuer.state import IssuerState
from skillpass.db import read_session, write_transaction
from skillpass.web import NotFound, Unauthorized, bearer_token
from vc import keys

API_KEY_PREFIX = "sk_"


@dataclass(frozen=True)
class Caller:
    """An authenticated API client: its provider and its key's public id."""

    provider: Provider
    key_public_id: str

    @property
    def actor(self) -> str:
        return f"api-key:{self.key_public_id}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# --- providers ----------------------------------------------------------------


def get_provider(session: Session, slug: str) -> Provider:
    provider = session.execute(select(Provider).where(Provider.slug == slug)).scalar_one_or_none()
    if provider is None:
        raise NotFound(f"no provider {slug[:63]!r}")
    return provider


def create_provider(state: IssuerState, data: dict[str, Any], *, actor: str, key_type: str | None = None) -> Provider:
    """A provider, its first signing key and its first status lists, in one transaction."""
    key_type = key_type or state.config.default_key_type
    try:
        with write_transaction(state.engine) as session:
            if session.execute(select(Provider.id).where(Provider.slug == data["slug"])).first():
                raise ProviderExists(f"provider {data['slug']!r} exists already")
            provider = Provider(**data)
            session.add(provider)
            session.flush()
            key = keystore.create_key(session, state, provider.id, 1, key_type)
            for purpose in statuslists.PURPOSES:
                session.add(statuslists.new_list(provider.id, purpose, 1))
            audit.record(session, actor=actor, action="provider.create", target=provider.slug, provider_id=provider.id)
            audit.record(
                session, actor=actor, action="key.create", target=keystore.key_fragment(key.number),
                provider_id=provider.id, detail={"keyType": key_type},
            )
    except IntegrityError:
        raise ProviderExists(f"provider {data['slug']!r} exists already") from None
    return provider


def provider_info(state: IssuerState, session: Session, provider: Provider) -> dict[str, Any]:
    names = {k: v for k, v in (("nl", provider.name_nl), ("en", provider.name_en)) if v}
    url = state.provider_url(provider.slug)
    info: dict[str, Any] = {
        "slug": provider.slug,
        "did": keystore.provider_did(state, provider.slug),
        "didDocument": f"{url}/did.json",
        "name": names,
        "country": provider.country,
        "createdAt": iso(provider.created_at),
    }
    for member in ("homepage", "kvk", "brin", "rio"):
        if getattr(provider, member):
            info[member] = getattr(provider, member)
    rows = session.execute(
        select(SigningKey).where(SigningKey.provider_id == provider.id).order_by(SigningKey.number)
    ).scalars()
    info["keys"] = [keystore.key_info(state, provider, row) for row in rows]
    return info


def issuer_profile(state: IssuerState, provider: Provider) -> dict[str, Any]:
    """The OB3 Profile that is the credential's `issuer` (its id is the DID)."""
    profile: dict[str, Any] = {
        "id": keystore.provider_did(state, provider.slug),
        "type": ["Profile"],
        "name": provider.name_nl or provider.name_en or provider.slug,
    }
    if provider.homepage:
        profile["url"] = provider.homepage
    profile["address"] = {"type": ["Address"], "addressCountryCode": provider.country}
    identifiers = [
        {"type": "IdentifierEntry", "identifier": value, "identifierType": f"ext:{name}"}
        for name, value in (("KvK", provider.kvk), ("BRIN", provider.brin), ("RIO", provider.rio))
        if value
    ]
    if identifiers:
        profile["otherIdentifier"] = identifiers
    return profile


# --- API keys -------------------------------------------------------------------


def create_api_key(state: IssuerState, slug: str, label: str, *, actor: str) -> tuple[ApiKey, str]:
    """A new API key; the secret is returned here once and never again."""
    secret = API_KEY_PREFIX + keys.b64url_encode(secrets.token_bytes(32))
    with write_transaction(state.engine) as session:
        provider = get_provider(session, slug)
        row = ApiKey(
            public_id="ak_" + secrets.token_hex(8),
            provider_id=provider.id,
            key_hash=_hash(secret),
            label=label,
        )
        session.add(row)
        session.flush()
        audit.record(session, actor=actor, action="api_key.create", target=row.public_id, provider_id=provider.id)
    return row, secret


def revoke_api_key(state: IssuerState, slug: str, public_id: str, *, actor: str) -> ApiKey:
    with write_transaction(state.engine) as session:
        provider = get_provider(session, slug)
        row = session.execute(
            select(ApiKey).where(ApiKey.provider_id == provider.id, ApiKey.public_id == public_id).with_for_update()
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no API key {public_id[:40]!r} at this provider")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            session.add(row)
            audit.record(session, actor=actor, action="api_key.revoke", target=row.public_id, provider_id=provider.id)
    return row


def require_unrevoked(session: Session, public_id: str) -> None:
    """Inside the write that makes a request's effect: the key it came with is still valid.

    A request is authenticated when it starts; a batch of a thousand signs for
    seconds. A shared lock on the key row orders this write against a revocation
    (which takes it exclusively) but not against other issuances with the same
    key: whatever commits after the revocation is refused.
    """
    row = session.execute(select(ApiKey).where(ApiKey.public_id == public_id).with_for_update(read=True)).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("the API key was revoked while the request ran; nothing was issued")


def api_key_info(row: ApiKey) -> dict[str, Any]:
    info: dict[str, Any] = {"id": row.public_id, "label": row.label, "createdAt": iso(row.created_at)}
    if row.revoked_at:
        info["revokedAt"] = iso(row.revoked_at)
    return info


def list_api_keys(state: IssuerState, slug: str) -> list[dict[str, Any]]:
    with read_session(state.engine) as session:
        provider = get_provider(session, slug)
        rows = session.execute(select(ApiKey).where(ApiKey.provider_id == provider.id).order_by(ApiKey.id)).scalars()
        return [api_key_info(r) for r in rows]


# --- who is asking --------------------------------------------------------------


def presented_api_key() -> str | None:
    return request.headers.get("X-API-Key") or bearer_token()


def authenticate(state: IssuerState, slug: str) -> Caller:
    """The API client of `slug`, or 401 (no valid key) / 404 (not this provider's key)."""
    secret = presented_api_key()
    if not secret:
        raise Unauthorized("send an API key: Authorization: Bearer <key> or X-API-Key")
    with read_session(state.engine) as session:
        row = session.execute(select(ApiKey).where(ApiKey.key_hash == _hash(secret.strip()))).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            raise Unauthorized("the API key is not valid")
        provider = session.execute(select(Provider).where(Provider.slug == slug)).scalar_one_or_none()
        if provider is None or provider.id != row.provider_id:
            raise NotFound(f"no provider {slug[:63]!r}")
        return Caller(provider=provider, key_public_id=row.public_id)


def require_admin(state: IssuerState) -> str:
    """Check the admin token (constant time); returns the audit actor."""
    expected = state.config.admin_token
    if not expected:
        raise AdminDisabled("the admin API is disabled: ISSUER_ADMIN_TOKEN is not set")
    given = bearer_token()
    if not given or not hmac.compare_digest(_hash(given), _hash(expected)):
        raise Unauthorized("admin token missing or not valid")
    return "admin"
