"""Service metadata: health, the OpenAPI document, and the trusted issuers."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from sqlalchemy import text

from skillpass.db import read_session
from skillpass.openapi import documented, openapi_document
from skillpass.web import error_response, json_response
from verifier.api import Health, TrustedIssuers
from verifier.state import current

bp = Blueprint("meta", __name__)

SECURITY_SCHEMES = {
    "resultToken": {"type": "http", "scheme": "bearer", "description": "the resultToken of a presentation request"},
}


@bp.get("/health")
@documented(responses={200: Health, 503: None}, tags=("meta",))
def health() -> Response:
    """Liveness, database reachability and the trust registry in use."""
    state = current()
    try:
        with read_session(state.engine) as session:
            session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - reported, not raised
        return error_response("unavailable", "the database is not reachable", 503)
    registry = state.trust.current()
    return json_response(
        {
            "status": "ok",
            "trustedIssuers": len(registry),
            "openMode": state.config.open_mode,
            "registryError": state.trust.last_error,
            "cache": state.fetcher.stats(),
        }
    )


@bp.get("/trusted-issuers")
@documented(responses={200: TrustedIssuers}, tags=("trust",))
def trusted_issuers() -> Response:
    """The trust registry: accredited issuers, their names (nl/en), accreditation and validity."""
    state = current()
    registry = state.trust.current()
    return json_response({"name": registry.name, "openMode": state.config.open_mode, "issuers": [e.to_dict() for e in registry.entries.values()]})


@bp.get("/openapi.json")
@documented(responses={200: "application/json"}, tags=("meta",))
def openapi() -> Response:
    """This API as an OpenAPI 3.1 document."""
    return json_response(
        openapi_document(
            current_app,
            title="skillpass verifier",
            version="0.1.0",
            description=(
                "Employers verify W3C Verifiable Credentials (vc+jwt) and presentations (vp+jwt): signature, "
                "issuer accreditation (trust registry), validity dates, revocation/suspension status, schema, "
                "holder binding, nonce and audience. Every answer lists each check with its outcome and reason."
            ),
            security_schemes=SECURITY_SCHEMES,
        )
    )
