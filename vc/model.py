"""W3C Verifiable Credentials Data Model 2.0: build and check documents.

Only the structure the data model requires is checked here (contexts, types,
issuer, subject, dates); what a particular credential type must contain is the
job of its JSON Schema (vc/schemas.py).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Iterable, Mapping

from vc.errors import Expired, InvalidCredential, InvalidPresentation, NotYetValid

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DEFAULT_LEEWAY = timedelta(seconds=60)

# XML Schema dateTimeStamp: a date-time that must carry a time zone.
# `\Z`, not `$` (which also matches before a trailing newline); ASCII digits only.
_DATETIME = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z", re.ASCII
)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+\Z")


def new_id() -> str:
    """A fresh credential id: a UUID URN carries no personal data."""
    return f"urn:uuid:{uuid.uuid4()}"


def format_datetime(moment: datetime) -> str:
    """UTC, seconds precision, `Z`: the form every implementation parses."""
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    utc = moment.astimezone(timezone.utc)
    # the year as four digits: strftime("%Y") writes year 1 as "1", which is no dateTimeStamp
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"


@lru_cache(maxsize=1024)
def _parsed_datetime(value: str) -> datetime | None:
    """The datetime `parse_datetime` reads from `value`, None when it refuses it (answers kept:
    a batch of credentials repeats the same few validFrom / validUntil values)."""
    try:
        return _parse_datetime(value, "")
    except InvalidCredential:
        return None


def parse_datetime(value: Any, member: str = "date") -> datetime:
    """Read a dateTimeStamp; a missing time zone is an error, not a guess."""
    if type(value) is str and len(value) <= 64:
        parsed = _parsed_datetime(value)
        if parsed is not None:
            return parsed
    return _parse_datetime(value, member)


def _parse_datetime(value: Any, member: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise InvalidCredential(f"`{member}` must be an XML Schema dateTimeStamp with a time zone")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidCredential(f"`{member}` is not a valid date-time: {exc}") from exc
    try:
        # 9999-12-31T23:59:59-23:59 is a valid dateTimeStamp whose UTC time is past year 9999:
        # nothing can compare it with other times, write it in UTC, or make it a JWT `exp`.
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidCredential(f"`{member}` is outside the years 0001 to 9999 in UTC") from None
    return moment


def is_url(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 4096 and bool(_URL.match(value))


def _types(document: Mapping[str, Any]) -> list[str]:
    types = document.get("type")
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        return []
    return types


def _check_context(document: Mapping[str, Any], error: type[InvalidCredential]) -> None:
    context = document.get("@context")
    if context == VC_V2_CONTEXT:  # JSON-LD allows a one-item set as a plain string
        return
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        raise error(f"`@context` must be a list starting with {VC_V2_CONTEXT}")
    if not all(isinstance(c, (str, dict)) for c in context):
        raise error("`@context` entries must be URLs or objects")


def build_credential(
    *,
    issuer: str | Mapping[str, Any],
    subject: Mapping[str, Any] | list[Mapping[str, Any]],
    types: Iterable[str] = (),
    contexts: Iterable[str] = (),
    valid_from: datetime,
    valid_until: datetime | None = None,
    credential_id: str | None = None,
    schema: Mapping[str, Any] | list[Mapping[str, Any]] | None = None,
    status: Mapping[str, Any] | list[Mapping[str, Any]] | None = None,
    evidence: list[Mapping[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A credential with the members in the order the specification presents them."""
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, *[c for c in contexts if c != VC_V2_CONTEXT]],
        "id": credential_id or new_id(),
        "type": ["VerifiableCredential", *[t for t in types if t != "VerifiableCredential"]],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = subject
    if schema is not None:
        credential["credentialSchema"] = schema
    if status is not None:
        credential["credentialStatus"] = status
    if evidence:
        credential["evidence"] = evidence
    credential.update(extra or {})
    check_credential(credential)
    return credential


