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

SD-JWT VCs (dc+sd-jwt) carry an IETF Token Status List reference instead
(`status.status_list` {idx, uri}). There is no second allocation and no
second state: the Token Status List `status/token/<n>` is derived, when it is
published, from the same stored rows as the Bitstring lists. Its index space
is revocation list `n`'s: a credential's `idx` is its revocation index. It
has 2 bits per entry (draft-ietf-oauth-status-list status types): 0x01
INVALID where revocation list `n` has the bit set, 0x02 SUSPENDED where the
credential holding that revocation index has its suspension bit set (in
whichever suspension list it is), 0x00 VALID otherwise. So one revocation or
suspension changes both publications, and both say the same. Bit order
differs (W3C: most significant bit first; Token Status List: least
significant first) and is converted in vc/token_status_list.py.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from issuer import keystore
from issuer.models import Credential, Provider, SigningKey, StatusIndex, StatusList, bulk_insert
from issuer.state import IssuerState
from skillpass.db import read_session
from skillpass.web import MAX_ROW_ID, NotFound
from vc import jose, status_list, token_status_list

PURPOSES = ("revocation", "suspension")
LIST_SIZE = status_list.MIN_ENTRIES  # 131,072: herd privacy; never smaller
_RANDOM = secrets.SystemRandom()


def list_url(state: IssuerState, slug: str, purpose: str, number: int) -> str:
    return f"{state.provider_url(slug)}/status/{purpose}/{number}"


def token_list_url(state: IssuerState, slug: str, number: int) -> str:
    """The Token Status List (statuslist+jwt) derived from revocation list `number`."""
    return f"{state.provider_url(slug)}/status/token/{number}"


def token_status_reference(state: IssuerState, slug: str, revocation: tuple[int, int]) -> dict[str, dict[str, object]]:
    """The `status` claim of an SD-JWT VC whose revocation position is (list number, index)."""
    number, index = revocation
    return token_status_list.status_reference(token_list_url(state, slug, number), index)


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


def _list_head(session: Session, slug: str, purpose: str, number: int) -> tuple[int, int, str] | None:
    """(provider id, list version, current key uid): what decides whether a cached list is current."""
    return session.execute(
        select(Provider.id, StatusList.version, SigningKey.uid)
        .join(StatusList, StatusList.provider_id == Provider.id)
        .join(SigningKey, SigningKey.provider_id == Provider.id)
        .where(
            Provider.slug == slug, StatusList.purpose == purpose, StatusList.number == number,
            SigningKey.state == keystore.CURRENT,
        )
    ).first()  # type: ignore[return-value]


def _still_fresh(state: IssuerState, cache_key: tuple[Any, ...], version: Any, key_uid: str, now: float) -> Published | None:
    """The cached signed list, if nothing changed, the key is the same, and it is younger than half its TTL."""
    cached: Published | None = state.status_cache.get(cache_key)
    if cached and cached.version == version and cached.key_uid == key_uid and now < cached.signed_at + state.config.status_ttl / 2:
        return cached
    return None


def _published(token: str, version: Any, key_uid: str, signed_at: float, ttl: int) -> Published:
    return Published(
        token=token,
        etag='"' + hashlib.sha256(token.encode()).hexdigest()[:40] + '"',
        version=version,
        key_uid=key_uid,
        signed_at=signed_at,
        valid_until=signed_at + ttl,
    )


def publish(state: IssuerState, slug: str, purpose: str, number: int) -> Published:
    """The signed list credential, from the cache unless it changed or is ageing."""
    if purpose not in PURPOSES:
        raise NotFound(f"no status purpose {purpose[:32]!r} (revocation, suspension)")
    with read_session(state.engine) as session:
        head = _list_head(session, slug, purpose, number)
        if head is None:
            raise NotFound(f"no status list {purpose}/{number} at provider {slug[:63]!r}")
        provider_id, version, key_uid = head
        cache_key = (provider_id, purpose, number)
        now = time.time()
        cached = _still_fresh(state, cache_key, version, key_uid, now)
        if cached is not None:
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
    published = _published(token, version, key_row.uid, signed_at.timestamp(), ttl)
    with state.lock:
        previous = state.status_cache.get(cache_key)
        if previous is None or previous.version <= version:
            state.status_cache[cache_key] = published
    return published


