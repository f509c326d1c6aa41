"""Share links: create, list, read, revoke, the view log, the QR code."""

from __future__ import annotations

from flask import Blueprint, Response

from skillpass.openapi import documented
from skillpass.web import json_response, parse_body
from wallet import accounts, qr, sharing
from wallet.api import ShareCreate, ShareCreated, ShareList, ShareOut, ShareViews
from wallet.state import current

bp = Blueprint("shares", __name__)


@bp.post("/shares")
@documented(body=ShareCreate, responses={201: ShareCreated}, auth="bearer", tags=("shares",))
def create_share() -> Response:
    """Share credentials by link: the URL is in this answer, once (QR: /shares/{id}/qr.svg|png)."""
    state = current()
    account_id = accounts.authenticate(state)
    body = parse_body(ShareCreate)
    return json_response(sharing.create_share(state, account_id, body), 201)


@bp.get("/shares")
@documented(responses={200: ShareList}, auth="bearer", tags=("shares",))
def list_shares() -> Response:
    """Your share links, newest first (without their URLs)."""
    state = current()
    return json_response(sharing.list_shares(state, accounts.authenticate(state)))


@bp.get("/shares/<share_id>")
@documented(responses={200: ShareOut}, auth="bearer", tags=("shares",))
def get_share(share_id: str) -> Response:
    """One share link: state, link expiry, views, and the credentials it shows."""
    state = current()
    return json_response(sharing.get_share(state, accounts.authenticate(state), share_id))


@bp.delete("/shares/<share_id>")
@documented(responses={200: ShareOut}, auth="bearer", tags=("shares",))
def revoke_share(share_id: str) -> Response:
    """Revoke the link at once (it answers 404 from now on); the view log stays."""
    state = current()
    return json_response(sharing.revoke_share(state, accounts.authenticate(state), share_id))


@bp.get("/shares/<share_id>/views")
@documented(responses={200: ShareViews}, auth="bearer", tags=("shares",))
def share_views(share_id: str) -> Response:
    """Who opened the link: when, and for which audience (the nonce only as a hash)."""
    state = current()
    return json_response(sharing.views(state, accounts.authenticate(state), share_id))


@bp.get("/shares/<share_id>/qr.svg")
@documented(responses={200: "image/svg+xml", 409: None}, auth="bearer", tags=("shares",))
def share_qr_svg(share_id: str) -> Response:
    """The link as a QR code (SVG); only while the link is active."""
    state = current()
    url = sharing.share_url(state, accounts.authenticate(state), share_id)
    return Response(qr.svg(url), mimetype="image/svg+xml")


@bp.get("/shares/<share_id>/qr.png")
@documented(responses={200: "image/png", 409: None}, auth="bearer", tags=("shares",))
def share_qr_png(share_id: str) -> Response:
    """The link as a QR code (PNG); only while the link is active."""
    state = current()
    url = sharing.share_url(state, accounts.authenticate(state), share_id)
    return Response(qr.png(url), mimetype="image/png")
