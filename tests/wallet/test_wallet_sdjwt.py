"""SD-JWT VCs in the wallet: import (verified, bound by cnf.jwk), what can be hidden, shares that disclose.

The issuer is the fake did:web issuer of wallet_helpers, issuing SD-JWT VCs
by the microcredential's declaration and serving a Token Status List through
the fake fetcher.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest

from vc import credential_types, jose, keys, sdjwt, token_status_list
from vc import did as dids
from vc.trust import TrustRegistry
from vc.verify import Verifier
from wallet_helpers import MICRO, Citizen, FakeIssuer, keep, now, register, share, token_of

AUDIENCE = "https://werkgever.test"
NAME = "Alice de Vries"
BIRTH_DATE = "1990-02-11"
SKILLS = ["credentialSubject", "achievement", "alignment", None]


class SdIssuer:
    """The fake issuer's SD-JWT VCs, with a 2-bit Token Status List at status/token/1."""

    def __init__(self, issuer: FakeIssuer) -> None:
        self.issuer = issuer
        self.url = f"{issuer.base}/status/token/1"
        self.statuses = token_status_list.TokenStatusList.new(131_072, 2)
        self.publish()

    def publish(self) -> None:
        iat = int(now().timestamp()) - 60
        payload = token_status_list.status_list_token_payload(self.url, self.statuses, issued_at=iat, expires_at=iat + 600, ttl=600, issuer=self.issuer.did)
        self.issuer.fetcher.documents[self.url] = jose.sign_jws(payload, self.issuer.key, kid=self.issuer.kid, typ="statuslist+jwt").encode()

    def set(self, index: int, value: int) -> None:
        self.statuses.set(index, value)
        self.publish()

    def issue(self, holder_did: str | None, index: int = 10, *, bind_to: Any = "holder", jti: str | None = None) -> str:
        subject = copy.deepcopy(MICRO["credentialSubject"])
        subject["identifier"][0]["identityHash"] = NAME
        subject["birthDate"] = BIRTH_DATE
        subject["achievement"]["creator"]["id"] = self.issuer.did
        if holder_did:
            subject["id"] = holder_did
        else:
            subject.pop("id")
        if bind_to == "holder":
            jwk = keys.public_jwk(dids.self_certified_key(holder_did)) if holder_did else None
        else:
            jwk = bind_to
        profile = credential_types.MICROCREDENTIAL_SD_JWT
        return sdjwt.issue(
            {"jti": jti or f"urn:uuid:00000000-0000-4000-8000-{index:012d}", "name": MICRO["name"], "credentialSubject": subject},
            self.issuer.key,
            kid=self.issuer.kid,
            issuer=self.issuer.did,
            vct="https://issuer.test/vct/microcredential",
            disclosable=profile.disclosable,
            holder_jwk=jwk,
            decoys={p: 2 for p in profile.decoy_containers},
            iat=int((now() - timedelta(days=1)).timestamp()),
            status=token_status_list.status_reference(self.url, index),
        )


@pytest.fixture
def sd(issuer: FakeIssuer) -> SdIssuer:
    return SdIssuer(issuer)


