"""Holder keys: one per citizen, generated here, private half sealed to the account.

`did:key` (Ed25519) by default, `did:jwk` (P-256) on request. The private key
is PKCS#8 sealed with AES-256-GCM under the master key, with the account id
as associated data: a sealed blob copied into another citizen's row does not
open. It is opened only to sign a presentation, and never leaves the process.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import Session

from vc import did as dids
from vc import key_sealing, keys
from vc.errors import InvalidKey
from wallet.errors import KeyUnavailable
from wallet.models import HolderKey
from wallet.state import WalletState

KEY_TYPES = ("Ed25519", "P-256")


def _owner(account_id: str) -> str:
    """The associated data of the sealed key: the account id itself."""
    return account_id


def did_for(key: keys.PrivateKey, key_type: str) -> str:
    return dids.did_key(key) if key_type == "Ed25519" else dids.did_jwk(key)


def create(session: Session, state: WalletState, account_id: str, key_type: str) -> HolderKey:
    """A new holder key for the account, sealed, added to the session."""
    private = keys.generate(key_type)  # type: ignore[arg-type]
    row = HolderKey(
        id=str(uuid.uuid4()),
        account_id=account_id,
        did=did_for(private, key_type),
        key_type=key_type,
        sealed_private=key_sealing.seal(state.master_key, keys.private_key_to_bytes(private), _owner(account_id)),
    )
    session.add(row)
    return row


def for_account(session: Session, account_id: str) -> HolderKey:
    row = session.execute(select(HolderKey).where(HolderKey.account_id == account_id)).scalar_one_or_none()
    if row is None:
        raise KeyUnavailable("this account has no holder key")
    return row


def verification_method(did: str) -> str:
    """The holder's authentication key id, as its DID document names it."""
    return dids.resolve_local(did)["authentication"][0]


def open_private(state: WalletState, row: HolderKey) -> keys.PrivateKey:
    try:
        private = keys.private_key_from_bytes(
            key_sealing.open_sealed(state.master_key, bytes(row.sealed_private), _owner(row.account_id))
        )
    except InvalidKey:
        raise KeyUnavailable(
            "the holder key does not open with this master key (was SKILLPASS_MASTER_KEY changed?)"
        ) from None
    if did_for(private, row.key_type) != row.did:
        raise KeyUnavailable("the holder key does not match the account's DID")
    return private
