"""What the wallet lists about a credential, read from its (verified) payload.

Only facts for listing and search: the types, the issuer and its name, a
title, the skills (ESCO / CompetentNL URIs with their names) and the validity
dates. The signed token itself stays the source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping

from vc import credential_types, jose
from vc.errors import SkillpassError
from vc.model import parse_datetime

MAX_SKILLS = 50
MAX_URI = 1024


@dataclass
class Facts:
    credential_id: str | None
    types: list[str]
    type_name: str
    kind: str
    issuer: str
    #: The name the credential gives its issuer: a claim of the signer, not vouched for.
    claimed_issuer_name: str | None
    title: str | None
    skills: list[tuple[str, str | None]] = field(default_factory=list)
    valid_from: datetime | None = None
    valid_until: datetime | None = None


def _text(value: Any, limit: int = 500) -> str | None:
    """A display string: a plain string, or a language map / value object (nl first)."""
    if isinstance(value, str):
        return value.strip()[:limit] or None
    if isinstance(value, dict):
        if "@value" in value:
            return _text(value["@value"], limit)
        for lang in ("nl", "en"):
            if isinstance(value.get(lang), str):
                return _text(value[lang], limit)
        for item in value.values():
            if isinstance(item, str):
                return _text(item, limit)
    if isinstance(value, list):
        for item in value:
            text = _text(item, limit)
            if text:
                return text
    return None


def _date(payload: Mapping[str, Any], member: str) -> datetime | None:
    if member not in payload:
        return None
    try:
        # Stored in UTC: SQLite keeps no offset, so every stored moment must be UTC.
        return parse_datetime(payload[member], member).astimezone(timezone.utc)
    except (SkillpassError, OverflowError, ValueError):
        return None


def _subjects(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    subjects = payload.get("credentialSubject")
    subjects = subjects if isinstance(subjects, list) else [subjects]
    return [s for s in subjects if isinstance(s, dict)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _alignments(payload: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """OB3 Alignments: the achievement's `alignment` and a skill attestation's `skill`."""
    for subject in _subjects(payload):
        for skill in _as_list(subject.get("skill")):
            if isinstance(skill, dict):
                yield skill
        for holder in (subject, subject.get("achievement")):
            if isinstance(holder, dict):
                for alignment in _as_list(holder.get("alignment")):
                    if isinstance(alignment, dict):
                        yield alignment


def _skills(payload: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    skills: dict[str, str | None] = {}
    for alignment in _alignments(payload):
        uri = alignment.get("targetUrl") or alignment.get("id")
        if not isinstance(uri, str) or not uri or len(uri) > MAX_URI or uri in skills:
            continue
        skills[uri] = _text(alignment.get("targetName"))
        if len(skills) >= MAX_SKILLS:
            break
    return list(skills.items())


def _kind(types: list[str], payload: Mapping[str, Any]) -> str:
    schemas = [s.get("id") for s in _as_list(payload.get("credentialSchema")) if isinstance(s, dict)]
    for credential_type in credential_types.CREDENTIAL_TYPES.values():
        if credential_type.schema_url in schemas or set(credential_type.types) == set(types):
            return credential_type.name
    return "other"


def _issuer_name(payload: Mapping[str, Any], issuer: str) -> str | None:
    issuer_member = payload.get("issuer")
    if isinstance(issuer_member, dict):
        name = _text(issuer_member.get("name"))
        if name:
            return name
    # An OB3 achievement names its creator; a skill attestation its assessor's organisation.
    for subject in _subjects(payload):
        achievement = subject.get("achievement")
        creator = achievement.get("creator") if isinstance(achievement, dict) else None
        if isinstance(creator, dict) and creator.get("id") == issuer:
            name = _text(creator.get("name"))
            if name:
                return name
        org = subject.get("assessor")
        for _ in range(4):
            if not isinstance(org, dict):
                break
            if org.get("id") == issuer and _text(org.get("name")):
                return _text(org.get("name"))
            org = org.get("parentOrg")
    return None


def _title(payload: Mapping[str, Any], skills: list[tuple[str, str | None]]) -> str | None:
    title = _text(payload.get("name"))
    if title:
        return title
    for subject in _subjects(payload):
        achievement = subject.get("achievement")
        if isinstance(achievement, dict) and _text(achievement.get("name")):
            return _text(achievement.get("name"))
    for _, name in skills:
        if name:
            return name
    return None


def _numeric_date(payload: Mapping[str, Any], claim: str) -> datetime | None:
    value = payload.get(claim)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _read_sd_jwt_vc(payload: Mapping[str, Any]) -> Facts:
    """An SD-JWT VC's claims (all disclosed, as the wallet holds them): typed by `vct`, dated by iat/nbf/exp."""
    vct = payload["vct"]
    credential_type = credential_types.type_for_vct(vct)
    types = list(credential_type.types) if credential_type else [vct[:200]]
    issuer = payload.get("iss") if isinstance(payload.get("iss"), str) else ""
    skills = _skills(payload)
    jti = payload.get("jti")
    return Facts(
        credential_id=jti if isinstance(jti, str) else None,
        types=types,
        type_name=types[-1][:200],
        kind=credential_type.name if credential_type else "other",
        issuer=issuer,
        claimed_issuer_name=_issuer_name(payload, issuer),
        title=_title(payload, skills),
        skills=skills,
        valid_from=_numeric_date(payload, "nbf") or _numeric_date(payload, "iat"),
        valid_until=_numeric_date(payload, "exp"),
    )


def read(payload: Mapping[str, Any]) -> Facts:
    """The listing facts of a credential payload (vc+jwt claims set, or an SD-JWT VC's claims)."""
    if isinstance(payload.get("vct"), str) and "@context" not in payload:
        return _read_sd_jwt_vc(payload)
    raw_types = payload.get("type")
    types = [t for t in _as_list(raw_types) if isinstance(t, str)][:20] or ["VerifiableCredential"]
    specific = [t for t in types if t != "VerifiableCredential"]
    issuer = jose.issuer_id(payload)
    skills = _skills(payload)
    credential_id = payload.get("id") if isinstance(payload.get("id"), str) else None
    return Facts(
        credential_id=credential_id,
        types=types,
        type_name=(specific[-1] if specific else types[0])[:200],
        kind=_kind(types, payload),
        issuer=issuer,
        claimed_issuer_name=_issuer_name(payload, issuer),
        title=_title(payload, skills),
        skills=skills,
        valid_from=_date(payload, "validFrom"),
        valid_until=_date(payload, "validUntil"),
    )


def search_text(facts: Facts, labels: list[str], note: str | None, registry_name: str | None = None) -> str:
    parts = [
        facts.title, registry_name, facts.claimed_issuer_name, facts.type_name, note,
        *labels, *(name for _, name in facts.skills),
    ]
    return "\n".join(p for p in parts if p).lower()
