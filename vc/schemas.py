"""Validate credentials against the skillpass JSON Schemas (Draft 2020-12).

The schemas ship in the `skillpass_schemas` resource package (schemas/ in the
repository). Every `$ref` resolves inside that package: the registry refuses to
retrieve anything else, so validating never touches the network, whatever a
document says. `format` is asserted for `date-time` and `uri` with checkers
defined here, so the outcome does not depend on which optional packages happen
to be installed.

Validators are compiled once and cached; valid documents are recognised by
a compiled validator (see "speed" below): the issuer validates every item of
a batch.

A failed validation raises SchemaValidationError whose `detail` lists every
error as ``{"pointer": <RFC 6901 JSON pointer into the document>, "message": str}``,
sorted by pointer then message. A missing required member is reported at the
pointer it should have had; a member that is not allowed, at its own pointer.
Messages never repeat the offending value: they end up in logs, and the values
are personal data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from vc.credential_types import SCHEMA_BASE_URL, get_type, type_for_schema_url
from vc.errors import SchemaValidationError

__all__ = [
    "FORMAT_CHECKER",
    "published_schemas",
    "validate_against_schema_id",
    "validate_credential",
    "validate_evidence",
    "validate_subject",
]

_MAX_MESSAGE = 200

# --- formats ------------------------------------------------------------------

FORMAT_CHECKER = FormatChecker(formats=())

_DATE_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.ASCII)
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


@FORMAT_CHECKER.checks("date-time")
def _is_date_time(value: object) -> bool:
    """RFC 3339 date-time: a real calendar date and time, with a time zone."""
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    date, time, _, zone = match.groups()
    zone = "+00:00" if zone in "Zz" else zone
    try:
        datetime.fromisoformat(f"{date}T{time}{zone}")
    except ValueError:
        return False
    return True


@FORMAT_CHECKER.checks("uri")
def _is_uri(value: object) -> bool:
    """RFC 3986 absolute URI: a scheme, then only URI characters, valid %-escapes."""
    if not isinstance(value, str):
        return True
    return _URI.fullmatch(value) is not None and _BAD_PERCENT.search(value) is None


# --- loading ------------------------------------------------------------------


def _refuse_retrieval(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@cache
def _registry() -> Registry[Any]:
    """Every schema of the package, by `$id`; nothing else can be resolved."""
    resources = []
    for entry in files("skillpass_schemas").iterdir():
        if entry.is_file() and entry.name.endswith(".json"):
            contents = json.loads(entry.read_text(encoding="utf-8"))
            resources.append((contents["$id"], DRAFT202012.create_resource(contents)))
    return Registry(retrieve=_refuse_retrieval).with_resources(resources).crawl()  # type: ignore[call-arg]


# --- speed -------------------------------------------------------------------
#
# The issuer validates every item of a batch of up to 1,000, so a valid
# document must be cheap. jsonschema-rs (a compiled Draft 2020-12 validator)
# answers "valid or not" some 20 times faster than jsonschema; only a document
# it finds invalid goes through jsonschema, whose errors we report with JSON
# pointers. Both use the same registry of our schema files and the same format
# functions, so they agree on what is valid (a test holds them to it).


@cache
def _validator(schema_url: str, fragment: str = "") -> Draft202012Validator:
    """jsonschema on the schema as written: the one whose errors are reported."""
    ref = f"{schema_url}#{fragment}" if fragment else schema_url
    return Draft202012Validator({"$ref": ref}, registry=_registry(), format_checker=FORMAT_CHECKER)


def _remembered(check: Any) -> Any:
    """`check` with its answers kept per string (bounded): a credential repeats the same
    URIs and dates as the last thousand did (contexts, skills, issuer, schema). Long
    strings are checked every time, so the cache stays small whatever documents say."""
    cached = lru_cache(maxsize=4096)(check)

    def remembered(value: object) -> bool:
        if type(value) is str and len(value) <= 512:
            return cached(value)
        return check(value)

    return remembered


_FAST_FORMATS = {"date-time": _remembered(_is_date_time), "uri": _remembered(_is_uri)}


@cache
def _fast_validator(schema_url: str, fragment: str = "") -> Any:
    """jsonschema-rs on the same schema: only asked whether a document is valid."""
    ref = f"{schema_url}#{fragment}" if fragment else schema_url
    registry = jsonschema_rs.Registry(
        [(url, _registry().contents(url)) for url in _schema_urls()], retriever=_refuse_retrieval
    )
    return jsonschema_rs.validator_for(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": ref},
        registry=registry,
        validate_formats=True,
        formats=_FAST_FORMATS,
    )


def _validate(document: Any, schema_url: str, fragment: str = "") -> None:
    if _fast_validator(schema_url, fragment).is_valid(document):
        return
    _check(_validator(schema_url, fragment), document)
    # The two validators disagree: refuse, since one of them found a fault.
    raise SchemaValidationError([{"pointer": "", "message": "does not match the schema"}])


# --- errors -------------------------------------------------------------------


def _pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _message(error: ValidationError) -> str:
    """jsonschema's message without the instance it starts with."""
    if error.validator == "contains":
        wanted = error.validator_value
        if isinstance(wanted, dict) and "const" in wanted:
            return f"must contain {wanted['const']!r}"
        return "has no item that matches the schema"
    message = error.message
    shown = repr(error.instance)
    if message.startswith(shown):
        message = message[len(shown):].lstrip()
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


