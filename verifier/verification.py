"""POST /verify and POST /verify/batch: a report per credential or presentation.

A credential or presentation that does not verify is still a 200 here: the
report is the answer. 400 is for a body the verifier cannot read, 413 for
one that is too large.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from skillpass.db import read_session, write_transaction
from skillpass.openapi import documented
from skillpass.web import RequestError, json_payload, json_response, parse_body, pydantic_errors
from verifier import share
from verifier.api import BatchRequest, BatchResponse, Options, ReportModel, VerifyRequest
from verifier.errors import BatchTooLarge
from verifier.models import PresentationRequest, UsedNonce, utcnow
from verifier.state import VerifierState, current
from verifier.summary import report_body
from vc.verify import FAILED, PASSED, Check, Report, VerifyOptions

bp = Blueprint("verification", __name__)

#: How long a used nonce is remembered (a replay later than this needs a verifier-chosen nonce reused by its caller).
NONCE_MEMORY = timedelta(days=30)


def options_for(state: VerifierState, options: Options | None, accept: list[str] | None = None) -> VerifyOptions:
    """The service's options, plus what the caller accepts for itself (only ever more lenient about "unknown")."""
    extra = frozenset((accept or []) + (list(options.acceptUnknown) if options else []))
    if not extra:
        return state.options
    return replace(state.options, accept_unknown=state.options.accept_unknown | extra)


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("utf-8", "surrogatepass")).hexdigest()


def consume_nonce(state: VerifierState, report: Report, nonce: str | None) -> None:
    """Record the nonce of a presentation that carried it; a second use is a replay.

    Only a nonce the holder actually signed (holder signature, holder binding
    and nonce all passed) is consumed, so a forged or mismatched submission
    cannot burn it: a presentation signed by one key in the name of another
    holder (holder_not_signer) leaves the nonce as it was.
    """
    if nonce is None:
        return
    if not holder_signed(report):
        return
    with read_session(state.engine) as session:
        request_state = session.execute(select(PresentationRequest.state).where(PresentationRequest.nonce == nonce)).scalar()
    if request_state == "pending":
        # A request's nonce is public (anyone may read the request): used here, it would use up
        # the request before its citizen could answer it. It is answered at its request only.
        report.replace(Check("nonce", FAILED, "nonce_of_a_request", "this nonce belongs to a presentation request: answer it at /presentation-requests/{id}/response"))
        return
    now = utcnow()
    try:
        with write_transaction(state.engine) as session:
            session.add(UsedNonce(nonce_hash=nonce_hash(nonce), used_at=now, expires_at=now + NONCE_MEMORY))
    except IntegrityError:
        report.replace(Check("nonce", FAILED, "nonce_replayed", "this nonce was used before: the presentation is a replay"))


def holder_signed(report: Report) -> bool:
    """The holder signed this presentation for this nonce: holder_signature, holder_binding and nonce passed."""
    wanted = [report.get(name) for name in ("holder_signature", "holder_binding", "nonce")]
    return all(check is not None and check.status == PASSED for check in wanted)


def verify_presentation(state: VerifierState, value: Any, nonce: str | None, audience: str | None, opts: VerifyOptions) -> Report:
    report = state.pipeline().verify_presentation(value, nonce=nonce, audience=audience or state.config.audience, options=opts)
    consume_nonce(state, report, nonce)
    return report


def first_problem(report: Report) -> tuple[str, Any]:
    """(code, detail) of the first failed check, else the first unknown one."""
    for wanted in (FAILED, "unknown"):
        for check in report.checks:
            if check.status == wanted:
                return check.code or check.check, check.detail
    return "not_verified", "a required check did not pass"


@bp.post("/verify")
@documented(body=VerifyRequest, responses={200: ReportModel, 410: None, 413: None, 429: None, 502: None}, tags=("verify",))
def verify() -> Response:
    """Verify one credential or presentation; the report lists every check."""
    state = current()
    body = parse_body(VerifyRequest)
    opts = options_for(state, body.options)
    claims = body.options.includeClaims if body.options and body.options.includeClaims is not None else True
    if body.credential is not None:
        report = state.pipeline().verify_credential(body.credential, options=opts)
    elif body.share_url is not None:
        nonce = share.new_nonce()
        presentation = share.presentation_from_share_url(
            body.share_url, state.uncached_fetcher, nonce=nonce, audience=state.config.audience,
            dev_hosts=state.config.dev_hosts,
        )
        report = verify_presentation(state, presentation, nonce, state.config.audience, opts)
    else:
        report = verify_presentation(state, body.presentation, body.nonce, body.audience, opts)
    return json_response(report_body(report, claims=claims))


@bp.post("/verify/batch")
@documented(body=BatchRequest, responses={200: BatchResponse, 413: None, 429: None}, tags=("verify",))
def verify_batch() -> Response:
    """Verify up to 1,000 credentials (VERIFIER_MAX_BATCH); one report each, in order."""
    state = current()
    payload = json_payload()
    if not isinstance(payload, dict):
        raise RequestError([{"pointer": "", "message": "the body must be a JSON object"}])
    items = payload.get("credentials")
    if isinstance(items, list) and len(items) > state.config.max_batch:
        raise BatchTooLarge([{"pointer": "/credentials", "message": f"at most {state.config.max_batch} credentials per batch"}])
    try:
        body = BatchRequest.model_validate(payload)
    except ValidationError as exc:
        raise RequestError(pydantic_errors(exc)) from exc
    opts = options_for(state, body.options)
    claims = bool(body.options and body.options.includeClaims)
    pipeline = state.pipeline()
    results = [report_body(pipeline.verify_credential(c, options=opts), claims=claims) for c in body.credentials]
    good = sum(1 for r in results if r["verified"])
    return json_response({"verified": good, "notVerified": len(results) - good, "results": results})
