"""Request and response bodies of the issuer API (pydantic; documented in OpenAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from skillpass.web import MAX_ROW_ID

SLUG = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
KeyType = Literal["Ed25519", "P-256"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests -------------------------------------------------------------------


class ProviderName(Strict):
    nl: str | None = Field(default=None, min_length=1, max_length=200)
    en: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_at_least(self) -> "ProviderName":
        if not (self.nl or self.en):
            raise ValueError("give the display name in Dutch (nl), English (en) or both")
        return self


class ProviderCreate(Strict):
    """A training provider (tenant)."""

    slug: str = Field(pattern=SLUG, description="lower-case letters, digits and hyphens; part of the DID")
    name: ProviderName
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    homepage: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/\S*)?$", max_length=500)
    kvk: str | None = Field(default=None, pattern=r"^[0-9]{8}$", description="Dutch Chamber of Commerce number")
    brin: str | None = Field(default=None, pattern=r"^[0-9]{2}[A-Z]{2}$", description="BRIN code of an education institution")
    rio: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,32}$", description="RIO code (Registratie Instellingen en Opleidingen)")
    keyType: KeyType | None = None


class RotateKey(Strict):
    keyType: KeyType | None = None
    reason: str | None = Field(default=None, max_length=500)


class RemoveKey(Strict):
    reason: str = Field(min_length=1, max_length=500)


class ApiKeyCreate(Strict):
    label: str = Field(default="", max_length=200)


class IssueRequest(Strict):
    """Subject data of one credential; the service sets everything else."""

    type: str = Field(description="microcredential | skill-attestation")
    format: Literal["vc+jwt", "dc+sd-jwt"] = Field(
        default="vc+jwt",
        description="vc+jwt (W3C VC-JOSE) or dc+sd-jwt (SD-JWT VC: the holder can hide the claims the type marks hideable)",
    )
    subject: dict[str, Any]
    holder: str | None = Field(default=None, max_length=2048, description="the holder's did:key or did:jwk")
    validUntil: str | None = Field(default=None, max_length=64)
    evidence: list[dict[str, Any]] | None = Field(default=None, max_length=100)


class BatchRequest(Strict):
    items: list[Any] = Field(min_length=1, description="up to 1,000 IssueRequest objects")


class StateChange(Strict):
    reason: str = Field(min_length=1, max_length=500)


class VcApiOptions(Strict):
    """No issuance options are supported; the object may be given empty."""


class VcApiIssueRequest(Strict):
    credential: dict[str, Any]
    options: VcApiOptions | None = None


class CredentialQuery(Strict):
    state: Literal["active", "suspended", "revoked"] | None = None
    type: Literal["microcredential", "skill-attestation"] | None = None
    limit: int = Field(default=50, ge=1, le=500)
    cursor: int | None = Field(default=None, ge=0, le=MAX_ROW_ID)


class AuditQuery(Strict):
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: int | None = Field(default=None, ge=0, le=MAX_ROW_ID)


# --- responses ------------------------------------------------------------------


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class KeyInfo(Loose):
    id: str
    number: int
    type: str
    state: str
    createdAt: str


class ProviderInfo(Loose):
    slug: str
    did: str
    didDocument: str
    name: dict[str, str]
    country: str
    keys: list[KeyInfo]


class ProviderList(Loose):
    items: list[ProviderInfo]


class ApiKeyInfo(Loose):
    id: str
    label: str
    createdAt: str


class ApiKeyCreated(ApiKeyInfo):
    key: str = Field(description="shown once; store it now")


class ApiKeyList(Loose):
    items: list[ApiKeyInfo]


class DidDocument(Loose):
    id: str
    verificationMethod: list[dict[str, Any]]
    assertionMethod: list[str]


class IssuedCredential(Loose):
    id: str
    format: Literal["vc+jwt", "dc+sd-jwt"]
    credential: str = Field(description="vc+jwt: compact JWS (application/vc+jwt); dc+sd-jwt: `<JWT>~<Disclosure>~...~` (application/dc+sd-jwt)")
    status: list[dict[str, str]] | dict[str, Any] = Field(
        description="vc+jwt: its BitstringStatusListEntry list; dc+sd-jwt: its `status` claim ({status_list: {idx, uri}})"
    )


class BatchItemResult(Loose):
    index: int
    status: int
    result: IssuedCredential | None = None
    error: dict[str, Any] | None = None


class BatchResponse(Loose):
    issued: int
    failed: int
    results: list[BatchItemResult]


class HistoryEntry(Loose):
    at: str
    actor: str
    action: str


class CredentialRecord(Loose):
    id: str
    type: str
    holder: str | None = None
    state: str
    issuedAt: str
    status: list[dict[str, str]]
    history: list[HistoryEntry] | None = None
    credential: str | None = Field(default=None, description="the signed credential while it is retained")


class CredentialList(Loose):
    items: list[CredentialRecord]
    next: int | None = None


class AuditList(Loose):
    items: list[dict[str, Any]]
    next: int | None = None


class TypeMetadata(Loose):
    """SD-JWT VC Type Metadata (draft-ietf-oauth-sd-jwt-vc)."""

    vct: str
    display: list[dict[str, Any]]
    claims: list[dict[str, Any]]


class JwtVcIssuerMetadata(Loose):
    """JWT VC Issuer Metadata (draft-ietf-oauth-sd-jwt-vc): `issuer` is the provider's DID (= `iss`)."""

    issuer: str
    jwks: dict[str, Any]


class VcApiIssueResponse(Loose):
    verifiableCredential: dict[str, Any]


class Health(Loose):
    status: str
