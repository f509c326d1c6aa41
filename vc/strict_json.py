"""JSON parsing that refuses what JOSE and JSON-LD leave ambiguous.

RFC 7515 (section 5.2) and RFC 7519 require a JWS/JWT parser either to refuse
duplicate member names or to use the last one; two parsers that choose
differently read different claims from one signed token. skillpass refuses.
Deep nesting is refused too: it costs the parser time and stack for no
legitimate credential.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from vc.errors import DuplicateMember, MalformedToken

MAX_DEPTH = 64


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise DuplicateMember(f"member {name[:64]!r} appears twice")
            seen.add(name)
    return obj


def _reject_constant(name: str) -> None:
    raise MalformedToken(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    # `1e400` is valid JSON syntax but Python reads it as infinity: refuse it like `Infinity`.
    value = float(text)
    if not math.isfinite(value):
        raise MalformedToken(f"number {text[:32]} is out of range")
    return value


def _too_deep(value: Any, limit: int) -> bool:
    """Nesting beyond `limit`, checked on the parsed value (the C parser bounds recursion itself).

    Level by level, carrying only the containers to the next level: the members of a
    level are gathered by `extend` (a C loop), so a batch body of a thousand credentials
    costs about 3 us per credential where a stack of (node, depth) pairs cost 13.
    """
    level = [value] if type(value) is dict or type(value) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        children: list[Any] = []
        for node in level:
            children.extend(node.values() if type(node) is dict else node)
        level = [child for child in children if type(child) is dict or type(child) is list]
    return False


# orjson reads an integer beyond 64 bits as a float (the standard library: an int); only a
# run of 19 or more digits can be one. One pass of translate serves two looks: digits become
# "0" (look for a long run), `[` and `{` both become "[" (count the openings), the rest a space.
_SHAPE = bytes.maketrans(
    bytes(range(256)), bytes(48 if 48 <= b <= 57 else 91 if b in (91, 123) else 32 for b in range(256))
)
_LONG_RUN = b"0" * 19
_SLOW = object()


def _fast_loads(data: str | bytes, max_depth: int) -> Any:
    """orjson, when it provably reads `data` exactly as the standard parser below would; else _SLOW.

    Without a `\\u003a` escape, every `:` of the text is either a member separator
    or inside a string, and decodes to itself (other escapes never decode to one). orjson keeps the last of
    duplicate members, so re-encoding what it read loses at least the dropped
    member's `:`: the counts are equal exactly when no member was dropped.
    NaN, Infinity, numbers beyond a double, invalid UTF-8, a BOM and lone
    surrogates make orjson raise; integers beyond 64 bits it would read as
    floats, so a long run of digits goes the standard way too.
    """
    raw = data if type(data) is bytes else data.encode("utf-8", "surrogatepass")
    # An escaped colon would decode to a `:` the text does not show, and could make up for the
    # colon of a dropped duplicate; every other escape decodes to a character that is not `:`.
    # (A lone byte is found by memchr: the escapes are looked for only after a backslash.)
    if b"\\" in raw and (b"\\u003a" in raw or b"\\u003A" in raw):
        return _SLOW
    shape = raw.translate(_SHAPE)
    if _LONG_RUN in shape:
        return _SLOW
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _SLOW
    if raw.count(b":") != orjson.dumps(value).count(b":"):
        return _SLOW  # a duplicate member: the standard parser names it
    if shape.count(b"[") > max_depth and _too_deep(value, max_depth):
        raise MalformedToken(f"JSON nests deeper than {max_depth} levels")
    return value


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON strictly: UTF-8 only, no duplicate names, no NaN/Infinity, no NUL, bounded depth.

    Raises DuplicateMember or MalformedToken (both VerificationError) so that a
    caller reading a token can report them without translation. Most documents
    are read by orjson (`_fast_loads`); whatever it cannot provably read the
    same way goes through the standard library with the checks below.

    A NUL character (only ever written `\\u0000` in JSON) is refused: no
    credential or request needs one, PostgreSQL text cannot hold one, and C
    string functions (SQLite's LIKE) stop at it.
    """
    value = _loads(data, max_depth)
    escape: Any = b"\\u0000" if isinstance(data, bytes) else "\\u0000"
    if isinstance(data, (bytes, str)) and escape in data and _contains_nul(value):
        raise MalformedToken("JSON contains a NUL character (\\u0000)")
    return value


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any("\x00" in k or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


def _loads(data: str | bytes, max_depth: int) -> Any:
    if type(data) is bytes or type(data) is str:
        value = _fast_loads(data, max_depth)
        if value is not _SLOW:
            return value
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedToken("JSON is not valid UTF-8") from exc
    try:
        value = json.loads(
            data, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant, parse_float=_finite_float
        )
    except (ValueError, RecursionError) as exc:
        raise MalformedToken(f"not JSON: {exc}") from exc
    # Only a document with more brackets than the limit can nest deeper than it.
    if data.count("[") + data.count("{") > max_depth and _too_deep(value, max_depth):
        raise MalformedToken(f"JSON nests deeper than {max_depth} levels")
    # A `\\ud800` escape without its pair decodes to text no UTF-8 can carry.
    if "\\u" in data and _contains_surrogate(value):
        raise MalformedToken("JSON contains a lone UTF-16 surrogate escape")
    return value


def _contains_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_contains_surrogate(k) or _contains_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_surrogate(v) for v in value)
    return False


def dumps_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, as skillpass signs it (orjson: the signing hot path).

    orjson writes NaN and Infinity as null, and refuses integers beyond 64
    bits; output with a null, and such integers, go through the standard
    library instead, which refuses NaN and Infinity (ValueError).
    """
    try:
        encoded = orjson.dumps(value)
        if b"null" not in encoded:
            return encoded
    except TypeError:
        pass
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def dumps(value: Any) -> str:
    """Compact JSON text, UTF-8 characters as they are."""
    return dumps_bytes(value).decode()