def refused(client, citizen: Citizen, credential: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post("/credentials", json={"credential": credential}, headers=citizen.headers)
    assert r.status_code == 422, r.get_json()
    return r.get_json()


def checks(report: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {c["check"]: (c["status"], c["code"]) for c in report["checks"]}


def open_link(client, url: str, nonce: str | None = "n-1", audience: str | None = AUDIENCE):  # type: ignore[no-untyped-def]
    query = "&".join(f"{k}={v}" for k, v in (("nonce", nonce), ("audience", audience)) if v is not None)
    return client.get(f"/s/{token_of(url)}" + (f"?{query}" if query else ""))


def verify_kb(presentation: str, issuer: FakeIssuer, nonce: str = "n-1") -> sdjwt.VerifiedSdJwt:
    return sdjwt.verify(
        presentation,
        issuer_key_resolver=lambda header, payload: keys.public_key_of(issuer.key),
        expected_audience=AUDIENCE,
        expected_nonce=nonce,
    )


# --- import ---------------------------------------------------------------------------------


def test_import_an_sd_jwt_vc(client, alice, sd, issuer):
    kept = keep(client, alice, sd.issue(alice.did))
    assert kept["format"] == "dc+sd-jwt" and kept["kind"] == "microcredential" and kept["type"] == "OpenBadgeCredential"
    assert kept["status"] == "valid" and kept["trusted"] is True and kept["issuer"] == issuer.did
    assert kept["title"] == MICRO["name"] and len(kept["skills"]) == 3
    assert kept["credential_id"] == "urn:uuid:00000000-0000-4000-8000-000000000010"
    assert kept["document"]["credentialSubject"]["birthDate"] == BIRTH_DATE  # the citizen sees all of it
    assert checks(kept["report"])["holder_binding"] == ("passed", None)
    assert checks(kept["report"])["status.status_list"] == ("passed", None)
    # what can be hidden, with labels
    detail = client.get(f"/credentials/{kept['id']}", headers=alice.headers).get_json()
    hideable = {tuple(d["path"]): d for d in detail["disclosable"]}
    assert hideable[("credentialSubject", "birthDate")]["label"] == {"nl": "Geboortedatum", "en": "Date of birth"}
    assert hideable[("credentialSubject", "birthDate")]["value"] == BIRTH_DATE
    assert hideable[("credentialSubject", "identifier")]["value"][0]["identityHash"] == NAME
    assert hideable[("credentialSubject", "achievement", "alignment", 0)]["label"]["en"] == "Skill"
    assert ("credentialSubject", "achievement", "creator") not in hideable  # the provider is never hidden
    listed = client.get("/credentials?type=microcredential", headers=alice.headers).get_json()
    assert [c["format"] for c in listed["items"]] == ["dc+sd-jwt"]


def test_the_same_sd_jwt_vc_twice_is_a_duplicate(client, alice, sd):
    credential = sd.issue(alice.did)
    keep(client, alice, credential)
    r = client.post("/credentials", json={"credential": credential}, headers=alice.headers)
    assert r.status_code == 409


def test_refused_when_bound_to_another_key(client, alice, bob, sd):
    report = refused(client, alice, sd.issue(alice.did, bind_to=keys.public_jwk(keys.generate("Ed25519"))))
    assert checks(report["detail"])["holder_binding"] == ("failed", "holder_mismatch")
    report = refused(client, alice, sd.issue(bob.did))  # issued to Bob, bound to Bob
    assert checks(report["detail"])["holder_binding"] == ("failed", "holder_mismatch")


def test_refused_without_a_holder_key(client, alice, sd):
    report = refused(client, alice, sd.issue(None, bind_to=None))
    assert checks(report["detail"])["holder_binding"] == ("failed", "holder_key_missing")


def test_refused_with_a_key_binding_jwt_or_a_forged_disclosure(client, alice, sd):
    bound = sd.issue(alice.did)
    with_kb = sdjwt.present(bound, [SKILLS], holder_key=None) + "eyJhbGciOiJFZERTQSJ9.e30.c2ln"
    assert refused(client, alice, with_kb)["detail"]["checks"][0]["check"] == "format"
    forged = keys.b64url_encode(json.dumps(["c2FsdHNhbHRzYWx0", "birthDate", "2001-01-01"]).encode())
    assert refused(client, alice, bound + forged + "~")["detail"]["checks"][0]["code"] == "unreferenced_disclosure"


def test_revoked_is_refused_and_suspended_is_kept_as_suspended(client, alice, sd):
    sd.set(11, token_status_list.INVALID)
    report = refused(client, alice, sd.issue(alice.did, 11))
    assert checks(report["detail"])["status.status_list"] == ("failed", "revoked")
    sd.set(12, token_status_list.SUSPENDED)
    kept = keep(client, alice, sd.issue(alice.did, 12))
    assert kept["status"] == "suspended"
    sd.set(12, token_status_list.VALID)
    checked = client.post(f"/credentials/{kept['id']}/check", headers=alice.headers).get_json()
    assert checked["status"] == "valid"


# --- shares ---------------------------------------------------------------------------------


def test_a_share_discloses_only_what_the_citizen_chose(client, alice, sd, issuer):
    kept = keep(client, alice, sd.issue(alice.did))
    made = share(client, alice, [kept["id"]], disclose={kept["id"]: [SKILLS]})
    assert made["credentials"][0]["format"] == "dc+sd-jwt" and made["credentials"][0]["disclose"] == [SKILLS]
    r = open_link(client, made["url"])
    assert r.status_code == 200 and r.mimetype == "application/dc+sd-jwt"
    body = r.get_data(as_text=True)
    assert NAME not in body and BIRTH_DATE not in body and alice.did not in body
    for part in body.split("~")[1:-1]:  # no Disclosure names the person
        assert "identifier" not in keys.b64url_decode(part).decode() and "birthDate" not in keys.b64url_decode(part).decode()
    result = verify_kb(body, issuer)
    subject = result.claims["credentialSubject"]
    assert set(subject) == {"type", "achievement"} and len(subject["achievement"]["alignment"]) == 3
    assert result.key_binding["aud"] == AUDIENCE and result.key_binding["nonce"] == "n-1"
    views = client.get(f"/shares/{made['id']}/views", headers=alice.headers).get_json()
    assert views["views"] == 1 and views["items"][0]["audience"] == AUDIENCE


def test_by_default_a_share_discloses_nothing_hideable(client, alice, sd, issuer):
    kept = keep(client, alice, sd.issue(alice.did))
    made = share(client, alice, [kept["id"]])
    assert made["credentials"][0]["disclose"] == []
    body = open_link(client, made["url"]).get_data(as_text=True)
    assert body.count("~") == 1  # the issuer-signed JWT, then the KB-JWT: no Disclosure at all
    result = verify_kb(body, issuer)
    assert result.disclosed == [] and result.claims["credentialSubject"]["achievement"]["creator"]["name"] == "ROC West"


def test_a_chosen_name_is_disclosed(client, alice, sd, issuer):
    kept = keep(client, alice, sd.issue(alice.did))
    made = share(client, alice, [kept["id"]], disclose={kept["id"]: [["credentialSubject", "identifier"], SKILLS[:3] + [1]]})
    result = verify_kb(open_link(client, made["url"]).get_data(as_text=True), issuer)
    assert result.claims["credentialSubject"]["identifier"][0]["identityHash"] == NAME
    assert len(result.claims["credentialSubject"]["achievement"]["alignment"]) == 1
    assert "birthDate" not in result.claims["credentialSubject"]


def test_an_sd_jwt_share_needs_nonce_and_audience(client, alice, sd):
    kept = keep(client, alice, sd.issue(alice.did))
    made = share(client, alice, [kept["id"]])
    for nonce, audience in ((None, AUDIENCE), ("n", None), (None, None)):
        r = open_link(client, made["url"], nonce, audience)
        assert r.status_code == 400 and r.get_json()["error"] == "nonce_and_audience_required"
    assert client.get(f"/shares/{made['id']}", headers=alice.headers).get_json()["views"] == 0


@pytest.mark.parametrize(
    "disclose, pointer",
    [
        (lambda sd_id, vc_id: {vc_id: [["credentialSubject"]]}, "/disclose/{vc}"),
        (lambda sd_id, vc_id: {"not-shared": [SKILLS]}, "/disclose/not-shared"),
        (lambda sd_id, vc_id: {sd_id: [["credentialSubject", "nickname"]]}, "/disclose/{sd}/0"),
        (lambda sd_id, vc_id: {sd_id: [[]]}, "/disclose/{sd}/0"),
        (lambda sd_id, vc_id: {sd_id: [["credentialSubject", -1]]}, "/disclose/{sd}/0"),
    ],
)
def test_disclose_refusals(client, alice, sd, issuer, disclose, pointer):
    sd_id = keep(client, alice, sd.issue(alice.did))["id"]
    vc_id = keep(client, alice, issuer.issue(alice.did)[0])["id"]
    r = client.post("/shares", json={"credential_ids": [sd_id, vc_id], "disclose": disclose(sd_id, vc_id)}, headers=alice.headers)
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["detail"][0]["pointer"] == pointer.format(sd=sd_id, vc=vc_id)
    assert client.get("/shares", headers=alice.headers).get_json()["items"] == []


def test_disclose_must_be_paths(client, alice, sd):
    sd_id = keep(client, alice, sd.issue(alice.did))["id"]
    for bad in ({sd_id: "credentialSubject"}, {sd_id: [[True]]}, {sd_id: [[1.5]]}, [SKILLS]):
        r = client.post("/shares", json={"credential_ids": [sd_id], "disclose": bad}, headers=alice.headers)
        assert r.status_code == 400, bad


def test_a_mixed_share_yields_a_vp_token_bundle(client, alice, sd, issuer, fetcher):
    vc_id = keep(client, alice, issuer.issue(alice.did)[0])["id"]
    sd_id = keep(client, alice, sd.issue(alice.did))["id"]
    made = share(client, alice, [vc_id, sd_id], disclose={sd_id: [SKILLS]})
    r = open_link(client, made["url"])
    assert r.status_code == 200 and r.mimetype == "application/json"
    bundle = r.get_json()
    assert list(bundle) == ["vp_token"] and list(bundle["vp_token"]) == ["c0", "c1"]
    assert jose.decode_jws(bundle["vp_token"]["c0"][0]).header["typ"] == "vp+jwt"
    assert "~" in bundle["vp_token"]["c1"][0]
    raw = r.get_data(as_text=True)
    assert BIRTH_DATE not in raw
    # the same pipeline a verifier runs
    registry = TrustRegistry.from_json(json.dumps({"issuers": [{"id": issuer.did, "name": "ROC West"}]}).encode())
    report = Verifier(fetcher, trust=registry).verify_presentation(bundle, nonce="n-1", audience=AUDIENCE)
    assert report.verified, [c.to_dict() for c in report.checks]
    assert [c.format for c in report.credentials] == ["vc+jwt", "dc+sd-jwt"] and report.holder == alice.did


def test_a_vc_jwt_share_is_exactly_as_before(client, alice, issuer):
    vc_id = keep(client, alice, issuer.issue(alice.did)[0])["id"]
    made = share(client, alice, [vc_id])
    assert made["credentials"][0]["format"] == "vc+jwt" and "disclose" not in made["credentials"][0]
    r = client.get(f"/s/{token_of(made['url'])}")  # no nonce, no audience: still fine for a vp+jwt
    assert r.status_code == 200 and r.mimetype == "application/vp+jwt"


def test_export_names_the_format(client, alice, sd, issuer):
    keep(client, alice, sd.issue(alice.did))
    keep(client, alice, issuer.issue(alice.did)[0])
    dossier = client.get("/export", headers=alice.headers).get_json()
    assert sorted(c["format"] for c in dossier["credentials"]) == ["dc+sd-jwt", "vc+jwt"]
    for entry in dossier["credentials"]:
        client.delete(f"/credentials/{entry['id']}", headers=alice.headers)
    r = client.post("/import", json=dossier, headers=alice.headers)
    assert r.status_code == 200 and len(r.get_json()["imported"]) == 2, r.get_json()
    assert {i["credential_id"] for i in r.get_json()["imported"]} >= {"urn:uuid:00000000-0000-4000-8000-000000000010"}


def test_another_citizen_cannot_keep_it(client, alice, sd):
    credential = sd.issue(alice.did)
    other = register(client)
    assert checks(refused(client, other, credential)["detail"])["holder_binding"][1] == "holder_mismatch"
