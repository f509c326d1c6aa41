"""Published status lists: signed BitstringStatusListCredentials, cached, with ETags."""

from __future__ import annotations

import time

from flask import Blueprint, Response, request

from issuer import statuslists
from issuer.state import current
from skillpass.openapi import documented
from vc import jose

bp = Blueprint("status", __name__)


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


@bp.get("/providers/<slug>/status/<purpose>/<int:number>")
@documented(responses={200: jose.VC_MEDIA_TYPE, 304: None}, tags=("public",))
def status_list(slug: str, purpose: str, number: int) -> Response:
    """A status list (revocation or suspension) as a signed vc+jwt; 304 when the ETag matches."""
    state = current()
    published = statuslists.publish(state, slug, purpose, number)
    headers = {
        "ETag": published.etag,
        "Cache-Control": f"public, max-age={published.max_age(time.time())}",
        "Access-Control-Allow-Origin": "*",
    }
    if _matches(request.headers.get("If-None-Match"), published.etag):
        return Response(status=304, headers=headers)
    return Response(published.token, status=200, mimetype=jose.VC_MEDIA_TYPE, headers=headers)
