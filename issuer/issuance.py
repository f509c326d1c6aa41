"""Issuance: check what a client sends, allocate status indices, sign, record.

The pipeline is the same for one credential and a batch of a thousand:
1. `prepare` each item: strict body, reserved members refused, subject and
   evidence checked against the type's JSON Schema. A bad item is refused
   here and consumes nothing.
2. One short write transaction allocates the status indices of all good
   items (provider row locked, so list roll-over happens exactly once).
3. Signing happens outside any lock.
4. One write transaction records the credentials, their audit events and the
   Idempotency-Key (whose unique constraint settles concurrent duplicates).
If step 4 fails the indices of step 2 stay allocated: never reused, their bit
never set; nothing refers to them.

Formats: `vc+jwt` (the default) is the W3C credential as a JWS. `dc+sd-jwt`
is the same subject data as an SD-JWT VC: `vct` (<base>/vct/<type>), `iss`
(the provider's did:web), `iat`, `exp` (validUntil), `jti` (the credential
id), `cnf.jwk` (the holder's key, from its did:key / did:jwk), `status`
(Token Status List: the revocation index in `status/token/<n>`), `name`, and
`credentialSubject` / `evidence` with the claims the type marks hideable
(vc/credential_types.py) as Disclosures, each container padded with 2 to 5
decoy digests so their number tells nothing. Both formats share one status
allocation and one state (issuer/statuslists.py).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from issuer import audit, keystore, statuslists, tenancy
from issuer.api import IssueRequest
from issuer.errors import (
    AlreadyRevoked,
    AlreadySuspended,
    CredentialNotFound,
    FieldNotAllowed,
    HolderKeyUnusable,
    HolderMismatch,
    IdempotencyConflict,
    IdempotencyMismatch,
    InvalidSubject,
    InvalidValidity,
    NotSuspended,
    UnknownCredentialType,
)
from issuer.models import Credential, IdempotencyRecord, Provider, aware, bulk_insert, iso, utcnow
from issuer.state import IssuerState
from skillpass.db import read_session, write_transaction
from skillpass.web import RequestError, pydantic_errors
from vc import credential_types, jose, keys, model, schemas, sdjwt, status_list
from vc import did as dids
from vc.errors import InvalidCredential, SchemaValidationError, SkillpassError, UnknownSchema

#: Members of a credential only the service sets; a body naming them is refused.
RESERVED = ("@context", "id", "issuer", "validFrom", "credentialSchema", "credentialStatus", "proof", "iss")
PURGE_INTERVAL = 3600.0
VC_JWT, SD_JWT = "vc+jwt", "dc+sd-jwt"
#: Decoy digests per container of hideable claims: at least this many, plus 0..3 at random.
MIN_DECOYS, EXTRA_DECOYS = 2, 4


@dataclass
class Prepared:
    """One checked item, ready to be given status indices and signed."""

    ct: credential_types.CredentialType
    subject: dict[str, Any]
    evidence: list[dict[str, Any]] | None
    valid_until: datetime | None
    format: str = VC_JWT
    #: dc+sd-jwt: the holder's public key for `cnf.jwk` (from its did:key / did:jwk).
    holder_jwk: dict[str, str] | None = None

    @property
    def holder(self) -> str | None:
        holder = self.subject.get("id")
        return holder if isinstance(holder, str) else None

    @property
    def name(self) -> str | None:
        if self.ct.name == "microcredential":
            name = (self.subject.get("achievement") or {}).get("name")
        else:
            name = (self.subject.get("skill") or {}).get("targetName")
        return name if isinstance(name, str) else None


def holder_jwk(did: str, pointer: str) -> dict[str, str]:
    """The public JWK of a holder's did:key / did:jwk (its authentication key), for `cnf.jwk`."""
    try:
        return keys.public_jwk(dids.self_certified_key(did))
    except SkillpassError:
        raise HolderKeyUnusable(
            [{"pointer": pointer, "message": "a dc+sd-jwt is bound to the holder's key: give a did:key or did:jwk with a signing key"}]
        ) from None


