"""The verification pipeline: one report per credential or presentation, every check listed.

Used by the verifier service and by the wallet (on import). Pure except for
the injected fetcher (did:web documents, status lists); give it a
``vc.cache.CachingFetcher`` around ``vc.fetch.GuardedFetcher`` in a service.

Credential (``vc+jwt``, compact or as an EnvelopedVerifiableCredential), in order:

=================  ==========================================================
check              what
=================  ==========================================================
parse              the token is a well-formed compact JWS (strict JSON)
trust              the issuer DID is in the trust registry (exact match), now
did_resolution     the signer's DID document (did:web fetched; key/jwk local)
signature          header rules (alg EdDSA/ES256 only, no jwk/jku/x5*/crit,
                   typ vc+jwt) and the signature, with the `kid` key from the
                   issuer's DID document granted `assertionMethod`
issuer_binding     `iss`, `issuer` and the `kid` DID are the same DID
data_model         VC Data Model 2.0 rules and sane JWT claims
validity_period    validFrom <= now <= validUntil (and nbf/exp), with leeway
status.<purpose>   one per BitstringStatusListEntry (revocation, suspension):
                   list fetched, its signature checked with the same issuer's
                   DID document, issuer/id/purpose bound, not stale, bit read
schema             `credentialSchema` against skillpass's own schemas
=================  ==========================================================

Presentation (``vp+jwt``): parse, holder_signature (did:key/did:jwk only,
resolved locally, key granted `authentication`), holder_binding (`holder`,
`iss` and `kid` DID agree), data_model, nonce, audience, validity_period
(iat/nbf/exp), credentials (each one verified fully, nested reports),
subject_binding (each credential's subject id is the holder).

Codes (a check that is not ``passed`` carries one):

- parse: malformed_token, token_too_large, duplicate_member, unsupported_format
- trust: untrusted_issuer, accreditation_expired, accreditation_not_yet_valid;
  issuer_not_in_registry (unknown, open mode)
- did_resolution: issuer_unreachable (unknown), did_resolution_failed,
  blocked_address, invalid_did, unsupported_did_method
- signature: unsupported_algorithm (alg none, HS*, alg/key mismatch),
  forbidden_header, wrong_type, malformed_token, key_not_found,
  invalid_signature; issuer_unreachable (unknown)
- issuer_binding: signer_not_issuer (`kid` DID is not the issuer),
  issuer_mismatch (`iss` is not the issuer)
- data_model: invalid_credential, malformed_token, wrong_type (a status list credential offered as a credential)
- validity_period: expired, not_yet_valid, invalid_credential
- status.<purpose>: revoked, suspended, status_unavailable (unknown),
  status_list_stale (unknown), status_list_not_yet_valid (unknown),
  status_list_signature_invalid, status_list_issuer_mismatch,
  status_list_id_mismatch, status_list_purpose_mismatch, status_list_too_short,
  decompression_limit, invalid_encoding, invalid_status_list,
  status_index_out_of_range, blocked_address; "status" for an entry that
  cannot be parsed (invalid_status_list) or too_many_status_entries
- schema: schema_invalid, invalid_credential
- presentations: holder_not_signer, holder_mismatch (a credential's subject is
  not the holder), nonce_mismatch, nonce_missing, nonce_required,
  nonce_replayed (set by the service), audience_mismatch, audience_missing,
  audience_required, expired, not_yet_valid, presentation_too_old,
  iat_missing, no_credentials, too_many_credentials, credential_not_verified,
  credential_unknown (unknown), unsecured_credential
- skipped checks say why: untrusted_issuer, signer_not_issuer,
  signature_not_verified, issuer_unreachable, did_resolution_failed,
  not_parsed, no_status, purpose_not_checked, no_schema, unknown_schema,
  not_requested, nonce_not_requested, audience_not_requested

Rules:

- A failure never stops later independent checks; a check that depends on an
  earlier one is ``skipped`` with a code saying why (e.g. no status list is
  fetched for a credential whose signature did not verify: its URLs are not
  the issuer's).
- Closed mode (default): for an issuer that is not trusted, nothing is fetched
  (no DID resolution, no status list): did_resolution, signature, status and
  schema are ``skipped`` with code ``untrusted_issuer``. The pure checks
  (issuer_binding, data_model, validity_period) still run. A `kid` of another
  DID than the issuer is never resolved either (``signer_not_issuer``).
- ``unknown`` = could not check (issuer or list unreachable, stale list). It
  counts as not verified unless ``VerifyOptions.accept_unknown`` names that
  check family ("status" or "trust"; never the signature). In open mode an
  unlisted issuer gets trust ``unknown``: the report says whether everything
  else holds, and the verdict stays "not verified" unless ``accept_unknown``
  contains "trust".
- Verified = nothing failed, no unaccepted unknown, and parse, trust,
  did_resolution, signature, issuer_binding, data_model and validity_period
  passed (status and schema may be skipped: no credentialStatus, a schema
  that is not skillpass's). For a presentation: parse, holder_signature,
  holder_binding, data_model, validity_period, credentials and
  subject_binding passed; nonce and audience passed or were not asked for.
- Schema: an id that is not one of skillpass's schemas is ``skipped`` (code
  ``unknown_schema``), never fetched. Schema conformance is the shape of a
  type, not authenticity: a credential of another type from a trusted issuer
  still verifies. A skillpass schema that does not validate is ``failed``.
- Names come from the trust registry only (``Report.trust``), never from the
  credential's own `issuer.name`.
- Status lists over plain http, and did:web documents over http, only for
  ``dev_hosts`` (host:port); everything else https (and the fetcher refuses
  private addresses).

SD-JWT VC (``dc+sd-jwt``, vc/sdjwt.py), the same checks by the same names:
parse, trust, did_resolution, signature (header rules, typ dc+sd-jwt, the
`kid` key in the assertionMethod of the DID document of `iss`: the DID is
resolved, JWT VC Issuer Metadata is never fetched), issuer_binding (`kid` DID
= `iss`), **disclosures** (every Disclosure matches a signed digest once, in
its place; none of iss/exp/cnf/vct/status disclosed; skipped with
signature_not_verified when the signature did not verify), data_model (vct,
NumericDates, cnf.jwk), validity_period (nbf/exp/iat), ``status.status_list``
(IETF Token Status List, vc/token_status_list.py: fetched like a Bitstring
list, its statuslist+jwt signed by the same issuer key, `sub` = the
reference's uri, stale after `exp`/`ttl`; 0x01 = revoked, 0x02 = suspended,
others status_not_valid; ``Report.status`` gets both a revocation and a
suspension word), schema (skipped, not_applicable: the type is `vct`, and
withheld claims would fail a JSON Schema). ``Report.claims`` holds only what
was disclosed; ``Report.disclosures`` lists the disclosed claim paths and,
per object or array, how many digests stayed without a Disclosure (hidden
claims and decoys cannot be told apart: nothing is guessed).

An SD-JWT VC presentation (``<JWT>~<D>~...~<KB-JWT>``) is a presentation
report: holder_signature (the KB-JWT by cnf.jwk; key_binding_required without
one), holder_binding (its sd_hash covers exactly these Disclosures),
data_model (its claims), nonce, audience, validity_period (its iat, at most
presentation_max_age or KB_JWT_MAX_AGE old), credentials (the credential
report), subject_binding (the key binding; a disclosed subject DID must be
that key). A ``{"vp_token": {"<id>": ["<presentation>"], ...}}`` bundle (what a
wallet share of several credentials yields) is verified part by part, each
check the worst of its parts', and all parts must be signed by one holder key.

Formats: ``detect_format`` routes a value; ``verify_presentation`` routes
vp+jwt, SD-JWT+KB and vp_token bundles.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import unquote, urlsplit

from vc import credential_types, jose, keys, model, schemas, sdjwt, status_list, strict_json, token_status_list
from vc import did as dids
from vc.cache import Memo
from vc.errors import (
    BlockedAddress,
    DIDError,
    Expired,
    FetchError,
    IssuerMismatch,
    MalformedToken,
    NotYetValid,
    SchemaValidationError,
    SkillpassError,
    StatusIndexOutOfRange,
    StatusListError,
    TokenTooLarge,
    UnknownSchema,
    UnsupportedDIDMethod,
    WrongType,
)
from vc.trust import TRUSTED, UNKNOWN as TRUST_UNKNOWN, TrustRegistry, TrustResult

__all__ = [
    "PASSED",
    "FAILED",
    "SKIPPED",
    "UNKNOWN",
    "CREDENTIAL_CHECKS",
    "PRESENTATION_CHECKS",
    "Check",
    "Memos",
    "Report",
    "SHARED_MEMOS",
    "VerifyOptions",
    "Verifier",
    "detect_format",
    "verify_credential",
    "verify_presentation",
]

PASSED, FAILED, SKIPPED, UNKNOWN = "passed", "failed", "skipped", "unknown"

CREDENTIAL_CHECKS = (
    "parse", "trust", "did_resolution", "signature", "issuer_binding",
    "data_model", "validity_period", "status", "schema",
)
PRESENTATION_CHECKS = (
    "parse", "holder_signature", "holder_binding", "data_model", "nonce",
    "audience", "validity_period", "credentials", "subject_binding",
)
# Checks that must have passed for a verdict of "verified" (the others may be skipped).
_REQUIRED_CREDENTIAL = frozenset(
    ("parse", "trust", "did_resolution", "signature", "issuer_binding", "data_model", "validity_period")
)
_REQUIRED_PRESENTATION = frozenset(
    ("parse", "holder_signature", "holder_binding", "data_model", "validity_period", "credentials", "subject_binding")
)
ACCEPTABLE_UNKNOWN = frozenset(("status", "trust"))
CHECKED_PURPOSES = {"revocation": "revoked", "suspension": "suspended"}
_SEVERITY = {"valid": 0, "unchecked": 1, "invalid": 2, "unknown": 3, "suspended": 4, "revoked": 4}
#: Decoded lists up to this many entries (256 KiB of bits) are memoised: 512 of them at most 128 MiB.
_MEMO_LIST_ENTRIES = 2 * 1024 * 1024

VC_JWT, VP_JWT, SD_JWT = "vc+jwt", "vp+jwt", "dc+sd-jwt"
#: A bundle of presentations shaped like an OpenID4VP `vp_token` (see `Verifier.verify_vp_token`).
VP_TOKEN = "vp_token"
#: The checks of an SD-JWT VC: a credential's, with `disclosures` (the Disclosures fit the signed digests).
SD_JWT_CREDENTIAL_CHECKS = (
    "parse", "trust", "did_resolution", "signature", "issuer_binding", "disclosures",
    "data_model", "validity_period", "status", "schema",
)
#: A KB-JWT has no `exp`: without VerifyOptions.presentation_max_age it may be at most this old.
KB_JWT_MAX_AGE = timedelta(minutes=5)
#: vp_token keys (OpenID4VP / DCQL credential query ids).
_VP_TOKEN_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SD_JWT_DATA = "data:application/dc+sd-jwt,"
_DATA_PREFIXES = ((_SD_JWT_DATA, SD_JWT), ("data:application/vc+jwt,", VC_JWT), ("data:application/vp+jwt,", VP_JWT))


# --- the report ---------------------------------------------------------------------------


@dataclass(slots=True)
class Check:
    """One check's outcome: status passed | failed | skipped | unknown, a code when not passed."""

    check: str
    status: str
    code: str | None = None
    detail: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "status": self.status, "code": self.code, "detail": self.detail}


