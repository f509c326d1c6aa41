"""The citizen's credentials: import (verified first), list, search, label, check, delete.

Every function takes the account id of the authenticated citizen and scopes
every query by it: another citizen's credential is "not found", exactly like a
credential that does not exist.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from skillpass.db import read_session, write_transaction
from vc import credential_types, jose, sdjwt
from vc.errors import SkillpassError
from wallet import facts as fact_reader
from wallet import holder
from wallet.api import CredentialQuery
from wallet.errors import CredentialNotFound, CredentialRejected, DuplicateCredential, InvalidCursor, WalletFull
from wallet.models import CredentialLabel, CredentialSkill, ShareItem, StoredCredential, aware, iso, utcnow
from wallet.state import WalletState
from wallet.verification import Verdict, rejection

MAX_FINGERPRINT = 500
VC_JWT, SD_JWT = "vc+jwt", "dc+sd-jwt"
_SD_JWT_DATA = "data:application/dc+sd-jwt,"


# --- parsing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    token: str
    payload: dict[str, Any]
    fingerprint: str

    @property
    def credential_id(self) -> str | None:
        cid = self.payload.get("jti" if "~" in self.token else "id")
        return cid if isinstance(cid, str) else None


def format_of(token: str) -> str:
    """dc+sd-jwt (`<JWT>~<Disclosure>~...~`; a JWS never holds a `~`) or vc+jwt."""
    return SD_JWT if "~" in token else VC_JWT


def _is_sd_jwt(credential: Any) -> bool:
    value = credential.get("id") if isinstance(credential, dict) else credential
    return isinstance(value, str) and (value.startswith(_SD_JWT_DATA) or "~" in value)


def _parse_sd_jwt(credential: Any) -> Parsed:
    """An SD-JWT VC as issued (every Disclosure, no KB-JWT): the facts come from all its claims."""
    value = credential.get("id") if isinstance(credential, dict) else credential
    token = value.removeprefix(_SD_JWT_DATA)
    try:
        parsed = sdjwt.parse(token)
        if parsed.kb_jwt is not None:
            raise sdjwt.SdJwtError("keep the SD-JWT VC as it was issued: without a Key Binding JWT")
        processed = sdjwt.process(parsed)
        if not isinstance(processed.claims.get("iss"), str):
            raise sdjwt.SdJwtError("an SD-JWT VC in a wallet must name its issuer (`iss`)")
    except SkillpassError as exc:
        raise CredentialRejected(rejection("format", exc.code, exc.detail)) from None
    jti = processed.claims.get("jti")
    if isinstance(jti, str) and jti and len(jti) <= MAX_FINGERPRINT:
        fingerprint = jti
    else:  # the same credential whatever was disclosed: the issuer-signed JWT
        fingerprint = "sha256:" + hashlib.sha256(parsed.issuer_jwt.encode("ascii")).hexdigest()
    return Parsed(token, processed.claims, fingerprint)


def fingerprint_of(token: str, payload: dict[str, Any]) -> str:
    """The credential's `id` (what "the same credential" means), or a hash of the token without one."""
    cid = payload.get("id")
    if isinstance(cid, str) and cid:
        return cid if len(cid) <= MAX_FINGERPRINT else "sha256:" + hashlib.sha256(cid.encode()).hexdigest()
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def parse(credential: str | dict[str, Any]) -> Parsed:
    """Unwrap (enveloped or compact) and decode without trusting anything yet."""
    if _is_sd_jwt(credential):
        return _parse_sd_jwt(credential)
    try:
        token = jose.unwrap(credential)
        decoded = jose.decode_jws(token)
        jose.issuer_id(decoded.payload)
    except SkillpassError as exc:
        raise CredentialRejected(rejection("format", exc.code, exc.detail)) from None
    return Parsed(token, decoded.payload, fingerprint_of(token, decoded.payload))


# --- output ------------------------------------------------------------------------------


