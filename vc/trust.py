"""Trust registry: which issuers a verifier accepts, under which name and accreditation.

A signature proves who signed; it does not say whether that signer is an
accredited training provider. The registry answers that question, and it is
the only source of an issuer's display name: the name a credential gives its
own issuer (`issuer.name`) is chosen by whoever signed it and is never shown
as if it were vouched for.

The registry is a JSON document (a file, or fetched over https by the service)::

    {
      "name": "skillpass demo registry",            (optional)
      "issuers": [
        {
          "id": "did:web:issuer.example:providers:roc-west",
          "name": {"nl": "ROC West", "en": "ROC West"},   (or one string for both)
          "accreditation": ["mbo"],                       (one string or a list)
          "validFrom": "2024-01-01T00:00:00Z",            (optional)
          "validUntil": "2030-01-01T00:00:00Z"            (optional)
        }
      ]
    }

Accreditations commonly used: "mbo", "hbo", "wo", "EVC provider", "sector fund",
"private provider", "government"; any short label is accepted.

Lookup is by exact DID string, nothing else: no case folding, no prefix or
suffix match, no normalisation of percent-encoding. `did:web:gov` does not
match `did:web:gov.example`, and `did:web:ROC.example` does not match
`did:web:roc.example` (the verifier resolves the DID exactly as written, and
a DID document must carry exactly that id).

Results:

- ``trusted``: listed, and the accreditation is valid now;
- ``untrusted``: listed but outside its validity period, or not listed while
  the verifier runs in closed mode (the default): nothing is fetched for it;
- ``unknown``: not listed while the verifier runs in open mode: it is fully
  verified, but the trust question stays open (and by default that keeps the
  verdict at "not verified"; see vc/verify.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from vc import strict_json
from vc.did import method_of, split_did_url
from vc.errors import SkillpassError
from vc.model import format_datetime, parse_datetime

__all__ = [
    "TRUSTED",
    "UNTRUSTED",
    "UNKNOWN",
    "KNOWN_ACCREDITATIONS",
    "TrustRegistryError",
    "TrustedIssuer",
    "TrustResult",
    "TrustRegistry",
]

TRUSTED, UNTRUSTED, UNKNOWN = "trusted", "untrusted", "unknown"
KNOWN_ACCREDITATIONS = ("mbo", "hbo", "wo", "EVC provider", "sector fund", "private provider", "government")
LANGUAGES = ("nl", "en")
MAX_ISSUERS = 100_000
MAX_LABEL = 200
_METHODS = ("web", "key", "jwk")


class TrustRegistryError(SkillpassError):
    """The trust registry document is not valid."""

    code = "invalid_trust_registry"


@dataclass(frozen=True)
class TrustedIssuer:
    """One registry entry."""

    did: str
    name: Mapping[str, str]  # {"nl": ..., "en": ...}
    accreditation: tuple[str, ...]
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.did, "name": dict(self.name), "accreditation": list(self.accreditation)}
        if self.valid_from is not None:
            out["validFrom"] = format_datetime(self.valid_from)
        if self.valid_until is not None:
            out["validUntil"] = format_datetime(self.valid_until)
        return out


@dataclass(frozen=True)
class TrustResult:
    """The registry's answer about one issuer DID."""

    status: str  # trusted | untrusted | unknown
    did: str | None
    code: str | None
    detail: str
    entry: TrustedIssuer | None = None

    @property
    def name(self) -> Mapping[str, str] | None:
        return self.entry.name if self.entry else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "id": self.did,
            "name": dict(self.entry.name) if self.entry else None,
            "accreditation": list(self.entry.accreditation) if self.entry else [],
            "code": self.code,
            "detail": self.detail,
        }