def _entries(error: ValidationError) -> Iterator[tuple[str, str]]:
    path = list(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        for name in error.validator_value:  # type: ignore[union-attr]
            if name not in instance:
                yield _pointer([*path, name]), f"{name!r} is a required property"
        return
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        for name in instance:
            if name not in known and not any(re.search(p, name) for p in patterns):
                yield _pointer([*path, name]), "is not allowed here"
        return
    yield _pointer(path), _message(error)


def _check(validator: Draft202012Validator, document: Any) -> None:
    found = {entry for error in validator.iter_errors(document) for entry in _entries(error)}
    if found:
        raise SchemaValidationError(
            [{"pointer": pointer, "message": message} for pointer, message in sorted(found)]
        )


# --- public API ---------------------------------------------------------------


def validate_credential(document: dict[str, Any], type_name: str) -> None:
    """Check a whole (unsigned or decoded) credential against its type's schema.

    Raises UnknownSchema for an unknown type name, SchemaValidationError with
    every error otherwise. Returns None when the credential is valid.
    """
    _validate(document, get_type(type_name).schema_url)


def validate_subject(subject: dict[str, Any], type_name: str) -> None:
    """Check a `credentialSubject` alone (what an issuer's API client sends).

    Pointers are relative to the subject: prefix them with the subject's place
    in the request when reporting.
    """
    _validate(subject, get_type(type_name).schema_url, "/$defs/subject")


def validate_evidence(evidence: list[Any], type_name: str) -> None:
    """Check an `evidence` array alone (a client may send it beside the subject).

    Pointers are relative to the array.
    """
    _validate(evidence, get_type(type_name).schema_url, "/$defs/evidence")


def validate_against_schema_id(document: dict[str, Any], schema_id: str) -> None:
    """Check a credential against the schema a `credentialSchema.id` names.

    Only skillpass's own schema URLs are accepted (UnknownSchema for any other):
    a schema URL in a credential is never fetched.
    """
    _validate(document, type_for_schema_url(schema_id).schema_url)


def published_schemas() -> dict[str, dict[str, Any]]:
    """A copy of every schema file by its `$id` URL, e.g. for the issuer to
    publish at those URLs (the type schemas `$ref` common.json)."""
    registry = _registry()
    return {url: json.loads(json.dumps(registry.contents(url))) for url in _schema_urls()}


@cache
def _schema_urls() -> tuple[str, ...]:
    return tuple(sorted(url for url in _registry() if url.startswith(SCHEMA_BASE_URL)))
