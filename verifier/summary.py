"""A readable summary of a report, in Dutch and English, for people.

Built only from the report: the issuer's name is the trust registry's (never
the credential's own claim), and every line says whether it was verified.
Labels of skills are the credential's own (ESCO / CompetentNL labels as the
issuer wrote them); the URI is what identifies the skill.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from vc.verify import FAILED, UNKNOWN, Report

LANGS = ("nl", "en")

_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"),
}

_TYPES = {
    "OpenBadgeCredential": {"nl": "Microcredential", "en": "Microcredential"},
    "AchievementCredential": {"nl": "Microcredential", "en": "Microcredential"},
    "SkillAttestationCredential": {"nl": "Gevalideerde vaardigheid", "en": "Validated skill"},
}
_GENERIC = {"nl": "Credential", "en": "Credential"}

_STATUS = {
    "valid": {"nl": "geldig", "en": "valid"},
    "revoked": {"nl": "ingetrokken", "en": "revoked"},
    "suspended": {"nl": "geschorst", "en": "suspended"},
    "unknown": {"nl": "onbekend (niet te controleren)", "en": "unknown (could not be checked)"},
    "unchecked": {"nl": "niet gecontroleerd", "en": "not checked"},
    "invalid": {"nl": "ongeldige statuslijst", "en": "invalid status list"},
    "none": {"nl": "geen statusinformatie", "en": "no status information"},
}

#: Why something is not verified, by code; anything else falls back to the code itself.
_REASONS: dict[str, dict[str, str]] = {
    "untrusted_issuer": {"nl": "de uitgever staat niet in het register van erkende uitgevers", "en": "the issuer is not in the registry of accredited issuers"},
    "issuer_not_in_registry": {"nl": "de uitgever staat niet in het register van erkende uitgevers", "en": "the issuer is not in the registry of accredited issuers"},
    "accreditation_expired": {"nl": "de erkenning van de uitgever is verlopen", "en": "the issuer's accreditation has ended"},
    "accreditation_not_yet_valid": {"nl": "de erkenning van de uitgever is nog niet ingegaan", "en": "the issuer's accreditation has not started"},
    "issuer_unreachable": {"nl": "de uitgever is niet bereikbaar; controleer later opnieuw", "en": "the issuer cannot be reached; check again later"},
    "invalid_signature": {"nl": "de handtekening klopt niet: de inhoud is gewijzigd of vervalst", "en": "the signature does not match: the content was changed or forged"},
    "unsupported_algorithm": {"nl": "de handtekening gebruikt een niet-toegestaan algoritme", "en": "the signature uses an algorithm that is not allowed"},
    "forbidden_header": {"nl": "de handtekening probeert een eigen sleutel mee te brengen", "en": "the signature tries to bring its own key"},
    "key_not_found": {"nl": "de sleutel staat niet in het DID-document van de uitgever", "en": "the key is not in the issuer's DID document"},
    "issuer_mismatch": {"nl": "`iss` en de uitgever komen niet overeen", "en": "`iss` does not name the issuer"},
    "signer_not_issuer": {"nl": "de ondertekenaar is niet de uitgever", "en": "the signer is not the issuer"},
    "expired": {"nl": "de geldigheid is verlopen", "en": "it has expired"},
    "not_yet_valid": {"nl": "het is nog niet geldig", "en": "it is not valid yet"},
    "revoked": {"nl": "de uitgever heeft het ingetrokken", "en": "the issuer has revoked it"},
    "suspended": {"nl": "de uitgever heeft het geschorst", "en": "the issuer has suspended it"},
    "status_unavailable": {"nl": "de statuslijst is niet bereikbaar", "en": "the status list cannot be reached"},
    "status_list_stale": {"nl": "de statuslijst is verouderd", "en": "the status list is out of date"},
    "schema_invalid": {"nl": "de inhoud voldoet niet aan het schema van dit type", "en": "the content does not match the schema of its type"},
    "holder_mismatch": {"nl": "de persoon die het toont is niet degene aan wie het is uitgegeven", "en": "the person presenting it is not the one it was issued to"},
    "holder_not_signer": {"nl": "de presentatie is niet ondertekend door de genoemde houder", "en": "the presentation is not signed by the holder it names"},
    "nonce_mismatch": {"nl": "de presentatie hoort bij een ander verzoek", "en": "the presentation answers another request"},
    "nonce_missing": {"nl": "de presentatie bevat geen nonce", "en": "the presentation carries no nonce"},
    "nonce_required": {"nl": "er is geen nonce gevraagd; vraag een nieuwe presentatie aan", "en": "no nonce was asked for; request a fresh presentation"},
    "nonce_replayed": {"nl": "deze presentatie is al eerder gebruikt (herhaling)", "en": "this presentation was used before (replay)"},
    "nonce_of_a_request": {"nl": "deze presentatie beantwoordt een verzoek; stuur haar naar dat verzoek", "en": "this presentation answers a request; send it to that request"},
    "audience_mismatch": {"nl": "de presentatie is bestemd voor een andere verificateur", "en": "the presentation is addressed to another verifier"},
    "audience_missing": {"nl": "de presentatie noemt geen ontvanger", "en": "the presentation names no recipient"},
    "credential_not_verified": {"nl": "niet alle credentials zijn geldig", "en": "not every credential is valid"},
    "no_credentials": {"nl": "de presentatie bevat geen credentials", "en": "the presentation holds no credentials"},
    "malformed_token": {"nl": "het is geen leesbaar credential", "en": "it is not a readable credential"},
    "unsupported_format": {"nl": "dit formaat wordt (nog) niet ondersteund", "en": "this format is not supported (yet)"},
    "key_binding_required": {"nl": "de houder heeft niet bewezen dat het credential van hem of haar is (geen key binding)", "en": "the holder did not prove the credential is theirs (no key binding)"},
    "sd_hash_mismatch": {"nl": "de key binding hoort bij een andere presentatie", "en": "the key binding belongs to another presentation"},
    "presentation_too_old": {"nl": "de presentatie is te oud; vraag een nieuwe aan", "en": "the presentation is too old; request a fresh one"},
    "status_not_valid": {"nl": "de uitgever meldt een status die niet 'geldig' is", "en": "the issuer reports a status other than valid"},
    "unreferenced_disclosure": {"nl": "er is een gegeven toegevoegd dat de uitgever niet heeft ondertekend", "en": "a claim was added that the issuer did not sign"},
    "invalid_disclosure": {"nl": "een getoond gegeven is ongeldig of gewijzigd", "en": "a disclosed claim is invalid or was changed"},
    "duplicate_disclosure": {"nl": "een getoond gegeven komt dubbel voor", "en": "a disclosed claim appears twice"},
}


def _date(value: Any, lang: str) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return f"{moment.day} {_MONTHS[lang][moment.month - 1]} {moment.year}"


def _reason(report: Report, lang: str) -> str | None:
    for wanted in (FAILED, UNKNOWN):
        for check in report.checks:
            if check.status == wanted:
                code = check.code or check.check
                return _REASONS.get(code, {}).get(lang) or f"{check.check}: {code}"
    return None


def skills_of(claims: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """(URI, label) of every skill: OB3 achievement alignments, or a skill attestation's skill."""
    if not isinstance(claims, Mapping):
        return []
    subjects = claims.get("credentialSubject")
    subjects = subjects if isinstance(subjects, list) else [subjects]
    found: list[dict[str, str]] = []
    for subject in subjects:
        if not isinstance(subject, dict):
            continue
        alignments: list[Any] = []
        skill = subject.get("skill")
        if isinstance(skill, dict):
            alignments.append(skill)
        achievement = subject.get("achievement")
        if isinstance(achievement, dict) and isinstance(achievement.get("alignment"), list):
            alignments.extend(achievement["alignment"])
        for a in alignments:
            if isinstance(a, dict) and isinstance(a.get("targetUrl"), str):
                entry = {"uri": a["targetUrl"], "label": a.get("targetName") if isinstance(a.get("targetName"), str) else a["targetUrl"]}
                if isinstance(a.get("targetFramework"), str):
                    entry["framework"] = a["targetFramework"]
                found.append(entry)
    return found


