"""Published status lists: signed BitstringStatusListCredentials, cached, with ETags."""

from __future__ import annotations

import time

from flask import Blueprint, Response, request

from issuer import statuslists
from issuer.state import current
from skillpass.openapi import documented
from skillpass.web import ROW_ID
from vc import jose, token_status_list

bp = Blueprint("status", __name__)


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def _serve(published: statuslists.Published, media_type: str) -> Response:
    headers = {
        "ETag": published.etag,
        "Cache-Control": f"public, max-age={published.max_age(time.time())}",
        "Access-Control-Allow-Origin": "*",
    }
    if _matches(request.headers.get("If-None-Match"), published.etag):
        return Response(status=304, headers=headers)
    return Response(published.token, status=200, mimetype=media_type, headers=headers)


@bp.get(f"/providers/<slug>/status/token/<{ROW_ID}:number>")
@documented(responses={200: token_status_list.MEDIA_TYPE, 304: None}, tags=("public",))
def token_status(slug: str, number: int) -> Response:
    """The Token Status List of SD-JWT VCs (statuslist+jwt, 2 bits: 0 valid, 1 revoked, 2 suspended), derived from revocation list `number`."""
    return _serve(statuslists.publish_token(current(), slug, number), token_status_list.MEDIA_TYPE)


@bp.get(f"/providers/<slug>/status/<purpose>/<{ROW_ID}:number>")
@documented(responses={200: jose.VC_MEDIA_TYPE, 304: None}, tags=("public",))
def status_list(slug: str, purpose: str, number: int) -> Response:
    """A status list (revocation or suspension) as a signed vc+jwt; 304 when the ETag matches."""
    return _serve(statuslists.publish(current(), slug, purpose, number), jose.VC_MEDIA_TYPE)