@dataclass
class Report:
    """What was found. `verified` is the verdict; `checks` say why."""

    kind: str  # credential | presentation
    format: str | None = None
    verified: bool = False
    checks: list[Check] = field(default_factory=list)
    issuer: str | None = None  # issuer DID (credentials)
    trust: TrustResult | None = None  # the registry's word, with the registry's name
    types: list[str] = field(default_factory=list)
    subject: str | None = None  # the first credentialSubject.id
    holder: str | None = None  # presentations
    valid_from: str | None = None
    valid_until: str | None = None
    status: dict[str, str] = field(default_factory=dict)  # purpose -> valid | revoked | suspended | unknown
    claims: dict[str, Any] | None = None  # the decoded payload (credential or presentation)
    credentials: list["Report"] = field(default_factory=list)  # inside a presentation
    accept_unknown: frozenset[str] = frozenset()
    #: SD-JWT VC: the claim paths disclosed, and where digests stayed hidden (never their values).
    disclosures: dict[str, Any] | None = None
    #: RFC 7638 thumbprint of the key the holder proved possession of (presentations).
    holder_key: str | None = field(default=None, repr=False)

    def get(self, name: str) -> Check | None:
        for check in self.checks:
            if check.check == name:
                return check
        return None

    def replace(self, new: Check) -> None:
        """Put `new` in place of the check of the same name (or append it), then re-judge.

        For checks only the caller can make, e.g. the verifier service's
        record of nonces already used.
        """
        for i, check in enumerate(self.checks):
            if check.check == new.check:
                self.checks[i] = new
                break
        else:
            self.checks.append(new)
        self.verified = _verdict(self)

    @property
    def failed_codes(self) -> list[str]:
        return [c.code or c.check for c in self.checks if c.status == FAILED]

    def to_dict(self, *, claims: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verified": self.verified,
            "kind": self.kind,
            "format": self.format,
            "checks": [c.to_dict() for c in self.checks],
        }
        if self.kind == "credential":
            out["issuer"] = self.issuer
            out["trust"] = self.trust.to_dict() if self.trust else None
            out["types"] = self.types
            out["subject"] = self.subject
            out["validFrom"] = self.valid_from
            out["validUntil"] = self.valid_until
            out["status"] = self.status
            if self.disclosures is not None:
                out["disclosures"] = self.disclosures
        else:
            out["holder"] = self.holder
            out["types"] = self.types
            out["credentials"] = [r.to_dict(claims=claims) for r in self.credentials]
        if claims:
            out["claims"] = self.claims
        return out


def _verdict(report: Report) -> bool:
    required = _REQUIRED_CREDENTIAL if report.kind == "credential" else _REQUIRED_PRESENTATION
    passed = set()
    for check in report.checks:
        status = check.status
        if status == PASSED:
            passed.add(check.check)
        elif status == FAILED:
            return False
        elif status == UNKNOWN:
            family = check.check.partition(".")[0]
            if family not in report.accept_unknown:
                return False
            passed.add(check.check)
    return required <= passed


# --- options ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyOptions:
    """How strict to be. The defaults fail closed."""

    #: Verify issuers that are not in the registry too (trust is then "unknown").
    open_mode: bool = False
    #: Check families whose "unknown" still counts as passed: subset of {"status", "trust"}.
    accept_unknown: frozenset[str] = frozenset()
    #: Clock skew allowed on every date.
    leeway: timedelta = model.DEFAULT_LEEWAY
    #: Validate `credentialSchema` (skillpass schemas only; never fetched).
    check_schema: bool = True
    #: A presentation must carry the nonce the verifier asked for; with no nonce asked, fail.
    require_nonce: bool = False
    #: A presentation must name an audience when the verifier gives one (always true) and
    #: with this, the verifier must give one.
    require_audience: bool = False
    #: Refuse a presentation whose `iat` is older than this (and one without `iat`).
    presentation_max_age: timedelta | None = None
    max_status_entries: int = 8
    max_credentials: int = 50
    max_token_bytes: int = jose.MAX_TOKEN_BYTES
    max_list_bytes: int = status_list.DEFAULT_MAX_BYTES

    def __post_init__(self) -> None:
        accept = frozenset(self.accept_unknown)
        if not accept <= ACCEPTABLE_UNKNOWN:
            raise ValueError(f"accept_unknown may only contain {sorted(ACCEPTABLE_UNKNOWN)}")
        object.__setattr__(self, "accept_unknown", accept)


DEFAULT_OPTIONS = VerifyOptions()


# --- formats ------------------------------------------------------------------------------


def detect_format(value: Any) -> str | None:
    """vc+jwt, vp+jwt or dc+sd-jwt from a compact token or an enveloped object; None if unclear.

    Routing only: nothing is trusted from it (only the header is read). A
    compact SD-JWT has `~` separators; a JWS never contains `~`.
    """
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str):
        return None
    if value.startswith("data:"):
        for media, fmt in _DATA_PREFIXES:
            if value.startswith(media):
                return fmt
        return None
    if "~" in value:
        return SD_JWT
    head = value.partition(".")[0]
    if not head or len(head) > 4096:
        return None
    try:
        header = strict_json.loads(keys.b64url_decode(head))
    except SkillpassError:
        return None
    typ = jose.normalise_typ(header.get("typ")) if isinstance(header, dict) else None
    return typ if typ in (VC_JWT, VP_JWT, SD_JWT) else None


def _is_sd_jwt(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.get("id")
    return isinstance(value, str) and (value.startswith(_SD_JWT_DATA) or "~" in value)


def _sd_jwt_token(value: Any, opts: "VerifyOptions") -> str:
    """The compact SD-JWT in a value: itself, a data: URL, or an enveloped object's `id`."""
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str):
        raise MalformedToken("expected a compact SD-JWT (`<JWT>~<Disclosure>~...~`)")
    if value.startswith(_SD_JWT_DATA):
        value = value[len(_SD_JWT_DATA):]
    if len(value) > opts.max_token_bytes:
        raise TokenTooLarge(f"SD-JWT is {len(value)} bytes; the limit is {opts.max_token_bytes}")
    return value


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    try:
        return model.format_datetime(datetime.fromtimestamp(seconds, timezone.utc))
    except (OverflowError, OSError, ValueError):
        return None


def _hidden_summary(hidden: list[sdjwt.HiddenDigest]) -> list[dict[str, Any]]:
    """Digests without a Disclosure, counted per place: withheld claims and decoys alike, never guessed."""
    places: dict[tuple[Any, ...], dict[str, Any]] = {}
    for digest in hidden:
        place = places.setdefault(
            (digest.container, digest.array_element),
            {"path": list(digest.container), "arrayElements": digest.array_element, "digests": 0},
        )
        place["digests"] += 1
    return list(places.values())


# --- internals ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Resolved:
    did: str
    doc: dict[str, Any]
    version: Any  # what the document was read from: body bytes (did:web) or the DID (local)


@dataclass(frozen=True, slots=True)
class _VerifiedList:
    bits: status_list.StatusList
    valid_from: float | None
    valid_until: float | None


@dataclass(frozen=True, slots=True)
class _ListProblem:
    status: str
    code: str
    detail: Any


class _Gate(Exception):
    """A check cannot run; carries the (status, code, detail) to report."""

    def __init__(self, status: str, code: str, detail: str) -> None:
        super().__init__(code)
        self.status, self.code, self.detail = status, code, detail


