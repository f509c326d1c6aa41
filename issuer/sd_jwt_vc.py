"""SD-JWT VC metadata: Type Metadata at each `vct`, JWT VC Issuer Metadata per provider.

`vct` of a type is `<ISSUER_BASE_URL>/vct/<type name>` (e.g.
`https://issuer.example/vct/microcredential`), and that URL serves the type's
SD-JWT VC Type Metadata: display names (nl, en) and, per claim, its path,
labels and `sd` rule (always / never), from the one declaration in
vc/credential_types.py that issuance follows too.

How a verifier obtains the key of a skillpass SD-JWT VC. `iss` is the
provider's did:web and the header `kid` a DID URL of it (`<did>#key-<n>`):
skillpass verifiers resolve the DID document and take the `kid` key from its
`assertionMethod`, exactly as for a vc+jwt (vc/verify.py), and never fetch
this metadata. For implementations that use the draft's JWT VC Issuer
Metadata mechanism instead, each provider's metadata is served where a did:web
maps to: `did:web:<host>:providers:<slug>` is the web location
`https://<host>/providers/<slug>`, so `/.well-known/jwt-vc-issuer/providers/<slug>`.
Its `issuer` is the DID, identical to `iss` as the draft requires; `jwks`
lists the keys of the DID document (current and retired), each with its DID
URL as `kid`. It says nothing the DID document does not: one key store, two
views.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response

from issuer import keystore, tenancy
from issuer.api import JwtVcIssuerMetadata, TypeMetadata
from issuer.state import current
from skillpass.db import read_session
from skillpass.openapi import documented
from skillpass.web import NotFound, json_response
from vc import credential_types, keys
from vc.errors import UnknownSchema

bp = Blueprint("sd_jwt_vc", __name__)

PUBLIC = {"Access-Control-Allow-Origin": "*"}


@bp.get("/vct/<name>")
@documented(responses={200: TypeMetadata}, tags=("public",))
def type_metadata(name: str) -> Response:
    """SD-JWT VC Type Metadata of a credential type; its URL is the type's `vct`."""
    state = current()
    try:
        credential_type = credential_types.get_type(name)
    except UnknownSchema:
        raise NotFound(f"no credential type {name[:63]!r}") from None
    vct = credential_types.vct_for(state.config.base_url, credential_type)
    headers = {**PUBLIC, "Cache-Control": "public, max-age=3600"}
    return json_response(credential_types.type_metadata(credential_type, vct), 200, headers)


@bp.get("/.well-known/jwt-vc-issuer/providers/<slug>")
@documented(responses={200: JwtVcIssuerMetadata}, tags=("public",))
def issuer_metadata(slug: str) -> Response:
    """JWT VC Issuer Metadata of a provider: `issuer` (its did:web, the `iss`) and `jwks` (kid = DID URL)."""
    state = current()
    with read_session(state.engine) as session:
        provider = tenancy.get_provider(session, slug)
        rows = keystore.published_keys(session, provider.id)
    did = keystore.provider_did(state, provider.slug)
    jwks = []
    for row in rows:
        jwk = json.loads(row.public_jwk)
        alg = keys.algorithm_for(keys.public_key_from_jwk(jwk))
        jwks.append({**jwk, "kid": f"{did}#{keystore.key_fragment(row.number)}", "alg": alg, "use": "sig"})
    headers = {**PUBLIC, "Cache-Control": f"public, max-age={state.config.did_max_age}"}
    return json_response({"issuer": did, "jwks": {"keys": jwks}}, 200, headers)
