"""HTTP plumbing the three services share: errors as JSON, strict bodies, safe headers.

Each service keeps its own map from error types to HTTP status (its
`errors.py`); this module only applies such a map, once, the same way
everywhere, so that every refusal is `{"error": code, "detail": ...}` and no
input ever produces a bare 500 page or a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, TypeVar

from flask import Flask, Response, current_app, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from vc import strict_json
from vc.errors import SkillpassError

log = logging.getLogger(__name__)
Model = TypeVar("Model", bound=BaseModel)


class RequestError(SkillpassError):
    """The request is not one this API understands."""

    code = "invalid_request"


class MalformedJSON(RequestError):
    """The body is not a single strict JSON document."""

    code = "malformed_json"


class UnsupportedMediaType(RequestError):
    """The body must be sent as application/json."""

    code = "unsupported_media_type"


class NotFound(SkillpassError):
    """There is nothing here for you."""

    code = "not_found"


class Unauthorized(SkillpassError):
    """Credentials are missing or not valid."""

    code = "unauthorized"


class Forbidden(SkillpassError):
    """You may not do this."""

    code = "forbidden"


class Conflict(SkillpassError):
    """The request conflicts with the current state."""

    code = "conflict"


class TooManyRequests(SkillpassError):
    """Slow down."""

    code = "rate_limited"


# Statuses every service shares; a service adds its own types on top.
BASE_STATUS: Mapping[type[SkillpassError], int] = {
    UnsupportedMediaType: 415,
    RequestError: 400,
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    TooManyRequests: 429,
}


def error_response(code: str, detail: Any, status: int, headers: Mapping[str, str] | None = None) -> Response:
    response = jsonify({"error": code, "detail": detail})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def status_for(error: SkillpassError, status_map: Mapping[type[SkillpassError], int]) -> int:
    """The status of the most specific class of `error` in the map (MRO order)."""
    for cls in type(error).__mro__:
        if cls in status_map:
            return status_map[cls]
    return 400


def register_error_handlers(app: Flask, status_map: Mapping[type[SkillpassError], int]) -> None:
    """Map typed errors to HTTP, once, for one service."""
    full_map = {**BASE_STATUS, **status_map}

    @app.errorhandler(SkillpassError)
    def _typed(error: SkillpassError) -> Response:
        status = status_for(error, full_map)
        headers = {"Retry-After": str(getattr(error, "retry_after", 60))} if status == 429 else None
        return error_response(error.code, error.detail, status, headers)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        code = (error.name or "error").lower().replace(" ", "_")
        response = error_response(code, error.description, error.code or 500)
        if error.code == 405 and error.response is None:
            allowed = getattr(error, "valid_methods", None)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # The type name only: messages of unexpected errors may carry secrets. And the route's
        # pattern, not the path: a path can be a secret itself (a share link's /s/<token>).
        route = request.url_rule.rule if request.url_rule is not None else "(no route)"
        log.error("unexpected %s on %s %s", type(error).__name__, request.method, route, exc_info=app.debug)
        return error_response("internal_error", "an unexpected error occurred", 500)


def pydantic_errors(error: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Pydantic errors as `{pointer, message}` with RFC 6901 JSON pointers."""
    details = []
    for item in error.errors(include_url=False, include_input=False):
        pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in item["loc"])
        details.append({"pointer": prefix + pointer, "message": item["msg"]})
    return sorted(details, key=lambda d: (d["pointer"], d["message"]))


def json_payload() -> Any:
    """The request body as strict JSON: application/json, UTF-8, no duplicate members."""
    if not request.mimetype == "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    data = request.get_data(cache=True)
    _refuse_a_cut_off_body(data)
    if not data:
        raise MalformedJSON("the body is empty")
    try:
        return strict_json.loads(data)
    except SkillpassError as exc:
        raise MalformedJSON(exc.detail) from exc