def check_credential(document: Any) -> None:
    """The data model's own rules for a credential (not its type's schema)."""
    if not isinstance(document, dict):
        raise InvalidCredential("a credential must be a JSON object")
    _check_context(document, InvalidCredential)
    if "VerifiableCredential" not in _types(document):
        raise InvalidCredential("`type` must include VerifiableCredential")
    if "id" in document and not is_url(document["id"]):
        raise InvalidCredential("`id` must be a URL")
    issuer = document.get("issuer")
    issuer_url = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not is_url(issuer_url):
        raise InvalidCredential("`issuer` must be a URL or an object whose `id` is a URL")
    subjects = document.get("credentialSubject")
    subjects = subjects if isinstance(subjects, list) else [subjects]
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        raise InvalidCredential("`credentialSubject` must be a non-empty object or list of objects")
    for s in subjects:
        if "id" in s and not is_url(s["id"]):
            raise InvalidCredential("`credentialSubject.id` must be a URL")
    start = parse_datetime(document["validFrom"], "validFrom") if "validFrom" in document else None
    end = parse_datetime(document["validUntil"], "validUntil") if "validUntil" in document else None
    if start and end and end < start:
        raise InvalidCredential("`validUntil` is before `validFrom`")
    for member in ("credentialStatus", "credentialSchema", "evidence"):
        value = document.get(member)
        if value is not None and not (isinstance(value, dict) or (isinstance(value, list) and all(isinstance(v, dict) for v in value))):
            raise InvalidCredential(f"`{member}` must be an object or a list of objects")


def check_validity_period(
    document: Mapping[str, Any], now: datetime, leeway: timedelta = DEFAULT_LEEWAY
) -> None:
    """`validFrom` <= now <= `validUntil`, allowing for clocks that disagree a little."""
    if "validFrom" in document and now + leeway < parse_datetime(document["validFrom"], "validFrom"):
        raise NotYetValid(f"valid from {document['validFrom']}")
    if "validUntil" in document and now - leeway > parse_datetime(document["validUntil"], "validUntil"):
        raise Expired(f"valid until {document['validUntil']}")


def subject_ids(document: Mapping[str, Any]) -> list[str]:
    """The ids of the credential's subjects (the holders it was issued to)."""
    subjects = document.get("credentialSubject")
    subjects = subjects if isinstance(subjects, list) else [subjects]
    return [s["id"] for s in subjects if isinstance(s, dict) and isinstance(s.get("id"), str)]


def statuses(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """`credentialStatus` as a list, however it was written."""
    status = document.get("credentialStatus")
    if status is None:
        return []
    return status if isinstance(status, list) else [status]


def build_presentation(holder: str, credentials: list[Mapping[str, Any]], *, presentation_id: str | None = None) -> dict[str, Any]:
    """A presentation of enveloped credentials by their holder."""
    presentation = {
        "@context": [VC_V2_CONTEXT],
        "id": presentation_id or new_id(),
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": list(credentials),
    }
    check_presentation(presentation)
    return presentation


def check_presentation(document: Any) -> None:
    """The data model's rules for a presentation."""
    if not isinstance(document, dict):
        raise InvalidPresentation("a presentation must be a JSON object")
    _check_context(document, InvalidPresentation)
    if "VerifiablePresentation" not in _types(document):
        raise InvalidPresentation("`type` must include VerifiablePresentation")
    if "id" in document and not is_url(document["id"]):
        raise InvalidPresentation("`id` must be a URL")
    holder = document.get("holder")
    holder_url = holder.get("id") if isinstance(holder, dict) else holder
    if holder is not None and not is_url(holder_url):
        raise InvalidPresentation("`holder` must be a URL")
    creds = document.get("verifiableCredential", [])
    creds = creds if isinstance(creds, list) else [creds]
    if not all(isinstance(c, dict) for c in creds):
        raise InvalidPresentation("`verifiableCredential` entries must be objects")
