"""Share links: which credentials, until when, how often; the presentation they yield.

A share link is `WALLET_PUBLIC_URL/s/<token>`, the token 32 random bytes
(base64url). The wallet stores its SHA-256 (to find the share when the link is
opened) and the token itself sealed under the master key with the share id as
associated data, so that the citizen can have the QR code rendered again
later; the seal is erased when the link is revoked. The URL is returned in
clear once, in the answer to `POST /shares`.

Opening the link (`GET /s/<token>?nonce=..&audience=..`) yields a fresh
presentation of exactly the shared credentials, signed with the citizen's
holder key and bound to the verifier's nonce and audience:

- only vc+jwt credentials: one `vp+jwt` holding them all
  (`application/vp+jwt`), exactly as before SD-JWT VCs existed;
- one dc+sd-jwt credential: the SD-JWT VC with only the Disclosures the
  citizen chose (`disclose` of `POST /shares`; none when she chose none) and
  a Key Binding JWT (`aud` = audience, `nonce`, `iat`, `sd_hash`), as
  `application/dc+sd-jwt`. A vp+jwt cannot carry it: its Disclosures and
  KB-JWT are outside any JWS payload;
- several credentials, at least one dc+sd-jwt: `application/json`
  `{"vp_token": {"c0": ["<presentation>"], "c1": [...], ...}}`, shaped like an
  OpenID4VP response: one key per shared credential in share order (`c` +
  position), each a one-element array holding that credential's own
  presentation, a vp+jwt for a vc+jwt and an SD-JWT+KB for a dc+sd-jwt, all
  bound to the same nonce and audience and signed by the same holder key
  (the verifier checks that they are).

A dc+sd-jwt cannot be presented without a nonce and an audience (a KB-JWT
requires both): such a share answers 400 to a request without them, and
counts no view. Each presentation counts
one view, atomically: the share row is locked (BEGIN IMMEDIATE on SQLite,
FOR UPDATE on PostgreSQL) while the count is checked and raised, so
concurrent openings never exceed `max_views`.

Answers of the public route: revoked and unknown links are the same 404;
an expired link and a link whose views are used up are 410 (the link existed
and is gone, which tells the opener nothing he could not see from the link).
Failed look-ups (unknown or revoked tokens) count against the client's
address; over WALLET_SHARE_MAX_FAILURES_PER_IP per window every request from
it is 429 until the window has passed.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from skillpass.db import read_session, write_transaction
from skillpass.web import RequestError
from vc import jose, key_sealing, keys, model, sdjwt
from vc.errors import InvalidKey, SkillpassError
from wallet import accounts, holder
from wallet.api import ShareCreate
from wallet.dossier import SD_JWT, format_of
from wallet.errors import (
    CredentialNotFound,
    KeyUnavailable,
    LinkGone,
    LinkNotFound,
    PresentationParametersMissing,
    ShareInactive,
    ShareNotFound,
)
from wallet.models import Share, ShareItem, ShareView, StoredCredential, aware, iso, utcnow
from wallet.state import WalletState

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
MAX_VIEWS_LISTED = 1000
SD_JWT_MEDIA_TYPE = sdjwt.MEDIA_TYPE
BUNDLE_MEDIA_TYPE = "application/json"
MAX_DISCLOSE_PATHS = 100
MAX_PATH_STEPS = 16

ACTIVE, EXPIRED, REVOKED, USED_UP = "active", "expired", "revoked", "used_up"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def state_of(share: Share, now: datetime) -> str:
    if share.revoked_at is not None:
        return REVOKED
    if aware(share.expires_at) <= now:  # type: ignore[operator]
        return EXPIRED
    if share.max_views is not None and share.views >= share.max_views:
        return USED_UP
    return ACTIVE


# --- the citizen's side ----------------------------------------------------------------


def owned(session: Session, account_id: str, share_id: str, *, for_update: bool = False) -> Share:
    """The citizen's share `share_id`; another's or none at all is the same 404."""
    query = select(Share).where(Share.id == share_id, Share.account_id == account_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise ShareNotFound("no such share in your wallet")
    return row


def _items(session: Session, account_id: str, share_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {sid: [] for sid in share_ids}
    if not share_ids:
        return out
    rows = session.execute(
        select(ShareItem.share_id, ShareItem.disclose, StoredCredential)
        .join(StoredCredential, StoredCredential.id == ShareItem.credential_pk)
        .where(ShareItem.account_id == account_id, ShareItem.share_id.in_(share_ids))
        .order_by(ShareItem.share_id, ShareItem.position)
    )
    for share_id, disclose, cred in rows:
        item = {
            "id": cred.id,
            "credential_id": cred.credential_id,
            "title": cred.title,
            "type": cred.type_name,
            "issuer": cred.issuer,
            "status": cred.status,
            "credential_valid_until": iso(cred.valid_until),
            "format": format_of(cred.token),
        }
        if item["format"] == SD_JWT:
            item["disclose"] = json.loads(disclose) if disclose else []
        out[share_id].append(item)
    return out


def _disclosures(body: ShareCreate, tokens: dict[str, str]) -> dict[str, str]:
    """`disclose` checked against the shared credentials: {credential pk: JSON of its paths} for every dc+sd-jwt.

    Every path must name a claim of that credential (a typo never silently
    reveals less than the citizen meant); a vc+jwt is shared whole.
    """
    chosen = body.disclose or {}
    errors: list[dict[str, str]] = []
    for pk in chosen:
        pointer = "/disclose/" + pk[:64].replace("~", "~0").replace("/", "~1")
        if pk not in tokens:
            errors.append({"pointer": pointer, "message": "not one of credential_ids"})
        elif format_of(tokens[pk]) != SD_JWT:
            errors.append({"pointer": pointer, "message": "a vc+jwt is shared whole: `disclose` is for dc+sd-jwt credentials"})
    out: dict[str, str] = {}
    for pk, token in tokens.items():
        if format_of(token) != SD_JWT:
            continue
        paths = chosen.get(pk, [])
        if len(paths) > MAX_DISCLOSE_PATHS:
            errors.append({"pointer": f"/disclose/{pk}", "message": f"at most {MAX_DISCLOSE_PATHS} paths"})
            continue
        for i, path in enumerate(paths):
            pointer = f"/disclose/{pk}/{i}"
            if not path or len(path) > MAX_PATH_STEPS:
                errors.append({"pointer": pointer, "message": f"a claim path has 1 to {MAX_PATH_STEPS} steps"})
                continue
            try:
                sdjwt.present(token, [path], holder_key=None)
            except (ValueError, SkillpassError) as exc:
                errors.append({"pointer": pointer, "message": str(getattr(exc, "detail", exc))[:300]})
        out[pk] = json.dumps([list(p) for p in paths], separators=(",", ":"))
    if errors:
        raise RequestError(errors)
    return out


def _info(share: Share, credentials: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    views_left = None if share.max_views is None else max(0, share.max_views - share.views)
    return {
        "id": share.id,
        "state": state_of(share, now),
        "purpose": share.purpose,
        "created_at": iso(share.created_at),
        "link_expires_at": iso(share.expires_at),
        "revoked_at": iso(share.revoked_at),
        "max_views": share.max_views,
        "views": share.views,
        "views_left": views_left,
        "credentials": credentials,
        "qr_svg": f"/shares/{share.id}/qr.svg",
        "qr_png": f"/shares/{share.id}/qr.png",
    }


def describe(session: Session, account_id: str, shares: list[Share]) -> list[dict[str, Any]]:
    now = utcnow()
    items = _items(session, account_id, [s.id for s in shares])
    return [_info(s, items[s.id], now) for s in shares]


def create_share(state: WalletState, account_id: str, body: ShareCreate) -> dict[str, Any]:
    """A new link for the citizen's credentials; the URL is in the answer, once."""
    max_seconds = state.config.share_max_days * 86400
    expires_in = body.expires_in if body.expires_in is not None else state.config.share_default_days * 86400
    if expires_in > max_seconds:
        raise RequestError(
            [{"pointer": "/expires_in", "message": f"a link lives at most {state.config.share_max_days} days ({max_seconds} s)"}]
        )
    wanted = list(dict.fromkeys(body.credential_ids))
    token = keys.b64url_encode(secrets.token_bytes(32))
    share_id = str(uuid.uuid4())
    now = utcnow()
    with write_transaction(state.engine) as session:
        found = {
            row.id: row.token
            for row in session.execute(
                select(StoredCredential.id, StoredCredential.token).where(
                    StoredCredential.account_id == account_id, StoredCredential.id.in_(wanted)
                )
            )
        }
        missing = [i for i, cid in enumerate(body.credential_ids) if cid not in found]
        if missing:
            raise CredentialNotFound(f"credential_ids[{missing[0]}] is not a credential in your wallet")
        disclosures = _disclosures(body, found)
        share = Share(
            id=share_id,
            account_id=account_id,
            token_hash=_hash(token),
            sealed_token=key_sealing.seal(state.master_key, token.encode("ascii"), share_id),
            purpose=body.purpose,
            created_at=now,
            expires_at=now + timedelta(seconds=expires_in),
            max_views=body.max_views,
        )
        session.add(share)
        session.flush()
        for position, credential_pk in enumerate(wanted):
            session.add(ShareItem(
                share_id=share_id, credential_pk=credential_pk, position=position, account_id=account_id,
                disclose=disclosures.get(credential_pk),
            ))
        session.flush()
        info = describe(session, account_id, [share])[0]
    info["url"] = state.share_url(token)
    return info


