"""W3C VC-API: POST /credentials/verify and POST /presentations/verify.

200 with the report when verified; 422 with the report (and `error`, the
first failing code) when not; 400 for a body that cannot be read.
`options.challenge` is the nonce and `options.domain` the audience
(defaulting to VERIFIER_AUDIENCE).
"""

from __future__ import annotations

from flask import Blueprint, Response

from skillpass.openapi import documented
from skillpass.web import RequestError, json_response, parse_body
from verifier.api import RefusedReport, ReportModel, VcApiCredentialRequest, VcApiPresentationRequest
from verifier.state import current
from verifier.summary import report_body
from verifier.verification import first_problem, options_for, verify_presentation
from vc.verify import Report

bp = Blueprint("vcapi", __name__)


def answer(report: Report) -> Response:
    body = report_body(report)
    if report.verified:
        return json_response(body)
    code, detail = first_problem(report)
    return json_response({"error": code, "detail": detail, **body}, 422)


@bp.post("/credentials/verify")
@documented(body=VcApiCredentialRequest, responses={200: ReportModel, 422: RefusedReport, 413: None, 429: None}, tags=("vc-api",))
def verify_credential() -> Response:
    """VC-API: verify a credential (200 verified, 422 not, with the report)."""
    state = current()
    body = parse_body(VcApiCredentialRequest)
    if body.options and (body.options.challenge or body.options.domain):
        raise RequestError([{"pointer": "/options", "message": "challenge and domain apply to presentations"}])
    opts = options_for(state, None, list(body.options.acceptUnknown) if body.options else None)
    return answer(state.pipeline().verify_credential(body.verifiableCredential, options=opts))


@bp.post("/presentations/verify")
@documented(body=VcApiPresentationRequest, responses={200: ReportModel, 422: RefusedReport, 413: None, 429: None}, tags=("vc-api",))
def verify_presentation_route() -> Response:
    """VC-API: verify a presentation against options.challenge (nonce) and options.domain (audience)."""
    state = current()
    body = parse_body(VcApiPresentationRequest)
    options = body.options
    opts = options_for(state, None, list(options.acceptUnknown) if options else None)
    report = verify_presentation(
        state, body.verifiablePresentation, options.challenge if options else None, options.domain if options else None, opts
    )
    return answer(report)
