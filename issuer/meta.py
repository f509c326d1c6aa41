"""Service metadata: health and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from sqlalchemy import text

from issuer.api import Health
from issuer.state import current
from skillpass.db import read_session
from skillpass.openapi import documented, openapi_document
from skillpass.web import error_response, json_response

bp = Blueprint("meta", __name__)

SECURITY_SCHEMES = {
    "adminToken": {"type": "http", "scheme": "bearer", "description": "ISSUER_ADMIN_TOKEN"},
    "apiKey": {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": "A provider API key (sk_...); `Authorization: Bearer <key>` works too",
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
            title="skillpass issuer",
            version="0.1.0",
            description="Training providers issue W3C Verifiable Credentials (vc+jwt) and SD-JWT VCs (dc+sd-jwt), publish Bitstring and Token Status Lists and revoke.",
            security_schemes=SECURITY_SCHEMES,
        )
    )
