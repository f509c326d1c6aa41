"""The wallet's own refusals, and the one map from error types to HTTP status."""

from __future__ import annotations

from typing import Mapping

from skillpass.ratelimit import RateLimited  # noqa: F401 - the shared 429 (skillpass/ratelimit.py)
from skillpass.web import Conflict, NotFound, RequestError, Unauthorized
from vc.errors import InvalidKey, SkillpassError


class InvalidCredentials(Unauthorized):
    """E-mail address or password is wrong (which of the two is not said)."""

    code = "invalid_credentials"


class InvalidToken(Unauthorized):
    """The bearer token is missing, unknown, expired or revoked."""

    code = "invalid_token"


class AccountExists(Conflict):
    """An account with this e-mail address exists already."""

    code = "account_exists"


class WeakPassword(RequestError):
    """The password does not meet the minimum requirements."""

    code = "weak_password"


class CredentialNotFound(NotFound):
    """No such credential in your wallet."""

    code = "not_found"


class ShareNotFound(NotFound):
    """No such share in your wallet."""

    code = "not_found"


class DuplicateCredential(Conflict):
    """This credential is in your wallet already."""

    code = "duplicate_credential"


class CredentialRejected(SkillpassError):
    """The credential did not pass verification; `detail` is the verification report."""

    code = "credential_rejected"


class WalletFull(Conflict):
    """The wallet holds the maximum number of credentials."""

    code = "wallet_full"


class InvalidCursor(RequestError):
    """The pagination cursor is not one this wallet handed out."""

    code = "invalid_cursor"


class ShareInactive(Conflict):
    """The share link is revoked, expired or used up: it has no QR code any more."""

    code = "share_inactive"


class LinkNotFound(NotFound):
    """No share link here (unknown or revoked)."""

    code = "not_found"


class PresentationParametersMissing(RequestError):
    """A share with an SD-JWT VC needs the verifier's nonce and audience (for the Key Binding JWT)."""

    code = "nonce_and_audience_required"


class LinkGone(SkillpassError):
    """The share link has expired or its views are used up."""

    code = "link_gone"


class KeyUnavailable(SkillpassError):
    """The holder key cannot be opened with this master key."""

    code = "holder_key_unavailable"


class VerifierUnavailable(SkillpassError):
    """Credential verification (vc/verify.py) is not available in this deployment."""

    code = "verification_unavailable"


STATUS: Mapping[type[SkillpassError], int] = {
    CredentialRejected: 422,
    LinkGone: 410,
    KeyUnavailable: 503,
    InvalidKey: 503,
    VerifierUnavailable: 503,
}
