"""Accounts: register, log in and out, change the password, the profile, erasure."""

from __future__ import annotations

from flask import Blueprint, Response

from skillpass.openapi import documented
from skillpass.web import json_response, parse_body
from wallet import accounts
from wallet.api import Erased, Login, PasswordChange, Profile, Register, Registered, TokenOut
from wallet.state import current

bp = Blueprint("auth", __name__)


@bp.post("/auth/register")
@documented(body=Register, responses={201: Registered, 409: None, 429: None}, tags=("accounts",))
def register() -> Response:
    """Create an account (and its holder key and DID); returns a first bearer token."""
    body = parse_body(Register)
    state = current()
    profile, token = accounts.register(state, body.email, body.password, body.display_name, body.key_type)
    return json_response({"account": profile, **token.to_dict()}, 201)


@bp.post("/auth/login")
@documented(body=Login, responses={200: TokenOut, 401: None, 429: None}, tags=("accounts",))
def login() -> Response:
    """Log in: a bearer token (the same 401 for an unknown e-mail address and a wrong password)."""
    body = parse_body(Login)
    return json_response(accounts.login(current(), body.email, body.password).to_dict())


@bp.post("/auth/logout")
@documented(responses={204: None}, auth="bearer", tags=("accounts",))
def logout() -> Response:
    """Revoke the bearer token of this request."""
    state = current()
    accounts.authenticate(state)
    accounts.logout(state)
    return Response(status=204)


@bp.post("/auth/password")
@documented(body=PasswordChange, responses={200: TokenOut, 401: None, 429: None}, auth="bearer", tags=("accounts",))
def change_password() -> Response:
    """Change the password: every bearer token is revoked; a new one is returned."""
    state = current()
    account_id = accounts.authenticate(state)
    body = parse_body(PasswordChange)
    token = accounts.change_password(state, account_id, body.current_password, body.new_password)
    return json_response(token.to_dict())


@bp.get("/me")
@documented(responses={200: Profile}, auth="bearer", tags=("accounts",))
def me() -> Response:
    """Your account: e-mail address, display name, DID (never the key)."""
    state = current()
    return json_response(accounts.me(state, accounts.authenticate(state)))


@bp.delete("/me")
@documented(responses={200: Erased}, auth="bearer", tags=("accounts",))
def erase() -> Response:
    """Delete your account and everything in it, at once (right to erasure)."""
    state = current()
    removed = accounts.erase(state, accounts.authenticate(state))
    return json_response({"erased": True, "removed": removed})
