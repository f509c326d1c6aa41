"""The audit log: issue / revoke / suspend / reinstate / key and tenant events.

An event names its actor (``admin``, ``cli``, ``api-key:<public id>``), never a
secret; `detail` holds small facts such as a reason or a key number.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select
from sqlmodel import Session

from issuer.models import AuditEvent, bulk_insert, iso, utcnow


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    provider_id: int | None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    session.add(
        AuditEvent(
            at=at or utcnow(),
            provider_id=provider_id,
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(detail, separators=(",", ":"), sort_keys=True) if detail else None,
        )
    )


def record_many(session: Session, rows: Iterable[dict[str, Any]]) -> None:
    """Bulk insert (one executemany): dicts with the AuditEvent columns."""
    rows = list(rows)
    if rows:
        bulk_insert(session, AuditEvent, rows)


def as_dict(event: AuditEvent) -> dict[str, Any]:
    out: dict[str, Any] = {
        "at": iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
    }
    if event.detail:
        out["detail"] = json.loads(event.detail)
    return out


def events(session: Session, provider_id: int, *, target: str | None = None, limit: int = 100, before: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.provider_id == provider_id)
    if target is not None:
        query = query.where(AuditEvent.target == target)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    query = query.order_by(AuditEvent.id.desc()).limit(limit)
    return list(session.execute(query).scalars())
