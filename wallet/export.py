"""Portability: the whole dossier out (`GET /export`) and back in (`POST /import`)."""

from __future__ import annotations

from flask import Blueprint, Response

from skillpass.openapi import documented
from skillpass.web import json_response, parse_body
from wallet import accounts, portability
from wallet.api import Dossier, DossierImport, ImportResult
from wallet.state import current

bp = Blueprint("export", __name__)


@bp.get("/export")
@documented(responses={200: Dossier}, auth="bearer", tags=("portability",))
def export() -> Response:
    """Everything in your wallet as portable JSON (no secrets: no password, key or link tokens)."""
    state = current()
    dossier = portability.export(state, accounts.authenticate(state))
    return json_response(dossier, headers={"Content-Disposition": 'attachment; filename="skillpass-dossier.json"'})


@bp.post("/import")
@documented(body=DossierImport, responses={200: ImportResult}, auth="bearer", tags=("portability",))
def import_dossier() -> Response:
    """Take an exported dossier back: credentials verified again, duplicates skipped, a report of each."""
    state = current()
    account_id = accounts.authenticate(state)
    body = parse_body(DossierImport)
    return json_response(portability.import_dossier(state, account_id, body))
