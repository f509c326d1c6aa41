"""The issuer's tables, on its own registry (never SQLModel.metadata).

What is kept (data minimisation): for each credential its id, type, holder DID,
status-list positions, state and dates; the signed token only while the
retention period runs (for re-delivery), never the subject data on its own.
Private keys only sealed (AES-GCM under the master key, bound to the key's
owner id).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Index, LargeBinary, Text, UniqueConstraint, insert
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from vc.model import format_datetime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _ts(**kwargs) -> Column:  # type: ignore[no-untyped-def]
    return Column(DateTime(timezone=True), **kwargs)


class Base(SQLModel, registry=registry()):
    pass


class Provider(Base, table=True):
    """A training provider (tenant)."""

    __tablename__ = "provider"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=63, unique=True, index=True)
    name_nl: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    country: str = Field(max_length=2)
    homepage: str | None = Field(default=None, max_length=500)
    kvk: str | None = Field(default=None, max_length=8)
    brin: str | None = Field(default=None, max_length=8)
    rio: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class SigningKey(Base, table=True):
    """A provider's signing key: `key-<number>` in its DID document.

    state: current (signs), retired (still in the DID document), removed
    (gone from the DID document; its sealed private key is erased).
    """

    __tablename__ = "signing_key"
    __table_args__ = (UniqueConstraint("provider_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    number: int
    #: Stable owner id the sealed private key is bound to.
    uid: str = Field(max_length=64, unique=True)
    key_type: str = Field(max_length=16)
    public_jwk: str = Field(sa_column=Column(Text, nullable=False))
    sealed_private: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    state: str = Field(max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    retired_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    removed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ApiKey(Base, table=True):
    """A provider system's API key: only its SHA-256 is stored."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=40, unique=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    key_hash: str = Field(max_length=64, unique=True)
    label: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class StatusList(Base, table=True):
    """One Bitstring Status List of a provider for one purpose.

    `bits` is the published bitstring; `used` marks allocated indices (the
    database guard is StatusIndex's unique constraint). `version` goes up with
    every change of `bits`, so every process knows when its cached signed list
    is stale.
    """

    __tablename__ = "status_list"
    __table_args__ = (UniqueConstraint("provider_id", "purpose", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    purpose: str = Field(max_length=16)
    number: int
    size: int
    allocated: int = 0
    version: int = 0
    bits: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    used: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class StatusIndex(Base, table=True):
    """One allocated status-list index; never allocated twice, never reused."""

    __tablename__ = "status_index"
    __table_args__ = (UniqueConstraint("provider_id", "purpose", "list_number", "index"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id")
    purpose: str = Field(max_length=16)
    list_number: int
    index: int
    credential_id: str = Field(max_length=64)


class Credential(Base, table=True):
    """What the issuer keeps of an issued credential.

    Its two status positions are unique per provider (the second guard,
    beside StatusIndex's, that no index is ever given to two credentials).
    """

    __tablename__ = "credential"
    __table_args__ = (
        Index("ix_credential_provider_issued", "provider_id", "issued_at"),
        Index("ix_credential_token_expiry", "token_expires_at"),
        UniqueConstraint("provider_id", "revocation_list", "revocation_index", name="uq_credential_revocation_position"),
        UniqueConstraint("provider_id", "suspension_list", "suspension_index", name="uq_credential_suspension_position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    credential_id: str = Field(max_length=64, unique=True)
    provider_id: int = Field(foreign_key="provider.id")
    type_name: str = Field(max_length=32)
    holder: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    revocation_list: int
    revocation_index: int
    suspension_list: int
    suspension_index: int
    state: str = Field(default="active", max_length=16)
    key_number: int
    issued_at: datetime = Field(sa_column=_ts(nullable=False))
    valid_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    token_expires_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class IdempotencyRecord(Base, table=True):
    """An Idempotency-Key a provider used, the body it came with, what it made."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("provider_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id")
    key: str = Field(max_length=255)
    body_hash: str = Field(max_length=64)
    credential_id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class AuditEvent(Base, table=True):
    """Who did what when: actor (admin, api key id, cli), never a secret."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_provider_target", "provider_id", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    actor: str = Field(max_length=80)
    action: str = Field(max_length=40)
    target: str = Field(max_length=200)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


metadata = Base.metadata


def aware(moment: datetime | None) -> datetime | None:
    """Datetimes come back naive from SQLite: they are UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso(moment: datetime | None) -> str | None:
    """UTC, seconds precision, `Z`."""
    moment = aware(moment)
    return None if moment is None else format_datetime(moment)


def bulk_insert(session, model: type[SQLModel], rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    """Insert many rows (all with the same keys) fast, inside the session's transaction.

    SQLite: one executemany (in-process, already fast). PostgreSQL: COPY
    FROM STDIN, one stream instead of a round trip per row.
    """
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    names = ", ".join('"' + table.c[name].name + '"' for name in columns)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
