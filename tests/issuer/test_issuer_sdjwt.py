"""The issuer's SD-JWT VCs (dc+sd-jwt): issuance, vct and Type Metadata, issuer metadata, Token Status List.

Every credential here is checked with vc/ only against what the issuer
serves over its routes (DID document, Token Status List), as a verifier would.
"""

from __future__ import annotations

import json
from typing import Any

import jwt
from sqlalchemy import select

from issuer.models import Credential
from issuer_helpers import ADMIN, BASE_URL, did_document, micro_request, skill_request
from skillpass.db import read_session
from vc import did as dids
from vc import jose, keys, sdjwt, status_list, token_status_list

HOLDER_KEY = keys.generate("Ed25519")
HOLDER = dids.did_key(HOLDER_KEY)
NAME = "Sanne de Vries"
BIRTH_DATE = "1994-03-17"


def sd_request(kind: str = "micro", **changes: Any) -> dict[str, Any]:
    body = micro_request() if kind == "micro" else skill_request()
    body["subject"].pop("id", None)
    body["subject"]["identifier"][0]["identityHash"] = NAME
    body["subject"]["birthDate"] = BIRTH_DATE
    body.update({"format": "dc+sd-jwt", "holder": HOLDER})
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def issue(client, provider, body: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post("/providers/demo-roc/credentials", json=body or sd_request(), headers={**provider.headers, **headers})
    assert r.status_code in (200, 201), r.json
    return r.json


def resolver(client, slug: str = "demo-roc"):  # type: ignore[no-untyped-def]
    doc = did_document(client, slug)

    def resolve(header: dict[str, Any], payload: dict[str, Any]) -> keys.PublicKey:
        assert dids.split_did_url(header["kid"])[0] == payload["iss"] == doc["id"]
        return dids.public_key_for(doc, header["kid"], "assertionMethod")

    return resolve


def verified(client, credential: str):  # type: ignore[no-untyped-def]
    return sdjwt.verify(credential, issuer_key_resolver=resolver(client), require_key_binding=False)


def token_status(client, provider, reference: dict[str, Any]) -> int:  # type: ignore[no-untyped-def]
    uri, idx = reference["status_list"]["uri"], reference["status_list"]["idx"]
    r = client.get(uri.removeprefix(BASE_URL))
    assert r.status_code == 200 and r.mimetype == "application/statuslist+jwt"
    decoded = jose.decode_jws(r.get_data(as_text=True))
    jose.check_header(decoded.header, "statuslist+jwt")
    jose.verify_signature(decoded, dids.public_key_for(did_document(client, "demo-roc"), decoded.kid, "assertionMethod"))
    checked = token_status_list.check_status_list_token(decoded.payload, uri=uri, issuer=provider.did)
    assert checked.status_list.bits == 2 and len(checked.status_list) == 131_072
    return checked.status_list.get(idx)


def w3c_bit(client, provider, credential_id: str, purpose: str) -> int:  # type: ignore[no-untyped-def]
    record = client.get(f"/providers/demo-roc/credentials/{credential_id}", headers=provider.headers).json
    entry = next(status_list.parse_status_entry(e) for e in record["status"] if e["statusPurpose"] == purpose)
    payload = jose.decode_jws(client.get(entry.list_url.removeprefix(BASE_URL)).get_data(as_text=True)).payload
    return status_list.decoded_list(payload, list_url=entry.list_url, purpose=purpose, expected_issuer=provider.did).get(entry.index)


def change(client, provider, credential_id: str, action: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"/providers/demo-roc/credentials/{credential_id}/{action}", json={"reason": "test"}, headers=provider.headers)
    assert r.status_code == 200, r.json


# --- issuance ----------------------------------------------------------------------------


def test_issue_an_sd_jwt_vc(app, client, provider):
    issued = issue(client, provider)
    assert issued["format"] == "dc+sd-jwt" and issued["credential"].endswith("~")
    parsed = sdjwt.parse(issued["credential"])
    assert parsed.header == {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": f"{provider.did}#key-1"}
    payload = parsed.payload
    assert payload["iss"] == provider.did and payload["vct"] == f"{BASE_URL}/vct/microcredential"
    assert payload["jti"] == issued["id"] and payload["cnf"] == {"jwk": keys.public_jwk(HOLDER_KEY)}
    assert payload["_sd_alg"] == "sha-256" and "exp" not in payload and isinstance(payload["iat"], int)
    with read_session(app.extensions["issuer"].engine) as s:
        row = s.execute(select(Credential).where(Credential.credential_id == issued["id"])).scalar_one()
    assert issued["status"] == payload["status"] == {
        "status_list": {"idx": row.revocation_index, "uri": f"{BASE_URL}/providers/demo-roc/status/token/{row.revocation_list}"}
    }
    # the person is hidden until disclosed; provider and level are in clear; each skill on its own
    subject = payload["credentialSubject"]
    assert {"id", "identifier", "birthDate"}.isdisjoint(subject) and NAME not in parsed.issuer_jwt
    achievement = subject["achievement"]
    assert achievement["creator"]["name"] == "ROC West" and achievement["eqfLevel"] == 3
    assert all(set(a) == {"..."} for a in achievement["alignment"])
    disclosable = {d.path for d in sdjwt.disclosable_claims(issued["credential"])}
    assert {("credentialSubject", p) for p in ("id", "identifier", "birthDate", "activityStartDate", "activityEndDate")} <= disclosable
    assert {("credentialSubject", "achievement", "alignment", i) for i in range(3)} <= disclosable
    # decoys: at least 2 more digests than claims in each container, so their number tells nothing
    assert len(achievement["alignment"]) >= 3 + 2 and len(subject["_sd"]) >= 5 + 2
    # verifies with the served DID document, everything disclosed
    result = verified(client, issued["credential"])
    assert result.claims["credentialSubject"]["birthDate"] == BIRTH_DATE
    assert result.claims["credentialSubject"]["id"] == HOLDER


def test_the_decoy_count_varies(client, provider):
    counts = {len(sdjwt.parse(issue(client, provider)["credential"]).payload["credentialSubject"]["achievement"]["alignment"]) for _ in range(12)}
    assert min(counts) >= 5 and len(counts) > 1


def test_verified_by_pyjwt_too(client, provider):
    token = issue(client, provider)["credential"].split("~")[0]
    doc = did_document(client, "demo-roc")
    header = jwt.get_unverified_header(token)
    method = next(m for m in doc["verificationMethod"] if m["id"] == header["kid"])
    payload = jwt.decode(token, jwt.PyJWK(method["publicKeyJwk"], algorithm="EdDSA").key, algorithms=["EdDSA"])
    assert payload["iss"] == doc["id"]


def test_valid_until_becomes_exp(client, provider):
    payload = sdjwt.parse(issue(client, provider, sd_request(validUntil="2031-01-01T00:00:00Z"))["credential"]).payload
    assert payload["exp"] == 1924992000  # 2031-01-01T00:00:00Z


def test_without_a_holder_there_is_no_cnf(client, provider):
    payload = sdjwt.parse(issue(client, provider, sd_request(holder=None))["credential"]).payload
    assert "cnf" not in payload


def test_a_holder_did_without_a_signing_key_is_refused(client, provider):
    enc = {**keys.public_jwk(keys.generate("P-256")), "use": "enc"}
    did = "did:jwk:" + keys.b64url_encode(json.dumps(enc).encode())
    r = client.post("/providers/demo-roc/credentials", json=sd_request(holder=did), headers=provider.headers)
    assert r.status_code == 400 and r.json["error"] == "holder_key_unusable"
    assert r.json["detail"][0]["pointer"] == "/holder"


def test_p256_holders_and_issuers(client, provider):
    from issuer_helpers import create_provider

    p256 = create_provider(client, "p256-college", key_type="P-256")
    holder = keys.generate("P-256")
    body = sd_request(holder=dids.did_jwk(holder))
    r = client.post("/providers/p256-college/credentials", json=body, headers=p256.headers)
    assert r.status_code == 201, r.json
    parsed = sdjwt.parse(r.json["credential"])
    assert parsed.header["alg"] == "ES256" and parsed.payload["cnf"]["jwk"] == keys.public_jwk(holder)


def test_default_format_stays_vc_jwt(client, provider):
    r = client.post("/providers/demo-roc/credentials", json=micro_request(), headers=provider.headers)
    assert r.status_code == 201 and r.json["format"] == "vc+jwt" and "~" not in r.json["credential"]
    assert isinstance(r.json["status"], list)


def test_unknown_format_is_refused(client, provider):
    r = client.post("/providers/demo-roc/credentials", json=sd_request(format="jwt_vc_json"), headers=provider.headers)
    assert r.status_code == 400 and r.json["detail"][0]["pointer"] == "/format"


def test_batch_mixes_formats(client, provider):
    body = {"items": [sd_request(), micro_request(), sd_request("skill"), {**sd_request(), "type": "nonsense"}]}
    r = client.post("/providers/demo-roc/credentials/batch", json=body, headers=provider.headers)
    assert r.status_code == 200 and (r.json["issued"], r.json["failed"]) == (3, 1)
    formats = [x["result"]["format"] if x.get("result") else None for x in r.json["results"]]
    assert formats == ["dc+sd-jwt", "vc+jwt", "dc+sd-jwt", None]
    skill = sdjwt.parse(r.json["results"][2]["result"]["credential"])
    assert skill.payload["vct"] == f"{BASE_URL}/vct/skill-attestation"
    assert all(set(e) == {"..."} for e in skill.payload["evidence"])  # each piece of evidence hideable
    assert skill.payload["credentialSubject"]["skill"]["targetName"] == "install heat pump"  # the skill in clear


def test_idempotent_replay_gives_the_same_sd_jwt(client, provider):
    first = issue(client, provider, sd_request(), **{"Idempotency-Key": "sd-1"})
    again = client.post("/providers/demo-roc/credentials", json=sd_request(), headers={**provider.headers, "Idempotency-Key": "sd-1"})
    assert again.status_code == 200 and again.json == first
    other = client.post("/providers/demo-roc/credentials", json=micro_request(), headers={**provider.headers, "Idempotency-Key": "sd-1"})
    assert other.status_code == 422


def test_the_record_names_format_and_token_status(client, provider):
    issued = issue(client, provider)
    record = client.get(f"/providers/demo-roc/credentials/{issued['id']}", headers=provider.headers).json
    assert record["format"] == "dc+sd-jwt" and record["tokenStatus"] == issued["status"]
    assert record["history"][0]["action"] == "credential.issue"


# --- vct and metadata ----------------------------------------------------------------------


def test_type_metadata_at_the_vct(client, provider):
    vct = sdjwt.parse(issue(client, provider)["credential"]).payload["vct"]
    r = client.get(vct.removeprefix(BASE_URL))
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    metadata = r.json
    assert metadata["vct"] == vct
    assert {d["locale"]: d["name"] for d in metadata["display"]} == {"nl": "Microcredential", "en": "Microcredential"}
    claims = {tuple(c["path"]): c for c in metadata["claims"]}
    assert claims[("credentialSubject", "birthDate")]["sd"] == "always"
    assert claims[("credentialSubject", "identifier")]["sd"] == "always"
    assert claims[("credentialSubject", "achievement", "alignment", None)]["sd"] == "always"
    assert claims[("credentialSubject", "achievement", "creator")]["sd"] == "never"
    assert claims[("credentialSubject", "achievement", "eqfLevel")]["sd"] == "never"
    assert {d["locale"]: d["label"] for d in claims[("credentialSubject", "birthDate")]["display"]} == {"nl": "Geboortedatum", "en": "Date of birth"}
    skill = client.get("/vct/skill-attestation").json
    assert {"locale": "nl", "name": "Gevalideerde vaardigheid", "description": skill["display"][0]["description"]} in skill["display"]
    assert client.get("/vct/nonsense").status_code == 404


def test_what_the_metadata_says_is_what_issuance_does(client, provider):
    metadata = client.get("/vct/microcredential").json
    always = {tuple(c["path"]) for c in metadata["claims"] if c["sd"] == "always"}
    never = {tuple(c["path"]) for c in metadata["claims"] if c["sd"] == "never"}
    issued = issue(client, provider)["credential"]
    disclosed = {tuple(None if isinstance(s, int) else s for s in d.path) for d in sdjwt.disclosable_claims(issued)}
    assert disclosed <= always and not disclosed & never


def test_jwt_vc_issuer_metadata(client, provider):
    r = client.get("/.well-known/jwt-vc-issuer/providers/demo-roc")
    assert r.status_code == 200
    metadata = r.json
    assert metadata["issuer"] == provider.did  # identical to `iss`
    doc = did_document(client, "demo-roc")
    assert [k["kid"] for k in metadata["jwks"]["keys"]] == doc["assertionMethod"]
    [key] = metadata["jwks"]["keys"]
    assert keys.public_key_from_jwk({k: v for k, v in key.items() if k in ("kty", "crv", "x", "y")})
    assert key["alg"] == "EdDSA" and key["use"] == "sig"
    # the key that signed an SD-JWT VC is there under its kid
    header = sdjwt.parse(issue(client, provider)["credential"]).header
    assert header["kid"] in {k["kid"] for k in metadata["jwks"]["keys"]}
    # rotation: old and new listed, as in the DID document
    assert client.post("/admin/providers/demo-roc/keys/rotate", json={}, headers=ADMIN).status_code in (200, 201)
    rotated = client.get("/.well-known/jwt-vc-issuer/providers/demo-roc").json
    assert [k["kid"] for k in rotated["jwks"]["keys"]] == did_document(client, "demo-roc")["assertionMethod"]
    assert len(rotated["jwks"]["keys"]) == 2
    assert client.get("/.well-known/jwt-vc-issuer/providers/nobody").status_code == 404


# --- Token Status List ---------------------------------------------------------------------


def test_token_status_list_token(client, provider):
    issued = issue(client, provider)
    uri = issued["status"]["status_list"]["uri"]
    r = client.get(uri.removeprefix(BASE_URL))
    assert r.headers["Content-Type"] == "application/statuslist+jwt" and r.headers["Access-Control-Allow-Origin"] == "*"
    decoded = jose.decode_jws(r.get_data(as_text=True))
    assert decoded.header["typ"] == "statuslist+jwt" and decoded.header["kid"] == f"{provider.did}#key-1"
    payload = decoded.payload
    assert payload["sub"] == uri and payload["iss"] == provider.did
    assert payload["exp"] == payload["iat"] + 300 and payload["ttl"] == 300
    assert payload["status_list"]["bits"] == 2
    assert token_status(client, provider, issued["status"]) == token_status_list.VALID
    # ETag: 304 while unchanged
    again = client.get(uri.removeprefix(BASE_URL), headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/providers/demo-roc/status/token/9").status_code == 404
    assert client.get("/providers/nobody/status/token/1").status_code == 404


def test_revocation_flips_both_lists(client, provider):
    sd, plain = issue(client, provider), issue(client, provider, micro_request())
    assert token_status(client, provider, sd["status"]) == 0 and w3c_bit(client, provider, sd["id"], "revocation") == 0
    change(client, provider, sd["id"], "revoke")
    assert token_status(client, provider, sd["status"]) == token_status_list.INVALID
    assert w3c_bit(client, provider, sd["id"], "revocation") == 1
    # a vc+jwt has a place in the Token Status List too: the same decisions, whatever the format
    change(client, provider, plain["id"], "revoke")
    plain_reference = client.get(f"/providers/demo-roc/credentials/{plain['id']}", headers=provider.headers).json["tokenStatus"]
    assert token_status(client, provider, plain_reference) == token_status_list.INVALID


def test_suspension_and_reinstatement_in_both_lists(client, provider):
    sd = issue(client, provider)
    change(client, provider, sd["id"], "suspend")
    assert token_status(client, provider, sd["status"]) == token_status_list.SUSPENDED
    assert w3c_bit(client, provider, sd["id"], "suspension") == 1 and w3c_bit(client, provider, sd["id"], "revocation") == 0
    change(client, provider, sd["id"], "reinstate")
    assert token_status(client, provider, sd["status"]) == token_status_list.VALID
    assert w3c_bit(client, provider, sd["id"], "suspension") == 0
    change(client, provider, sd["id"], "suspend")
    change(client, provider, sd["id"], "revoke")  # revoked while suspended: revocation wins
    assert token_status(client, provider, sd["status"]) == token_status_list.INVALID


def test_token_list_is_signed_once_per_change(app, client, provider, monkeypatch):
    from issuer import statuslists

    sd = issue(client, provider)
    uri = sd["status"]["status_list"]["uri"].removeprefix(BASE_URL)
    signed: list[str] = []
    original = statuslists.jose.sign_jws

    def counting(*args: Any, **kwargs: Any) -> str:
        signed.append(kwargs.get("typ", ""))
        return original(*args, **kwargs)

    monkeypatch.setattr(statuslists.jose, "sign_jws", counting)
    for _ in range(3):
        client.get(uri)
    assert signed.count("statuslist+jwt") <= 1
    change(client, provider, sd["id"], "suspend")
    client.get(uri)
    client.get(uri)
    assert signed.count("statuslist+jwt") <= 2 and token_status(client, provider, sd["status"]) == 2


def test_the_subject_data_is_not_kept(app, client, provider):
    issue(client, provider, sd_request())
    with read_session(app.extensions["issuer"].engine) as s:
        rows = s.execute(select(Credential)).scalars().all()
    kept = json.dumps([{k: str(v) for k, v in r.model_dump().items() if k != "token"} for r in rows])
    assert NAME not in kept and BIRTH_DATE not in kept  # only the signed token (kept for re-delivery) holds them