def body_hash(payload: Any) -> str:
    """SHA-256 of the canonical JSON of a body (sorted members, no spaces)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _type(name: str, pointer: str) -> credential_types.CredentialType:
    try:
        return credential_types.get_type(name)
    except UnknownSchema:
        known = ", ".join(credential_types.CREDENTIAL_TYPES)
        raise UnknownCredentialType([{"pointer": pointer, "message": f"unknown credential type; use one of {known}"}]) from None


def parse_valid_until(value: str | None, pointer: str, now: datetime) -> datetime | None:
    if value is None:
        return None
    try:
        moment = model.parse_datetime(value, "validUntil")
    except InvalidCredential:
        raise InvalidValidity([{"pointer": pointer, "message": "must be a date-time with a time zone, e.g. 2030-01-01T00:00:00Z"}]) from None
    if moment <= now:
        raise InvalidValidity([{"pointer": pointer, "message": "must be in the future"}])
    return moment


def check_subject(
    ct: credential_types.CredentialType,
    subject: dict[str, Any],
    evidence: list[dict[str, Any]] | None,
    *,
    subject_pointer: str,
    evidence_pointer: str,
    holder_pointer: str | None = None,
) -> None:
    """Validate subject and evidence against the type's schema; one error with all findings."""
    errors: list[dict[str, str]] = []
    try:
        schemas.validate_subject(subject, ct.name)
    except SchemaValidationError as exc:
        for entry in exc.detail:
            pointer = holder_pointer if holder_pointer and entry["pointer"] == "/id" else subject_pointer + entry["pointer"]
            errors.append({"pointer": pointer, "message": entry["message"]})
    if evidence is not None or ct.name == "skill-attestation":
        try:
            schemas.validate_evidence(evidence or [], ct.name)
        except SchemaValidationError as exc:
            errors.extend({"pointer": evidence_pointer + e["pointer"], "message": e["message"]} for e in exc.detail)
    if errors:
        raise InvalidSubject(sorted(errors, key=lambda e: (e["pointer"], e["message"])))


def prepare(payload: Any, now: datetime | None = None) -> Prepared:
    """Check one issuance request (a JSON object); raises the typed 400 errors."""
    now = now or utcnow()
    if not isinstance(payload, dict):
        raise RequestError([{"pointer": "", "message": "an item must be a JSON object"}])
    reserved = [k for k in payload if k in RESERVED]
    if reserved:
        raise FieldNotAllowed(
            [{"pointer": f"/{k}", "message": f"`{k}` is set by the issuer service, not by the client"} for k in reserved]
        )
    try:
        request = IssueRequest.model_validate(payload)
    except ValidationError as exc:
        raise RequestError(pydantic_errors(exc)) from exc
    ct = _type(request.type, "/type")
    subject = dict(request.subject)
    if request.holder is not None:
        if "id" in subject and subject["id"] != request.holder:
            raise HolderMismatch([{"pointer": "/holder", "message": "`holder` and `subject.id` name different DIDs"}])
        subject["id"] = request.holder
    check_subject(
        ct, subject, request.evidence,
        subject_pointer="/subject", evidence_pointer="/evidence",
        holder_pointer="/holder" if request.holder is not None else None,
    )
    jwk = None
    if request.format == SD_JWT and isinstance(subject.get("id"), str):
        jwk = holder_jwk(subject["id"], "/holder" if request.holder is not None else "/subject/id")
    return Prepared(ct, subject, request.evidence, parse_valid_until(request.validUntil, "/validUntil", now), request.format, jwk)


# --- issuing --------------------------------------------------------------------


def _status_entries(state: IssuerState, slug: str, rev: tuple[int, int], sus: tuple[int, int], maker: "_EntryMaker | None" = None) -> list[dict[str, str]]:
    maker = maker or _EntryMaker(state, slug)
    return [maker(rev, "revocation"), maker(sus, "suspension")]


def issued_body(credential_id: str, token: str, status: list[dict[str, str]] | dict[str, Any]) -> dict[str, Any]:
    """What issuance answers: the credential, its format, and its status (entries, or the `status` claim)."""
    fmt = SD_JWT if "~" in token else VC_JWT
    return {"id": credential_id, "format": fmt, "credential": token, "status": status}


def sd_jwt_claims(item: Prepared, credential_id: str) -> dict[str, Any]:
    """The claims of the SD-JWT VC form (before `iss`, `vct`, `cnf`, `status`, dates are added)."""
    claims: dict[str, Any] = {"jti": credential_id}
    if item.name:
        claims["name"] = item.name
    claims["credentialSubject"] = item.subject
    if item.evidence is not None:
        claims["evidence"] = item.evidence
    return claims


