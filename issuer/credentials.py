"""Credentials of a provider: issue (one or a batch), list, read, revoke, suspend, reinstate."""

from __future__ import annotations

import re

from flask import Blueprint, Response, request
from pydantic import ValidationError

from issuer import issuance, tenancy
from issuer.api import (
    BatchRequest,
    BatchResponse,
    CredentialList,
    CredentialQuery,
    CredentialRecord,
    IssueRequest,
    IssuedCredential,
    StateChange,
)
from issuer.errors import STATUS, BatchTooLarge
from issuer.state import current
from skillpass.openapi import documented
from skillpass.web import (
    BASE_STATUS,
    RequestError,
    json_payload,
    json_response,
    parse_body,
    parse_query,
    pydantic_errors,
    status_for,
)
from vc.errors import SkillpassError

bp = Blueprint("credentials", __name__)
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_STATUS_MAP = {**BASE_STATUS, **STATUS}


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.match(key):
        raise RequestError([{"pointer": "", "message": "Idempotency-Key must be 1 to 255 visible ASCII characters"}])
    return key


@bp.post("/providers/<slug>/credentials")
@documented(body=IssueRequest, responses={201: IssuedCredential, 200: IssuedCredential, 409: None, 422: None}, auth="apiKey", tags=("credentials",))
def issue(slug: str) -> Response:
    """Issue one credential (vc+jwt) from subject data; `Idempotency-Key` makes retries safe."""
    state = current()
    caller = tenancy.authenticate(state, slug)
    key = idempotency_key()
    payload = json_payload()
    digest = issuance.body_hash(payload) if key else ""
    if key:
        replayed = issuance.replay(state, caller.provider, key, digest)
        if replayed is not None:
            return json_response(replayed, 200, {"Idempotent-Replayed": "true"})
    item = issuance.prepare(payload)
    try:
        [issued] = issuance.issue(state, caller.provider, [item], actor=caller.actor, api_key=caller.key_public_id, idempotency=(key, digest) if key else None)
    except issuance.IdempotencyRace:
        replayed = issuance.replay(state, caller.provider, key, digest)  # type: ignore[arg-type]
        return json_response(replayed, 200, {"Idempotent-Replayed": "true"})
    return json_response(issued, 201, {"Location": f"/providers/{slug}/credentials/{issued['id']}"})


@bp.post("/providers/<slug>/credentials/batch")
@documented(body=BatchRequest, responses={200: BatchResponse}, auth="apiKey", tags=("credentials",))
def issue_batch(slug: str) -> Response:
    """Issue up to 1,000 credentials; each item succeeds or fails on its own."""
    state = current()
    caller = tenancy.authenticate(state, slug)
    payload = json_payload()
    if isinstance(payload, dict) and isinstance(payload.get("items"), list) and len(payload["items"]) > state.config.max_batch:
        raise BatchTooLarge([{"pointer": "/items", "message": f"at most {state.config.max_batch} items per batch"}])
    if not isinstance(payload, dict):
        raise RequestError([{"pointer": "", "message": "the body must be a JSON object"}])
    body = parse_model(BatchRequest, payload)
    results: list[dict | None] = [None] * len(body.items)
    good: list[tuple[int, issuance.Prepared]] = []
    for index, item in enumerate(body.items):
        try:
            good.append((index, issuance.prepare(item)))
        except SkillpassError as exc:
            results[index] = {"index": index, "status": status_for(exc, _STATUS_MAP), "error": exc.to_dict()}
    issued = issuance.issue(state, caller.provider, [p for _, p in good], actor=caller.actor, api_key=caller.key_public_id)
    for (index, _), body_ in zip(good, issued):
        results[index] = {"index": index, "status": 201, "result": body_}
    return json_response({"issued": len(good), "failed": len(results) - len(good), "results": results})


def parse_model(model: type[BatchRequest], payload: dict) -> BatchRequest:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise RequestError(pydantic_errors(exc)) from exc


@bp.get("/providers/<slug>/credentials")
@documented(query=CredentialQuery, responses={200: CredentialList}, auth="apiKey", tags=("credentials",))
def list_credentials(slug: str) -> Response:
    """What the provider issued, newest first (`cursor` = `next` of the previous page)."""
    state = current()
    caller = tenancy.authenticate(state, slug)
    query = parse_query(CredentialQuery)
    items, nxt = issuance.list_records(
        state, caller.provider, state_filter=query.state, type_filter=query.type, limit=query.limit, cursor=query.cursor
    )
    return json_response({"items": items, "next": nxt})


@bp.get("/providers/<slug>/credentials/<credential_id>")
@documented(responses={200: CredentialRecord}, auth="apiKey", tags=("credentials",))
def get_credential(slug: str, credential_id: str) -> Response:
    """One credential: state, status entries, history, and the signed copy while it is retained."""
    state = current()
    caller = tenancy.authenticate(state, slug)
    return json_response(issuance.get_record(state, caller.provider, credential_id))


def _change(slug: str, credential_id: str, action: str) -> Response:
    state = current()
    caller = tenancy.authenticate(state, slug)
    body = parse_body(StateChange)
    return json_response(issuance.change_state(state, caller.provider, credential_id, action, body.reason, actor=caller.actor))


@bp.post("/providers/<slug>/credentials/<credential_id>/revoke")
@documented(body=StateChange, responses={200: CredentialRecord, 409: None}, auth="apiKey", tags=("credentials",))
def revoke(slug: str, credential_id: str) -> Response:
    """Revoke a credential (permanent)."""
    return _change(slug, credential_id, "revoke")


@bp.post("/providers/<slug>/credentials/<credential_id>/suspend")
@documented(body=StateChange, responses={200: CredentialRecord, 409: None}, auth="apiKey", tags=("credentials",))
def suspend(slug: str, credential_id: str) -> Response:
    """Suspend a credential (reversible with reinstate)."""
    return _change(slug, credential_id, "suspend")


@bp.post("/providers/<slug>/credentials/<credential_id>/reinstate")
@documented(body=StateChange, responses={200: CredentialRecord, 409: None}, auth="apiKey", tags=("credentials",))
def reinstate(slug: str, credential_id: str) -> Response:
    """Reinstate a suspended credential."""
    return _change(slug, credential_id, "reinstate")