def _labels_of(session: Session, account_id: str, pks: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {pk: [] for pk in pks}
    if pks:
        rows = session.execute(
            select(CredentialLabel.credential_pk, CredentialLabel.label)
            .where(CredentialLabel.account_id == account_id, CredentialLabel.credential_pk.in_(pks))
            .order_by(CredentialLabel.credential_pk, CredentialLabel.label)
        )
        for pk, label in rows:
            out[pk].append(label)
    return out


def _skills_of(session: Session, account_id: str, pks: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {pk: [] for pk in pks}
    if pks:
        # By the primary key (credential_pk, uri) only: with `account_id` in the WHERE clause too,
        # SQLite picks the (account_id, uri) index and reads every skill of the dossier (15 of
        # the 21 ms of a page of 50 out of 10,000). The owner is still checked, row by row.
        rows = session.execute(
            select(CredentialSkill.credential_pk, CredentialSkill.uri, CredentialSkill.name, CredentialSkill.account_id)
            .where(CredentialSkill.credential_pk.in_(pks))
            .order_by(CredentialSkill.credential_pk, CredentialSkill.uri)
        )
        for pk, uri, name, owner in rows:
            if owner == account_id:
                out[pk].append({"uri": uri, "name": name})
    return out


def summary(row: StoredCredential, labels: list[str], skills: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": row.id,
        "credential_id": row.credential_id,
        "format": format_of(row.token),
        "type": row.type_name,
        "types": json.loads(row.types),
        "kind": row.kind,
        "issuer": row.issuer,
        "issuer_name": row.issuer_name,
        "issuer_claimed_name": row.issuer_claimed_name,
        "trusted": row.trusted,
        "title": row.title,
        "skills": skills,
        "credential_valid_from": iso(row.valid_from),
        "credential_valid_until": iso(row.valid_until),
        "status": row.status,
        "checked_at": iso(row.checked_at),
        "labels": labels,
        "note": row.note,
        "imported_at": iso(row.imported_at),
    }


def describe(session: Session, account_id: str, rows: list[StoredCredential]) -> list[dict[str, Any]]:
    pks = [r.id for r in rows]
    labels, skills = _labels_of(session, account_id, pks), _skills_of(session, account_id, pks)
    return [summary(r, labels[r.id], skills[r.id]) for r in rows]


def disclosable(token: str, kind: str) -> list[dict[str, Any]]:
    """What the citizen can hide or show of an SD-JWT VC: each hideable claim's path, label and value.

    Paths are what `POST /shares` takes in `disclose`; labels come from the
    type's declaration (vc/credential_types.py), else the claim's name.
    """
    credential_type = credential_types.CREDENTIAL_TYPES.get(kind)
    out = []
    for claim in sdjwt.disclosable_claims(token):
        label = credential_types.claim_display(credential_type, claim.path)
        if label is None:
            name = next((str(step) for step in reversed(claim.path) if isinstance(step, str)), "claim")
            label = {"nl": name, "en": name}
        out.append({"path": list(claim.path), "label": label, "value": claim.value})
    return out


def detail(session: Session, account_id: str, row: StoredCredential) -> dict[str, Any]:
    info = describe(session, account_id, [row])[0]
    info["credential"] = row.token
    if format_of(row.token) == SD_JWT:
        info["document"] = sdjwt.process(sdjwt.parse(row.token)).claims
        info["disclosable"] = disclosable(row.token, row.kind)
    else:
        info["document"] = jose.decode_jws(row.token).payload
    info["report"] = json.loads(row.report)
    return info


# --- look-up -------------------------------------------------------------------------------


def owned(session: Session, account_id: str, credential_pk: str, *, for_update: bool = False) -> StoredCredential:
    """The citizen's credential `credential_pk`; another's or none at all is the same 404."""
    query = select(StoredCredential).where(
        StoredCredential.id == credential_pk, StoredCredential.account_id == account_id
    )
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise CredentialNotFound("no such credential in your wallet")
    return row


def _exists(session: Session, account_id: str, fingerprint: str) -> bool:
    return session.execute(
        select(StoredCredential.id).where(
            StoredCredential.account_id == account_id, StoredCredential.fingerprint == fingerprint
        )
    ).first() is not None


def holder_did(state: WalletState, account_id: str) -> str:
    with read_session(state.engine) as session:
        return holder.for_account(session, account_id).did


# --- import --------------------------------------------------------------------------------


def add(
    session: Session,
    state: WalletState,
    account_id: str,
    parsed: Parsed,
    verdict: Verdict,
    labels: list[str],
    note: str | None,
    imported_at: datetime | None = None,
) -> StoredCredential:
    facts = fact_reader.read(verdict.payload or parsed.payload)
    now = utcnow()
    row = StoredCredential(
        id=str(uuid.uuid4()),
        account_id=account_id,
        fingerprint=parsed.fingerprint,
        credential_id=facts.credential_id,
        token=parsed.token,
        type_name=facts.type_name,
        types=json.dumps(facts.types),
        kind=facts.kind,
        issuer=facts.issuer,
        issuer_name=verdict.issuer_name,
        issuer_claimed_name=facts.claimed_issuer_name,
        title=facts.title,
        valid_from=facts.valid_from,
        valid_until=facts.valid_until,
        status=verdict.status,
        trusted=verdict.trusted,
        checked_at=now,
        report=json.dumps(verdict.report),
        note=note,
        search_text=fact_reader.search_text(facts, labels, note, verdict.issuer_name),
        imported_at=imported_at or now,
    )
    session.add(row)
    session.flush()
    for label in labels:
        session.add(CredentialLabel(credential_pk=row.id, label=label, account_id=account_id))
    for uri, name in facts.skills:
        session.add(CredentialSkill(credential_pk=row.id, uri=uri, name=name, account_id=account_id))
    return row


def count(session: Session, account_id: str) -> int:
    return session.execute(
        select(func.count()).select_from(StoredCredential).where(StoredCredential.account_id == account_id)
    ).scalar_one()


def import_credential(
    state: WalletState, account_id: str, credential: str | dict[str, Any], labels: list[str], note: str | None
) -> dict[str, Any]:
    """Verify, then store: 201 with the stored credential, 409 duplicate, 422 with the report."""
    parsed = parse(credential)
    with read_session(state.engine) as session:
        if _exists(session, account_id, parsed.fingerprint):
            raise DuplicateCredential("this credential is in your wallet already")
        did = holder.for_account(session, account_id).did
    verdict = state.verifier(parsed.token, holder=did)  # network I/O: outside any transaction
    if not verdict.acceptable:
        raise CredentialRejected(verdict.report)
    try:
        with write_transaction(state.engine) as session:
            if _exists(session, account_id, parsed.fingerprint):
                raise DuplicateCredential("this credential is in your wallet already")
            if count(session, account_id) >= state.config.max_credentials:
                raise WalletFull(f"a wallet holds at most {state.config.max_credentials} credentials")
            row = add(session, state, account_id, parsed, verdict, labels, note)
            return detail(session, account_id, row)
    except IntegrityError:
        raise DuplicateCredential("this credential is in your wallet already") from None


# --- listing ---------------------------------------------------------------------------------


_ROW_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _encode_cursor(row: StoredCredential) -> str:
    moment = aware(row.imported_at)
    assert moment is not None
    raw = json.dumps([moment.isoformat(), row.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment_text, pk = json.loads(raw)
        moment = datetime.fromisoformat(moment_text)
        # Only what _encode_cursor writes: an aware time (compared in UTC, as stored) and a row
        # id. Anything else (a lone surrogate, a NUL) is a 400 here, not a 500 in the database.
        if moment.tzinfo is None or not isinstance(pk, str) or not _ROW_ID.fullmatch(pk):
            raise ValueError
        return moment.astimezone(timezone.utc), pk
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidCursor("the cursor is not valid; start again without one") from None


def _filters(account_id: str, query: CredentialQuery) -> list[Any]:
    C = StoredCredential
    where: list[Any] = [C.account_id == account_id]
    if query.type:
        where.append(or_(C.type_name == query.type, C.kind == query.type))
    if query.issuer:
        where.append(C.issuer == query.issuer)
    if query.status:
        where.append(C.status == query.status)
    if query.skill:
        where.append(
            exists().where(
                CredentialSkill.credential_pk == C.id,
                CredentialSkill.account_id == account_id,
                CredentialSkill.uri == query.skill,
            )
        )
    if query.label:
        where.append(
            exists().where(
                CredentialLabel.credential_pk == C.id,
                CredentialLabel.account_id == account_id,
                CredentialLabel.label == query.label.strip(),
            )
        )
    if query.q:
        where.append(C.search_text.contains(query.q.strip().lower(), autoescape=True))
    return where


def list_credentials(state: WalletState, account_id: str, query: CredentialQuery) -> dict[str, Any]:
    """One page, newest first (keyset over imported_at, id), with the total of matches."""
    C = StoredCredential
    where = _filters(account_id, query)
    page_where = list(where)
    if query.cursor:
        moment, pk = _decode_cursor(query.cursor)
        page_where.append(or_(C.imported_at < moment, and_(C.imported_at == moment, C.id < pk)))
    with read_session(state.engine) as session:
        rows = list(
            session.execute(
                select(C).where(*page_where).order_by(C.imported_at.desc(), C.id.desc()).limit(query.limit + 1)
            ).scalars()
        )
        total = session.execute(select(func.count()).select_from(C).where(*where)).scalar_one()
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        return {
            "items": describe(session, account_id, rows),
            "total": total,
            "limit": query.limit,
            "next_cursor": _encode_cursor(rows[-1]) if more and rows else None,
        }


def get_credential(state: WalletState, account_id: str, credential_pk: str) -> dict[str, Any]:
    with read_session(state.engine) as session:
        return detail(session, account_id, owned(session, account_id, credential_pk))


# --- changes -----------------------------------------------------------------------------------


def _set_labels(session: Session, account_id: str, row: StoredCredential, labels: Iterable[str]) -> None:
    session.execute(delete(CredentialLabel).where(CredentialLabel.credential_pk == row.id))
    for label in labels:
        session.add(CredentialLabel(credential_pk=row.id, label=label, account_id=account_id))


def _refresh_search(session: Session, account_id: str, row: StoredCredential) -> None:
    labels = _labels_of(session, account_id, [row.id])[row.id]
    skills = _skills_of(session, account_id, [row.id])[row.id]
    facts = fact_reader.Facts(
        credential_id=row.credential_id,
        types=json.loads(row.types),
        type_name=row.type_name,
        kind=row.kind,
        issuer=row.issuer,
        claimed_issuer_name=row.issuer_claimed_name,
        title=row.title,
        skills=[(s["uri"], s["name"]) for s in skills],
    )
    row.search_text = fact_reader.search_text(facts, labels, row.note, row.issuer_name)


def update_credential(
    state: WalletState, account_id: str, credential_pk: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """PATCH: `labels` (replaced as a whole) and/or `note` (null clears it)."""
    with write_transaction(state.engine) as session:
        row = owned(session, account_id, credential_pk, for_update=True)
        if "labels" in changes:
            _set_labels(session, account_id, row, changes["labels"] or [])
            session.flush()
        if "note" in changes:
            row.note = changes["note"]
        _refresh_search(session, account_id, row)
        session.add(row)
        session.flush()
        return detail(session, account_id, row)


def delete_credential(state: WalletState, account_id: str, credential_pk: str) -> None:
    """Remove it from the wallet, and from every share that held it."""
    with write_transaction(state.engine) as session:
        row = owned(session, account_id, credential_pk, for_update=True)
        for table in (ShareItem, CredentialLabel, CredentialSkill):
            session.execute(delete(table).where(table.credential_pk == row.id))  # type: ignore[attr-defined]
        session.execute(delete(StoredCredential).where(StoredCredential.id == row.id))


def check_credential(state: WalletState, account_id: str, credential_pk: str) -> dict[str, Any]:
    """Verify again (status lists, dates, keys) and store the outcome; nothing is deleted."""
    with read_session(state.engine) as session:
        row = owned(session, account_id, credential_pk)
        token = row.token
        did = holder.for_account(session, account_id).did
    verdict = state.verifier(token, holder=did, fresh=True)  # asked for now: not from a cache
    with write_transaction(state.engine) as session:
        row = owned(session, account_id, credential_pk, for_update=True)
        row.status = verdict.status
        row.trusted = verdict.trusted
        row.checked_at = utcnow()
        row.report = json.dumps(verdict.report)
        if verdict.issuer_name != row.issuer_name:
            row.issuer_name = verdict.issuer_name
            _refresh_search(session, account_id, row)
        session.add(row)
        session.flush()
        return detail(session, account_id, row)