def sign_sd_jwt(
    state: IssuerState, item: Prepared, credential_id: str, private: keys.PrivateKey, *,
    kid: str, issuer: str, issued_at: datetime, status: dict[str, Any],
) -> str:
    """An SD-JWT VC of `item`: hideable claims per the type's profile, random decoys in each container."""
    profile = item.ct.sd_jwt
    assert profile is not None
    decoys = {path: MIN_DECOYS + secrets.randbelow(EXTRA_DECOYS) for path in profile.decoy_containers}
    return sdjwt.issue(
        sd_jwt_claims(item, credential_id),
        private,
        kid=kid,
        issuer=issuer,
        vct=credential_types.vct_for(state.config.base_url, item.ct),
        disclosable=profile.disclosable,
        holder_jwk=item.holder_jwk,
        decoys=decoys,
        iat=int(issued_at.timestamp()),
        exp=int(item.valid_until.timestamp()) if item.valid_until is not None else None,
        status=status,
    )


class _EntryMaker:
    """Status entries of one batch: `status_entry` checks each list URL once,
    the entries of further indices on that list are copies with their index."""

    def __init__(self, state: IssuerState, slug: str) -> None:
        self.state, self.slug = state, slug
        self.templates: dict[tuple[str, int], dict[str, str]] = {}

    def __call__(self, position: tuple[int, int], purpose: str) -> dict[str, str]:
        number, index = position
        template = self.templates.get((purpose, number))
        if template is None:
            url = statuslists.list_url(self.state, self.slug, purpose, number)
            template = self.templates[(purpose, number)] = status_list.status_entry(url, 0, purpose)
        if type(index) is not int or index < 0:  # what status_entry would refuse
            raise ValueError(f"bad status index {index!r}")
        return {**template, "id": f"{template['statusListCredential']}#{index}", "statusListIndex": str(index)}


class IdempotencyRace(Exception):
    """Another request recorded the same Idempotency-Key first."""


