"""The verifier's own tables: presentation requests and the nonces already used.

The verifier keeps no credentials and no reports beyond a presentation
request's answer (which the requester fetches with its result token). Nonces
are stored as SHA-256 so the table says nothing replayable by itself.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel
from sqlalchemy.orm import registry


class Base(SQLModel, registry=registry()):
    pass


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class PresentationRequest(Base, table=True):
    __tablename__ = "presentation_request"

    id: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(max_length=128, unique=True)
    audience: str = Field(max_length=2048)
    #: JSON: {"types": [...], "skills": [...]}
    wanted: str = Field(sa_column=Column(Text, nullable=False))
    purpose: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: SHA-256 (hex) of the bearer token that reads the result
    result_token_hash: str = Field(max_length=64)
    state: str = Field(default="pending", max_length=16)  # pending | answered
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    answered_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    verified: bool | None = None
    #: JSON of the answer (matched, missing, report without claims)
    result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class UsedNonce(Base, table=True):
    __tablename__ = "used_nonce"

    nonce_hash: str = Field(primary_key=True, max_length=64)
    used_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    #: kept until then (a presentation older than this is refused anyway)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


metadata = Base.metadata
