"""Request and response bodies of the wallet API (pydantic; documented in OpenAPI).

Requests are strict (`extra="forbid"`): a member the API does not know, such
as `owner` or `account_id`, is refused with 400, never silently ignored. The
owner of everything is the citizen the bearer token belongs to.

Dates that end something are named for what they end: `link_expires_at` is
when a share link stops working, `credential_valid_until` is the credential's
own `validUntil` (set by its issuer); `token_expires_at` is the bearer token's.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

KeyType = Literal["Ed25519", "P-256"]
EMAIL = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
MAX_LABELS = 20


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _labels(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    cleaned: list[str] = []
    for label in value:
        label = label.strip()
        if not label:
            raise ValueError("a label must not be empty")
        if label not in cleaned:
            cleaned.append(label)
    return cleaned


# --- accounts ---------------------------------------------------------------------


class Register(Strict):
    """A new citizen account, with a holder key generated in the wallet."""

    email: str = Field(pattern=EMAIL, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    key_type: KeyType = Field(default="Ed25519", description="Ed25519 (did:key, default) or P-256 (did:jwk)")


class Login(Strict):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(Strict):
    """Change the password; every bearer token of the account is revoked, a new one is returned."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


# --- credentials ------------------------------------------------------------------


class CredentialImport(Strict):
    """A credential to keep: compact vc+jwt, an EnvelopedVerifiableCredential object, or an SD-JWT VC."""

    credential: str | dict[str, Any] = Field(
        description="compact JWS (application/vc+jwt), {type: EnvelopedVerifiableCredential, id: data:application/vc+jwt,...}, "
        "or an SD-JWT VC as issued, every Disclosure and no KB-JWT (`<JWT>~<Disclosure>~...~`, application/dc+sd-jwt)"
    )
    labels: list[str] = Field(default_factory=list, max_length=MAX_LABELS)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("labels")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        return _labels(value) or []

    @field_validator("labels", mode="before")
    @classmethod
    def _length(cls, value: Any) -> Any:
        if isinstance(value, list) and any(isinstance(v, str) and len(v) > 100 for v in value):
            raise ValueError("a label is at most 100 characters")
        return value


class CredentialPatch(Strict):
    """Change labels (replaced as a whole) and/or the note (null clears it)."""

    labels: list[str] | None = Field(default=None, max_length=MAX_LABELS)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("labels")
    @classmethod
    def _clean(cls, value: list[str] | None) -> list[str] | None:
        return _labels(value)

    @field_validator("labels", mode="before")
    @classmethod
    def _length(cls, value: Any) -> Any:
        if isinstance(value, list) and any(isinstance(v, str) and len(v) > 100 for v in value):
            raise ValueError("a label is at most 100 characters")
        return value


class CredentialQuery(Strict):
    """Filters and page of `GET /credentials` (newest first)."""

    limit: int = Field(default=20, ge=1, le=100, description="page size, at most 100")
    cursor: str | None = Field(default=None, max_length=200, description="`next_cursor` of the previous page")
    type: str | None = Field(default=None, max_length=200, description="a VC type (OpenBadgeCredential) or microcredential / skill-attestation")
    issuer: str | None = Field(default=None, max_length=512, description="issuer DID")
    skill: str | None = Field(default=None, max_length=1024, description="skill URI (ESCO / CompetentNL)")
    label: str | None = Field(default=None, max_length=100)
    status: str | None = Field(default=None, max_length=32, description="valid, revoked, suspended, expired, ...")
    q: str | None = Field(default=None, min_length=1, max_length=200, description="text in title, labels, note, issuer name, skill names")


# --- shares -------------------------------------------------------------------------


#: A claim path: object member names, array indices, null for every element of an array.
ClaimPathIn = list[StrictStr | StrictInt | None]


class ShareCreate(Strict):
    """Share credentials by link: which, for how long, how often, why; for SD-JWT VCs, which claims."""

    credential_ids: list[str] = Field(min_length=1, max_length=50, description="ids of credentials in your wallet")
    disclose: dict[str, list[ClaimPathIn]] | None = Field(
        default=None,
        max_length=50,
        description="per dc+sd-jwt credential id: the claim paths to reveal (see `disclosable` of GET /credentials/{id}); "
        "every hideable claim not listed stays hidden, and a dc+sd-jwt not named here reveals none. Not for vc+jwt.",
    )
    expires_in: int | None = Field(
        default=None, ge=60, description="seconds until the LINK expires (default 30 days, at most WALLET_SHARE_MAX_DAYS)"
    )
    max_views: int | None = Field(default=None, ge=1, le=100_000, description="presentations the link may yield")
    purpose: str | None = Field(default=None, min_length=1, max_length=500, description='e.g. "sollicitatie bij X"')


class PresentationQuery(BaseModel):
    """Query of the public share route; other parameters a verifier adds are ignored."""

    model_config = ConfigDict(extra="ignore")

    nonce: str | None = Field(default=None, min_length=1, max_length=512, description="the verifier's challenge")
    audience: str | None = Field(default=None, min_length=1, max_length=1024, description="the verifier's id (aud)")


# --- responses ----------------------------------------------------------------------


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class Health(Loose):
    status: str


class Profile(Loose):
    id: str
    email: str
    display_name: str | None = None
    did: str
    key_type: KeyType
    verification_method: str
    created_at: str


