"""Signing keys of a provider: rotation, and removal after a compromise."""

from __future__ import annotations

from flask import Blueprint, Response, request

from issuer import audit, keystore, tenancy
from issuer.api import KeyInfo, RemoveKey, RotateKey
from issuer.state import IssuerState, current
from skillpass.db import write_transaction
from skillpass.openapi import documented
from skillpass.web import ROW_ID, json_response, parse_body

bp = Blueprint("signing_keys", __name__)


def rotate_key(state: IssuerState, slug: str, key_type: str | None, reason: str | None, *, actor: str) -> dict:
    with write_transaction(state.engine) as session:
        provider = tenancy.get_provider(session, slug)
        old, new = keystore.rotate(session, state, provider, key_type)
        detail = {"retired": old.number, "keyType": new.key_type}
        if reason:
            detail["reason"] = reason
        audit.record(session, actor=actor, action="key.rotate", target=keystore.key_fragment(new.number), provider_id=provider.id, detail=detail)
        return keystore.key_info(state, provider, new)


def remove_key(state: IssuerState, slug: str, number: int, reason: str, *, actor: str) -> dict:
    with write_transaction(state.engine) as session:
        provider = tenancy.get_provider(session, slug)
        row = keystore.remove(session, state, provider, number)
        audit.record(session, actor=actor, action="key.remove", target=keystore.key_fragment(number), provider_id=provider.id, detail={"reason": reason})
        return keystore.key_info(state, provider, row)


@bp.post("/admin/providers/<slug>/keys/rotate")
@documented(body=RotateKey, responses={201: KeyInfo}, auth="adminToken", tags=("admin",))
def rotate(slug: str) -> Response:
    """Rotate the signing key: new credentials use the new key, the old one stays in the DID document."""
    state = current()
    actor = tenancy.require_admin(state)
    body = parse_body(RotateKey) if request.get_data() else RotateKey()
    return json_response(rotate_key(state, slug, body.keyType, body.reason, actor=actor), 201)


@bp.post(f"/admin/providers/<slug>/keys/<{ROW_ID}:number>/remove")
@documented(body=RemoveKey, responses={200: KeyInfo, 409: None}, auth="adminToken", tags=("admin",))
def remove(slug: str, number: int) -> Response:
    """Remove a retired key (compromise): it leaves the DID document; what it signed no longer verifies."""
    state = current()
    actor = tenancy.require_admin(state)
    body = parse_body(RemoveKey)
    return json_response(remove_key(state, slug, number, body.reason, actor=actor))
