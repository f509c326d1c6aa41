"""Provider signing keys: created, sealed at rest, rotated, removed; the DID document.

A key is `key-<n>` in the provider's `did:web` document. Rotation makes a new
current key and retires the old one, which stays in `assertionMethod` so that
credentials signed with it still verify. Removal (after a compromise) takes a
retired key out of the document and erases its sealed private half.

Private keys exist in clear only in this process's memory; in the database
they are AES-GCM sealed under the master key and bound to the key's `uid`.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from issuer.errors import KeyInUse, KeyNotFoundError, KeyUnavailable
from issuer.models import Provider, SigningKey, iso, utcnow
from issuer.state import IssuerState
from vc import did as dids
from vc import key_sealing, keys
from vc.errors import InvalidKey

CURRENT, RETIRED, REMOVED = "current", "retired", "removed"


def provider_did(state: IssuerState, slug: str) -> str:
    """`did:web` of a provider: derived from ISSUER_BASE_URL + /providers/<slug>."""
    return dids.did_web_from_url(state.provider_url(slug))


def key_fragment(number: int) -> str:
    return f"key-{number}"


def _owner(uid: str) -> str:
    return f"skillpass-issuer:signing-key:{uid}"


def create_key(session: Session, state: IssuerState, provider_id: int, number: int, key_type: str) -> SigningKey:
    """Generate a key, seal its private half and add it as the current key."""
    private = keys.generate(key_type)  # type: ignore[arg-type]
    uid = uuid.uuid4().hex
    row = SigningKey(
        provider_id=provider_id,
        number=number,
        uid=uid,
        key_type=key_type,
        public_jwk=json.dumps(keys.public_jwk(private), separators=(",", ":")),
        sealed_private=key_sealing.seal(state.master_key, keys.private_key_to_bytes(private), _owner(uid)),
        state=CURRENT,
    )
    session.add(row)
    session.flush()
    state.private_keys[uid] = private
    return row


def current_key(session: Session, provider_id: int) -> SigningKey:
    row = session.execute(
        select(SigningKey).where(SigningKey.provider_id == provider_id, SigningKey.state == CURRENT)
    ).scalar_one_or_none()
    if row is None:
        raise KeyUnavailable("the provider has no current signing key")
    return row


def private_key(state: IssuerState, row: SigningKey) -> keys.PrivateKey:
    """The opened private key of a row (cached per process)."""
    cached = state.private_keys.get(row.uid)
    if cached is not None:
        return cached
    if row.sealed_private is None:
        raise KeyUnavailable(f"key-{row.number} was removed")
    try:
        private = keys.private_key_from_bytes(key_sealing.open_sealed(state.master_key, bytes(row.sealed_private), _owner(row.uid)))
    except InvalidKey:
        raise KeyUnavailable(
            "the provider's signing key does not open with this SKILLPASS_MASTER_KEY "
            "(was it sealed under another master key, e.g. an ephemeral SKILLPASS_DEV one?)"
        ) from None
    state.private_keys[row.uid] = private
    return private


def published_keys(session: Session, provider_id: int) -> list[SigningKey]:
    """Current and retired keys, oldest first: what the DID document lists."""
    return list(
        session.execute(
            select(SigningKey)
            .where(SigningKey.provider_id == provider_id, SigningKey.state.in_((CURRENT, RETIRED)))
            .order_by(SigningKey.number)
        ).scalars()
    )


def did_document(session: Session, state: IssuerState, provider: Provider) -> dict[str, Any]:
    did = provider_did(state, provider.slug)
    listed = [(key_fragment(k.number), keys.public_key_from_jwk(json.loads(k.public_jwk))) for k in published_keys(session, provider.id)]
    return dids.build_did_document(did, listed)


def rotate(session: Session, state: IssuerState, provider: Provider, key_type: str | None) -> tuple[SigningKey, SigningKey]:
    """Retire the current key and make a new one; returns (old, new). Locks the provider row."""
    session.execute(select(Provider).where(Provider.id == provider.id).with_for_update()).scalar_one()
    old = current_key(session, provider.id)
    old.state = RETIRED
    old.retired_at = utcnow()
    session.add(old)
    session.flush()
    highest = session.execute(
        select(SigningKey.number).where(SigningKey.provider_id == provider.id).order_by(SigningKey.number.desc()).limit(1)
    ).scalar_one()
    new = create_key(session, state, provider.id, highest + 1, key_type or old.key_type)
    return old, new


def remove(session: Session, state: IssuerState, provider: Provider, number: int) -> SigningKey:
    """Take a retired key out of the DID document and erase its private half."""
    row = session.execute(
        select(SigningKey)
        .where(SigningKey.provider_id == provider.id, SigningKey.number == number)
        .with_for_update()
    ).scalar_one_or_none()
    if row is None or row.state == REMOVED:
        raise KeyNotFoundError(f"no key-{number} at this provider")
    if row.state == CURRENT:
        raise KeyInUse(f"key-{number} is the current signing key: rotate first, then remove it")
    row.state = REMOVED
    row.removed_at = utcnow()
    row.sealed_private = None
    session.add(row)
    state.private_keys.pop(row.uid, None)
    return row


def key_info(state: IssuerState, provider: Provider, row: SigningKey) -> dict[str, Any]:
    """Public facts of a key; never the private half."""
    out: dict[str, Any] = {
        "id": f"{provider_did(state, provider.slug)}#{key_fragment(row.number)}",
        "number": row.number,
        "type": row.key_type,
        "state": row.state,
        "createdAt": iso(row.created_at),
    }
    if row.state != REMOVED:
        out["publicKeyJwk"] = json.loads(row.public_jwk)
    if row.retired_at:
        out["retiredAt"] = iso(row.retired_at)
    if row.removed_at:
        out["removedAt"] = iso(row.removed_at)
    return out
