"""Request and response bodies of the verifier API (pydantic; documented in OpenAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

Unknown = Literal["status", "trust"]
#: A credential: compact vc+jwt, data: URL, or an EnvelopedVerifiableCredential object.
CredentialValue = StrictStr | dict[str, Any]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- requests -------------------------------------------------------------------


class Options(Strict):
    acceptUnknown: list[Unknown] = Field(
        default_factory=list,
        description="checks whose 'could not check' outcome still counts as verified (the caller takes that risk)",
    )
    includeClaims: bool | None = Field(
        default=None, description="return the decoded claims beside the checks (default: yes for one, no in a batch)"
    )


class VerifyRequest(Strict):
    """One credential, or one presentation with the nonce and audience it must carry."""

    credential: CredentialValue | None = Field(
        default=None, description="a vc+jwt (compact, data: URL or enveloped) or an SD-JWT VC (`<JWT>~<Disclosure>~...~`)"
    )
    presentation: CredentialValue | None = Field(
        default=None,
        description="a vp+jwt, an SD-JWT VC with a Key Binding JWT (`<JWT>~<Disclosure>~...~<KB-JWT>`), "
        'or a bundle {"vp_token": {"<id>": ["<presentation>"], ...}}',
    )
    nonce: StrictStr | None = Field(default=None, min_length=1, max_length=256)
    audience: StrictStr | None = Field(
        default=None, min_length=1, max_length=2048, description="defaults to this verifier's VERIFIER_AUDIENCE"
    )
    share_url: StrictStr | None = Field(
        default=None, min_length=1, max_length=2048,
        description="a wallet share link: the verifier fetches it with its own fresh nonce and audience",
    )
    options: Options | None = None

    @model_validator(mode="after")
    def _one_thing(self) -> "VerifyRequest":
        given = [x for x in (self.credential, self.presentation, self.share_url) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `credential`, `presentation` or `share_url`")
        if self.presentation is None and (self.nonce is not None or self.audience is not None):
            raise ValueError("`nonce` and `audience` belong to a `presentation`")
        return self


class BatchRequest(Strict):
    """Up to 1,000 credentials; one report each, in order."""

    credentials: list[CredentialValue] = Field(min_length=1)
    options: Options | None = None


class VcApiOptions(Strict):
    challenge: StrictStr | None = Field(default=None, min_length=1, max_length=256, description="the nonce")
    domain: StrictStr | None = Field(default=None, min_length=1, max_length=2048, description="the audience")
    acceptUnknown: list[Unknown] = Field(default_factory=list)
    checks: list[StrictStr] | None = Field(default=None, description="accepted for compatibility; every check always runs")


class VcApiCredentialRequest(Strict):
    verifiableCredential: CredentialValue
    options: VcApiOptions | None = None


class VcApiPresentationRequest(Strict):
    verifiablePresentation: CredentialValue
    options: VcApiOptions | None = None


class PresentationRequestCreate(Strict):
    """What the employer wants to see: credential types and/or skills (ESCO / CompetentNL URIs)."""

    types: list[StrictStr] = Field(default_factory=list, max_length=20)
    skills: list[StrictStr] = Field(default_factory=list, max_length=50)
    purpose: StrictStr | None = Field(default=None, min_length=1, max_length=500, description="shown to the holder")
    ttl: int | None = Field(default=None, ge=60, le=86400, description="seconds the request stays open")

    @model_validator(mode="after")
    def _something(self) -> "PresentationRequestCreate":
        if not self.types and not self.skills:
            raise ValueError("ask for at least one credential type or skill")
        for value in (*self.types, *self.skills):
            if not value or len(value) > 500 or value != value.strip():
                raise ValueError("types and skills are non-empty strings of at most 500 characters")
        for skill in self.skills:
            if ":" not in skill:
                raise ValueError("skills are URIs (ESCO or CompetentNL)")
        return self


class PresentationResponse(Strict):
    presentation: CredentialValue


# --- responses ------------------------------------------------------------------


class CheckModel(Strict):
    check: str
    status: Literal["passed", "failed", "skipped", "unknown"]
    code: str | None
    detail: Any = None


class ReportModel(Open):
    """A verification report: every check with its outcome, the facts found, and a summary in nl and en."""

    verified: bool
    kind: Literal["credential", "presentation"]
    format: str | None = None
    checks: list[CheckModel]
    summary: dict[str, Any] | None = None


class BatchResponse(Strict):
    verified: int
    notVerified: int
    results: list[ReportModel]


class RefusedReport(Open):
    """422: not verified. `error` is the first failing code; the report says everything."""

    error: str
    detail: Any = None
    verified: bool
    checks: list[CheckModel]


class PresentationRequestInfo(Open):
    id: str
    nonce: str
    audience: str
    types: list[str]
    skills: list[str]
    purpose: str | None = None
    state: Literal["pending", "answered", "expired"]
    createdAt: str
    expiresAt: str
    responseUri: str


class PresentationRequestCreated(PresentationRequestInfo):
    resultToken: str = Field(description="bearer token for GET .../result; shown once")


class PresentationAnswer(Open):
    verified: bool
    matched: dict[str, Any]
    missing: dict[str, Any]
    report: ReportModel


class RefusedAnswer(PresentationAnswer):
    """422: the answer did not verify. `error` is the first failing code; `report` says everything."""

    error: str
    detail: Any = None


class TrustedIssuers(Open):
    name: str | None = None
    openMode: bool
    issuers: list[dict[str, Any]]


class Health(Open):
    status: str
