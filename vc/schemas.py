"""Validate credentials against the skillpass JSON Schemas (Draft 2020-12).

The schemas ship in the `skillpass_schemas` resource package (schemas/ in the
repository). Every `$ref` resolves inside that package: the registry refuses to
retrieve anything else, so validating never touches the network, whatever a
document says. `format` is asserted for `date-time` and `uri` with checkers
defined here, so the outcome does not depend on which optional packages happen
to be installed.

Compiled validators are cached, and made faster (see "speed" below): the
issuer validates every item of a batch.

A failed validation raises SchemaValidationError whose `detail` lists every
error as ``{"pointer": <RFC 6901 JSON pointer into the document>, "message": str}``,
sorted by pointer then message. A missing required member is reported at the
pointer it should have had; a member that is not allowed, at its own pointer.
Messages never repeat the offending value: they end up in logs, and the values
are personal data.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache
from importlib.resources import files
from threading import Lock
from typing import Any
from urllib.parse import urldefrag, urljoin

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
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
# Two things make a cached validator several times faster than jsonschema on the
# schema files as written, without changing what is checked:
# 1. `$ref`s are inlined once, when the validator is built: jsonschema looks a
#    `$ref` up again at every use, which took over half of the time.
# 2. Subschemas whose instances repeat across a batch (every learner of a cohort
#    gets the same achievement, skill, assessor) are memoized: an instance found
#    valid is remembered by digest and not checked again. The achievement alone
#    is about 85% of the time spent on a microcredential subject.

_MEMOIZED = frozenset(
    SCHEMA_BASE_URL + ref
    for ref in (
        "microcredential.json#/$defs/achievement",
        "common.json#/$defs/skillAlignment",
        "common.json#/$defs/profile",
    )
)
_MEMO_KEYWORD = "skillpassMemoized"
_MEMO_SIZE = 256
_RECURSION_DEPTH = 3  # a Profile's parentOrg is a Profile

# Keywords whose value is data, not a schema; and those whose value maps names to schemas.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
# Keywords that read each other within one schema object: never split by a merge.
_KEYWORD_GROUPS = (
    frozenset({"if", "then", "else"}),
    frozenset({"properties", "patternProperties", "additionalProperties"}),
    frozenset({"prefixItems", "items"}),
    frozenset({"contains", "minContains", "maxContains"}),
)
_ANNOTATIONS = frozenset({"title", "description", "$comment"})


def _inline(node: Any, base: str, seen: tuple[str, ...]) -> Any:
    """The schema `node` with every `$ref` replaced by the schema it names.

    A recursive `$ref` is inlined `_RECURSION_DEPTH` levels deep, then left in
    place, made absolute, for the registry to resolve. A `$ref` to a memoized
    subschema becomes the memo keyword.
    """
    if isinstance(node, list):
        return [_inline(item, base, seen) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DATA_KEYWORDS:
            out[key] = value
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _inline(sub, base, seen) for name, sub in value.items()}
        elif key != "$ref":
            out[key] = _inline(value, base, seen)
    if "$ref" not in node:
        return out
    target = urljoin(base, node["$ref"])
    if seen.count(target) >= _RECURSION_DEPTH:
        out["$ref"] = target
        return out
    resolved = _registry().resolver().lookup(target).contents
    inlined = _inline(resolved, urldefrag(target).url, (*seen, target))
    if target in _MEMOIZED:
        inlined = {_MEMO_KEYWORD: {"ref": target, "schema": inlined}}
    if _can_merge(out, inlined):
        return {**inlined, **out}
    out["allOf"] = [inlined, *out.get("allOf", [])]
    return out


def _can_merge(siblings: dict[str, Any], target: Any) -> bool:
    """Whether a `$ref`'s siblings and the schema it names can be one object
    (one `descend` less at each use; an `allOf` otherwise) without changing
    what either checks: no keyword in both, no keyword group split."""
    if not isinstance(target, dict):
        return not siblings
    mine, theirs = set(siblings) - _ANNOTATIONS, set(target) - _ANNOTATIONS
    if mine & theirs:
        return False
    return not any(mine & group and theirs & group for group in _KEYWORD_GROUPS)


_known_valid: OrderedDict[bytes, None] = OrderedDict()
_known_valid_lock = Lock()


def _memoized(
    validator: Draft202012Validator, memo: dict[str, Any], instance: Any, _: Any
) -> Iterator[ValidationError]:
    """Validate `instance` against `memo["schema"]` unless it was valid before."""
    schema = memo["schema"]
    try:
        canonical = json.dumps([memo["ref"], instance], sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):  # not JSON: validate, remember nothing
        yield from validator.descend(instance, schema)
        return
    digest = hashlib.sha256(canonical.encode()).digest()
    with _known_valid_lock:
        if digest in _known_valid:
            _known_valid.move_to_end(digest)
            return
    errors = list(validator.descend(instance, schema))
    if errors:
        yield from errors
        return
    with _known_valid_lock:
        _known_valid[digest] = None
        if len(_known_valid) > _MEMO_SIZE:
            _known_valid.popitem(last=False)


_Validator: type[Draft202012Validator] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {_MEMO_KEYWORD: _memoized}
)


@cache
def _validator(schema_url: str, fragment: str = "") -> Draft202012Validator:
    ref = f"{schema_url}#{fragment}" if fragment else schema_url
    schema = _inline({"$ref": ref}, schema_url, ())
    return _Validator(schema, registry=_registry(), format_checker=FORMAT_CHECKER)


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
    _check(_validator(get_type(type_name).schema_url), document)


def validate_subject(subject: dict[str, Any], type_name: str) -> None:
    """Check a `credentialSubject` alone (what an issuer's API client sends).

    Pointers are relative to the subject: prefix them with the subject's place
    in the request when reporting.
    """
    _check(_validator(get_type(type_name).schema_url, "/$defs/subject"), subject)


def validate_evidence(evidence: list[Any], type_name: str) -> None:
    """Check an `evidence` array alone (a client may send it beside the subject).

    Pointers are relative to the array.
    """
    _check(_validator(get_type(type_name).schema_url, "/$defs/evidence"), evidence)


def validate_against_schema_id(document: dict[str, Any], schema_id: str) -> None:
    """Check a credential against the schema a `credentialSchema.id` names.

    Only skillpass's own schema URLs are accepted (UnknownSchema for any other):
    a schema URL in a credential is never fetched.
    """
    _check(_validator(type_for_schema_url(schema_id).schema_url), document)


def published_schemas() -> dict[str, dict[str, Any]]:
    """A copy of every schema file by its `$id` URL, e.g. for the issuer to
    publish at those URLs (the type schemas `$ref` common.json)."""
    registry = _registry()
    return {url: json.loads(json.dumps(registry.contents(url))) for url in _schema_urls()}


@cache
def _schema_urls() -> tuple[str, ...]:
    return tuple(sorted(url for url in _registry() if url.startswith(SCHEMA_BASE_URL)))