class TokenOut(Loose):
    token: str = Field(description="bearer token; shown once")
    token_type: Literal["Bearer"]
    token_expires_at: str
    expires_in: int


class Registered(TokenOut):
    account: Profile


class Erased(Loose):
    erased: Literal[True]
    removed: dict[str, int] = Field(description="rows removed, per table")


class Skill(Loose):
    uri: str
    name: str | None = None


class CredentialOut(Loose):
    id: str = Field(description="this wallet's id of the credential")
    credential_id: str | None = Field(default=None, description="the credential's own `id`")
    type: str
    types: list[str]
    kind: str
    issuer: str
    issuer_name: str | None = Field(default=None, description="the name the wallet's trust registry gives the issuer")
    issuer_claimed_name: str | None = Field(default=None, description="the name the credential gives its issuer (not vouched for)")
    trusted: bool = Field(description="the issuer is in the wallet's trust registry")
    title: str | None = None
    skills: list[Skill]
    credential_valid_from: str | None = None
    credential_valid_until: str | None = Field(default=None, description="the credential's validUntil; null: no end")
    status: str = Field(description="at the last check: valid, revoked, suspended, expired, not_yet_valid, invalid, unknown")
    checked_at: str
    format: Literal["vc+jwt", "dc+sd-jwt"] | None = None
    labels: list[str]
    note: str | None = None
    imported_at: str


class Disclosable(Loose):
    path: list[str | int | None]
    label: dict[str, str]
    value: Any = None


class CredentialDetail(CredentialOut):
    credential: str = Field(description="the signed credential (application/vc+jwt, or application/dc+sd-jwt with every Disclosure)")
    document: dict[str, Any]
    report: dict[str, Any]
    disclosable: list[Disclosable] | None = Field(
        default=None, description="dc+sd-jwt: the claims you can hide or reveal in a share (paths for `disclose`)"
    )


class CredentialPage(Loose):
    items: list[CredentialOut]
    total: int
    limit: int
    next_cursor: str | None = None


class ShareCredential(Loose):
    id: str
    credential_id: str | None = None
    title: str | None = None
    type: str
    issuer: str
    status: str
    credential_valid_until: str | None = Field(default=None, description="the credential's own validUntil, not the link's")
    format: str | None = None
    disclose: list[list[str | int | None]] | None = Field(default=None, description="dc+sd-jwt: the claim paths this share reveals")


class ShareOut(Loose):
    id: str
    state: Literal["active", "expired", "revoked", "used_up"]
    purpose: str | None = None
    created_at: str
    link_expires_at: str = Field(description="when the LINK stops working (not the credentials' validity)")
    revoked_at: str | None = None
    max_views: int | None = None
    views: int
    views_left: int | None = None
    credentials: list[ShareCredential]
    qr_svg: str
    qr_png: str


class ShareCreated(ShareOut):
    url: str = Field(description="the share link; shown once (the QR routes can render it again)")


class ShareList(Loose):
    items: list[ShareOut]


class ShareViewOut(Loose):
    viewed_at: str
    audience: str | None = None
    nonce_sha256: str | None = None


class ShareViews(Loose):
    share_id: str
    link_expires_at: str
    items: list[ShareViewOut]


class ImportResult(Loose):
    imported: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    shares: dict[str, Any]


class Dossier(Loose):
    format: str
    version: int
    exported_at: str
    account: dict[str, Any]
    credentials: list[dict[str, Any]]
    shares: list[dict[str, Any]]


# --- portability ----------------------------------------------------------------------

DOSSIER_FORMAT = "skillpass-wallet-dossier"


class DossierSkill(Strict):
    uri: str
    name: str | None = None


class DossierCredential(Strict):
    """One credential of an exported dossier; only `credential`, `labels`, `note` and `imported_at` are taken back."""

    credential: str | dict[str, Any]
    labels: list[str] = Field(default_factory=list, max_length=MAX_LABELS)
    note: str | None = Field(default=None, max_length=2000)
    imported_at: str | None = Field(default=None, max_length=64)
    # Informational members of an export, recomputed on import:
    id: str | None = None
    credential_id: str | None = None
    format: str | None = None
    type: str | None = None
    types: list[str] | None = None
    kind: str | None = None
    issuer: str | None = None
    issuer_name: str | None = None
    issuer_claimed_name: str | None = None
    trusted: bool | None = None
    title: str | None = None
    skills: list[DossierSkill] | None = None
    credential_valid_from: str | None = None
    credential_valid_until: str | None = None
    status: str | None = None
    checked_at: str | None = None

    @field_validator("labels")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        return _labels(value) or []

    @field_validator("labels", mode="before")
    @classmethod
    def _length(cls, value: Any) -> Any:
        if isinstance(value, list) and any(isinstance(v, str) and len(v) > 100 for v in value):
            raise ValueError("a label is at most 100 characters")
        return value


class DossierImport(Strict):
    """A dossier as `GET /export` wrote it. Shares are not taken back: links are secrets that were never exported."""

    format: Literal["skillpass-wallet-dossier"]
    version: Literal[1]
    exported_at: str | None = None
    account: dict[str, Any] | None = Field(default=None, description="informational; the account is the caller's")
    credentials: list[DossierCredential] = Field(default_factory=list, max_length=20_000)
    shares: list[dict[str, Any]] = Field(default_factory=list, description="informational; not imported")
