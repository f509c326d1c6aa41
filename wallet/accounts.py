"""Citizens: registration, login, bearer tokens, password change, erasure.

Bearer tokens are 32 random bytes (base64url), stored only as SHA-256 hex,
with an expiry (WALLET_TOKEN_TTL); logout deletes the token, a password
change deletes every token of the account. A login for an unknown e-mail
address does the same argon2id work as one with a wrong password and gets the
same answer (401 invalid_credentials). Failed logins are limited per account
and per client IP.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import has_request_context, request
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from skillpass.db import read_session, write_transaction
from skillpass.web import bearer_token
from vc import keys
from wallet import holder
from wallet.errors import AccountExists, InvalidCredentials, InvalidToken, WeakPassword
from wallet.models import (
    Account,
    AuthToken,
    CredentialLabel,
    CredentialSkill,
    HolderKey,
    Share,
    ShareItem,
    ShareView,
    StoredCredential,
    aware,
    iso,
    utcnow,
)
from wallet.state import WalletState


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime

    def to_dict(self, now: datetime | None = None) -> dict:
        now = now or utcnow()
        return {
            "token": self.token,
            "token_type": "Bearer",
            "token_expires_at": iso(self.expires_at),
            "expires_in": max(0, int((self.expires_at - now).total_seconds())),
        }


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def client_ip() -> str:
    """The client's address (X-Forwarded-For only as far as WALLET_PROXY_HOPS trusts it, via ProxyFix).

    Outside a request (the CLI) the caller is local."""
    if not has_request_context():
        return "local"
    return request.remote_addr or "unknown"


def _new_token(session: Session, state: WalletState, account_id: str) -> IssuedToken:
    secret = keys.b64url_encode(secrets.token_bytes(32))
    expires_at = utcnow() + timedelta(seconds=state.config.token_ttl)
    session.add(
        AuthToken(id=str(uuid.uuid4()), account_id=account_id, token_hash=token_hash(secret), expires_at=expires_at)
    )
    return IssuedToken(secret, expires_at)


def _check_password_rules(state: WalletState, password: str, email: str) -> None:
    problems = []
    if len(password) < state.config.password_min_length:
        problems.append(f"at least {state.config.password_min_length} characters")
    if password.strip().lower() == email:
        problems.append("not your e-mail address")
    if len(set(password)) < 3:
        problems.append("more than two different characters")
    if problems:
        raise WeakPassword("the password must have " + "; ".join(problems))


# --- registration and login ----------------------------------------------------------


def register(
    state: WalletState, email: str, password: str, display_name: str | None, key_type: str
) -> tuple[dict, IssuedToken]:
    """A new account with its holder key and a first bearer token, in one transaction.

    Returns the profile and the token."""
    if has_request_context():  # the CLI registers without limits
        state.limits.register_ip.take(f"register:{client_ip()}", "too many registrations from this address; try later")
    email = normalise_email(email)
    _check_password_rules(state, password, email)
    password_hash = state.passwords.hash(password)  # before the write lock: it is the slow part
    account_id = str(uuid.uuid4())
    try:
        with write_transaction(state.engine) as session:
            if session.execute(select(Account.id).where(Account.email == email)).first():
                raise AccountExists("an account with this e-mail address exists already")
            account = Account(id=account_id, email=email, password_hash=password_hash, display_name=display_name)
            session.add(account)
            session.flush()
            key = holder.create(session, state, account_id, key_type)
            token = _new_token(session, state, account_id)
            session.flush()
            info = profile(session, account, key)
    except IntegrityError:
        raise AccountExists("an account with this e-mail address exists already") from None
    return info, token


def login(state: WalletState, email: str, password: str) -> IssuedToken:
    email = normalise_email(email)
    ip_key, account_key = f"login-ip:{client_ip()}", f"login-account:{email}"
    message = "too many failed logins; wait and try again"
    state.limits.login_ip.check(ip_key, message)
    state.limits.login_account.check(account_key, message)
    with read_session(state.engine) as session:
        account = session.execute(select(Account).where(Account.email == email)).scalar_one_or_none()
    if not state.passwords.verify(account.password_hash if account else None, password):
        state.limits.login_ip.hit(ip_key)
        state.limits.login_account.hit(account_key)
        raise InvalidCredentials("e-mail address or password is wrong")
    assert account is not None
    state.limits.login_account.reset(account_key)
    new_hash = state.passwords.hash(password) if state.passwords.needs_rehash(account.password_hash) else None
    with write_transaction(state.engine) as session:
        row = session.execute(select(Account).where(Account.id == account.id).with_for_update()).scalar_one_or_none()
        if row is None:  # erased in the meantime
            raise InvalidCredentials("e-mail address or password is wrong")
        if new_hash:
            row.password_hash = new_hash
            session.add(row)
        session.execute(delete(AuthToken).where(AuthToken.expires_at < utcnow()))
        return _new_token(session, state, account.id)


def account_id_for(state: WalletState, email: str) -> str | None:
    """The account id of an e-mail address (for the CLI; HTTP never reveals it)."""
    with read_session(state.engine) as session:
        return session.execute(select(Account.id).where(Account.email == normalise_email(email))).scalar_one_or_none()


# --- who is asking ---------------------------------------------------------------------


def authenticate(state: WalletState) -> str:
    """The account id of the bearer token, or 401 invalid_token."""
    secret = bearer_token()
    if not secret or len(secret) > 200:
        raise InvalidToken("send a bearer token: Authorization: Bearer <token> (POST /auth/login)")
    with read_session(state.engine) as session:
        # Looked up by the hash of a 256-bit secret: comparing hashes leaks nothing useful.
        row = session.execute(
            select(AuthToken.account_id, AuthToken.expires_at).where(AuthToken.token_hash == token_hash(secret))
        ).first()
    if row is None or aware(row.expires_at) <= utcnow():
        raise InvalidToken("the bearer token is not valid (unknown, revoked or expired)")
    return row.account_id


def logout(state: WalletState) -> None:
    """Revoke the token of this request (the caller authenticated already)."""
    secret = bearer_token() or ""
    with write_transaction(state.engine) as session:
        session.execute(delete(AuthToken).where(AuthToken.token_hash == token_hash(secret)))


def change_password(state: WalletState, account_id: str, current: str, new: str) -> IssuedToken:
    """Check the current password, set the new one, revoke every token, return a new one."""
    account_key = f"login-account:{account_id}"
    state.limits.login_account.check(account_key, "too many wrong passwords; wait and try again")
    with read_session(state.engine) as session:
        account = session.get(Account, account_id)
    if account is None:
        raise InvalidToken("the bearer token is not valid (unknown, revoked or expired)")
    if not state.passwords.verify(account.password_hash, current):
        state.limits.login_account.hit(account_key)
        raise InvalidCredentials("the current password is wrong")
    _check_password_rules(state, new, account.email)
    new_hash = state.passwords.hash(new)
    with write_transaction(state.engine) as session:
        row = session.execute(select(Account).where(Account.id == account_id).with_for_update()).scalar_one_or_none()
        if row is None:
            raise InvalidToken("the bearer token is not valid (unknown, revoked or expired)")
        row.password_hash = new_hash
        row.password_changed_at = utcnow()
        session.add(row)
        session.execute(delete(AuthToken).where(AuthToken.account_id == account_id))
        return _new_token(session, state, account_id)


# --- profile and erasure ---------------------------------------------------------------


def profile(session: Session, account: Account, key: HolderKey) -> dict:
    return {
        "id": account.id,
        "email": account.email,
        "display_name": account.display_name,
        "did": key.did,
        "key_type": key.key_type,
        "verification_method": holder.verification_method(key.did),
        "created_at": iso(account.created_at),
    }


def me(state: WalletState, account_id: str) -> dict:
    with read_session(state.engine) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise InvalidToken("the bearer token is not valid (unknown, revoked or expired)")
        info = profile(session, account, holder.for_account(session, account_id))
        info["credentials"] = session.execute(
            select(func.count()).select_from(StoredCredential).where(StoredCredential.account_id == account_id)
        ).scalar_one()
        info["shares"] = session.execute(
            select(func.count()).select_from(Share).where(Share.account_id == account_id)
        ).scalar_one()
        return info


#: Every table that holds a citizen's rows, children before parents.
ERASURE_ORDER = (ShareView, ShareItem, Share, CredentialLabel, CredentialSkill, StoredCredential, AuthToken, HolderKey)


def erase(state: WalletState, account_id: str) -> dict[str, int]:
    """Delete everything of the citizen in one transaction (right to erasure); returns the counts."""
    removed: dict[str, int] = {}
    with write_transaction(state.engine) as session:
        account = session.execute(select(Account).where(Account.id == account_id).with_for_update()).scalar_one_or_none()
        if account is None:
            raise InvalidToken("the bearer token is not valid (unknown, revoked or expired)")
        for table in ERASURE_ORDER:
            result = session.execute(delete(table).where(table.account_id == account_id))  # type: ignore[attr-defined]
            removed[table.__tablename__] = result.rowcount  # type: ignore[attr-defined]
        session.execute(delete(Account).where(Account.id == account_id))
        removed["account"] = 1
    return removed
