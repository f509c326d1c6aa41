"""Presentation requests: the employer says what it wants, the holder answers once.

POST /presentation-requests            create: wanted types/skills, a fresh nonce, audience, expiry
GET  /presentation-requests/<id>       the request as the holder's wallet needs it (public)
POST /presentation-requests/<id>/response
                                       a vp+jwt answering it: verified against the stored nonce
                                       and audience; the nonce is used up (a second answer is
                                       refused with `nonce_replayed`); says what matched and
                                       what is missing
GET  /presentation-requests/<id>/result
                                       the answer, for the requester (Bearer resultToken)

Only verified credentials count as a match. The answer stored for the
requester holds the report without the decoded claims.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from skillpass.db import read_session, write_transaction
from skillpass.openapi import documented
from skillpass.web import Unauthorized, bearer_token, json_response, parse_body
from verifier.api import (
    PresentationAnswer,
    PresentationRequestCreate,
    PresentationRequestCreated,
    PresentationRequestInfo,
    PresentationResponse,
    RefusedAnswer,
)
from verifier.errors import NonceReplayed, RequestExpired, RequestNotFound
from verifier.models import PresentationRequest, UsedNonce, aware, utcnow
from verifier.state import VerifierState, current
from verifier.summary import report_body, skills_of
from verifier.verification import NONCE_MEMORY, first_problem, holder_signed, nonce_hash
from vc import credential_types, model
from vc.verify import FAILED, PASSED, Check, Report

bp = Blueprint("presentation_requests", __name__)

_PURGE_EVERY = 3600.0
_KEEP_ANSWERED = timedelta(days=1)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _wanted_types(name: str) -> set[str]:
    """A type as asked: a credential `type` value, or a skillpass type name (microcredential, ...)."""
    known = credential_types.CREDENTIAL_TYPES.get(name)
    return {known.types[-1], name} if known else {name}


def _info(row: PresentationRequest, root: str) -> dict[str, Any]:
    wanted = json.loads(row.wanted)
    state = row.state
    if state == "pending" and aware(row.expires_at) <= utcnow():
        state = "expired"
    return {
        "id": row.id,
        "nonce": row.nonce,
        "audience": row.audience,
        "types": wanted.get("types", []),
        "skills": wanted.get("skills", []),
        "purpose": row.purpose,
        "state": state,
        "createdAt": model.format_datetime(aware(row.created_at)),
        "expiresAt": model.format_datetime(aware(row.expires_at)),
        "responseUri": f"{root}presentation-requests/{row.id}/response",
    }


def _get(state: VerifierState, request_id: str) -> PresentationRequest:
    if len(request_id) > 64:
        raise RequestNotFound("no presentation request with that id")
    with read_session(state.engine) as session:
        row = session.get(PresentationRequest, request_id)
    if row is None:
        raise RequestNotFound("no presentation request with that id")
    return row


def maybe_purge(state: VerifierState) -> None:
    """Drop expired nonces and old requests, at most once an hour per process."""
    now = utcnow()
    with state.lock:
        if now.timestamp() - state.last_purge < _PURGE_EVERY:
            return
        state.last_purge = now.timestamp()
    with write_transaction(state.engine) as session:
        session.execute(delete(UsedNonce).where(UsedNonce.expires_at < now))
        session.execute(delete(PresentationRequest).where(PresentationRequest.expires_at < now - _KEEP_ANSWERED))


@bp.post("/presentation-requests")
@documented(body=PresentationRequestCreate, responses={201: PresentationRequestCreated, 429: None}, tags=("presentation-requests",))
def create() -> Response:
    """Ask for credentials and/or skills: returns the request with a fresh nonce, and a result token."""
    state = current()
    body = parse_body(PresentationRequestCreate)
    maybe_purge(state)
    now = utcnow()
    token = secrets.token_urlsafe(32)
    row = PresentationRequest(
        id=secrets.token_urlsafe(16),
        nonce=secrets.token_urlsafe(24),
        audience=state.config.audience,
        wanted=json.dumps({"types": body.types, "skills": body.skills}),
        purpose=body.purpose,
        result_token_hash=_token_hash(token),
        state="pending",
        created_at=now,
        expires_at=now + timedelta(seconds=body.ttl or state.config.request_ttl),
    )
    info = _info(row, request.url_root)
    with write_transaction(state.engine) as session:
        session.add(row)
    return json_response({**info, "resultToken": token}, 201, {"Location": f"/presentation-requests/{info['id']}"})


@bp.get("/presentation-requests/<request_id>")
@documented(responses={200: PresentationRequestInfo}, tags=("presentation-requests",))
def get_request(request_id: str) -> Response:
    """The request as a wallet needs it: what is wanted, the nonce, the audience, the expiry."""
    return json_response(_info(_get(current(), request_id), request.url_root))


def match(report: Report, wanted: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What of the wanted types and skills the presentation provides, and what is missing.

    Only credentials that verified count, and none at all unless every
    credential is bound to the presenter (subject_binding passed).
    """
    binding = report.get("subject_binding")
    bound = binding is not None and binding.status == PASSED
    verified = [(i, r) for i, r in enumerate(report.credentials) if bound and r.verified]
    matched: dict[str, Any] = {"types": [], "skills": []}
    missing: dict[str, Any] = {"types": [], "skills": []}
    for wanted_type in wanted.get("types", []):
        names = _wanted_types(wanted_type)
        hits = [i for i, r in verified if names & set(r.types)]
        if hits:
            matched["types"].append({"type": wanted_type, "credentials": hits})
        else:
            missing["types"].append(wanted_type)
    for uri in wanted.get("skills", []):
        hits, label = [], None
        for i, r in verified:
            for skill in skills_of(r.claims):
                if skill["uri"] == uri:
                    hits.append(i)
                    label = label or skill["label"]
        if hits:
            matched["skills"].append({"uri": uri, "label": label, "credentials": sorted(set(hits))})
        else:
            missing["skills"].append(uri)
    return matched, missing


