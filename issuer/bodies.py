"""Reading a large JSON body (a batch of up to 1,000 credentials) quickly.

`skillpass.web.json_payload` is the strict reader every route uses. For a
multi-megabyte batch its nesting pre-scan (`vc.strict_json._depth_ok`, a
Python loop over every character once a body has more than 64 brackets)
costs more than a quarter of a second. Here the same strict parse runs
(UTF-8 only, duplicate members, NaN/Infinity and lone surrogates refused),
but nesting is checked on the parsed value instead: the C parser itself is
bounded by the interpreter's recursion limit, so nothing is lost.
"""

from __future__ import annotations

import sys
from typing import Any

from flask import request

from skillpass.web import MalformedJSON, UnsupportedMediaType
from vc import strict_json
from vc.errors import SkillpassError


def _too_deep(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return False


def large_json_payload(max_depth: int = strict_json.MAX_DEPTH) -> Any:
    """The body as strict JSON, like `skillpass.web.json_payload`, for large bodies."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    data = request.get_data(cache=True)
    if not data:
        raise MalformedJSON("the body is empty")
    try:
        value = strict_json.loads(data, max_depth=sys.maxsize)
    except SkillpassError as exc:
        raise MalformedJSON(exc.detail) from exc
    if _too_deep(value, max_depth):
        raise MalformedJSON(f"JSON nests deeper than {max_depth} levels")
    return value
