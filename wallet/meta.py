"""Service metadata: health and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from sqlalchemy import text

from skillpass.db import read_session
from skillpass.openapi import documented, openapi_document
from skillpass.web import error_response, json_response
from wallet.api import Health
from wallet.state import current

bp = Blueprint("meta", __name__)

SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "a citizen's token from POST /auth/login or /auth/register",
    },
}


@bp.get("/health")
@documented(responses={200: Health, 503: None}, tags=("meta",))
def health() -> Response:
    """Liveness and database reachability."""
    try:
        with read_session(current().engine) as session:
            session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - reported, not raised
        return error_response("unavailable", "the database is not reachable", 503)
    return json_response({"status": "ok"})


@bp.get("/openapi.json")
@documented(responses={200: "application/json"}, tags=("meta",))
def openapi() -> Response:
    """This API as an OpenAPI 3.1 document."""
    return json_response(
        openapi_document(
            current_app,
            title="skillpass wallet",
            version="0.1.0",
            description=(
                "The citizen's own dossier of W3C Verifiable Credentials: accounts with a holder key (DID), "
                "credentials verified on import, share links and QR codes yielding vp+jwt presentations, "
                "export and import. `link_expires_at` is when a share link stops working; "
                "`credential_valid_until` is the credential's own validUntil."
            ),
            security_schemes=SECURITY_SCHEMES,
        )
    )
