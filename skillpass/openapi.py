"""OpenAPI 3.1 documents generated from the routes themselves.

A view says what it takes and returns with `@documented(...)`, naming the same
pydantic models it parses its body with; `openapi_document(app)` walks the
Flask URL map, so a route cannot exist without appearing in the document.
Pydantic emits JSON Schema 2020-12, which is the schema dialect of OpenAPI 3.1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {"error": {"type": "string"}, "detail": {}},
}
_CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")
_MAX_ARGUMENT = re.compile(r"\bmax=(\d+)")
_PARAM_TYPES = {"int": {"type": "integer", "minimum": 0}, "float": {"type": "number"}}


@dataclass(frozen=True)
class Endpoint:
    """What one view documents about itself."""

    summary: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    responses: Mapping[int, type[BaseModel] | tuple[type[BaseModel], str] | str | None] = field(default_factory=dict)
    auth: str | None = None  # name of a security scheme, or None for public
    tags: tuple[str, ...] = ()


def documented(
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    responses: Mapping[int, type[BaseModel] | tuple[type[BaseModel], str] | str | None] | None = None,
    auth: str | None = None,
    tags: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach an Endpoint description to a view function.

    A response value is a pydantic model (JSON body), a pair (model, media
    type) for JSON under another media type (`application/did+json`), a media
    type string (`"image/png"`), or None (no body; an error body for 4xx/5xx).
    """

    def attach(view: Callable[..., Any]) -> Callable[..., Any]:
        summary = (view.__doc__ or view.__name__).strip().splitlines()[0]
        view.openapi = Endpoint(summary, body, query, dict(responses or {200: None}), auth, tags)  # type: ignore[attr-defined]
        return view

    return attach


def _path_and_params(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for converter, arguments, name in _CONVERTER.findall(rule):
        schema = dict(_PARAM_TYPES.get(converter, {"type": "string"}))
        bound = _MAX_ARGUMENT.search(arguments)
        if bound and converter == "int":
            schema["maximum"] = int(bound.group(1))
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _CONVERTER.sub(lambda m: "{" + m.group(3) + "}", rule), params


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def openapi_document(
    app: Flask,
    *,
    title: str,
    version: str,
    description: str = "",
    security_schemes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route of `app` (static files excepted)."""
    endpoints: list[tuple[str, str, Endpoint]] = []
    models: set[type[BaseModel]] = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        doc: Endpoint = getattr(app.view_functions[rule.endpoint], "openapi", Endpoint())
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            endpoints.append((rule.rule, method.lower(), doc))
        for model in (doc.body, *(r[0] if isinstance(r, tuple) else r for r in doc.responses.values())):
            if isinstance(model, type) and issubclass(model, BaseModel):
                models.add(model)

    ordered = sorted(models, key=lambda m: m.__name__)
    refs, defs = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA, **defs.get("$defs", {})}

    paths: dict[str, dict[str, Any]] = {}
    for rule, method, doc in sorted(endpoints, key=lambda e: (e[0], e[1])):
        path, params = _path_and_params(rule)
        if doc.query is not None:
            params += _query_params(doc.query)
        operation: dict[str, Any] = {
            "operationId": f"{method}_{re.sub(r'[^A-Za-z0-9]+', '_', path).strip('_') or 'root'}",
            "summary": doc.summary or path,
            "responses": {},
        }
        if doc.tags:
            operation["tags"] = list(doc.tags)
        if params:
            operation["parameters"] = params
        if doc.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(doc.body, "validation")]}},
            }
        if doc.auth:
            operation["security"] = [{doc.auth: []}]
        for status, response in sorted((doc.responses or {200: None}).items()):
            operation["responses"][str(status)] = _response(status, response, refs)
        for status in _default_errors(method, doc, bool(params)):
            operation["responses"].setdefault(str(status), _error_response(status))
        paths.setdefault(path, {})[method] = operation

    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {"schemas": schemas},
    }
    if security_schemes:
        document["components"]["securitySchemes"] = dict(security_schemes)
    return document


def _default_errors(method: str, doc: Endpoint, has_params: bool) -> tuple[int, ...]:
    """The refusals every operation of this kind can answer (skillpass.web's guards and handlers)."""
    statuses = [404, 500]
    if doc.body or has_params:
        statuses.append(400)
    if doc.auth:
        statuses.append(401)
    if method in ("post", "put", "patch", "delete"):
        statuses += [403, 413, 415]  # cross-site requests, body size, form or text bodies
    return tuple(sorted(statuses))


def _response(status: int, response: Any, refs: Mapping[Any, Any]) -> dict[str, Any]:
    if isinstance(response, tuple):
        model, media_type = response
        return {"description": str(status), "content": {media_type: {"schema": refs[(model, "validation")]}}}
    if isinstance(response, type) and issubclass(response, BaseModel):
        return {"description": str(status), "content": {"application/json": {"schema": refs[(response, "validation")]}}}
    if isinstance(response, str):
        schema = {"type": "object"} if response == "application/json" else {"type": "string"}
        return {"description": str(status), "content": {response: {"schema": schema}}}
    if status >= 400:  # every refusal is {"error", "detail"} (skillpass.web)
        return _error_response(status)
    return {"description": str(status)}


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": "error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
