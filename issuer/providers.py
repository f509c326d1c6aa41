"""Providers: created by the admin, each with a did:web document anyone can fetch."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from issuer import audit, keystore, tenancy
from issuer.api import AuditList, AuditQuery, DidDocument, ProviderCreate, ProviderInfo, ProviderList
from issuer.models import Provider
from issuer.state import current
from skillpass.db import read_session
from skillpass.openapi import documented
from skillpass.web import json_response, parse_body, parse_query
from sqlalchemy import select

bp = Blueprint("providers", __name__)


@bp.post("/admin/providers")
@documented(body=ProviderCreate, responses={201: ProviderInfo, 409: None}, auth="adminToken", tags=("admin",))
def create_provider() -> Response:
    """Create a provider (tenant) with its did:web, first signing key and status lists."""
    state = current()
    actor = tenancy.require_admin(state)
    body = parse_body(ProviderCreate)
    data = {
        "slug": body.slug, "name_nl": body.name.nl, "name_en": body.name.en, "country": body.country,
        "homepage": body.homepage, "kvk": body.kvk, "brin": body.brin, "rio": body.rio,
    }
    provider = tenancy.create_provider(state, data, actor=actor, key_type=body.keyType)
    with read_session(state.engine) as session:
        info = tenancy.provider_info(state, session, provider)
    return json_response(info, 201, {"Location": f"/admin/providers/{provider.slug}"})


@bp.get("/admin/providers")
@documented(responses={200: ProviderList}, auth="adminToken", tags=("admin",))
def list_providers() -> Response:
    """List the providers."""
    state = current()
    tenancy.require_admin(state)
    with read_session(state.engine) as session:
        rows = session.execute(select(Provider).order_by(Provider.slug)).scalars().all()
        return json_response({"items": [tenancy.provider_info(state, session, p) for p in rows]})


@bp.get("/admin/providers/<slug>")
@documented(responses={200: ProviderInfo}, auth="adminToken", tags=("admin",))
def get_provider(slug: str) -> Response:
    """One provider, with its keys (public halves only)."""
    state = current()
    tenancy.require_admin(state)
    with read_session(state.engine) as session:
        return json_response(tenancy.provider_info(state, session, tenancy.get_provider(session, slug)))


@bp.get("/admin/providers/<slug>/audit")
@documented(query=AuditQuery, responses={200: AuditList}, auth="adminToken", tags=("admin",))
def provider_audit(slug: str) -> Response:
    """The provider's audit log, newest first."""
    state = current()
    tenancy.require_admin(state)
    query = parse_query(AuditQuery)
    with read_session(state.engine) as session:
        provider = tenancy.get_provider(session, slug)
        rows = audit.events(session, provider.id, limit=query.limit + 1, before=query.cursor)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return json_response({"items": [audit.as_dict(e) for e in rows], "next": rows[-1].id if more else None})


@bp.get("/providers/<slug>/did.json")
@documented(responses={200: (DidDocument, "application/did+json")}, tags=("public",))
def did_document(slug: str) -> Response:
    """The provider's DID document (did:web): current and retired keys."""
    state = current()
    with read_session(state.engine) as session:
        doc = keystore.did_document(session, state, tenancy.get_provider(session, slug))
    response = jsonify(doc)
    response.mimetype = "application/did+json"
    response.headers["Cache-Control"] = f"public, max-age={state.config.did_max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