def _issuer_of(payload: Mapping[str, Any]) -> str | None:
    issuer = payload.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _types_of(payload: Mapping[str, Any]) -> list[str]:
    types = payload.get("type")
    if isinstance(types, str):
        return [types]
    if isinstance(types, list):
        return [t for t in types if isinstance(t, str)]
    return []


def _as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _timestamp(value: Any, member: str) -> float | None:
    if value is None:
        return None
    return model.parse_datetime(value, member).timestamp()


def _numeric(payload: Mapping[str, Any], claim: str) -> float | None:
    value = payload.get(claim)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # an integer no date can be (10**400): data_model refuses it, time checks ignore it
            return None
    return None


@lru_cache(maxsize=1024)
def _plain_http_allowed(url: str, dev_hosts: frozenset[str]) -> bool:
    """A list URL is https, or plain http on one of `dev_hosts` (answers kept per URL: one per list)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        host = f"{(parts.hostname or '').lower()}:{parts.port}" if parts.port else None
        return host in dev_hosts
    return True


def _fail(name: str, exc: SkillpassError) -> Check:
    return Check(name, FAILED, exc.code, exc.detail)


def _kid_did(kid: Any) -> str | None:
    """The DID of a `kid` DID URL, or None when it is not one."""
    if not isinstance(kid, str):
        return None
    try:
        return dids.split_did_url(kid)[0]
    except DIDError:
        return None


def _check_sd_jwt_vc_claims(claims: Mapping[str, Any]) -> None:
    """SD-JWT VC claim rules beyond SD-JWT's: a `vct` string, NumericDates, a usable `cnf.jwk`."""
    vct = claims.get("vct")
    if not isinstance(vct, str) or not vct:
        raise sdjwt.MissingVct("an SD-JWT VC must have a `vct` string")
    if "iss" in claims and not isinstance(claims["iss"], str):
        raise MalformedToken("`iss` must be a string")
    jose.check_claims(claims)
    if "cnf" in claims:
        cnf = claims["cnf"]
        if not isinstance(cnf, dict) or not isinstance(cnf.get("jwk"), dict):
            raise sdjwt.KeyBindingError("`cnf` must hold the holder's public key as `jwk`")
        try:
            keys.public_key_from_jwk(cnf["jwk"])
        except SkillpassError as exc:
            raise sdjwt.KeyBindingError(f"cnf.jwk is not a usable public key: {exc.detail}") from exc


def _did_key_thumbprint(did: str) -> str | None:
    """RFC 7638 thumbprint of the key of a did:key / did:jwk (None for any other or broken DID)."""
    try:
        if dids.method_of(did) not in ("key", "jwk"):
            return None
        return keys.thumbprint(keys.public_jwk(dids.self_certified_key(did)))
    except SkillpassError:
        return None


def _vp_token_entries(bundle: Any, opts: "VerifyOptions") -> list[tuple[str, str]]:
    """(id, presentation) of a `{"vp_token": {id: [presentation, ...]}}` object, strictly."""
    if not isinstance(bundle, Mapping) or set(bundle) != {"vp_token"}:
        raise MalformedToken('expected exactly {"vp_token": {"<id>": ["<presentation>", ...]}}')
    token = bundle["vp_token"]
    if not isinstance(token, Mapping) or not token:
        raise MalformedToken("vp_token must be a non-empty object")
    entries: list[tuple[str, str]] = []
    for key, values in token.items():
        if not isinstance(key, str) or not _VP_TOKEN_KEY.fullmatch(key):
            raise MalformedToken("vp_token ids are 1 to 64 letters, digits, `_` or `-`")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise MalformedToken(f"vp_token[{key!r}] must be a non-empty array of presentations (strings)")
        entries.extend((key, v) for v in values)
    if len(entries) > opts.max_credentials:
        raise MalformedToken(f"vp_token holds more than {opts.max_credentials} presentations")
    return entries


_RANK = {FAILED: 3, UNKNOWN: 2, SKIPPED: 1, PASSED: 0}


def _combined(name: str, parts: list[tuple[str, "Report"]]) -> Check:
    """One presentation check of a bundle: the worst outcome among its parts, saying which part."""
    found = [(key, part.get(name)) for key, part in parts]
    worst = max((c for _, c in found if c is not None), key=lambda c: _RANK.get(c.status, 3), default=None)
    if worst is None:
        return Check(name, FAILED, "not_checked", "no part of the bundle made this check")
    if worst.status == PASSED:
        return Check(name, PASSED)
    if worst.status == SKIPPED and any(c is not None and c.status == PASSED for _, c in found):
        return Check(name, PASSED, None, "checked where it applies")
    where = [key for key, c in found if c is not None and c.status == worst.status]
    return Check(name, worst.status, worst.code, {"parts": where, "detail": worst.detail})


# --- the pipeline -------------------------------------------------------------------------


def _status_gate(signature_ok: bool, gate: "_Gate | None") -> "_Gate | None":
    """Why status lists are not fetched, or None when they are: only for a verified signature."""
    if signature_ok:
        return None
    if gate is not None:
        return _Gate(SKIPPED, gate.code, gate.detail)
    return _Gate(SKIPPED, "signature_not_verified", "status lists are only fetched for a credential whose signature verified")


class Memos:
    """What the pipeline derives from bytes, keyed by those bytes (content-addressed).

    Every key holds all the inputs its value depends on (the DID and the exact
    document bytes; the list URL, bytes, issuer, issuer-document bytes, purpose
    and size caps; the signing input and schema id), so one set can be shared
    by every Verifier in the process: a changed document is never answered
    from memory, and no entry can leak between callers with different inputs.
    """

    def __init__(self, size: int = 4096) -> None:
        self.docs = Memo(size)  # (did, body) -> _Resolved, or an error
        self.keys = Memo(size)  # (did, doc version, kid, relationship) -> public key, or an error
        self.lists = Memo(min(size, 512))  # (url, body, issuer, doc version, purpose, caps) -> _VerifiedList | _ListProblem
        self.schemas = Memo(min(size, 1024))  # (signing input, schema id) -> None | (status, code, detail)

    def clear(self) -> None:
        for memo in (self.docs, self.keys, self.lists, self.schemas):
            memo.clear()


#: The process-wide memos every Verifier uses unless given its own.
SHARED_MEMOS = Memos()