def _label(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_LABEL:
        raise TrustRegistryError(f"{where} must be a non-empty string of at most {MAX_LABEL} characters")
    return value


def _names(value: Any, where: str) -> Mapping[str, str]:
    if isinstance(value, str):
        text = _label(value, where)
        return MappingProxyType({lang: text for lang in LANGUAGES})
    if not isinstance(value, dict) or not value:
        raise TrustRegistryError(f"{where} must be a string or an object {{\"nl\": ..., \"en\": ...}}")
    names = {str(lang): _label(text, f"{where}.{lang}") for lang, text in value.items()}
    if not any(lang in names for lang in LANGUAGES):
        raise TrustRegistryError(f"{where} needs at least a Dutch (nl) or English (en) name")
    # A missing language falls back to the other one, so a summary always has a name.
    for lang in LANGUAGES:
        names.setdefault(lang, names.get("en") or names.get("nl") or "")
    return MappingProxyType(names)


def _did(value: Any, where: str) -> str:
    try:
        did, fragment = split_did_url(value)
    except SkillpassError as exc:
        raise TrustRegistryError(f"{where} is not a DID: {exc.detail}") from None
    if fragment is not None or did != value:
        raise TrustRegistryError(f"{where} must be a DID without fragment")
    if method_of(did) not in _METHODS:
        raise TrustRegistryError(f"{where}: only did:web, did:key and did:jwk issuers can be verified")
    return did


def _date(entry: Mapping[str, Any], member: str, where: str) -> datetime | None:
    if member not in entry:
        return None
    try:
        return parse_datetime(entry[member], member)
    except SkillpassError as exc:
        raise TrustRegistryError(f"{where}.{member}: {exc.detail}") from None


def _entry(raw: Any, where: str) -> TrustedIssuer:
    if not isinstance(raw, dict):
        raise TrustRegistryError(f"{where} must be an object")
    accreditation = raw.get("accreditation", [])
    if isinstance(accreditation, str):
        accreditation = [accreditation]
    if not isinstance(accreditation, list):
        raise TrustRegistryError(f"{where}.accreditation must be a string or a list of strings")
    valid_from = _date(raw, "validFrom", where)
    valid_until = _date(raw, "validUntil", where)
    if valid_from and valid_until and valid_until <= valid_from:
        raise TrustRegistryError(f"{where}: validUntil is not after validFrom")
    return TrustedIssuer(
        did=_did(raw.get("id"), f"{where}.id"),
        name=_names(raw.get("name"), f"{where}.name"),
        accreditation=tuple(_label(a, f"{where}.accreditation[{i}]") for i, a in enumerate(accreditation)),
        valid_from=valid_from,
        valid_until=valid_until,
    )


@dataclass(frozen=True)
class TrustRegistry:
    """Issuer DID -> entry, exact match only. Immutable: a refresh builds a new one."""

    entries: Mapping[str, TrustedIssuer] = field(default_factory=lambda: MappingProxyType({}))
    name: str | None = None

    @classmethod
    def of(cls, issuers: Iterable[TrustedIssuer], *, name: str | None = None) -> "TrustRegistry":
        table: dict[str, TrustedIssuer] = {}
        for issuer in issuers:
            if issuer.did in table:
                raise TrustRegistryError(f"issuer {issuer.did!r} is listed twice")
            table[issuer.did] = issuer
        return cls(MappingProxyType(table), name)

    @classmethod
    def from_json(cls, data: bytes | str | Mapping[str, Any]) -> "TrustRegistry":
        """Parse a registry document strictly (duplicate members and entries refused)."""
        try:
            document = strict_json.loads(data) if isinstance(data, (bytes, str)) else data
        except SkillpassError as exc:
            raise TrustRegistryError(f"the registry is not valid JSON: {exc.detail}") from None
        if not isinstance(document, Mapping):
            raise TrustRegistryError("the registry must be a JSON object with an `issuers` list")
        issuers = document.get("issuers")
        if not isinstance(issuers, list):
            raise TrustRegistryError("`issuers` must be a list")
        if len(issuers) > MAX_ISSUERS:
            raise TrustRegistryError(f"more than {MAX_ISSUERS} issuers")
        name = document.get("name")
        if name is not None:
            name = _label(name, "name")
        return cls.of((_entry(raw, f"issuers[{i}]") for i, raw in enumerate(issuers)), name=name)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, did: str) -> TrustedIssuer | None:
        return self.entries.get(did) if isinstance(did, str) else None

    def lookup(self, did: str | None, now: datetime, *, open_mode: bool = False) -> TrustResult:
        """Whether `did` is an accredited issuer at `now` (exact DID match)."""
        entry = self.entries.get(did) if isinstance(did, str) else None
        if entry is None:
            if open_mode:
                return TrustResult(UNKNOWN, did, "issuer_not_in_registry", "the issuer is not in the trust registry (open mode)")
            return TrustResult(UNTRUSTED, did, "untrusted_issuer", "the issuer is not in the trust registry")
        if entry.valid_from is not None and now < entry.valid_from:
            return TrustResult(UNTRUSTED, did, "accreditation_not_yet_valid", f"accredited from {format_datetime(entry.valid_from)}", entry)
        if entry.valid_until is not None and now > entry.valid_until:
            return TrustResult(UNTRUSTED, did, "accreditation_expired", f"accreditation ended {format_datetime(entry.valid_until)}", entry)
        return TrustResult(TRUSTED, did, None, "accredited issuer: " + ", ".join(entry.accreditation) if entry.accreditation else "listed issuer", entry)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "issuers": [e.to_dict() for e in self.entries.values()]}