@bp.post("/presentation-requests/<request_id>/response")
@documented(body=PresentationResponse, responses={200: PresentationAnswer, 409: None, 410: None, 422: RefusedAnswer, 429: None}, tags=("presentation-requests",))
def respond(request_id: str) -> Response:
    """Answer a request with a presentation (vp+jwt, SD-JWT VC + KB-JWT, or a vp_token bundle): verified against its nonce and audience, once."""
    state = current()
    row = _get(state, request_id)
    body = parse_body(PresentationResponse)
    if row.state != "pending":
        raise NonceReplayed("this request has been answered: its nonce is used up")
    if aware(row.expires_at) <= utcnow():
        raise RequestExpired("the presentation request has expired; ask for a new one")
    report = state.pipeline().verify_presentation(body.presentation, nonce=row.nonce, audience=row.audience, options=state.options)
    wanted = json.loads(row.wanted)
    matched, missing = match(report, wanted)
    if answers_the_request(report):
        _consume(state, row, report, matched, missing)
    answer = {"verified": report.verified, "matched": matched, "missing": missing, "report": report_body(report)}
    if report.verified:
        return json_response(answer)
    code, detail = first_problem(report)
    return json_response({"error": code, "detail": detail, **answer}, 422)


def answers_the_request(report: Report) -> bool:
    """Whether this presentation may use up the request: its holder signed it for the request's
    nonce and audience, and it carries credentials issued to that holder.

    The nonce of a request is public (GET /presentation-requests/{id}); were any
    holder-signed presentation enough, anyone could answer with an empty one and
    leave the citizen nothing to answer. A refusal short of this leaves the
    request open. Each credential must be a real one of a trusted issuer (trust,
    signature and issuer binding passed); one that is revoked or expired still
    answers the request (the employer reads that in the result), so its status
    and validity may fail.
    """
    bound = [report.get(name) for name in ("audience", "subject_binding")]
    if not (holder_signed(report) and report.credentials and all(c is not None and c.status == PASSED for c in bound)):
        return False
    return all(_genuine(credential) for credential in report.credentials)


def _genuine(credential: Report) -> bool:
    """Signed by an issuer the registry trusts, whatever its status or dates say now."""
    wanted = [credential.get(name) for name in ("trust", "signature", "issuer_binding")]
    return all(c is not None and c.status == PASSED for c in wanted)


def _consume(state: VerifierState, row: PresentationRequest, report: Report, matched: dict, missing: dict) -> None:
    """Mark the request answered and its nonce used, in one transaction; a race loses as a replay."""
    now = utcnow()
    stored = {"verified": report.verified, "matched": matched, "missing": missing, "report": report_body(report, claims=False)}
    replayed = False
    try:
        with write_transaction(state.engine) as session:
            current_row = session.execute(
                select(PresentationRequest).where(PresentationRequest.id == row.id).with_for_update()
            ).scalar_one()
            if current_row.state != "pending":
                replayed = True
            else:
                session.add(UsedNonce(nonce_hash=nonce_hash(row.nonce), used_at=now, expires_at=now + NONCE_MEMORY))
                current_row.state = "answered"
                current_row.answered_at = now
                current_row.verified = report.verified
                current_row.result = json.dumps(stored)
                session.add(current_row)
    except IntegrityError:
        replayed = True
    if replayed:
        report.replace(Check("nonce", FAILED, "nonce_replayed", "this nonce was used before: the presentation is a replay"))


@bp.get("/presentation-requests/<request_id>/result")
@documented(responses={200: PresentationRequestInfo}, auth="resultToken", tags=("presentation-requests",))
def result(request_id: str) -> Response:
    """The answer to a request, for whoever holds its result token."""
    state = current()
    token = bearer_token()
    row = _get(state, request_id)
    if not token or not hmac.compare_digest(_token_hash(token), row.result_token_hash):
        raise Unauthorized("send the request's resultToken as `Authorization: Bearer ...`")
    info = _info(row, request.url_root)
    info["answer"] = json.loads(row.result) if row.result else None
    info["answeredAt"] = model.format_datetime(aware(row.answered_at)) if row.answered_at else None
    return json_response(info)