class Verifier:
    """Verifies credentials and presentations with one fetcher and one registry.

    Reuse one per process (or per app) with a caching fetcher; the memos
    (parsed DID documents, public keys, verified status lists, schema results)
    are shared process-wide (see `Memos`), so even the one-off functions
    `verify_credential` / `verify_presentation` stay fast.

    ``dev_hosts``: `host:port` names (e.g. "127.0.0.1:5001") that may be
    reached over plain http: did:web documents of DIDs on those hosts are
    fetched with http, and status lists on them may be http URLs. Everything
    else is https (the fetcher decides which addresses may be reached).
    """

    def __init__(
        self,
        fetcher: Callable[..., Any] | None = None,
        *,
        trust: TrustRegistry | None = None,
        options: VerifyOptions = DEFAULT_OPTIONS,
        dev_hosts: Iterable[str] = (),
        memos: "Memos | None" = None,
    ) -> None:
        self.fetcher = fetcher
        self.trust = trust if trust is not None else TrustRegistry()
        self.options = options
        self.dev_hosts = frozenset(h.strip().lower() for h in dev_hosts if h.strip())
        memos = memos or SHARED_MEMOS
        self._docs, self._keys, self._lists, self._schemas = memos.docs, memos.keys, memos.lists, memos.schemas
        self._urls = Memo(1024)  # did:web -> document URL (depends on dev_hosts: per instance)
        self._limit = getattr(fetcher, "limit_lifetime", None)

    # --- credentials -------------------------------------------------------------------

    def verify_credential(
        self, credential: Any, *, now: datetime | None = None, options: VerifyOptions | None = None
    ) -> Report:
        """Verify a vc+jwt (compact, data: URL, or EnvelopedVerifiableCredential)."""
        opts = options or self.options
        now = now or datetime.now(timezone.utc)
        report = Report("credential", accept_unknown=opts.accept_unknown)
        checks = report.checks
        if _is_sd_jwt(credential):
            report.format = SD_JWT
            try:
                parsed = sdjwt.parse(_sd_jwt_token(credential, opts))
            except SkillpassError as exc:
                checks.append(_fail("parse", exc))
                return self._rest_skipped(report, SD_JWT_CREDENTIAL_CHECKS, "not_parsed")
            checks.append(Check("parse", PASSED))
            self._sd_jwt_checks(report, parsed, now, opts)
            if parsed.kb_jwt is not None:
                # A KB-JWT proves the holder only against a nonce and audience, which a credential
                # check has not got: unchecked, it must not pass as if the holder had been shown.
                checks.append(Check(
                    "key_binding", FAILED, "wrong_type",
                    "this SD-JWT carries a Key Binding JWT: it is a presentation; verify it as one, with its nonce and audience",
                ))
            report.verified = _verdict(report)
            return report
        report.format = VC_JWT
        try:
            token = jose.unwrap(credential, jose.VC_MEDIA_TYPE)
            decoded = jose.decode_jws(token, max_bytes=opts.max_token_bytes)
        except SkillpassError as exc:
            checks.append(_fail("parse", exc))
            return self._rest_skipped(report, CREDENTIAL_CHECKS, "not_parsed")
        checks.append(Check("parse", PASSED))
        self._credential_checks(report, decoded, now, opts)
        report.verified = _verdict(report)
        return report

    def _rest_skipped(self, report: Report, names: tuple[str, ...], code: str) -> Report:
        for name in names[1:]:
            report.checks.append(Check(name, SKIPPED, code, "the token could not be read"))
        report.verified = False
        return report

    def _credential_checks(self, report: Report, decoded: jose.DecodedJWS, now: datetime, opts: VerifyOptions) -> None:
        checks = report.checks
        header, payload = decoded.header, decoded.payload
        issuer = _issuer_of(payload)
        report.issuer = issuer
        report.claims = payload
        report.types = _types_of(payload)
        subjects = model.subject_ids(payload)
        report.subject = subjects[0] if subjects else None
        report.valid_from = _as_str(payload.get("validFrom"))
        report.valid_until = _as_str(payload.get("validUntil"))

        # trust: before anything touches the network
        may_fetch = self._trust_check(report, issuer, now, opts)

        kid = header.get("kid")
        kid_did = _kid_did(kid)

        # did_resolution
        resolved, gate = self._issuer_resolution(report, issuer, kid_did, may_fetch)

        signature_ok = self._signature_check(report, decoded, lambda: jose.check_header(header, VC_JWT), resolved, gate)

        # issuer_binding
        try:
            if kid_did is None:
                raise MalformedToken("the header names no signing key (`kid`) as a DID URL")
            if issuer is not None and kid_did != issuer:
                checks.append(Check("issuer_binding", FAILED, "signer_not_issuer", f"the signing key belongs to {kid_did[:120]!r}, not to the issuer"))
            else:
                jose.check_issuer_binding(decoded)  # `iss` and `issuer` agree (issuer_mismatch otherwise)
                checks.append(Check("issuer_binding", PASSED))
        except SkillpassError as exc:
            checks.append(_fail("issuer_binding", exc))

        # data_model
        try:
            model.check_credential(payload)
            jose.check_claims(payload)
            if status_list.CREDENTIAL_TYPE in report.types:
                # a vc+jwt like any other, but a list of bits: it says nothing about anyone
                raise WrongType("a BitstringStatusListCredential is a status list, not a credential to verify or keep")
            checks.append(Check("data_model", PASSED))
        except SkillpassError as exc:
            checks.append(_fail("data_model", exc))

        # validity_period
        checks.append(self._validity(payload, now, opts))

        self._status_checks(report, payload, issuer, resolved, _status_gate(signature_ok, gate), now, opts)

        # schema
        if not opts.check_schema:
            checks.append(Check("schema", SKIPPED, "not_requested", "schema validation is switched off"))
        elif gate is not None and gate.code == "untrusted_issuer":
            checks.append(Check("schema", SKIPPED, gate.code, gate.detail))
        else:
            checks.append(self._schema(decoded))

    def _signature_check(
        self,
        report: Report,
        jws: jose.DecodedJWS,
        check_header: Callable[[], Any],
        resolved: "_Resolved | None",
        gate: "_Gate | None",
    ) -> bool:
        """The `signature` check of a credential (vc+jwt or SD-JWT VC); True: it verified.

        The header rules of the format first, then the key the issuer's DID
        document lists for `kid` under `assertionMethod`, and only that key.
        """
        checks = report.checks
        if gate is not None and gate.code == "untrusted_issuer":
            checks.append(Check("signature", SKIPPED, gate.code, gate.detail))
            return False
        try:
            check_header()
            kid = jws.header.get("kid")
            if _kid_did(kid) is None:
                raise MalformedToken("header must name the signing key (`kid`) as a DID URL")
            if resolved is None:
                why = gate or _Gate(SKIPPED, "did_resolution_failed", "the issuer's DID document is not available")
                checks.append(Check("signature", why.status, why.code, why.detail))
                return False
            jose.verify_signature(jws, self._key(resolved, kid, "assertionMethod"))
        except SkillpassError as exc:
            checks.append(_fail("signature", exc))
            return False
        checks.append(Check("signature", PASSED))
        return True

    def _trust_check(self, report: Report, issuer: str | None, now: datetime, opts: VerifyOptions) -> bool:
        """The `trust` check (the registry's word, before anything touches the network); True: may fetch."""
        trust = self.trust.lookup(issuer, now, open_mode=opts.open_mode)
        report.trust = trust
        if trust.status == TRUSTED:
            report.checks.append(Check("trust", PASSED, None, trust.detail))
        elif trust.status == TRUST_UNKNOWN:
            report.checks.append(Check("trust", UNKNOWN, trust.code, trust.detail))
        else:
            report.checks.append(Check("trust", FAILED, trust.code, trust.detail))
        return trust.status == TRUSTED or trust.status == TRUST_UNKNOWN

    def _issuer_resolution(
        self, report: Report, issuer: str | None, kid_did: str | None, may_fetch: bool
    ) -> tuple["_Resolved | None", "_Gate | None"]:
        """The `did_resolution` check: the issuer's DID document, unless a gate says why not."""
        checks = report.checks
        resolved: _Resolved | None = None
        gate: _Gate | None = None
        if not may_fetch:
            gate = _Gate(SKIPPED, "untrusted_issuer", "nothing is fetched for an issuer that is not trusted")
        elif issuer is None:
            gate = _Gate(SKIPPED, "invalid_credential", "the credential names no issuer")
        elif kid_did is not None and kid_did != issuer:
            gate = _Gate(SKIPPED, "signer_not_issuer", "the signing key is not the issuer's; its DID is not resolved")
        if gate is None:
            try:
                resolved, source = self._resolve(issuer)  # type: ignore[arg-type]
                checks.append(Check("did_resolution", PASSED, None, source))
            except BlockedAddress as exc:
                checks.append(_fail("did_resolution", exc))
                gate = _Gate(SKIPPED, "did_resolution_failed", "the issuer's DID document is not available")
            except FetchError as exc:
                checks.append(Check("did_resolution", UNKNOWN, "issuer_unreachable", exc.detail))
                gate = _Gate(UNKNOWN, "issuer_unreachable", "the issuer's DID document could not be fetched")
            except SkillpassError as exc:
                checks.append(_fail("did_resolution", exc))
                gate = _Gate(SKIPPED, "did_resolution_failed", "the issuer's DID document is not usable")
        else:
            checks.append(Check("did_resolution", gate.status, gate.code, gate.detail))
        return resolved, gate

    def _validity(self, payload: Mapping[str, Any], now: datetime, opts: VerifyOptions) -> Check:
        try:
            model.check_validity_period(payload, now, opts.leeway)
            ts, leeway = now.timestamp(), opts.leeway.total_seconds()
            nbf, exp = _numeric(payload, "nbf"), _numeric(payload, "exp")
            if nbf is not None and ts + leeway < nbf:
                raise NotYetValid("not valid before `nbf`")
            if exp is not None and ts - leeway > exp:
                raise Expired("expired at `exp`")
            return Check("validity_period", PASSED)
        except SkillpassError as exc:
            return _fail("validity_period", exc)

    # --- DIDs and keys -----------------------------------------------------------------

    def _web_scheme(self, did: str) -> str:
        host = unquote(did[len("did:web:"):].partition(":")[0]).lower()
        return "http" if host in self.dev_hosts else "https"

    def _resolve(self, did: str) -> tuple[_Resolved, str]:
        """The DID document (memoised by its bytes) and where it came from (URL or "local")."""
        method = dids.method_of(did)
        if method in ("key", "jwk"):
            cached = self._docs.get((did, None))
            if cached is None:
                try:
                    cached = _Resolved(did, dids.resolve_local(did), did)
                except SkillpassError as exc:
                    cached = exc
                self._docs.put((did, None), cached)
            if isinstance(cached, SkillpassError):
                raise type(cached)(cached.detail)
            return cached, "local"
        if method != "web":
            raise UnsupportedDIDMethod(f"did:{method} is not supported (did:web, did:key, did:jwk are)")
        url = self._urls.get(did)
        if url is None:
            url = self._urls.put(did, dids.did_web_to_url(did, scheme=self._web_scheme(did)))
        fetched = self._fetch(url)
        body = fetched.body
        cached = self._docs.get((did, body))
        if cached is None:
            try:
                cached = _Resolved(did, dids.parse_did_document(body, did), body)
            except SkillpassError as exc:
                cached = exc
            self._docs.put((did, body), cached)
        if isinstance(cached, SkillpassError):
            raise type(cached)(cached.detail)
        return cached, url

    def _key(self, resolved: _Resolved, kid: str, relationship: dids.Relationship) -> keys.PublicKey:
        memo_key = (resolved.did, resolved.version, kid, relationship)
        cached = self._keys.get(memo_key)
        if cached is None:
            try:
                cached = dids.public_key_for(resolved.doc, kid, relationship)
            except SkillpassError as exc:
                cached = exc
            self._keys.put(memo_key, cached)
        if isinstance(cached, SkillpassError):
            raise type(cached)(cached.detail)
        return cached

    def _fetch(self, url: str) -> Any:
        if self.fetcher is None:
            raise FetchError("no fetcher was given: remote documents cannot be obtained")
        fetched = self.fetcher(url)
        if fetched.status != 200:
            raise FetchError(f"HTTP {fetched.status} from {url}")
        return fetched

    # --- status ------------------------------------------------------------------------

    def _status_checks(
        self,
        report: Report,
        payload: Mapping[str, Any],
        issuer: str | None,
        resolved: _Resolved | None,
        gate: _Gate | None,
        now: datetime,
        opts: VerifyOptions,
    ) -> None:
        checks = report.checks
        raw = payload.get("credentialStatus")
        if raw is None:
            checks.append(Check("status", SKIPPED, "no_status", "the credential has no credentialStatus"))
            return
        entries = raw if isinstance(raw, list) else [raw]
        if not entries:
            checks.append(Check("status", SKIPPED, "no_status", "credentialStatus is empty"))
            return
        if len(entries) > opts.max_status_entries:
            checks.append(Check("status", FAILED, "too_many_status_entries", f"more than {opts.max_status_entries} status entries"))
            return
        ts, leeway = now.timestamp(), opts.leeway.total_seconds()
        for raw_entry in entries:
            try:
                entry = status_list.parse_status_entry(raw_entry)
            except StatusListError as exc:
                checks.append(_fail("status", exc))
                continue
            name = f"status.{entry.purpose}"
            if entry.purpose not in CHECKED_PURPOSES:
                checks.append(Check(name, SKIPPED, "purpose_not_checked", f"statusPurpose {entry.purpose!r} does not affect validity"))
                continue
            if gate is not None:
                checks.append(Check(name, SKIPPED, gate.code, gate.detail))
                report.status.setdefault(entry.purpose, "unchecked")
                continue
            assert issuer is not None and resolved is not None
            check = self._status_entry(report, entry, issuer, resolved, ts, leeway, opts)
            check.check = name
            checks.append(check)
            if check.status == PASSED:
                found = "valid"
            elif check.status == FAILED and check.code == CHECKED_PURPOSES[entry.purpose]:
                found = check.code
            else:
                found = "unknown" if check.status == UNKNOWN else "invalid"
            # two entries of one purpose: the worse one is the status
            if _SEVERITY[found] > _SEVERITY.get(report.status.get(entry.purpose, ""), -1):
                report.status[entry.purpose] = found

    def _status_entry(
        self,
        report: Report,
        entry: status_list.StatusEntry,
        issuer: str,
        resolved: _Resolved,
        ts: float,
        leeway: float,
        opts: VerifyOptions,
    ) -> Check:
        verified = self._current_list(
            entry.list_url,
            lambda body: (entry.list_url, body, issuer, resolved.version, entry.purpose, opts.max_token_bytes, opts.max_list_bytes),
            lambda body: self._verify_list(body, entry, issuer, resolved, opts),
            ts, leeway,
            stale="the status list is past its validUntil; no fresh list was served",
            early="the status list is not valid yet",
        )
        if isinstance(verified, Check):
            return verified
        try:
            bit = verified.bits.get(entry.index)
        except StatusIndexOutOfRange as exc:
            return _fail("status", exc)
        if bit:
            word = CHECKED_PURPOSES[entry.purpose]
            return Check("status", FAILED, word, f"the issuer has {word} this credential")
        return Check("status", PASSED, None, f"not {CHECKED_PURPOSES[entry.purpose]}")

    def _current_list(
        self,
        url: str,
        memo_key: Callable[[bytes], tuple[Any, ...]],
        verify: Callable[[bytes], "_VerifiedList | _ListProblem"],
        ts: float,
        leeway: float,
        *,
        stale: str,
        early: str,
    ) -> "_VerifiedList | Check":
        """A status list (Bitstring or Token) fetched, verified once per distinct body, and current now;
        otherwise the `status` check that says why not (unreachable is unknown, never passed)."""
        refused = self._plain_http_refused(url)
        if refused is not None:
            return refused
        try:
            fetched = self._fetch(url)
        except BlockedAddress as exc:
            return _fail("status", exc)
        except FetchError as exc:
            return Check("status", UNKNOWN, "status_unavailable", exc.detail)
        body = fetched.body
        key = memo_key(body)
        verified = self._lists.get(key)
        if verified is None:
            verified = verify(body)
            if not isinstance(verified, _VerifiedList) or len(verified.bits) <= _MEMO_LIST_ENTRIES:
                self._lists.put(key, verified)  # giant lists are decoded each time rather than hoarded
            if isinstance(verified, _VerifiedList) and verified.valid_until is not None and self._limit is not None:
                self._limit(url, verified.valid_until, body=body)
        if isinstance(verified, _ListProblem):
            return Check("status", verified.status, verified.code, verified.detail)
        if verified.valid_until is not None and ts - leeway > verified.valid_until:
            return Check("status", UNKNOWN, "status_list_stale", stale)
        if verified.valid_from is not None and ts + leeway < verified.valid_from:
            return Check("status", UNKNOWN, "status_list_not_yet_valid", early)
        return verified

    def _signed_list(
        self, body: bytes, typ: str, issuer: str, resolved: _Resolved, opts: VerifyOptions
    ) -> "jose.DecodedJWS | _ListProblem":
        """A fetched list as a JWS of `typ`, signed with a key of the credential's issuer (its DID document)."""
        try:
            decoded = jose.decode_jws(body.decode("utf-8").strip(), max_bytes=opts.max_token_bytes)
        except (UnicodeDecodeError, SkillpassError) as exc:
            return _ListProblem(FAILED, "invalid_status_list", f"the status list is not a {typ}: {getattr(exc, 'detail', exc)}")
        header = decoded.header
        try:
            jose.check_header(header, typ)
        except SkillpassError as exc:
            return _ListProblem(FAILED, "status_list_signature_invalid", f"{exc.code}: {exc.detail}")
        kid_did = dids.split_did_url(header["kid"])[0]
        if kid_did != issuer:
            return _ListProblem(FAILED, "status_list_issuer_mismatch", f"the status list is signed by {kid_did[:120]!r}, not by the issuer")
        try:
            jose.verify_signature(decoded, self._key(resolved, header["kid"], "assertionMethod"))
        except SkillpassError as exc:
            return _ListProblem(FAILED, "status_list_signature_invalid", f"{exc.code}: {exc.detail}")
        return decoded

    def _verify_list(
        self, body: bytes, entry: status_list.StatusEntry, issuer: str, resolved: _Resolved, opts: VerifyOptions
    ) -> _VerifiedList | _ListProblem:
        """Everything about a fetched list credential that does not depend on the time."""
        decoded = self._signed_list(body, VC_JWT, issuer, resolved, opts)
        if isinstance(decoded, _ListProblem):
            return decoded
        payload = decoded.payload
        list_issuer = _issuer_of(payload)
        if list_issuer != issuer:
            return _ListProblem(FAILED, "status_list_issuer_mismatch", f"the status list names issuer {str(list_issuer)[:120]!r}")
        try:
            jose.check_issuer_binding(decoded)
        except SkillpassError as exc:
            return _ListProblem(FAILED, "status_list_issuer_mismatch", exc.detail)
        if payload.get("id") != entry.list_url:
            return _ListProblem(FAILED, "status_list_id_mismatch", f"the list's id is not {entry.list_url}")
        subject = payload.get("credentialSubject")
        purposes = subject.get("statusPurpose") if isinstance(subject, dict) else None
        purposes = [purposes] if isinstance(purposes, str) else purposes
        if not isinstance(purposes, list) or entry.purpose not in purposes:
            return _ListProblem(FAILED, "status_list_purpose_mismatch", f"the list is not a {entry.purpose} list")
        try:
            model.check_credential(payload)
            jose.check_claims(payload)
            bits = status_list.decoded_list(
                payload, list_url=entry.list_url, purpose=entry.purpose, expected_issuer=issuer, max_bytes=opts.max_list_bytes
            )
            valid_from = _timestamp(payload.get("validFrom"), "validFrom")
            valid_until = _timestamp(payload.get("validUntil"), "validUntil")
        except SkillpassError as exc:
            return _ListProblem(FAILED, exc.code, exc.detail)
        nbf, exp = _numeric(payload, "nbf"), _numeric(payload, "exp")
        if nbf is not None:
            valid_from = max(valid_from or nbf, nbf)
        if exp is not None:
            valid_until = min(valid_until or exp, exp)
        return _VerifiedList(bits, valid_from, valid_until)

    # --- SD-JWT VC (dc+sd-jwt) -------------------------------------------------------------

    def _sd_jwt_checks(self, report: Report, parsed: sdjwt.SdJwt, now: datetime, opts: VerifyOptions) -> None:
        """The credential checks of an SD-JWT VC, in the order and with the names of a vc+jwt's.

        The issuer is `iss` (a DID); its key is the `kid` DID URL in the
        `assertionMethod` of its DID document, exactly as for a vc+jwt: JWT VC
        Issuer Metadata is never fetched. `disclosures` checks the Disclosures
        against the signed digests; hidden claims are reported by place and
        number of digests only. The status is a Token Status List. `schema`
        is skipped: the type is `vct`, and claims the holder withheld would
        make a JSON Schema of the whole credential fail.
        """
        checks = report.checks
        header, payload = parsed.header, parsed.payload
        issuer = _as_str(payload.get("iss")) or None
        report.issuer = issuer
        vct = _as_str(payload.get("vct"))
        known = credential_types.type_for_vct(vct)  # what the (signed) vct claims, like a vc+jwt's `type`
        report.types = ([*known.types, vct] if known else [vct]) if vct else []

        may_fetch = self._trust_check(report, issuer, now, opts)
        kid = header.get("kid")
        kid_did = _kid_did(kid)
        resolved, gate = self._issuer_resolution(report, issuer, kid_did, may_fetch)

        signature_ok = self._signature_check(report, parsed.jws, lambda: sdjwt.check_header(header, SD_JWT), resolved, gate)

        # issuer_binding: the `kid` DID is `iss`
        if kid_did is None:
            checks.append(Check("issuer_binding", FAILED, "malformed_token", "the header names no signing key (`kid`) as a DID URL"))
        elif issuer is None:
            checks.append(Check("issuer_binding", FAILED, "issuer_mismatch", "the SD-JWT VC names no issuer (`iss`)"))
        elif kid_did != issuer:
            checks.append(Check("issuer_binding", FAILED, "signer_not_issuer", f"the signing key belongs to {kid_did[:120]!r}, not to the issuer"))
        else:
            checks.append(Check("issuer_binding", PASSED))

        # disclosures: every Disclosure matches a signed digest, once, in its place
        claims: dict[str, Any] | None = None
        try:
            processed = sdjwt.process(parsed)
            claims = processed.claims
            report.disclosures = {
                "disclosed": [list(path) for path in processed.disclosed],
                "hidden": _hidden_summary(processed.hidden),
            }
            detail = f"{len(processed.disclosed)} disclosed, {len(processed.hidden)} digest(s) without a Disclosure (hidden claims or decoys)"
            checks.append(Check("disclosures", PASSED if signature_ok else SKIPPED, None if signature_ok else "signature_not_verified", detail))
        except SkillpassError as exc:
            checks.append(_fail("disclosures", exc))
        report.claims = claims
        subjects = model.subject_ids(claims) if claims else []
        report.subject = subjects[0] if subjects else None

        # data_model: SD-JWT VC claims (vct, numeric dates, cnf, status)
        try:
            _check_sd_jwt_vc_claims(claims if claims is not None else payload)
            checks.append(Check("data_model", PASSED))
        except SkillpassError as exc:
            checks.append(_fail("data_model", exc))

        # validity_period: nbf / exp (and iat not in the future)
        ts, leeway = now.timestamp(), opts.leeway.total_seconds()
        nbf, exp, iat = _numeric(payload, "nbf"), _numeric(payload, "exp"), _numeric(payload, "iat")
        report.valid_from = _iso(nbf if nbf is not None else iat)
        report.valid_until = _iso(exp)
        if exp is not None and ts - leeway > exp:
            checks.append(Check("validity_period", FAILED, "expired", "the credential has expired (`exp`)"))
        elif nbf is not None and ts + leeway < nbf:
            checks.append(Check("validity_period", FAILED, "not_yet_valid", "the credential is not valid yet (`nbf`)"))
        elif iat is not None and ts + leeway < iat:
            checks.append(Check("validity_period", FAILED, "not_yet_valid", "the credential is issued in the future (`iat`)"))
        else:
            checks.append(Check("validity_period", PASSED))

        # status: Token Status List
        self._token_status_check(report, payload, issuer, resolved, _status_gate(signature_ok, gate), ts, leeway, opts)

        # schema
        if gate is not None and gate.code == "untrusted_issuer":
            checks.append(Check("schema", SKIPPED, gate.code, gate.detail))
        else:
            checks.append(Check(
                "schema", SKIPPED, "not_applicable",
                "an SD-JWT VC is typed by `vct` (Type Metadata), not by a JSON Schema: withheld claims would fail one",
            ))

    def _token_status_check(
        self,
        report: Report,
        payload: Mapping[str, Any],
        issuer: str | None,
        resolved: "_Resolved | None",
        gate: "_Gate | None",
        ts: float,
        leeway: float,
        opts: VerifyOptions,
    ) -> None:
        """`status.status_list`: the entry of the Token Status List the `status` claim points to.

        One list gives both purposes: 0x01 INVALID is `revoked`, 0x02
        SUSPENDED is `suspended`; `report.status` gets a revocation and a
        suspension word, as for a vc+jwt with two Bitstring entries.
        """
        checks = report.checks
        raw = payload.get("status")
        if raw is None:
            checks.append(Check("status", SKIPPED, "no_status", "the credential has no `status` claim"))
            return
        try:
            reference = token_status_list.parse_reference(raw)
        except StatusListError as exc:
            checks.append(_fail("status", exc))
            return
        name = "status.status_list"
        if gate is not None:
            checks.append(Check(name, SKIPPED, gate.code, gate.detail))
            report.status.setdefault("revocation", "unchecked")
            report.status.setdefault("suspension", "unchecked")
            return
        assert issuer is not None and resolved is not None
        check = self._token_status_entry(reference, issuer, resolved, ts, leeway, opts)
        check.check = name
        checks.append(check)
        if check.status == PASSED:
            words = {"revocation": "valid", "suspension": "valid"}
        elif check.status == FAILED and check.code == "revoked":
            words = {"revocation": "revoked", "suspension": "valid"}
        elif check.status == FAILED and check.code == "suspended":
            words = {"revocation": "valid", "suspension": "suspended"}
        else:
            word = "unknown" if check.status == UNKNOWN else "invalid"
            words = {"revocation": word, "suspension": word}
        report.status.update(words)

    def _token_status_entry(
        self,
        reference: token_status_list.Reference,
        issuer: str,
        resolved: "_Resolved",
        ts: float,
        leeway: float,
        opts: VerifyOptions,
    ) -> Check:
        url = reference.uri
        verified = self._current_list(
            url,
            lambda body: ("statuslist+jwt", url, body, issuer, resolved.version, opts.max_token_bytes, opts.max_list_bytes),
            lambda body: self._verify_token_list(body, url, issuer, resolved, opts),
            ts, leeway,
            stale="the Status List Token has expired (`exp`); no fresh one was served",
            early="the Status List Token is issued in the future (`iat`)",
        )
        if isinstance(verified, Check):
            return verified
        try:
            value = verified.bits.get(reference.idx)
        except StatusListError as exc:
            return _fail("status", exc)
        if value == token_status_list.VALID:
            return Check("status", PASSED, None, "VALID")
        if value == token_status_list.INVALID:
            return Check("status", FAILED, "revoked", "the issuer has revoked this credential (INVALID)")
        if value == token_status_list.SUSPENDED:
            return Check("status", FAILED, "suspended", "the issuer has suspended this credential (SUSPENDED)")
        return Check("status", FAILED, "status_not_valid", f"the status is {token_status_list.status_name(value)}, not VALID")

    def _verify_token_list(
        self, body: bytes, url: str, issuer: str, resolved: "_Resolved", opts: VerifyOptions
    ) -> "_VerifiedList | _ListProblem":
        """A fetched Status List Token: signed by the credential's issuer, about `url`; then its list."""
        decoded = self._signed_list(body, token_status_list.TYP, issuer, resolved, opts)
        if isinstance(decoded, _ListProblem):
            return decoded
        try:
            jose.check_claims(decoded.payload)
            checked = token_status_list.check_status_list_token(
                decoded.payload, uri=url, issuer=issuer, max_bytes=opts.max_list_bytes
            )
        except token_status_list.StatusListTokenMismatch as exc:
            code = "status_list_issuer_mismatch" if "issued by" in str(exc.detail) else "status_list_id_mismatch"
            return _ListProblem(FAILED, code, exc.detail)
        except SkillpassError as exc:
            return _ListProblem(FAILED, exc.code, exc.detail)
        valid_until = checked.expires_at
        if checked.ttl is not None:
            fresh_until = checked.issued_at + checked.ttl
            valid_until = fresh_until if valid_until is None else min(valid_until, fresh_until)
        return _VerifiedList(checked.status_list, checked.issued_at, valid_until)  # type: ignore[arg-type]

    def _plain_http_refused(self, url: str) -> Check | None:
        """Status lists over plain http only from `dev_hosts`."""
        if _plain_http_allowed(url, self.dev_hosts):
            return None
        return Check("status", FAILED, "blocked_address", f"status list over plain http refused: {url[:200]}")

    def verify_sd_jwt_presentation(
        self,
        presentation: Any,
        *,
        nonce: str | None = None,
        audience: str | None = None,
        now: datetime | None = None,
        options: VerifyOptions | None = None,
    ) -> Report:
        """An SD-JWT VC with a Key Binding JWT (`<JWT>~<D>~...~<KB-JWT>`), in a presentation's report.

        The KB-JWT is the presentation: `holder_signature` is its signature by
        `cnf.jwk` of the (verified) credential, `holder_binding` its `sd_hash`
        over exactly these Disclosures, `nonce` / `audience` / `validity_period`
        its `nonce`, `aud` and `iat` (at most VerifyOptions.presentation_max_age,
        else KB_JWT_MAX_AGE, old). `credentials` holds the one credential report;
        `subject_binding` is the key binding itself (and a disclosed subject id
        must name the same key).
        """
        opts = options or self.options
        now = now or datetime.now(timezone.utc)
        report = Report("presentation", format=SD_JWT, accept_unknown=opts.accept_unknown)
        checks = report.checks
        try:
            parsed = sdjwt.parse(_sd_jwt_token(presentation, opts))
            kb = jose.decode_jws(parsed.kb_jwt, max_bytes=opts.max_token_bytes) if parsed.kb_jwt else None
        except SkillpassError as exc:
            checks.append(_fail("parse", exc))
            return self._rest_skipped(report, PRESENTATION_CHECKS, "not_parsed")
        checks.append(Check("parse", PASSED))

        credential = Report("credential", format=SD_JWT, accept_unknown=opts.accept_unknown)
        credential.checks.append(Check("parse", PASSED))
        self._sd_jwt_checks(credential, parsed, now, opts)
        credential.verified = _verdict(credential)
        report.credentials.append(credential)
        report.types = list(credential.types)

        # holder_signature: the KB-JWT, signed by cnf.jwk (cnf is never disclosable: read it as signed)
        cnf = parsed.payload.get("cnf")
        jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
        bound = False
        if kb is None:
            checks.append(Check("holder_signature", FAILED, "key_binding_required", "the presentation has no Key Binding JWT"))
        else:
            report.claims = kb.payload
            try:
                sdjwt.check_header(kb.header, sdjwt.KB_JWT_TYP)
                if not isinstance(jwk, dict):
                    raise sdjwt.KeyBindingError("the credential names no holder key (`cnf.jwk`)")
                try:
                    holder_key = keys.public_key_from_jwk(jwk)
                except SkillpassError as exc:
                    raise sdjwt.KeyBindingError(f"cnf.jwk is not a usable public key: {exc.detail}") from exc
                jose.verify_signature(kb, holder_key)
                checks.append(Check("holder_signature", PASSED, None, "the Key Binding JWT is signed by cnf.jwk"))
                report.holder_key = keys.thumbprint(jwk)
                bound = True
            except SkillpassError as exc:
                checks.append(_fail("holder_signature", exc))

        kb_claims: Mapping[str, Any] = kb.payload if kb is not None else {}
        # holder_binding: the KB-JWT was made for exactly this presentation
        if kb is None:
            checks.append(Check("holder_binding", SKIPPED, "no_key_binding", "there is no Key Binding JWT"))
        elif kb_claims.get("sd_hash") == sdjwt.sd_hash(parsed):
            checks.append(Check("holder_binding", PASSED, None, "sd_hash covers exactly these Disclosures"))
        else:
            checks.append(Check("holder_binding", FAILED, "sd_hash_mismatch", "the KB-JWT was made for another presentation (sd_hash)"))

        # data_model of the KB-JWT
        try:
            if kb is not None:
                for claim, kind in (("iat", (int, float)), ("aud", str), ("nonce", str), ("sd_hash", str)):
                    value = kb_claims.get(claim)
                    if isinstance(value, bool) or not isinstance(value, kind):
                        raise sdjwt.KeyBindingError(f"the KB-JWT lacks a valid `{claim}`")
                jose.check_claims(kb_claims)
                checks.append(Check("data_model", PASSED))
            else:
                checks.append(Check("data_model", SKIPPED, "no_key_binding", "there is no Key Binding JWT"))
        except SkillpassError as exc:
            checks.append(_fail("data_model", exc))

        checks.append(self._nonce(kb_claims, nonce, opts))
        checks.append(self._audience(kb_claims, audience, opts))
        checks.append(self._key_binding_time(kb_claims, now, opts) if kb is not None else
                      Check("validity_period", SKIPPED, "no_key_binding", "there is no Key Binding JWT"))
        checks.append(self._credentials_check(report.credentials))

        # subject_binding: key binding; a disclosed subject DID must be that key
        subject = credential.subject
        report.holder = subject or (f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{report.holder_key}" if report.holder_key else None)
        if not bound:
            checks.append(Check("subject_binding", FAILED, "holder_mismatch", "the holder did not prove possession of the credential's key (cnf.jwk)"))
        elif subject is not None and _did_key_thumbprint(subject) != report.holder_key:
            checks.append(Check("subject_binding", FAILED, "holder_mismatch", "the disclosed subject id is not the key the credential is bound to"))
        else:
            checks.append(Check("subject_binding", PASSED, None, "bound by cnf.jwk"))
        report.verified = _verdict(report)
        return report

    def _key_binding_time(self, claims: Mapping[str, Any], now: datetime, opts: VerifyOptions) -> Check:
        ts, leeway = now.timestamp(), opts.leeway.total_seconds()
        iat = _numeric(claims, "iat")
        if iat is None:
            return Check("validity_period", FAILED, "iat_missing", "the KB-JWT has no `iat`")
        if ts + leeway < iat:
            return Check("validity_period", FAILED, "not_yet_valid", "the KB-JWT was issued in the future (`iat`)")
        # RFC 9901 defines no `exp` or `nbf` for a KB-JWT, but one that carries them means them (RFC 7519)
        exp, nbf = _numeric(claims, "exp"), _numeric(claims, "nbf")
        if exp is not None and ts - leeway > exp:
            return Check("validity_period", FAILED, "expired", "the KB-JWT has expired (`exp`)")
        if nbf is not None and ts + leeway < nbf:
            return Check("validity_period", FAILED, "not_yet_valid", "the KB-JWT is not valid yet (`nbf`)")
        max_age = opts.presentation_max_age or KB_JWT_MAX_AGE
        if ts - iat > max_age.total_seconds() + leeway:
            return Check("validity_period", FAILED, "presentation_too_old", f"the KB-JWT is older than {int(max_age.total_seconds())} seconds")
        return Check("validity_period", PASSED)

    def verify_vp_token(
        self,
        bundle: Any,
        *,
        nonce: str | None = None,
        audience: str | None = None,
        now: datetime | None = None,
        options: VerifyOptions | None = None,
    ) -> Report:
        """Several presentations in one OpenID4VP-shaped object: `{"vp_token": {"<id>": ["<presentation>"], ...}}`.

        Each value is a vp+jwt or an SD-JWT VC with a KB-JWT (what a skillpass
        share of several credentials, some selectively disclosed, yields). Each
        is verified against the same nonce and audience; a presentation check
        of the bundle is the worst of its parts', `credentials` lists every
        credential, and `holder_binding` also requires every part to be signed
        by the same holder key.
        """
        opts = options or self.options
        now = now or datetime.now(timezone.utc)
        report = Report("presentation", format=VP_TOKEN, accept_unknown=opts.accept_unknown)
        try:
            entries = _vp_token_entries(bundle, opts)
        except SkillpassError as exc:
            report.checks.append(_fail("parse", exc))
            return self._rest_skipped(report, PRESENTATION_CHECKS, "not_parsed")
        parts: list[tuple[str, Report]] = []
        for key, value in entries:
            if _is_sd_jwt(value):
                part = self.verify_sd_jwt_presentation(value, nonce=nonce, audience=audience, now=now, options=opts)
            else:
                part = self._verify_vp_jwt(value, nonce=nonce, audience=audience, now=now, options=opts)
            parts.append((key, part))
        reports = [p for _, p in parts]
        for name in PRESENTATION_CHECKS:
            report.checks.append(_combined(name, parts))
        holders = {p.holder_key for p in reports if p.holder_key is not None}
        if len(holders) > 1:
            report.replace(Check("holder_binding", FAILED, "holder_mismatch", "the presentations in the bundle are signed by different holders"))
        report.credentials = [c for p in reports for c in p.credentials]
        report.holder = next((p.holder for p in reports if p.holder), None)
        report.holder_key = holders.pop() if len(holders) == 1 else None
        report.types = sorted({t for p in reports for t in p.types})
        report.claims = {"presentations": [{"id": key, "format": p.format, "claims": p.claims} for key, p in parts]}
        report.verified = _verdict(report)
        return report

    # --- schema ------------------------------------------------------------------------

    def _schema(self, decoded: jose.DecodedJWS) -> Check:
        payload = decoded.payload
        raw = payload.get("credentialSchema")
        if raw is None:
            return Check("schema", SKIPPED, "no_schema", "the credential names no credentialSchema")
        entries = raw if isinstance(raw, list) else [raw]
        known: list[str] = []
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                known.append(entry["id"])
        if not known:
            return Check("schema", FAILED, "invalid_credential", "credentialSchema entries must have an id")
        skipped: list[str] = []
        checked = 0
        for schema_id in known[:8]:
            memo_key = (decoded.signing_input, schema_id)
            outcome = self._schemas.get(memo_key, False)
            if outcome is False:
                try:
                    schemas.validate_against_schema_id(payload, schema_id)
                    outcome = None
                except UnknownSchema:
                    outcome = (SKIPPED, "unknown_schema", schema_id)
                except SchemaValidationError as exc:
                    outcome = (FAILED, exc.code, exc.detail)
                self._schemas.put(memo_key, outcome)
            if outcome is None:
                checked += 1
            elif outcome[0] == FAILED:
                return Check("schema", FAILED, outcome[1], outcome[2])
            else:
                skipped.append(schema_id)
        if checked:
            return Check("schema", PASSED)
        return Check("schema", SKIPPED, "unknown_schema", f"not a skillpass schema (never fetched): {', '.join(s[:200] for s in skipped)}")

    # --- presentations -----------------------------------------------------------------

    def verify_presentation(
        self,
        presentation: Any,
        *,
        nonce: str | None = None,
        audience: str | None = None,
        now: datetime | None = None,
        options: VerifyOptions | None = None,
    ) -> Report:
        """Verify a presentation against the nonce and audience this verifier expects.

        A vp+jwt; or an SD-JWT VC with a Key Binding JWT (`verify_sd_jwt_presentation`);
        or a `{"vp_token": {...}}` bundle of those (`verify_vp_token`).
        """
        if isinstance(presentation, Mapping) and "vp_token" in presentation:
            return self.verify_vp_token(presentation, nonce=nonce, audience=audience, now=now, options=options)
        if _is_sd_jwt(presentation):
            return self.verify_sd_jwt_presentation(presentation, nonce=nonce, audience=audience, now=now, options=options)
        return self._verify_vp_jwt(presentation, nonce=nonce, audience=audience, now=now, options=options)

    def _verify_vp_jwt(
        self,
        presentation: Any,
        *,
        nonce: str | None = None,
        audience: str | None = None,
        now: datetime | None = None,
        options: VerifyOptions | None = None,
    ) -> Report:
        opts = options or self.options
        now = now or datetime.now(timezone.utc)
        report = Report("presentation", format=VP_JWT, accept_unknown=opts.accept_unknown)
        checks = report.checks
        try:
            token = jose.unwrap(presentation, jose.VP_MEDIA_TYPE)
            decoded = jose.decode_jws(token, max_bytes=opts.max_token_bytes)
        except SkillpassError as exc:
            checks.append(_fail("parse", exc))
            return self._rest_skipped(report, PRESENTATION_CHECKS, "not_parsed")
        checks.append(Check("parse", PASSED))
        header, payload = decoded.header, decoded.payload
        report.claims = payload
        report.types = _types_of(payload)
        holder_value = payload.get("holder")
        report.holder = _as_str(holder_value.get("id") if isinstance(holder_value, dict) else holder_value) or _as_str(payload.get("iss"))

        # holder_signature: self-certifying DIDs only, resolved without any I/O
        kid = header.get("kid")
        try:
            jose.check_header(header, VP_JWT)
            kid_did = dids.split_did_url(kid)[0]
            if dids.method_of(kid_did) not in ("key", "jwk"):
                raise UnsupportedDIDMethod("a holder signs with a did:key or did:jwk")
            resolved, _ = self._resolve(kid_did)
            holder_public = self._key(resolved, kid, "authentication")
            jose.verify_signature(decoded, holder_public)
            checks.append(Check("holder_signature", PASSED))
            report.holder_key = keys.thumbprint(keys.public_jwk(holder_public))
        except SkillpassError as exc:
            checks.append(_fail("holder_signature", exc))

        # holder_binding
        holder: str | None = None
        try:
            holder = jose.check_holder_binding(decoded)
            checks.append(Check("holder_binding", PASSED))
        except IssuerMismatch as exc:
            checks.append(Check("holder_binding", FAILED, "holder_not_signer", exc.detail))
        except SkillpassError as exc:
            checks.append(_fail("holder_binding", exc))
        except KeyError:
            checks.append(Check("holder_binding", FAILED, "malformed_token", "the header names no signing key (`kid`)"))

        # data_model
        try:
            model.check_presentation(payload)
            jose.check_claims(payload)
            checks.append(Check("data_model", PASSED))
        except SkillpassError as exc:
            checks.append(_fail("data_model", exc))

        checks.append(self._nonce(payload, nonce, opts))
        checks.append(self._audience(payload, audience, opts))
        checks.append(self._presentation_time(payload, now, opts))

        # credentials, each verified fully
        raw = payload.get("verifiableCredential", [])
        entries = raw if isinstance(raw, list) else [raw]
        if not entries:
            checks.append(Check("credentials", FAILED, "no_credentials", "the presentation holds no credentials"))
            checks.append(Check("subject_binding", SKIPPED, "no_credentials", "nothing to bind"))
        elif len(entries) > opts.max_credentials:
            checks.append(Check("credentials", FAILED, "too_many_credentials", f"more than {opts.max_credentials} credentials"))
            checks.append(Check("subject_binding", SKIPPED, "too_many_credentials", "not checked"))
        else:
            for entry in entries:
                report.credentials.append(self._embedded(entry, now, opts))
            checks.append(self._credentials_check(report.credentials))
            checks.append(self._subject_binding(report.credentials, holder or report.holder))
        report.verified = _verdict(report)
        return report

    def _embedded(self, entry: Any, now: datetime, opts: VerifyOptions) -> Report:
        if isinstance(entry, dict) and "credentialSubject" in entry:
            sub = Report("credential", accept_unknown=opts.accept_unknown)
            sub.checks.append(Check("parse", FAILED, "unsecured_credential", "an embedded credential must be an enveloped vc+jwt"))
            return self._rest_skipped(sub, CREDENTIAL_CHECKS, "not_parsed")
        return self.verify_credential(entry, now=now, options=opts)

    def _credentials_check(self, reports: list[Report]) -> Check:
        bad = [i for i, r in enumerate(reports) if not r.verified]
        if not bad:
            return Check("credentials", PASSED, None, f"{len(reports)} credential(s) verified")
        hard = [i for i in bad if any(c.status == FAILED for c in reports[i].checks)]
        detail = [{"index": i, "codes": reports[i].failed_codes or [c.code for c in reports[i].checks if c.status == UNKNOWN]} for i in bad]
        if hard:
            return Check("credentials", FAILED, "credential_not_verified", detail)
        return Check("credentials", UNKNOWN, "credential_unknown", detail)

    def _subject_binding(self, reports: list[Report], holder: str | None) -> Check:
        if not holder:
            return Check("subject_binding", FAILED, "holder_mismatch", "the presentation names no holder")
        wrong = []
        for i, sub in enumerate(reports):
            ids = model.subject_ids(sub.claims) if sub.claims else []
            if holder not in ids:
                wrong.append(i)
        if wrong:
            return Check("subject_binding", FAILED, "holder_mismatch", {"index": wrong, "detail": "the presenter is not the subject these credentials were issued to"})
        return Check("subject_binding", PASSED)

    def _nonce(self, payload: Mapping[str, Any], expected: str | None, opts: VerifyOptions) -> Check:
        if expected is None:
            if opts.require_nonce:
                return Check("nonce", FAILED, "nonce_required", "no nonce was asked for; a presentation needs a fresh one")
            return Check("nonce", SKIPPED, "nonce_not_requested", "no nonce was asked for: replays are not detected")
        got = payload.get("nonce")
        if not isinstance(got, str):
            return Check("nonce", FAILED, "nonce_missing", "the presentation carries no nonce")
        if not hmac.compare_digest(got.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")):
            return Check("nonce", FAILED, "nonce_mismatch", "the nonce is not the one asked for")
        return Check("nonce", PASSED)

    def _audience(self, payload: Mapping[str, Any], expected: str | None, opts: VerifyOptions) -> Check:
        if expected is None:
            if opts.require_audience:
                return Check("audience", FAILED, "audience_required", "no audience was given to check against")
            return Check("audience", SKIPPED, "audience_not_requested", "no audience was asked for")
        aud = payload.get("aud")
        if aud is None:
            return Check("audience", FAILED, "audience_missing", "the presentation names no audience (`aud`)")
        audiences = aud if isinstance(aud, list) else [aud]
        if expected in [a for a in audiences if isinstance(a, str)]:
            return Check("audience", PASSED)
        return Check("audience", FAILED, "audience_mismatch", "the presentation is addressed to another verifier")

    def _presentation_time(self, payload: Mapping[str, Any], now: datetime, opts: VerifyOptions) -> Check:
        ts, leeway = now.timestamp(), opts.leeway.total_seconds()
        iat, nbf, exp = _numeric(payload, "iat"), _numeric(payload, "nbf"), _numeric(payload, "exp")
        if exp is not None and ts - leeway > exp:
            return Check("validity_period", FAILED, "expired", "the presentation has expired (`exp`)")
        if nbf is not None and ts + leeway < nbf:
            return Check("validity_period", FAILED, "not_yet_valid", "the presentation is not valid yet (`nbf`)")
        if iat is not None and ts + leeway < iat:
            return Check("validity_period", FAILED, "not_yet_valid", "the presentation was issued in the future (`iat`)")
        if opts.presentation_max_age is not None:
            if iat is None:
                return Check("validity_period", FAILED, "iat_missing", "the presentation has no `iat`")
            if ts - iat > opts.presentation_max_age.total_seconds() + leeway:
                return Check("validity_period", FAILED, "presentation_too_old", "the presentation is older than allowed")
        return Check("validity_period", PASSED)


# --- functional API -----------------------------------------------------------------------


def verify_credential(
    token_or_envelope: Any,
    *,
    fetcher: Callable[..., Any] | None = None,
    trust: TrustRegistry | None = None,
    now: datetime | None = None,
    options: VerifyOptions | None = None,
    dev_hosts: Iterable[str] = (),
) -> Report:
    """One-off verification; for many, keep a `Verifier` (its memos are what make it fast)."""
    return Verifier(fetcher, trust=trust, options=options or DEFAULT_OPTIONS, dev_hosts=dev_hosts).verify_credential(
        token_or_envelope, now=now
    )


def verify_presentation(
    token: Any,
    *,
    nonce: str | None,
    audience: str | None,
    fetcher: Callable[..., Any] | None = None,
    trust: TrustRegistry | None = None,
    now: datetime | None = None,
    options: VerifyOptions | None = None,
    dev_hosts: Iterable[str] = (),
) -> Report:
    """One-off verification of a vp+jwt and every credential in it."""
    return Verifier(fetcher, trust=trust, options=options or DEFAULT_OPTIONS, dev_hosts=dev_hosts).verify_presentation(
        token, nonce=nonce, audience=audience, now=now
    )
