"""W3C VC-API `POST /credentials/issue`, for generic VC tooling, on the default provider."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from issuer import issuance, keystore, tenancy
from issuer.api import VcApiIssueRequest, VcApiIssueResponse
from issuer.errors import FieldNotAllowed, IssuerNotAllowed, NotConfigured, UnknownCredentialType
from issuer.models import utcnow
from issuer.state import current
from skillpass.openapi import documented
from skillpass.web import RequestError, json_response, parse_body
from vc import credential_types, jose, model

bp = Blueprint("vcapi", __name__)

#: Credential `type` values and the skillpass credential type they stand for.
TYPE_MAP = {
    "OpenBadgeCredential": "microcredential",
    "AchievementCredential": "microcredential",  # the OB 3.0 alias
    "SkillAttestationCredential": "skill-attestation",
}
SET_BY_SERVICE = ("id", "validFrom", "credentialStatus", "credentialSchema", "proof")
ACCEPTED = ("@context", "type", "issuer", "credentialSubject", "evidence", "validUntil")


def _type_name(types: Any) -> str:
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise RequestError([{"pointer": "/credential/type", "message": "must be a string or a list of strings"}])
    known = {TYPE_MAP[t] for t in types if t in TYPE_MAP}
    if len(known) != 1:
        raise UnknownCredentialType(
            [{"pointer": "/credential/type", "message": "must include exactly one of OpenBadgeCredential, SkillAttestationCredential"}]
        )
    return known.pop()


def _refuse_what_would_not_be_signed(credential: dict[str, Any], ct: credential_types.CredentialType) -> None:
    """400 for what the caller asks to sign that the signed credential would not say.

    The service signs the type's own contexts and types, and the provider's
    profile as `issuer`; extra contexts, other types, or issuer details in the
    request would otherwise be dropped without a word.
    """
    errors = []
    contexts = credential.get("@context")
    extra = [c for c in contexts if c not in ct.context] if isinstance(contexts, list) else []
    if extra:
        errors.append({"pointer": "/credential/@context", "message": f"only {', '.join(ct.context)} are signed; not {extra!r:.200}"})
    types = credential.get("type")
    types = [types] if isinstance(types, str) else types
    if "VerifiableCredential" not in types:
        errors.append({"pointer": "/credential/type", "message": "must include VerifiableCredential"})
    others = [t for t in types if t not in ct.types]
    if others:
        errors.append({"pointer": "/credential/type", "message": f"a {ct.name} is {', '.join(ct.types)}; not {others!r:.200}"})
    issuer = credential.get("issuer")
    if isinstance(issuer, dict) and set(issuer) - {"id"}:
        errors.append({"pointer": "/credential/issuer", "message": "give the issuer as its id only: its name and details come from the provider's registration"})
    if errors:
        raise RequestError(errors)


@bp.post("/credentials/issue")
@documented(body=VcApiIssueRequest, responses={201: VcApiIssueResponse}, auth="apiKey", tags=("vc-api",))
def issue() -> Response:
    """VC-API issue: sign the given credential for the default provider; returns it enveloped."""
    state = current()
    slug = state.config.default_provider
    if not slug:
        raise NotConfigured("no default provider: set ISSUER_DEFAULT_PROVIDER")
    caller = tenancy.authenticate(state, slug)
    body = parse_body(VcApiIssueRequest)
    credential = body.credential
    reserved = [k for k in credential if k in SET_BY_SERVICE]
    if reserved:
        raise FieldNotAllowed(
            [{"pointer": f"/credential/{k}", "message": f"`{k}` is set by the issuer service"} for k in reserved]
        )
    unknown = sorted(k for k in credential if k not in ACCEPTED)
    if unknown:
        raise RequestError([{"pointer": f"/credential/{k}", "message": "not accepted by this issuer"} for k in unknown])
    context = credential.get("@context")
    if context is not None and (not isinstance(context, list) or not context or context[0] != model.VC_V2_CONTEXT):
        raise RequestError([{"pointer": "/credential/@context", "message": f"must be a list starting with {model.VC_V2_CONTEXT}"}])
    ct = credential_types.get_type(_type_name(credential.get("type")))
    _refuse_what_would_not_be_signed(credential, ct)
    did = keystore.provider_did(state, caller.provider.slug)
    if "issuer" in credential:
        issuer = credential["issuer"]
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if issuer_id != did:
            raise IssuerNotAllowed([{"pointer": "/credential/issuer", "message": f"this service issues as {did}"}])
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise RequestError([{"pointer": "/credential/credentialSubject", "message": "must be an object"}])
    evidence = credential.get("evidence")
    if evidence is not None and not (isinstance(evidence, list) and all(isinstance(e, dict) for e in evidence)):
        raise RequestError([{"pointer": "/credential/evidence", "message": "must be a list of objects"}])
    issuance.check_subject(ct, dict(subject), evidence, subject_pointer="/credential/credentialSubject", evidence_pointer="/credential/evidence")
    valid_until = credential.get("validUntil")
    if valid_until is not None and not isinstance(valid_until, str):
        raise RequestError([{"pointer": "/credential/validUntil", "message": "must be a date-time string"}])
    item = issuance.Prepared(ct, dict(subject), evidence, issuance.parse_valid_until(valid_until, "/credential/validUntil", utcnow()))
    [issued] = issuance.issue(state, caller.provider, [item], actor=caller.actor, api_key=caller.key_public_id)
    return json_response({"verifiableCredential": jose.envelope(issued["credential"])}, 201)
