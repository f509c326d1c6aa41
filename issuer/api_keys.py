"""API keys of a provider's systems: shown once, stored hashed, revocable."""

from __future__ import annotations

from flask import Blueprint, Response, request

from issuer import tenancy
from issuer.api import ApiKeyCreate, ApiKeyCreated, ApiKeyInfo, ApiKeyList
from issuer.state import current
from skillpass.openapi import documented
from skillpass.web import json_response, parse_body

bp = Blueprint("api_keys", __name__)


@bp.post("/admin/providers/<slug>/api-keys")
@documented(body=ApiKeyCreate, responses={201: ApiKeyCreated}, auth="adminToken", tags=("admin",))
def create(slug: str) -> Response:
    """Create an API key; the key is in this response only."""
    state = current()
    actor = tenancy.require_admin(state)
    body = parse_body(ApiKeyCreate) if request.get_data() else ApiKeyCreate()
    row, secret = tenancy.create_api_key(state, slug, body.label, actor=actor)
    return json_response({**tenancy.api_key_info(row), "key": secret}, 201)


@bp.get("/admin/providers/<slug>/api-keys")
@documented(responses={200: ApiKeyList}, auth="adminToken", tags=("admin",))
def list_keys(slug: str) -> Response:
    """List a provider's API keys (never the keys themselves)."""
    state = current()
    tenancy.require_admin(state)
    return json_response({"items": tenancy.list_api_keys(state, slug)})


@bp.post("/admin/providers/<slug>/api-keys/<key_id>/revoke")
@documented(responses={200: ApiKeyInfo}, auth="adminToken", tags=("admin",))
def revoke(slug: str, key_id: str) -> Response:
    """Revoke an API key; it stops working at once."""
    state = current()
    actor = tenancy.require_admin(state)
    return json_response(tenancy.api_key_info(tenancy.revoke_api_key(state, slug, key_id, actor=actor)))
