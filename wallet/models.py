"""The wallet's tables, on its own registry (never SQLModel.metadata).

Every row that belongs to a citizen carries `account_id` and every query is
scoped by it; ids that leave the service are random UUIDs, never sequential.
Secrets are stored only as hashes (bearer and share tokens: SHA-256; passwords:
argon2id) or sealed under the master key (the holder's private key, bound to
the account id; the share token, bound to the share id, so the citizen can
render the QR code again).

Listing stays fast for a citizen with many credentials: the list is a keyset
page over (account_id, imported_at, id), and the filters (type, issuer,
skill, label) are equality look-ups on indexes that start with account_id.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from vc.model import format_datetime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _ts(**kwargs) -> Column:  # type: ignore[no-untyped-def]
    return Column(DateTime(timezone=True), **kwargs)


def _owned(**kwargs) -> Column:  # type: ignore[no-untyped-def]
    """`account_id` of a citizen's row: removed with the account (erasure)."""
    return Column(String(36), ForeignKey("account.id", ondelete="CASCADE"), nullable=False, **kwargs)


class Base(SQLModel, registry=registry()):
    pass


class Account(Base, table=True):
    """A citizen."""

    __tablename__ = "account"

    id: str = Field(primary_key=True, max_length=36)
    #: Lower-cased; the login name.
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    display_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    password_changed_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class HolderKey(Base, table=True):
    """The citizen's holder key: the DID and the private key sealed to the account id."""

    __tablename__ = "holder_key"

    id: str = Field(primary_key=True, max_length=36)
    account_id: str = Field(sa_column=_owned(unique=True))
    did: str = Field(sa_column=Column(Text, nullable=False))
    key_type: str = Field(max_length=16)
    sealed_private: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class AuthToken(Base, table=True):
    """A bearer token: only its SHA-256 is stored. Logout and password change delete it."""

    __tablename__ = "auth_token"
    __table_args__ = (Index("ix_auth_token_expires", "expires_at"),)

    id: str = Field(primary_key=True, max_length=36)
    account_id: str = Field(sa_column=_owned(index=True))
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    expires_at: datetime = Field(sa_column=_ts(nullable=False))


class StoredCredential(Base, table=True):
    """A credential in a citizen's wallet: the signed token and the facts for listing."""

    __tablename__ = "credential"
    __table_args__ = (
        UniqueConstraint("account_id", "fingerprint", name="uq_credential_account_fingerprint"),
        Index("ix_credential_account_imported", "account_id", "imported_at", "id"),
        Index("ix_credential_account_type", "account_id", "type_name"),
        Index("ix_credential_account_kind", "account_id", "kind"),
        Index("ix_credential_account_issuer", "account_id", "issuer"),
    )

    id: str = Field(primary_key=True, max_length=36)
    account_id: str = Field(sa_column=_owned())
    #: The credential's own `id` (e.g. urn:uuid:...), or `sha256:<token hash>` when it has none.
    fingerprint: str = Field(max_length=512)
    credential_id: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    token: str = Field(sa_column=Column(Text, nullable=False))
    #: The most specific `type` (not VerifiableCredential); `types` holds them all (JSON list).
    type_name: str = Field(max_length=200)
    types: str = Field(sa_column=Column(Text, nullable=False))
    #: skillpass credential type (microcredential, skill-attestation) or "other".
    kind: str = Field(max_length=32)
    issuer: str = Field(max_length=2048)
    #: The issuer's name as the wallet's trust registry gives it (vouched for); None when not listed.
    issuer_name: str | None = Field(default=None, max_length=500)
    #: The name the credential gives its own issuer (claimed by whoever signed it).
    issuer_claimed_name: str | None = Field(default=None, max_length=500)
    title: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    valid_from: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    valid_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    #: valid, revoked, suspended, expired, not_yet_valid, unknown (status could not be checked).
    status: str = Field(max_length=32)
    trusted: bool = Field(sa_column=Column(Boolean, nullable=False))
    checked_at: datetime = Field(sa_column=_ts(nullable=False))
    #: The last verification report (JSON).
    report: str = Field(sa_column=Column(Text, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: Lower-cased title, labels, note, issuer name and skill labels, for `q`.
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    imported_at: datetime = Field(sa_column=_ts(nullable=False))


class CredentialLabel(Base, table=True):
    """A citizen's own label on a credential."""

    __tablename__ = "credential_label"
    __table_args__ = (Index("ix_credential_label_account_label", "account_id", "label"),)

    credential_pk: str = Field(
        sa_column=Column(String(36), ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True)
    )
    label: str = Field(sa_column=Column(String(100), primary_key=True))
    account_id: str = Field(sa_column=_owned())


class CredentialSkill(Base, table=True):
    """A skill (ESCO / CompetentNL URI) a credential attests or aligns to."""

    __tablename__ = "credential_skill"
    __table_args__ = (Index("ix_credential_skill_account_uri", "account_id", "uri"),)

    credential_pk: str = Field(
        sa_column=Column(String(36), ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True)
    )
    uri: str = Field(sa_column=Column(String(1024), primary_key=True))
    name: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    account_id: str = Field(sa_column=_owned())


class Share(Base, table=True):
    """A share link: SHA-256 of the token for look-up, the token sealed for the QR code."""

    __tablename__ = "share"
    __table_args__ = (Index("ix_share_account_created", "account_id", "created_at", "id"),)

    id: str = Field(primary_key=True, max_length=36)
    account_id: str = Field(sa_column=_owned())
    token_hash: str = Field(max_length=64, unique=True)
    #: Sealed under the master key (owner: the share id) for the QR routes; erased on revocation.
    sealed_token: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    purpose: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    expires_at: datetime = Field(sa_column=_ts(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    max_views: int | None = None
    views: int = 0


class ShareItem(Base, table=True):
    """One credential of a share; deleting the credential takes it out of the share."""

    __tablename__ = "share_item"

    share_id: str = Field(sa_column=Column(String(36), ForeignKey("share.id", ondelete="CASCADE"), primary_key=True))
    credential_pk: str = Field(
        sa_column=Column(String(36), ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    position: int
    account_id: str = Field(sa_column=_owned())
    #: dc+sd-jwt only: the claim paths (JSON array of arrays) the share reveals; [] reveals nothing hideable.
    disclose: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ShareView(Base, table=True):
    """One presentation made from a share link: when, for which audience; the nonce only hashed."""

    __tablename__ = "share_view"
    __table_args__ = (Index("ix_share_view_share_at", "share_id", "viewed_at"),)

    id: str = Field(primary_key=True, max_length=36)
    share_id: str = Field(sa_column=Column(String(36), ForeignKey("share.id", ondelete="CASCADE"), nullable=False))
    account_id: str = Field(sa_column=_owned(index=True))
    viewed_at: datetime = Field(sa_column=_ts(nullable=False))
    audience: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    nonce_hash: str | None = Field(default=None, max_length=64)


metadata = Base.metadata
OWNED_TABLES = (HolderKey, AuthToken, StoredCredential, CredentialLabel, CredentialSkill, Share, ShareItem, ShareView)


def aware(moment: datetime | None) -> datetime | None:
    """Datetimes come back naive from SQLite: they are UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso(moment: datetime | None) -> str | None:
    """UTC, seconds precision, `Z`."""
    moment = aware(moment)
    return None if moment is None else format_datetime(moment)