def issue(
    state: IssuerState,
    provider: Provider,
    items: list[Prepared],
    *,
    actor: str,
    api_key: str | None = None,
    idempotency: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Issue checked items; returns one `issued_body` per item, in order.

    `api_key`: the public id of the key the request came with; it must still be
    valid when the credentials are recorded (tenancy.require_unrevoked).
    """
    if not items:
        return []
    maybe_purge(state)
    with read_session(state.engine) as session:
        key_row = keystore.current_key(session, provider.id)
    private = keystore.private_key(state, key_row)  # fails before anything is written
    did = keystore.provider_did(state, provider.slug)
    kid = f"{did}#{keystore.key_fragment(key_row.number)}"
    now = utcnow().replace(microsecond=0)
    ids = [model.new_id() for _ in items]

    with write_transaction(state.engine) as session:
        statuslists.lock_provider(session, provider.id)
        revocation = statuslists.allocate(session, provider.id, "revocation", ids)
        suspension = statuslists.allocate(session, provider.id, "suspension", ids)

    profile = tenancy.issuer_profile(state, provider)
    entries = _EntryMaker(state, provider.slug)
    details: dict[str, str] = {}
    retention = state.config.retention_days
    token_expiry = now + timedelta(days=retention) if retention > 0 else None
    results: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for item, cid, rev, sus in zip(items, ids, revocation, suspension):
        if item.format == SD_JWT:
            reference = statuslists.token_status_reference(state, provider.slug, rev)
            token = sign_sd_jwt(state, item, cid, private, kid=kid, issuer=did, issued_at=now, status=reference)
            results.append(issued_body(cid, token, reference))
        else:
            status = [entries(rev, "revocation"), entries(sus, "suspension")]
            credential = model.build_credential(
                issuer=profile,
                subject=item.subject,
                types=item.ct.types,
                contexts=item.ct.context,
                valid_from=now,
                valid_until=item.valid_until,
                credential_id=cid,
                schema=[item.ct.credential_schema],
                status=status,
                evidence=item.evidence,
                extra={"name": item.name} if item.name else None,
            )
            token = jose.sign_credential(credential, private, kid)
            results.append(issued_body(cid, token, status))
        rows.append({
            "credential_id": cid, "provider_id": provider.id, "type_name": item.ct.name, "holder": item.holder,
            "revocation_list": rev[0], "revocation_index": rev[1],
            "suspension_list": sus[0], "suspension_index": sus[1],
            "state": "active", "key_number": key_row.number, "issued_at": now, "valid_until": item.valid_until,
            "token": token if token_expiry else None, "token_expires_at": token_expiry,
        })
        events.append({
            "at": now, "provider_id": provider.id, "actor": actor, "action": "credential.issue", "target": cid,
            "detail": details.get(f"{item.ct.name} {item.format}") or details.setdefault(
                f"{item.ct.name} {item.format}",
                json.dumps(
                    {"type": item.ct.name, "key": key_row.number, **({"format": SD_JWT} if item.format == SD_JWT else {})},
                    separators=(",", ":"), sort_keys=True,
                ),
            ),
        })

    try:
        with write_transaction(state.engine) as session:
            if api_key is not None:
                tenancy.require_unrevoked(session, api_key)
            recorded = utcnow()  # the audit says when it took effect, not when signing began
            for event in events:
                event["at"] = recorded
            if idempotency is not None:
                session.add(IdempotencyRecord(provider_id=provider.id, key=idempotency[0], body_hash=idempotency[1], credential_id=ids[0]))
                session.flush()
            bulk_insert(session, Credential, rows)
            audit.record_many(session, events)
    except IntegrityError:
        if idempotency is not None:
            raise IdempotencyRace() from None
        raise
    return results


def replay(state: IssuerState, provider: Provider, key: str, digest: str) -> dict[str, Any] | None:
    """The credential an Idempotency-Key made before, or None if the key is new.

    Same key, other body: 422. Same key and body but the token is no longer
    kept (retention): 409, since the same credential cannot be given again.
    """
    with read_session(state.engine) as session:
        record = session.execute(
            select(IdempotencyRecord).where(IdempotencyRecord.provider_id == provider.id, IdempotencyRecord.key == key)
        ).scalar_one_or_none()
        if record is None:
            return None
        if record.body_hash != digest:
            raise IdempotencyMismatch("this Idempotency-Key was used with a different body")
        cred = session.execute(select(Credential).where(Credential.credential_id == record.credential_id)).scalar_one()
        token = _retained_token(cred)
        if token is None:
            raise IdempotencyConflict(
                "a credential was issued under this Idempotency-Key, but its signed copy is no longer kept "
                "(ISSUER_RETENTION_DAYS); fetch its record or revoke it"
            )
        if "~" in token:  # dc+sd-jwt
            return issued_body(cred.credential_id, token, statuslists.token_status_reference(state, provider.slug, (cred.revocation_list, cred.revocation_index)))
        return issued_body(
            cred.credential_id, token,
            _status_entries(state, provider.slug, (cred.revocation_list, cred.revocation_index), (cred.suspension_list, cred.suspension_index)),
        )


def maybe_purge(state: IssuerState, *, force: bool = False) -> int:
    """Forget signed tokens whose retention has ended (at most hourly per process)."""
    now = time.monotonic()
    if not force and now - state.last_purge < PURGE_INTERVAL:
        return 0
    state.last_purge = now
    with write_transaction(state.engine) as session:
        result = session.execute(
            update(Credential)
            .where(Credential.token_expires_at.is_not(None), Credential.token_expires_at <= utcnow())
            .values(token=None, token_expires_at=None)
        )
        return result.rowcount or 0


# --- records and state changes --------------------------------------------------


def normalise_id(credential_id: str) -> str:
    """`urn:uuid:<uuid>` or a bare UUID -> the canonical `urn:uuid:` form."""
    text = credential_id.removeprefix("urn:uuid:")
    try:
        return f"urn:uuid:{uuid.UUID(text)}"
    except ValueError:
        raise CredentialNotFound(f"no credential {credential_id[:80]!r} at this provider") from None


def _retained_token(cred: Credential) -> str | None:
    expires = aware(cred.token_expires_at)
    if cred.token and expires and expires > utcnow():
        return cred.token
    return None


def _reason_of(detail: str | None) -> dict[str, Any]:
    return json.loads(detail) if detail else {}


def record_info(state: IssuerState, provider: Provider, cred: Credential, session: Session | None = None, maker: _EntryMaker | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": cred.credential_id,
        "type": cred.type_name,
        "holder": cred.holder,
        "state": cred.state,
        "issuedAt": iso(cred.issued_at),
        "validUntil": iso(cred.valid_until),
        "signingKey": f"{keystore.provider_did(state, provider.slug)}#{keystore.key_fragment(cred.key_number)}",
        "status": _status_entries(state, provider.slug, (cred.revocation_list, cred.revocation_index), (cred.suspension_list, cred.suspension_index), maker),
        # The same decisions as the Bitstring entries, as an SD-JWT VC's `status` claim points to them.
        "tokenStatus": statuslists.token_status_reference(state, provider.slug, (cred.revocation_list, cred.revocation_index)),
    }
    info = {k: v for k, v in info.items() if v is not None}
    if session is not None:
        info["history"] = [audit.as_dict(e) for e in reversed(audit.events(session, provider.id, target=cred.credential_id, limit=1000))]
        token = _retained_token(cred)
        if token is not None:
            info["format"] = SD_JWT if "~" in token else VC_JWT
            info["credential"] = token
    return info


def get_record(state: IssuerState, provider: Provider, credential_id: str) -> dict[str, Any]:
    cid = normalise_id(credential_id)
    with read_session(state.engine) as session:
        cred = session.execute(
            select(Credential).where(Credential.provider_id == provider.id, Credential.credential_id == cid)
        ).scalar_one_or_none()
        if cred is None:
            raise CredentialNotFound(f"no credential {cid!r} at this provider")
        return record_info(state, provider, cred, session)


def list_records(state: IssuerState, provider: Provider, *, state_filter: str | None, type_filter: str | None, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    with read_session(state.engine) as session:
        query = select(Credential).where(Credential.provider_id == provider.id)
        if state_filter:
            query = query.where(Credential.state == state_filter)
        if type_filter:
            query = query.where(Credential.type_name == type_filter)
        if cursor is not None:
            query = query.where(Credential.id < cursor)
        rows = list(session.execute(query.order_by(Credential.id.desc()).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    maker = _EntryMaker(state, provider.slug)
    return [record_info(state, provider, r, maker=maker) for r in rows], (rows[-1].id if more else None)


ACTIONS = ("revoke", "suspend", "reinstate")


def change_state(state: IssuerState, provider: Provider, credential_id: str, action: str, reason: str, *, actor: str) -> dict[str, Any]:
    """Revoke (permanent), suspend or reinstate; the bit is in the next published list."""
    cid = normalise_id(credential_id)
    with write_transaction(state.engine) as session:
        cred = session.execute(
            select(Credential)
            .where(Credential.provider_id == provider.id, Credential.credential_id == cid)
            .with_for_update()
        ).scalar_one_or_none()
        if cred is None:
            raise CredentialNotFound(f"no credential {cid!r} at this provider")
        if cred.state == "revoked":
            raise AlreadyRevoked("the credential is revoked; revocation is permanent and cannot be changed")
        if action == "revoke":
            statuslists.set_bit(session, provider.id, "revocation", cred.revocation_list, cred.revocation_index, 1)
            if cred.state == "suspended":  # revoked supersedes suspended: the suspension list shows only what is suspended now
                statuslists.set_bit(session, provider.id, "suspension", cred.suspension_list, cred.suspension_index, 0)
            cred.state = "revoked"
        elif action == "suspend":
            if cred.state == "suspended":
                raise AlreadySuspended("the credential is suspended already")
            statuslists.set_bit(session, provider.id, "suspension", cred.suspension_list, cred.suspension_index, 1)
            cred.state = "suspended"
        elif action == "reinstate":
            if cred.state != "suspended":
                raise NotSuspended("only a suspended credential can be reinstated")
            statuslists.set_bit(session, provider.id, "suspension", cred.suspension_list, cred.suspension_index, 0)
            cred.state = "active"
        else:  # pragma: no cover - routes only pass ACTIONS
            raise ValueError(action)
        session.add(cred)
        audit.record(session, actor=actor, action=f"credential.{action}", target=cid, provider_id=provider.id, detail={"reason": reason})
        session.flush()
        return record_info(state, provider, cred, session)
