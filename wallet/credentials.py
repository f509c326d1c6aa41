"""The citizen's credentials: import, list and search, read, label, check, delete."""

from __future__ import annotations

from flask import Blueprint, Response

from skillpass.openapi import documented
from skillpass.web import json_response, parse_body, parse_query
from wallet import accounts, dossier
from wallet.api import CredentialDetail, CredentialImport, CredentialPage, CredentialPatch, CredentialQuery
from wallet.state import current

bp = Blueprint("credentials", __name__)


@bp.post("/credentials")
@documented(body=CredentialImport, responses={201: CredentialDetail, 409: None, 422: None}, auth="bearer", tags=("credentials",))
def import_credential() -> Response:
    """Keep a credential: verified first; refused (422, with the report) if it does not hold up."""
    state = current()
    account_id = accounts.authenticate(state)
    body = parse_body(CredentialImport)
    return json_response(dossier.import_credential(state, account_id, body.credential, body.labels, body.note), 201)


@bp.get("/credentials")
@documented(query=CredentialQuery, responses={200: CredentialPage}, auth="bearer", tags=("credentials",))
def list_credentials() -> Response:
    """Your credentials, newest first, filtered and paged (`next_cursor`)."""
    state = current()
    account_id = accounts.authenticate(state)
    return json_response(dossier.list_credentials(state, account_id, parse_query(CredentialQuery)))


@bp.get("/credentials/<credential_id>")
@documented(responses={200: CredentialDetail}, auth="bearer", tags=("credentials",))
def get_credential(credential_id: str) -> Response:
    """One credential: the facts, the signed token, the document and the last verification report."""
    state = current()
    return json_response(dossier.get_credential(state, accounts.authenticate(state), credential_id))


@bp.patch("/credentials/<credential_id>")
@documented(body=CredentialPatch, responses={200: CredentialDetail}, auth="bearer", tags=("credentials",))
def update_credential(credential_id: str) -> Response:
    """Change your labels and note."""
    state = current()
    account_id = accounts.authenticate(state)
    body = parse_body(CredentialPatch)
    changes = body.model_dump(include=body.model_fields_set)
    return json_response(dossier.update_credential(state, account_id, credential_id, changes))


@bp.delete("/credentials/<credential_id>")
@documented(responses={204: None}, auth="bearer", tags=("credentials",))
def delete_credential(credential_id: str) -> Response:
    """Remove a credential from your wallet (and from the shares that held it)."""
    state = current()
    dossier.delete_credential(state, accounts.authenticate(state), credential_id)
    return Response(status=204)


@bp.post("/credentials/<credential_id>/check")
@documented(responses={200: CredentialDetail}, auth="bearer", tags=("credentials",))
def check_credential(credential_id: str) -> Response:
    """Verify again now (status list, dates, keys) and keep the outcome; a revoked credential stays, shown as revoked."""
    state = current()
    return json_response(dossier.check_credential(state, accounts.authenticate(state), credential_id))
