"""The one public route: a share link yields a presentation (vp+jwt, dc+sd-jwt, or a vp_token bundle; see wallet/sharing.py)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from skillpass.openapi import documented
from skillpass.web import error_response, parse_query
from vc import jose
from wallet import sharing
from wallet.api import PresentationQuery
from wallet.state import current

bp = Blueprint("public", __name__)

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


@bp.after_request
def _private(response: Response) -> Response:
    """Errors too: a share link's answer is never cached, and never leaks the link as a referrer."""
    for name, value in NO_STORE.items():
        response.headers[name] = value
    return response


@bp.get("/s/<token>")
@documented(
    query=PresentationQuery,
    responses={200: jose.VP_MEDIA_TYPE, 400: None, 404: None, 410: None, 429: None},
    tags=("public",),
)
def presentation(token: str) -> Response:
    """A fresh presentation of the shared credentials, signed by the holder, bound to `nonce` and `audience`.

    application/vp+jwt (only vc+jwt credentials), application/dc+sd-jwt (one
    SD-JWT VC with the chosen Disclosures and a KB-JWT), or application/json
    `{"vp_token": {"c0": [...], ...}}` (several, at least one SD-JWT VC).
    """
    if request.method == "HEAD":  # a HEAD (link checkers, previews) must not use up a view
        return error_response("method_not_allowed", "use GET", 405, {"Allow": "GET"})
    query = parse_query(PresentationQuery)
    body, media_type = sharing.present(current(), token, query.nonce, query.audience)
    return Response(body, mimetype=media_type)