def publish_token(state: IssuerState, slug: str, number: int) -> Published:
    """The signed Token Status List derived from revocation list `number` (see the module docstring).

    Cached like the Bitstring lists; its version is the revocation list's
    version together with every suspension list's, so a revocation or a
    suspension (or a reinstatement) rebuilds it.
    """
    if not 0 < number <= MAX_ROW_ID:  # no such list; and no integer the database cannot hold
        raise NotFound(f"no token status list {number} at provider {slug[:63]!r}")
    with read_session(state.engine) as session:
        head = _list_head(session, slug, "revocation", number)
        if head is None:
            raise NotFound(f"no token status list {number} at provider {slug[:63]!r}")
        provider_id, revocation_version, key_uid = head
        suspension_versions = tuple(
            session.execute(
                select(StatusList.number, StatusList.version)
                .where(StatusList.provider_id == provider_id, StatusList.purpose == "suspension")
                .order_by(StatusList.number)
            ).all()
        )
        version = (revocation_version, suspension_versions)
        cache_key = (provider_id, "token", number)
        now = time.time()
        cached = _still_fresh(state, cache_key, version, key_uid, now)
        if cached is not None:
            return cached
        revocation_bits = session.execute(
            select(StatusList.bits).where(
                StatusList.provider_id == provider_id, StatusList.purpose == "revocation", StatusList.number == number
            )
        ).scalar_one()
        # Candidates by state (few rows), confirmed by the stored suspension bits themselves.
        suspended_rows = session.execute(
            select(Credential.revocation_index, Credential.suspension_list, Credential.suspension_index).where(
                Credential.provider_id == provider_id,
                Credential.revocation_list == number,
                Credential.state == "suspended",
            )
        ).all()
        suspension_bits = {
            n: status_list.StatusList.from_bytes(bits)
            for n, bits in session.execute(
                select(StatusList.number, StatusList.bits).where(
                    StatusList.provider_id == provider_id,
                    StatusList.purpose == "suspension",
                    StatusList.number.in_({row[1] for row in suspended_rows}),
                )
            ).all()
        }
        key_row = keystore.current_key(session, provider_id)
    suspended = [
        index for index, list_number, sus_index in suspended_rows
        if list_number in suspension_bits and suspension_bits[list_number].get(sus_index)
    ]
    private = keystore.private_key(state, key_row)
    ttl = state.config.status_ttl
    signed_at = int(now)
    did = keystore.provider_did(state, slug)
    payload = token_status_list.status_list_token_payload(
        token_list_url(state, slug, number),
        token_status_list.TokenStatusList.combine(revocation_bits, suspended),
        issued_at=signed_at, expires_at=signed_at + ttl, ttl=ttl, issuer=did,
    )
    token = jose.sign_jws(payload, private, kid=f"{did}#{keystore.key_fragment(key_row.number)}", typ=token_status_list.TYP)
    published = _published(token, version, key_row.uid, float(signed_at), ttl)
    with state.lock:
        state.status_cache[cache_key] = published
    return published


# --- rebuilding -------------------------------------------------------------------


@dataclass(frozen=True)
class Rebuilt:
    """What `rebuild` did to one list."""

    purpose: str
    number: int
    corrected_bits: int
    marked_used: int
    version: int


def rebuild(state: IssuerState, provider_id: int, *, start_new_lists: bool = False) -> list[Rebuilt]:
    """Recompute every status list of a provider from the database's own truth, and re-publish.

    The credential states are the truth: a revocation bit is set exactly where
    a credential is `revoked`, a suspension bit exactly where one is
    `suspended` (revocation clears the suspension bit, so this is also what
    the live path publishes); every other bit is 0, including those of indices
    allocated to an issuance that never completed. The `used` bitmap gains
    every index `status_index` records (it never loses one: an index is never
    given out again, even one whose record is missing). Each list's `version`
    goes up, whether or not a bit changed, so every process re-signs it at
    the next request (a cached list signed from damaged bits is dropped too).

    The provider row and its lists are locked meanwhile: no issuance or state
    change interleaves, and one waiting for the lock applies on top of the result.

    `start_new_lists` (after restoring an older backup): also start a new,
    empty list per purpose, so issuance goes on there. Indices given out
    after the backup was made are unknown to the restored database; in a new
    list none of them can be given out a second time.
    """
    from issuer.models import Credential  # local: keeps the import list of the module above unchanged
    from skillpass.db import write_transaction

    report: list[Rebuilt] = []
    with write_transaction(state.engine) as session:
        lock_provider(session, provider_id)
        rows = session.execute(
            select(StatusList)
            .where(StatusList.provider_id == provider_id)
            .order_by(StatusList.purpose, StatusList.number)
            .with_for_update()
        ).scalars().all()
        for row in rows:
            list_column, index_column = (
                (Credential.revocation_list, Credential.revocation_index) if row.purpose == "revocation"
                else (Credential.suspension_list, Credential.suspension_index)
            )
            wanted_state = "revoked" if row.purpose == "revocation" else "suspended"
            bits = status_list.StatusList.new(row.size)
            for (index,) in session.execute(
                select(index_column).where(
                    Credential.provider_id == provider_id, list_column == row.number, Credential.state == wanted_state
                )
            ):
                bits.set(index, 1)
            rebuilt_bits = bits.to_bytes()
            used = bytearray(row.used)
            for (index,) in session.execute(
                select(StatusIndex.index).where(
                    StatusIndex.provider_id == provider_id, StatusIndex.purpose == row.purpose,
                    StatusIndex.list_number == row.number,
                )
            ):
                used[index >> 3] |= 0x80 >> (index & 7)
            marked = _popcount(bytes(used)) - _popcount(row.used)
            corrected = _popcount(bytes(a ^ b for a, b in zip(rebuilt_bits, row.bits))) if len(row.bits) == len(rebuilt_bits) else row.size
            row.bits, row.used = rebuilt_bits, bytes(used)
            row.allocated = max(row.allocated, _popcount(row.used))
            row.version += 1
            session.add(row)
            report.append(Rebuilt(row.purpose, row.number, corrected, marked, row.version))
        if start_new_lists:
            for purpose in PURPOSES:
                newest = max((r.number for r in rows if r.purpose == purpose), default=0)
                session.add(new_list(provider_id, purpose, newest + 1))
                report.append(Rebuilt(purpose, newest + 1, 0, 0, 0))
    return report


def _popcount(data: bytes) -> int:
    return int.from_bytes(data, "big").bit_count()