def _refuse_a_cut_off_body(data: bytes) -> None:
    """413 for a chunked body longer than MAX_CONTENT_LENGTH.

    Without a Content-Length (chunked transfer) the guard cannot refuse a body
    up front, and the WSGI stream quietly ends at the limit: what was read
    would be the first part of the body, taken for the whole of it.
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None or request.content_length is not None or len(data) < limit:
        return
    if request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge(f"the body is larger than {limit} bytes")


def parse_body(model: type[Model]) -> Model:
    """Read and validate the JSON body against a pydantic model."""
    payload = json_payload()
    if not isinstance(payload, dict):
        raise RequestError([{"pointer": "", "message": "the body must be a JSON object"}])
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise RequestError(pydantic_errors(exc)) from exc


def parse_query(model: type[Model]) -> Model:
    """Validate query parameters (single-valued) against a pydantic model."""
    try:
        return model.model_validate(request.args.to_dict(flat=True))
    except ValidationError as exc:
        raise RequestError(pydantic_errors(exc)) from exc


def add_security_headers(app: Flask, *, html_csp: str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'") -> None:
    """Headers on every response: no sniffing, no framing, no caching of personal data."""

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("Cache-Control", "no-store")
        if response.mimetype == "text/html" or response.mimetype == "image/svg+xml":
            h.setdefault("Content-Security-Policy", html_csp)
        else:
            h.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        return response


class CrossSiteRequest(Forbidden):
    """A browser sent this from another site's page; state changes come from this API's own clients only."""

    code = "cross_site_request"


#: Bodies a page of another site can make a browser send without asking first (CORS "simple" requests).
FORM_MEDIA_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _origin_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme.lower()}://{rest.split('/', 1)[0].lower()}"


#: The largest row id or list number a URL or cursor may name: PostgreSQL's INTEGER. A larger
#: number names nothing (404 in a path, 400 as a cursor) rather than overflowing a query (500).
MAX_ROW_ID = 2**31 - 1
#: A path segment of a row id or list number: `<{ROW_ID}:number>`.
ROW_ID = f"int(max={MAX_ROW_ID})"


def install_request_guards(app: Flask, *, own_origins: tuple[str, ...] = ()) -> None:
    """Refuse, before any view runs, what no client of a JSON API sends.

    - a NUL in the path (404) or the query (400);
    - a body larger than MAX_CONTENT_LENGTH, by its Content-Length: 413 at
      once, also on routes that never read a body;
    - a state-changing request (POST, PUT, PATCH, DELETE) that a page of
      another site could have made a browser send: a form or text/plain body
      (415 `unsupported_media_type`), or an `Origin` that is not this
      service's own, or `Sec-Fetch-Site: cross-site` (403 `cross_site_request`).
      API clients (curl, requests, the other services) send no Origin.

    `own_origins`: this service's public origins besides the one it is
    addressed by (e.g. WALLET_PUBLIC_URL behind a proxy).
    """
    allowed = frozenset(_origin_of(o) for o in own_origins if "://" in o)

    @app.before_request
    def _guard() -> None:
        # A NUL names nothing and PostgreSQL text cannot hold one (a query with it is a 500).
        if "\x00" in request.path:
            raise NotFound("no such resource")
        if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
            raise RequestError([{"pointer": "", "message": "query parameters may not contain a NUL character"}])
        limit = app.config.get("MAX_CONTENT_LENGTH")
        length = request.content_length
        if limit is not None and length is not None and length > limit:
            raise RequestEntityTooLarge(f"the body is larger than {limit} bytes")
        if request.method not in STATE_CHANGING:
            return None
        if request.mimetype in FORM_MEDIA_TYPES:
            raise UnsupportedMediaType("send the body as application/json")
        origin = request.headers.get("Origin")
        if origin is not None:
            if origin.strip().lower() == "null" or "://" not in origin:
                raise CrossSiteRequest(f"requests from origin {origin[:100]!r} are not accepted")
            if _origin_of(origin.strip()) not in allowed | {_origin_of(request.host_url)}:
                raise CrossSiteRequest(f"requests from origin {origin[:100]!r} are not accepted")
        if request.headers.get("Sec-Fetch-Site", "").strip().lower() == "cross-site":
            raise CrossSiteRequest("requests from another site's pages are not accepted")
        return None


def json_response(value: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON response from a dict or a pydantic model."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", by_alias=True, exclude_none=True)
    response = jsonify(value)
    response.status_code = status
    for name, header in (headers or {}).items():
        response.headers[name] = header
    return response


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer ...` header, if there is one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()