def list_shares(state: WalletState, account_id: str) -> dict[str, Any]:
    with read_session(state.engine) as session:
        shares = list(
            session.execute(
                select(Share).where(Share.account_id == account_id).order_by(Share.created_at.desc(), Share.id.desc())
            ).scalars()
        )
        return {"items": describe(session, account_id, shares)}


def get_share(state: WalletState, account_id: str, share_id: str) -> dict[str, Any]:
    with read_session(state.engine) as session:
        return describe(session, account_id, [owned(session, account_id, share_id)])[0]


def revoke_share(state: WalletState, account_id: str, share_id: str) -> dict[str, Any]:
    """Revoked at once: the next opening of the link is a 404. The view log stays."""
    with write_transaction(state.engine) as session:
        share = owned(session, account_id, share_id, for_update=True)
        if share.revoked_at is None:
            share.revoked_at = utcnow()
        share.sealed_token = None
        session.add(share)
        session.flush()
        return describe(session, account_id, [share])[0]


def views(state: WalletState, account_id: str, share_id: str) -> dict[str, Any]:
    with read_session(state.engine) as session:
        share = owned(session, account_id, share_id)
        rows = session.execute(
            select(ShareView)
            .where(ShareView.share_id == share.id, ShareView.account_id == account_id)
            .order_by(ShareView.viewed_at.desc(), ShareView.id)
            .limit(MAX_VIEWS_LISTED)
        ).scalars()
        return {
            "share_id": share.id,
            "link_expires_at": iso(share.expires_at),
            "views": share.views,
            "items": [
                {"viewed_at": iso(v.viewed_at), "audience": v.audience, "nonce_sha256": v.nonce_hash} for v in rows
            ],
        }


