"""Status lists (W3C Bitstring Status List v1.0): allocation, bit flips, publishing.

Allocation: per provider and purpose, indices are drawn at random (CSPRNG)
among the free ones of the newest list, never twice, never reused; the
`status_index` unique constraint (provider, purpose, list, index) is the
guard the database keeps, the `used` bitmap on the list row is how free
indices are found fast. Callers lock the provider row first, so when a list
is full exactly one new list is started even under concurrent issuance.

Publishing: the signed list credential is cached per process by (provider,
purpose, number) with the list row's `version` and the signing key it was
signed with; it is rebuilt only after a change, a key rotation, or when half
its validity has passed.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlmodel import Session

from issuer import keystore
from issuer.models import Provider, SigningKey, StatusIndex, StatusList, bulk_insert
from issuer.state import IssuerState
from skillpass.db import read_session
from skillpass.web import NotFound
from vc import jose, status_list

PURPOSES = ("revocation", "suspension")
LIST_SIZE = status_list.MIN_ENTRIES  # 131,072: herd privacy; never smaller
_RANDOM = secrets.SystemRandom()


def list_url(state: IssuerState, slug: str, purpose: str, number: int) -> str:
    return f"{state.provider_url(slug)}/status/{purpose}/{number}"


def new_list(provider_id: int, purpose: str, number: int, size: int = LIST_SIZE) -> StatusList:
    if size < status_list.MIN_ENTRIES or size % 8:
        raise ValueError("a status list holds at least 131,072 entries, a multiple of 8")
    return StatusList(
        provider_id=provider_id, purpose=purpose, number=number, size=size,
        allocated=0, version=0, bits=bytes(size // 8), used=bytes(size // 8),
    )


# --- allocation -----------------------------------------------------------------


def _free_positions(used: bytearray, size: int) -> list[int]:
    free = []
    for byte_no, byte in enumerate(used):
        if byte != 0xFF:
            base = byte_no * 8
            free.extend(base + bit for bit in range(8) if not byte & (0x80 >> bit))
    return [i for i in free if i < size]


def _pick(used: bytearray, size: int, allocated: int, count: int) -> list[int]:
    """`count` random free indices of a list, marked used in `used`."""
    if allocated + count <= size // 2:
        chosen: set[int] = set()
        while len(chosen) < count:  # rejection sampling: at least half the list is free
            i = _RANDOM.randrange(size)
            if not used[i >> 3] & (0x80 >> (i & 7)) and i not in chosen:
                chosen.add(i)
        picked = list(chosen)
    else:
        picked = _RANDOM.sample(_free_positions(used, size), count)
    for i in picked:
        used[i >> 3] |= 0x80 >> (i & 7)
    return picked


def lock_provider(session: Session, provider_id: int) -> None:
    """Serialise allocation per provider (FOR UPDATE on PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises writers)."""
    session.execute(select(Provider.id).where(Provider.id == provider_id).with_for_update()).one()


def allocate(session: Session, provider_id: int, purpose: str, credential_ids: list[str]) -> list[tuple[int, int]]:
    """(list number, index) for each credential id; call with the provider row locked."""
    needed = len(credential_ids)
    result: list[tuple[int, int]] = []
    while len(result) < needed:
        current = session.execute(
            select(StatusList)
            .where(StatusList.provider_id == provider_id, StatusList.purpose == purpose)
            .order_by(StatusList.number.desc())
            .limit(1)
            .with_for_update()
        ).scalar_one_or_none()
        if current is None or current.allocated >= current.size:
            current = new_list(provider_id, purpose, (current.number + 1) if current else 1)
            session.add(current)
            session.flush()
        take = min(needed - len(result), current.size - current.allocated)
        used = bytearray(current.used)
        picked = _pick(used, current.size, current.allocated, take)
        current.used = bytes(used)
        current.allocated += take
        session.add(current)
        result.extend((current.number, i) for i in picked)
    session.flush()
    bulk_insert(
        session,
        StatusIndex,
        [
            {"provider_id": provider_id, "purpose": purpose, "list_number": n, "index": i, "credential_id": cid}
            for (n, i), cid in zip(result, credential_ids)
        ],
    )
    return result


def set_bit(session: Session, provider_id: int, purpose: str, number: int, index: int, value: int) -> None:
    """Flip one status bit; the list's version goes up so every cache rebuilds."""
    row = session.execute(
        select(StatusList)
        .where(StatusList.provider_id == provider_id, StatusList.purpose == purpose, StatusList.number == number)
        .with_for_update()
    ).scalar_one()
    bits = status_list.StatusList.from_bytes(row.bits)
    if bits.get(index) == value:
        return
    bits.set(index, value)
    row.bits = bits.to_bytes()
    row.version += 1
    session.add(row)


# --- publishing -----------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    token: str
    etag: str
    version: int
    key_uid: str
    signed_at: float
    valid_until: float

    def max_age(self, now: float) -> int:
        return max(0, int(self.valid_until - now))


def publish(state: IssuerState, slug: str, purpose: str, number: int) -> Published:
    """The signed list credential, from the cache unless it changed or is ageing."""
    if purpose not in PURPOSES:
        raise NotFound(f"no status purpose {purpose[:32]!r} (revocation, suspension)")
    with read_session(state.engine) as session:
        head = session.execute(
            select(Provider.id, StatusList.version, SigningKey.uid)
            .join(StatusList, StatusList.provider_id == Provider.id)
            .join(SigningKey, SigningKey.provider_id == Provider.id)
            .where(
                Provider.slug == slug, StatusList.purpose == purpose, StatusList.number == number,
                SigningKey.state == keystore.CURRENT,
            )
        ).first()
        if head is None:
            raise NotFound(f"no status list {purpose}/{number} at provider {slug[:63]!r}")
        provider_id, version, key_uid = head
        cache_key = (provider_id, purpose, number)
        now = time.time()
        cached: Published | None = state.status_cache.get(cache_key)
        if cached and cached.version == version and cached.key_uid == key_uid and now < cached.signed_at + state.config.status_ttl / 2:
            return cached
        row = session.execute(
            select(StatusList).where(
                StatusList.provider_id == provider_id, StatusList.purpose == purpose, StatusList.number == number
            )
        ).scalar_one()
        key_row = keystore.current_key(session, provider_id)
        version, bits = row.version, row.bits
    private = keystore.private_key(state, key_row)
    ttl = state.config.status_ttl
    signed_at = datetime.fromtimestamp(int(now), timezone.utc)
    url = list_url(state, slug, purpose, number)
    did = keystore.provider_did(state, slug)
    document = status_list.status_list_credential(
        url, did, purpose, status_list.StatusList.from_bytes(bits).encode(),
        valid_from=signed_at, valid_until=signed_at + timedelta(seconds=ttl), ttl_ms=ttl * 1000,
    )
    token = jose.sign_credential(document, private, f"{did}#{keystore.key_fragment(key_row.number)}")
    published = Published(
        token=token,
        etag='"' + hashlib.sha256(token.encode()).hexdigest()[:40] + '"',
        version=version,
        key_uid=key_row.uid,
        signed_at=signed_at.timestamp(),
        valid_until=signed_at.timestamp() + ttl,
    )
    with state.lock:
        previous = state.status_cache.get(cache_key)
        if previous is None or previous.version <= version:
            state.status_cache[cache_key] = published
    return published
