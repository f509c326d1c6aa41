"""W3C VC-API POST /credentials/issue on the default provider."""

from __future__ import annotations

import copy

import pytest

from issuer_helpers import MICRO, SKILL, counts, did_document, verify_with_pyjwt, verify_with_vc
from vc import jose, schemas


def vc_body(example, **changes):  # type: ignore[no-untyped-def]
    credential = {
        "@context": copy.deepcopy(example["@context"]),
        "type": copy.deepcopy(example["type"]),
        "credentialSubject": copy.deepcopy(example["credentialSubject"]),
    }
    if "evidence" in example:
        credential["evidence"] = copy.deepcopy(example["evidence"])
    credential.update(changes)
    return {"credential": credential, "options": {}}


@pytest.mark.parametrize("example, type_name", [(MICRO, "microcredential"), (SKILL, "skill-attestation")])
def test_vc_api_issue(client, provider, example, type_name):
    r = client.post("/credentials/issue", json=vc_body(example, issuer=provider.did), headers=provider.headers)
    assert r.status_code == 201, r.json
    enveloped = r.json["verifiableCredential"]
    assert enveloped["type"] == "EnvelopedVerifiableCredential"
    assert enveloped["id"].startswith("data:application/vc+jwt,")
    token = jose.unwrap(enveloped)
    doc = did_document(client, "demo-roc")
    payload = verify_with_vc(token, doc)
    verify_with_pyjwt(token, doc)
    assert payload["issuer"]["id"] == provider.did
    schemas.validate_credential(payload, type_name)


@pytest.mark.parametrize(
    "changes, code, pointer",
    [
        ({"issuer": "did:web:evil.example"}, "issuer_mismatch", "/credential/issuer"),
        ({"issuer": {"id": "did:web:evil.example"}}, "issuer_mismatch", "/credential/issuer"),
        ({"type": ["VerifiableCredential"]}, "unknown_credential_type", "/credential/type"),
        ({"type": ["VerifiableCredential", "OpenBadgeCredential", "SkillAttestationCredential"]}, "unknown_credential_type", "/credential/type"),
        ({"id": "urn:uuid:1"}, "field_not_allowed", "/credential/id"),
        ({"credentialStatus": {}}, "field_not_allowed", "/credential/credentialStatus"),
        ({"validFrom": "2020-01-01T00:00:00Z"}, "field_not_allowed", "/credential/validFrom"),
        ({"credentialSubject": {"type": ["AchievementSubject"]}}, "invalid_subject", "/credential/credentialSubject/achievement"),
        ({"credentialSubject": []}, "invalid_request", "/credential/credentialSubject"),
        ({"@context": ["https://www.w3.org/2018/credentials/v1"]}, "invalid_request", "/credential/@context"),
        ({"foo": 1}, "invalid_request", "/credential/foo"),
        # asked for but would not be signed: refused, not dropped (second red-team run)
        ({"@context": [*MICRO["@context"], "https://evil.example/context"]}, "invalid_request", "/credential/@context"),
        ({"type": [*MICRO["type"], "UniversityDegreeCredential"]}, "invalid_request", "/credential/type"),
        ({"type": ["OpenBadgeCredential"]}, "invalid_request", "/credential/type"),
        ({"issuer": {"id": "PROVIDER", "name": "Technische Universiteit Delft"}}, "invalid_request", "/credential/issuer"),
    ],
)
def test_vc_api_refusals(app, client, provider, changes, code, pointer):
    before = counts(app)
    if isinstance(changes.get("issuer"), dict) and changes["issuer"].get("id") == "PROVIDER":
        changes = {"issuer": {**changes["issuer"], "id": provider.did}}
    r = client.post("/credentials/issue", json=vc_body(MICRO, **changes), headers=provider.headers)
    assert r.status_code == 400, r.json
    assert r.json["error"] == code
    assert pointer in [d["pointer"] for d in r.json["detail"]]
    assert counts(app) == before


def test_vc_api_options_and_auth(app, client, provider, other):
    before = counts(app)
    body = vc_body(MICRO)
    body["options"] = {"credentialId": "x"}
    r = client.post("/credentials/issue", json=body, headers=provider.headers)
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    assert client.post("/credentials/issue", json=vc_body(MICRO)).status_code == 401
    r = client.post("/credentials/issue", json=vc_body(MICRO), headers=other.headers)  # not the default provider's key
    assert r.status_code == 404
    assert counts(app) == before


def test_vc_api_without_default_provider(make_app, provider):
    app = make_app(default_provider=None)
    before = counts(app)
    r = app.test_client().post("/credentials/issue", json=vc_body(MICRO), headers=provider.headers)
    assert r.status_code == 404 and r.json["error"] == "not_configured"
    assert counts(app) == before
