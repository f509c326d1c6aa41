"""The whole dossier as portable JSON, and back (right to data portability).

The export holds the profile, the DID, every credential (signed token, facts,
labels, note, status at the last check) and the shares' metadata with their
view logs. It holds no secret: no password hash, no private key, no bearer or
share token (a share's link cannot be rebuilt from it, so shares are not
imported back).

The import takes a dossier back into the caller's account: each credential is
verified again (signature, issuer key, holder binding against the caller's
DID, status); duplicates are skipped; what is authentic is stored with its
current status, a revoked one shown as revoked (restoring a dossier keeps its
history); what does not hold up is reported as rejected with the report. All
accepted credentials are written in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from skillpass.db import read_session, write_transaction
from vc.errors import SkillpassError
from vc.model import parse_datetime
from wallet import accounts, dossier, holder, sharing
from wallet.api import DOSSIER_FORMAT, DossierImport
from wallet.errors import CredentialRejected, DuplicateCredential, InvalidToken, WalletFull
from wallet.models import Account, Share, ShareView, StoredCredential, iso, utcnow
from wallet.state import WalletState

VERSION = 1


def export(state: WalletState, account_id: str) -> dict[str, Any]:
    with read_session(state.engine) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise InvalidToken("the bearer token is not valid (unknown, revoked or expired)")
        profile = accounts.profile(session, account, holder.for_account(session, account_id))
        profile.pop("id")
        rows = list(
            session.execute(
                select(StoredCredential)
                .where(StoredCredential.account_id == account_id)
                .order_by(StoredCredential.imported_at, StoredCredential.id)
            ).scalars()
        )
        credentials = []
        for row, info in zip(rows, dossier.describe(session, account_id, rows), strict=True):
            credentials.append({**info, "format": dossier.format_of(row.token), "credential": row.token})
        shares = list(
            session.execute(
                select(Share).where(Share.account_id == account_id).order_by(Share.created_at, Share.id)
            ).scalars()
        )
        share_list = []
        for share, info in zip(shares, sharing.describe(session, account_id, shares), strict=True):
            views = session.execute(
                select(ShareView)
                .where(ShareView.share_id == share.id, ShareView.account_id == account_id)
                .order_by(ShareView.viewed_at, ShareView.id)
            ).scalars()
            info = {k: v for k, v in info.items() if k not in ("qr_svg", "qr_png")}
            info["credential_ids"] = [c["id"] for c in info.pop("credentials")]
            info["view_log"] = [
                {"viewed_at": iso(v.viewed_at), "audience": v.audience, "nonce_sha256": v.nonce_hash} for v in views
            ]
            share_list.append(info)
    return {
        "format": DOSSIER_FORMAT,
        "version": VERSION,
        "exported_at": iso(utcnow()),
        "account": profile,
        "credentials": credentials,
        "shares": share_list,
    }


def _moment(text: str | None, now: datetime) -> datetime:
    if not text:
        return now
    try:
        moment = parse_datetime(text, "imported_at").astimezone(timezone.utc)
    except (SkillpassError, OverflowError, ValueError):
        return now
    return moment if moment <= now else now


def import_dossier(state: WalletState, account_id: str, document: DossierImport) -> dict[str, Any]:
    did = dossier.holder_did(state, account_id)
    imported: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    accepted: list[tuple[int, Any, Any, Any]] = []
    seen: set[str] = set()
    now = utcnow()
    with read_session(state.engine) as session:
        existing = {
            fp
            for (fp,) in session.execute(
                select(StoredCredential.fingerprint).where(StoredCredential.account_id == account_id)
            )
        }
    for index, entry in enumerate(document.credentials):
        try:
            parsed = dossier.parse(entry.credential)
        except CredentialRejected as exc:
            rejected.append({"index": index, "reason": "malformed", "detail": exc.detail})
            continue
        ref = {"index": index, "credential_id": parsed.credential_id}
        if parsed.fingerprint in existing or parsed.fingerprint in seen:
            skipped.append({**ref, "reason": "duplicate"})
            continue
        verdict = state.verifier(parsed.token, holder=did)
        if not verdict.restorable:
            rejected.append({**ref, "reason": "credential_rejected", "detail": verdict.report})
            continue
        seen.add(parsed.fingerprint)
        accepted.append((index, parsed, verdict, entry))
    try:
        with write_transaction(state.engine) as session:
            if dossier.count(session, account_id) + len(accepted) > state.config.max_credentials:
                raise WalletFull(f"a wallet holds at most {state.config.max_credentials} credentials")
            for index, parsed, verdict, entry in accepted:
                row = dossier.add(
                    session, state, account_id, parsed, verdict, entry.labels, entry.note, _moment(entry.imported_at, now)
                )
                imported.append({"index": index, "id": row.id, "credential_id": row.credential_id, "status": row.status})
    except IntegrityError:
        raise DuplicateCredential("a credential of this dossier was added meanwhile; import again") from None
    return {
        "imported": imported,
        "skipped": skipped,
        "rejected": rejected,
        "shares": {
            "imported": 0,
            "not_imported": len(document.shares),
            "reason": "share links are secrets that are never exported; create new shares",
        },
    }