def share_url(state: WalletState, account_id: str, share_id: str) -> str:
    """The link of an active share, opened from its seal, for the QR code."""
    with read_session(state.engine) as session:
        share = owned(session, account_id, share_id)
        if state_of(share, utcnow()) != ACTIVE or share.sealed_token is None:
            raise ShareInactive(f"the link is {state_of(share, utcnow()).replace('_', ' ')}; create a new share")
        try:
            token = key_sealing.open_sealed(state.master_key, bytes(share.sealed_token), share.id).decode("ascii")
        except InvalidKey:
            raise ShareInactive("the link cannot be rendered with this master key; create a new share") from None
    return state.share_url(token)


# --- the public side ----------------------------------------------------------------------


def present(state: WalletState, token: str, nonce: str | None, audience: str | None) -> tuple[str, str]:
    """The presentation a share link yields, and its media type; counts one view (atomically) and logs it."""
    limiter, client = state.limits.share_ip, f"share:{accounts.client_ip()}"
    limiter.check(client, "too many failed share-link attempts from this address; wait and try again")
    state.limits.share_views_ip.take(client, "too many share-link views from this address; wait and try again")

    def unknown() -> LinkNotFound:
        limiter.hit(client)
        return LinkNotFound("no share link here")

    if not TOKEN_PATTERN.fullmatch(token):
        raise unknown()
    now = utcnow()
    with write_transaction(state.engine) as session:
        share = session.execute(
            select(Share).where(Share.token_hash == _hash(token)).with_for_update()
        ).scalar_one_or_none()
        if share is None or share.revoked_at is not None:
            raise unknown()
        current_state = state_of(share, now)
        if current_state == EXPIRED:
            raise LinkGone("this link has expired")
        if current_state == USED_UP:
            raise LinkGone("this link has been opened as often as its holder allowed")
        items = [
            (t, json.loads(d) if d else [])
            for t, d in session.execute(
                select(StoredCredential.token, ShareItem.disclose)
                .join(ShareItem, ShareItem.credential_pk == StoredCredential.id)
                .where(ShareItem.share_id == share.id, StoredCredential.account_id == share.account_id)
                .order_by(ShareItem.position)
            )
        ]
        if not items:  # every shared credential was deleted from the wallet since
            raise LinkNotFound("no share link here")
        selective = any(format_of(t) == SD_JWT for t, _ in items)
        if selective and (nonce is None or audience is None):
            raise PresentationParametersMissing([
                {"pointer": f"/{name}", "message": "required: a selectively disclosed credential is presented with a Key Binding JWT bound to the verifier's nonce and audience"}
                for name, value in (("nonce", nonce), ("audience", audience)) if value is None
            ])
        key_row = holder.for_account(session, share.account_id)
        private = holder.open_private(state, key_row)
        issued_at = int(now.timestamp())

        def vp_of(tokens: list[str]) -> str:
            return jose.sign_presentation(
                model.build_presentation(key_row.did, [jose.envelope(t) for t in tokens]),
                private,
                holder.verification_method(key_row.did),
                nonce=nonce,
                audience=audience,
                issued_at=issued_at,
                expires_at=issued_at + state.config.presentation_ttl,
            )

        def sd_jwt_of(credential: str, paths: list[Any]) -> str:
            try:
                return sdjwt.present(credential, paths, holder_key=private, audience=audience, nonce=nonce, iat=issued_at)
            except (ValueError, SkillpassError) as exc:  # the key or the credential changed under the share
                raise KeyUnavailable(f"this credential cannot be presented with the holder key: {getattr(exc, 'detail', exc)}") from None

        if not selective:
            body, media_type = vp_of([t for t, _ in items]), jose.VP_MEDIA_TYPE
        elif len(items) == 1:
            body, media_type = sd_jwt_of(*items[0]), SD_JWT_MEDIA_TYPE
        else:
            bundle = {
                f"c{position}": [sd_jwt_of(t, paths) if format_of(t) == SD_JWT else vp_of([t])]
                for position, (t, paths) in enumerate(items)
            }
            body, media_type = json.dumps({"vp_token": bundle}, separators=(",", ":")), BUNDLE_MEDIA_TYPE
        share.views += 1
        session.add(share)
        session.add(
            ShareView(
                id=str(uuid.uuid4()),
                share_id=share.id,
                account_id=share.account_id,
                viewed_at=now,
                audience=audience,
                nonce_hash=_hash(nonce) if nonce is not None else None,
            )
        )
    return body, media_type