def _title(claims: Mapping[str, Any]) -> str | None:
    subject = claims.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    if isinstance(subject, dict):
        achievement = subject.get("achievement")
        if isinstance(achievement, dict) and isinstance(achievement.get("name"), str):
            return achievement["name"]
        skill = subject.get("skill")
        if isinstance(skill, dict) and isinstance(skill.get("targetName"), str):
            return skill["targetName"]
    name = claims.get("name")
    return name if isinstance(name, str) else None


def _holder_name(claims: Mapping[str, Any]) -> str | None:
    subject = claims.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    if not isinstance(subject, dict):
        return None
    identifiers = subject.get("identifier")
    for ident in identifiers if isinstance(identifiers, list) else [identifiers]:
        if isinstance(ident, dict) and ident.get("identityType") == "name" and ident.get("hashed") is False:
            value = ident.get("identityHash")
            return value if isinstance(value, str) else None
    return None


def _type_label(types: list[str], lang: str) -> str:
    for t in types:
        if t in _TYPES:
            return _TYPES[t][lang]
    return _GENERIC[lang]


def _disclosure_line(report: Report, lang: str) -> str | None:
    """SD-JWT VC: how much the holder showed; hidden claims are never guessed (decoys look the same)."""
    if report.disclosures is None:
        return None
    shown = len(report.disclosures.get("disclosed", []))
    if lang == "nl":
        return f"selectief gedeeld: {shown} verbergbaar gegeven(s) getoond, de rest bleef verborgen"
    return f"selectively disclosed: {shown} hideable claim(s) shown, the rest stayed hidden"


def credential_summary(report: Report) -> dict[str, Any]:
    claims = report.claims or {}
    trust = report.trust
    registry_name = trust.name if trust and trust.entry else None
    accreditation = list(trust.entry.accreditation) if trust and trust.entry else []
    skills = skills_of(claims)
    title = _title(claims)
    out: dict[str, Any] = {}
    for lang in LANGS:
        type_label = _type_label(report.types, lang)
        if registry_name:
            issuer_label = registry_name[lang] + (f" ({', '.join(accreditation)})" if accreditation else "")
        else:
            issuer_label = ("onbekende uitgever, niet in het register" if lang == "nl" else "unknown issuer, not in the registry") + (
                f": {report.issuer}" if report.issuer else ""
            )
        if report.status:
            worst = next((s for s in ("revoked", "suspended", "unknown", "invalid", "unchecked") if s in report.status.values()), "valid")
        else:
            worst = "none"
        verdict = ("Geverifieerd" if lang == "nl" else "Verified") if report.verified else ("Niet geverifieerd" if lang == "nl" else "Not verified")
        headline = f"{verdict}: {type_label}" + (f" '{title}'" if title else "")
        if registry_name:
            headline += (" van " if lang == "nl" else " from ") + registry_name[lang]
        reason = None if report.verified else _reason(report, lang)
        if reason:
            headline += f" — {reason}"
        out[lang] = {
            "headline": headline,
            "verified": report.verified,
            "issuer": issuer_label,
            "type": type_label,
            "title": title,
            "holder": {"id": report.subject, "name": _holder_name(claims)},
            "skills": skills,
            "validFrom": _date(report.valid_from, lang),
            "validUntil": _date(report.valid_until, lang),
            "status": _STATUS[worst][lang],
            "reason": reason,
        }
        disclosure = _disclosure_line(report, lang)
        if disclosure is not None:
            out[lang]["disclosure"] = disclosure
    return out


def presentation_summary(report: Report) -> dict[str, Any]:
    inner = [credential_summary(r) for r in report.credentials]
    out: dict[str, Any] = {}
    for lang in LANGS:
        verdict = ("Geverifieerd" if lang == "nl" else "Verified") if report.verified else ("Niet geverifieerd" if lang == "nl" else "Not verified")
        count = len(report.credentials)
        what = f"presentatie met {count} credential(s)" if lang == "nl" else f"presentation of {count} credential(s)"
        reason = None if report.verified else _reason(report, lang)
        out[lang] = {
            "headline": f"{verdict}: {what}" + (f" — {reason}" if reason else ""),
            "verified": report.verified,
            "holder": report.holder,
            "reason": reason,
            "credentials": [s[lang] for s in inner],
        }
    return out


def summarise(report: Report) -> dict[str, Any]:
    return credential_summary(report) if report.kind == "credential" else presentation_summary(report)


def report_body(report: Report, *, claims: bool = True) -> dict[str, Any]:
    """The report as the API returns it: the report, with a summary at each level."""
    body = report.to_dict(claims=claims)
    body["summary"] = summarise(report)
    if report.kind == "presentation":
        for sub_body, sub in zip(body["credentials"], report.credentials):
            sub_body["summary"] = credential_summary(sub)
    return body
