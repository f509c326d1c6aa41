"""vc/verify.py with SD-JWT VCs (dc+sd-jwt): the same pipeline and report, Token Status List, KB-JWT.

An in-memory world: a did:web issuer that issues SD-JWT VCs by the
microcredential's declaration (vc/credential_types.py) and serves a 2-bit
Token Status List; a holder with a did:key. No network.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, timezone
from importlib.resources import files
from typing import Any

import pytest

from vc import credential_types, jose, keys, model, sdjwt, token_status_list
from vc import did as dids
from vc.cache import CachingFetcher
from vc.errors import FetchError
from vc.fetch import Fetched
from vc.trust import TrustRegistry
from vc.verify import FAILED, SD_JWT_CREDENTIAL_CHECKS, SKIPPED, UNKNOWN, Verifier, VerifyOptions

NOW = datetime(2025, 9, 1, 12, 0, tzinfo=timezone.utc)
TS = int(NOW.timestamp())
AUDIENCE = "https://werkgever.test/verifier"
NONCE = "n-0S6_WzA2Mj"
NAME = "Sanne de Vries"
BIRTH_DATE = "1994-03-17"

MICRO = json.loads(files("skillpass_schemas").joinpath("examples", "microcredential-roc-veilig-werken-met-warmtepompen.json").read_text(encoding="utf-8"))


class FakeWeb:
    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.calls: list[str] = []

    def put(self, url: str, body: str | bytes) -> None:
        self.pages[url] = body.encode() if isinstance(body, str) else body

    def __call__(self, url: str, *, headers: Any = None) -> Fetched:
        self.calls.append(url)
        if url not in self.pages:
            raise FetchError(f"HTTP 404 from {url}")
        body = self.pages[url]
        return Fetched(url, 200, {"etag": '"' + hashlib.sha256(body).hexdigest()[:16] + '"', "cache-control": "max-age=300"}, body)


class SdIssuer:
    """A did:web provider issuing SD-JWT VCs, with a Token Status List at status/token/1."""

    def __init__(self, web: FakeWeb, slug: str = "roc-west", key_type: str = "Ed25519") -> None:
        self.web = web
        self.base = f"https://issuer.test/providers/{slug}"
        self.did = dids.did_web_from_url(self.base)
        self.key = keys.generate(key_type)  # type: ignore[arg-type]
        self.kid = f"{self.did}#key-1"
        self.list_url = f"{self.base}/status/token/1"
        self.statuses = token_status_list.TokenStatusList.new(131_072, 2)
        web.put(f"{self.base}/did.json", json.dumps(dids.build_did_document(self.did, [("key-1", keys.public_key_of(self.key))])))
        self.publish()

    def publish(self, *, signer: Any = None, kid: str | None = None, sub: str | None = None, iat: int | None = None, exp: int | None = None, iss: str | None = None) -> None:
        iat = TS - 60 if iat is None else iat
        payload = token_status_list.status_list_token_payload(
            sub or self.list_url, self.statuses, issued_at=iat, expires_at=exp or iat + 3600, ttl=3600, issuer=iss or self.did
        )
        self.web.put(self.list_url, jose.sign_jws(payload, signer or self.key, kid=kid or self.kid, typ=token_status_list.TYP))

    def set_status(self, index: int, value: int) -> None:
        self.statuses.set(index, value)
        self.publish()

    def claims(self, holder_did: str) -> dict[str, Any]:
        subject = copy.deepcopy(MICRO["credentialSubject"])
        subject["id"] = holder_did
        subject["identifier"][0]["identityHash"] = NAME
        subject["birthDate"] = BIRTH_DATE
        return {"jti": "urn:uuid:6f1c2a4e-3b7d-4c8e-9a51-2d0f7b3e8c14", "name": MICRO["name"], "credentialSubject": subject}

    def issue(self, holder_key: Any, index: int = 42, *, claims: dict[str, Any] | None = None, **options: Any) -> str:
        params: dict[str, Any] = dict(
            kid=self.kid,
            issuer=self.did,
            vct="https://issuer.test/vct/microcredential",
            disclosable=credential_types.MICROCREDENTIAL_SD_JWT.disclosable,
            holder_jwk=keys.public_jwk(holder_key) if holder_key is not None else None,
            decoys={path: 2 for path in credential_types.MICROCREDENTIAL_SD_JWT.decoy_containers},
            iat=TS - 3600,
            status=token_status_list.status_reference(self.list_url, index),
        )
        params.update(options)
        signer = params.pop("signer", self.key)
        return sdjwt.issue(claims or self.claims(dids.did_key(holder_key) if holder_key is not None else "did:key:z6Mkx"), signer, **params)


@pytest.fixture
def web() -> FakeWeb:
    return FakeWeb()


@pytest.fixture
def issuer(web: FakeWeb) -> SdIssuer:
    return SdIssuer(web)


@pytest.fixture
def holder_key() -> Any:
    return keys.generate("Ed25519")


def registry(*dids_: str) -> TrustRegistry:
    return TrustRegistry.from_json(json.dumps({"issuers": [{"id": d, "name": {"nl": "ROC West", "en": "ROC West"}} for d in dids_]}).encode())


@pytest.fixture
def verifier(web: FakeWeb, issuer: SdIssuer) -> Verifier:
    from vc.verify import Memos

    return Verifier(web, trust=registry(issuer.did), memos=Memos())


def statuses(report: Any) -> dict[str, tuple[str, str | None]]:
    return {c.check: (c.status, c.code) for c in report.checks}


SKILLS = ("credentialSubject", "achievement", "alignment", None)


def present(credential: str, holder_key: Any, disclose: list = [SKILLS], **kb: Any) -> str:  # noqa: B006
    params: dict[str, Any] = {"holder_key": holder_key, "audience": AUDIENCE, "nonce": NONCE, "iat": TS}
    params.update(kb)
    return sdjwt.present(credential, disclose, **params)


# --- credentials --------------------------------------------------------------------------------


def test_an_sd_jwt_vc_verifies_with_every_check_listed(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    report = verifier.verify_credential(issuer.issue(holder_key), now=NOW)
    assert report.verified, statuses(report)
    assert report.format == "dc+sd-jwt" and report.kind == "credential"
    assert [c.check for c in report.checks] == [*SD_JWT_CREDENTIAL_CHECKS[:-2], "status.status_list", "schema"]
    assert statuses(report)["schema"] == (SKIPPED, "not_applicable")
    assert report.issuer == issuer.did and report.trust and report.trust.name["nl"] == "ROC West"
    assert report.types == ["VerifiableCredential", "OpenBadgeCredential", "https://issuer.test/vct/microcredential"]
    assert report.status == {"revocation": "valid", "suspension": "valid"}
    assert report.subject == dids.did_key(holder_key)
    assert report.valid_from == "2025-09-01T11:00:00Z" and report.valid_until is None
    # everything the issuer made hideable is disclosed in the issued form; decoys stay digests
    disclosed = report.disclosures["disclosed"]  # type: ignore[index]
    assert ["credentialSubject", "birthDate"] in disclosed and ["credentialSubject", "identifier"] in disclosed
    assert {h["digests"] for h in report.disclosures["hidden"]} == {2}  # type: ignore[index]
    assert report.claims["credentialSubject"]["birthDate"] == BIRTH_DATE  # type: ignore[index]
    assert "disclosures" in report.to_dict()


def test_the_report_of_a_vc_jwt_has_no_disclosures_member(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    from vc.verify import Report

    assert "disclosures" not in Report("credential").to_dict()


def test_an_untrusted_issuer_is_not_fetched(web: FakeWeb, issuer: SdIssuer, holder_key: Any) -> None:
    report = Verifier(web, trust=registry()).verify_credential(issuer.issue(holder_key), now=NOW)
    assert not report.verified and web.calls == []
    assert statuses(report)["trust"] == (FAILED, "untrusted_issuer")
    for name in ("did_resolution", "signature", "status.status_list", "schema"):
        assert statuses(report)[name] == (SKIPPED, "untrusted_issuer")


def test_a_signature_by_another_key_fails(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    report = verifier.verify_credential(issuer.issue(holder_key, signer=keys.generate("Ed25519")), now=NOW)
    assert statuses(report)["signature"] == (FAILED, "invalid_signature")
    assert statuses(report)["status.status_list"] == (SKIPPED, "signature_not_verified")
    assert statuses(report)["disclosures"][0] == SKIPPED  # digests of an unauthenticated payload prove nothing


def test_a_key_of_another_did_is_never_resolved(web: FakeWeb, verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    report = verifier.verify_credential(issuer.issue(holder_key, kid="did:web:evil.test#key-1"), now=NOW)
    assert statuses(report)["issuer_binding"] == (FAILED, "signer_not_issuer")
    assert statuses(report)["did_resolution"] == (SKIPPED, "signer_not_issuer")
    assert not any("evil.test" in c for c in web.calls)


def test_the_legacy_typ_is_refused(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    token = issuer.issue(holder_key)
    jwt, _, rest = token.partition("~")
    parsed = jose.decode_jws(jwt)
    header = {**parsed.header, "typ": "vc+sd-jwt"}
    head = keys.b64url_encode(json.dumps(header).encode())
    signing_input = head + "." + jwt.split(".")[1]
    from jwt.algorithms import OKPAlgorithm

    resigned = signing_input + "." + keys.b64url_encode(OKPAlgorithm().sign(signing_input.encode(), issuer.key))
    report = verifier.verify_credential(resigned + "~" + rest, now=NOW)
    assert statuses(report)["signature"] == (FAILED, "wrong_type")


def test_a_forged_disclosure_fails_the_disclosures_check(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    forged = keys.b64url_encode(json.dumps(["c2FsdHNhbHRzYWx0", "birthDate", "2001-01-01"]).encode())
    report = verifier.verify_credential(present(issuer.issue(holder_key), None, []) + forged + "~", now=NOW)
    assert statuses(report)["disclosures"] == (FAILED, "unreferenced_disclosure")
    assert not report.verified and report.claims is None


@pytest.mark.parametrize("forged", [False, True], ids=["genuine-kb-jwt", "forged-kb-jwt"])
def test_a_presentation_offered_as_a_credential_is_not_verified(verifier: Verifier, issuer: SdIssuer, holder_key: Any, forged: bool) -> None:
    # A KB-JWT is checked against a nonce and audience, which a credential check has not got:
    # whether it is genuine or not, it must not come back "verified" as if the holder had been shown.
    credential = issuer.issue(holder_key)
    if forged:  # a KB-JWT by a key that is not cnf.jwk
        bare = present(credential, None)
        kb = {"iat": TS, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": sdjwt.sd_hash(sdjwt.parse(bare))}
        presentation = bare + sdjwt._sign({"typ": "kb+jwt"}, kb, keys.generate("Ed25519"))
    else:
        presentation = present(credential, holder_key)
    report = verifier.verify_credential(presentation, now=NOW)
    assert not report.verified
    assert statuses(report)["key_binding"] == (FAILED, "wrong_type")
    # the issuer's part is still checked and reported
    assert statuses(report)["signature"] == ("passed", None) and statuses(report)["disclosures"] == ("passed", None)


def test_an_expired_sd_jwt_vc(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    report = verifier.verify_credential(issuer.issue(holder_key, exp=TS - 7200), now=NOW)
    assert statuses(report)["validity_period"] == (FAILED, "expired")
    assert report.valid_until == "2025-09-01T10:00:00Z"


# --- Token Status List --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, code, words",
    [
        (1, "revoked", {"revocation": "revoked", "suspension": "valid"}),
        (2, "suspended", {"revocation": "valid", "suspension": "suspended"}),
        (3, "status_not_valid", {"revocation": "invalid", "suspension": "invalid"}),
    ],
)
def test_token_status_values(verifier: Verifier, issuer: SdIssuer, holder_key: Any, value: int, code: str, words: dict) -> None:
    credential = issuer.issue(holder_key, index=77)
    issuer.set_status(77, value)
    report = verifier.verify_credential(credential, now=NOW)
    assert statuses(report)["status.status_list"] == (FAILED, code)
    assert report.status == words and not report.verified
    issuer.set_status(77, 0)
    assert verifier.verify_credential(credential, now=NOW).verified


@pytest.mark.parametrize(
    "change, code",
    [
        ({"sub": "https://issuer.test/providers/roc-west/status/token/2"}, "status_list_id_mismatch"),
        ({"iss": "did:web:other.test"}, "status_list_issuer_mismatch"),
        ({"kid": "did:web:other.test#key-1"}, "status_list_issuer_mismatch"),
        ({"signer": "other key"}, "status_list_signature_invalid"),
    ],
)
def test_a_status_list_token_that_is_not_the_issuers_fails(verifier: Verifier, issuer: SdIssuer, holder_key: Any, change: dict, code: str) -> None:
    credential = issuer.issue(holder_key)
    if change.get("signer"):
        change = {"signer": keys.generate("Ed25519")}
    issuer.publish(**change)
    report = verifier.verify_credential(credential, now=NOW)
    assert statuses(report)["status.status_list"] == (FAILED, code)


def test_an_expired_status_list_token_is_unknown(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    credential = issuer.issue(holder_key)
    issuer.publish(iat=TS - 7200, exp=TS - 3600)
    report = verifier.verify_credential(credential, now=NOW)
    assert statuses(report)["status.status_list"] == (UNKNOWN, "status_list_stale")
    assert report.status == {"revocation": "unknown", "suspension": "unknown"} and not report.verified
    lenient = VerifyOptions(accept_unknown=frozenset({"status"}))
    assert verifier.verify_credential(credential, now=NOW, options=lenient).verified


def test_an_unreachable_status_list_is_unknown(web: FakeWeb, verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    credential = issuer.issue(holder_key)
    del web.pages[issuer.list_url]
    assert statuses(verifier.verify_credential(credential, now=NOW))["status.status_list"] == (UNKNOWN, "status_unavailable")


def test_plain_http_status_lists_only_for_dev_hosts(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    credential = issuer.issue(holder_key, status=token_status_list.status_reference("http://issuer.test/providers/roc-west/status/token/1", 1))
    assert statuses(verifier.verify_credential(credential, now=NOW))["status.status_list"] == (FAILED, "blocked_address")


def test_one_status_list_fetch_serves_many_credentials(web: FakeWeb, issuer: SdIssuer) -> None:
    from vc.verify import Memos

    fetcher = CachingFetcher(web)  # on the real clock: the list is published now
    now = datetime.now(timezone.utc)
    issuer.publish(iat=int(now.timestamp()))
    verifier = Verifier(fetcher, trust=registry(issuer.did), memos=Memos())
    holders = [keys.generate("Ed25519") for _ in range(20)]
    for index, key in enumerate(holders):
        assert verifier.verify_credential(issuer.issue(key, index=index), now=now).verified
    assert web.calls.count(issuer.list_url) == 1 and web.calls.count(f"{issuer.base}/did.json") == 1


def test_a_malformed_status_claim_fails_status(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    credential = issuer.issue(holder_key, status={"status_list": {"idx": -3, "uri": issuer.list_url}})
    assert statuses(verifier.verify_credential(credential, now=NOW))["status"] == (FAILED, "invalid_status_list")


# --- presentations ------------------------------------------------------------------------------


def test_a_presentation_hiding_name_and_birth_date(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    presentation = present(issuer.issue(holder_key), holder_key, [SKILLS])
    report = verifier.verify_presentation(presentation, nonce=NONCE, audience=AUDIENCE, now=NOW)
    assert report.verified, statuses(report)
    assert report.kind == "presentation" and report.format == "dc+sd-jwt"
    assert [c.check for c in report.checks] == [
        "parse", "holder_signature", "holder_binding", "data_model", "nonce", "audience", "validity_period", "credentials", "subject_binding",
    ]
    [credential] = report.credentials
    assert credential.verified
    subject = credential.claims["credentialSubject"]  # type: ignore[index]
    assert set(subject) == {"type", "achievement"} and len(subject["achievement"]["alignment"]) == 3
    assert subject["achievement"]["creator"]["name"] == "ROC West" and subject["achievement"]["eqfLevel"] == 3
    assert credential.subject is None and report.holder.startswith("urn:ietf:params:oauth:jwk-thumbprint:sha-256:")  # type: ignore[union-attr]
    hidden = {tuple(h["path"]): h["digests"] for h in credential.disclosures["hidden"]}  # type: ignore[index]
    assert hidden[("credentialSubject",)] >= 2 + 5  # id, identifier, birthDate, 2 dates and the decoys
    body = json.dumps(report.to_dict())
    assert NAME not in body and BIRTH_DATE not in body and dids.did_key(holder_key) not in body


@pytest.mark.parametrize(
    "kb, nonce, audience, check, code",
    [
        ({"nonce": "other"}, NONCE, AUDIENCE, "nonce", "nonce_mismatch"),
        ({"audience": "https://elsewhere.test"}, NONCE, AUDIENCE, "audience", "audience_mismatch"),
        ({"iat": TS - 3600}, NONCE, AUDIENCE, "validity_period", "presentation_too_old"),
        ({"iat": TS + 3600}, NONCE, AUDIENCE, "validity_period", "not_yet_valid"),
    ],
)
def test_key_binding_checks(verifier: Verifier, issuer: SdIssuer, holder_key: Any, kb: dict, nonce: str, audience: str, check: str, code: str) -> None:
    presentation = present(issuer.issue(holder_key), holder_key, **kb)
    report = verifier.verify_presentation(presentation, nonce=nonce, audience=audience, now=NOW)
    assert statuses(report)[check] == (FAILED, code) and not report.verified


@pytest.mark.parametrize("extra, code", [({"exp": 1}, "expired"), ({"exp": TS - 3600}, "expired"), ({"nbf": TS + 3600}, "not_yet_valid")])
def test_a_kb_jwt_is_held_to_its_own_exp_and_nbf(verifier: Verifier, issuer: SdIssuer, holder_key: Any, extra: dict, code: str) -> None:
    # not in RFC 9901's KB-JWT, but a KB-JWT that says them means them (RFC 7519); were ignored before
    bare = present(issuer.issue(holder_key), None)
    kb = {"iat": TS, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": sdjwt.sd_hash(sdjwt.parse(bare)), **extra}
    report = verifier.verify_presentation(bare + sdjwt._sign({"typ": "kb+jwt"}, kb, holder_key), nonce=NONCE, audience=AUDIENCE, now=NOW)
    assert statuses(report)["validity_period"] == (FAILED, code) and not report.verified
    assert statuses(report)["holder_signature"] == ("passed", None)


def test_no_key_binding_jwt(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    report = verifier.verify_presentation(present(issuer.issue(holder_key), None), nonce=NONCE, audience=AUDIENCE, now=NOW)
    assert statuses(report)["holder_signature"] == (FAILED, "key_binding_required") and not report.verified
    assert report.credentials[0].verified  # the credential itself is fine


def test_a_kb_jwt_by_another_key(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    thief = keys.generate("Ed25519")
    stolen = issuer.issue(holder_key)
    bare = present(stolen, None)
    kb = {"iat": TS, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": sdjwt.sd_hash(sdjwt.parse(bare))}
    kb_jwt = sdjwt._sign({"typ": "kb+jwt"}, kb, thief)
    report = verifier.verify_presentation(bare + kb_jwt, nonce=NONCE, audience=AUDIENCE, now=NOW)
    assert statuses(report)["holder_signature"] == (FAILED, "invalid_signature")
    assert statuses(report)["subject_binding"] == (FAILED, "holder_mismatch") and not report.verified


def test_disclosures_dropped_after_key_binding(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    presentation = present(issuer.issue(holder_key), holder_key, [SKILLS])
    parts = presentation.split("~")
    shortened = "~".join([parts[0], *parts[2:]])  # one skill withheld after the KB-JWT was made
    report = verifier.verify_presentation(shortened, nonce=NONCE, audience=AUDIENCE, now=NOW)
    assert statuses(report)["holder_binding"] == (FAILED, "sd_hash_mismatch")


def test_a_disclosed_subject_id_must_be_the_bound_key(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    other = keys.generate("Ed25519")
    claims = issuer.claims(dids.did_key(other))  # names someone else, bound to holder_key
    presentation = present(issuer.issue(holder_key, claims=claims), holder_key, [("credentialSubject", "id")])
    report = verifier.verify_presentation(presentation, nonce=NONCE, audience=AUDIENCE, now=NOW)
    assert statuses(report)["subject_binding"] == (FAILED, "holder_mismatch")
    ok = verifier.verify_presentation(present(issuer.issue(holder_key), holder_key, [("credentialSubject", "id")]), nonce=NONCE, audience=AUDIENCE, now=NOW)
    assert ok.verified and ok.holder == dids.did_key(holder_key)


def test_a_revoked_credential_in_a_presentation(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    credential = issuer.issue(holder_key, index=5)
    issuer.set_status(5, 1)
    report = verifier.verify_presentation(present(credential, holder_key), nonce=NONCE, audience=AUDIENCE, now=NOW)
    assert statuses(report)["credentials"] == (FAILED, "credential_not_verified")
    assert report.credentials[0].status["revocation"] == "revoked"


# --- a vp_token bundle ------------------------------------------------------------------------------


def _vp_jwt(issuer: SdIssuer, holder_key: Any) -> str:
    holder = dids.did_key(holder_key)
    credential = copy.deepcopy(MICRO)
    credential.update({"issuer": issuer.did, "validFrom": "2025-07-01T09:00:00Z", "id": "urn:uuid:1f1c2a4e-3b7d-4c8e-9a51-2d0f7b3e8c15"})
    credential.pop("credentialStatus")
    credential["credentialSubject"]["id"] = holder
    token = jose.sign_credential(credential, issuer.key, issuer.kid)
    vm = dids.resolve_local(holder)["authentication"][0]
    return jose.sign_presentation(model.build_presentation(holder, [jose.envelope(token)]), holder_key, vm, nonce=NONCE, audience=AUDIENCE, issued_at=TS)


def test_a_bundle_of_a_vp_jwt_and_an_sd_jwt(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    bundle = {"vp_token": {"c0": [_vp_jwt(issuer, holder_key)], "c1": [present(issuer.issue(holder_key), holder_key)]}}
    options = VerifyOptions(check_schema=False)
    report = verifier.verify_presentation(bundle, nonce=NONCE, audience=AUDIENCE, now=NOW, options=options)
    assert report.verified, statuses(report)
    assert report.format == "vp_token" and [c.format for c in report.credentials] == ["vc+jwt", "dc+sd-jwt"]
    assert report.holder == dids.did_key(holder_key)
    wrong_nonce = verifier.verify_presentation(bundle, nonce="other", audience=AUDIENCE, now=NOW, options=options)
    assert wrong_nonce.get("nonce").status == FAILED and wrong_nonce.get("nonce").detail["parts"] == ["c0", "c1"]  # type: ignore[union-attr]


def test_a_bundle_from_two_holders_fails_holder_binding(verifier: Verifier, issuer: SdIssuer, holder_key: Any) -> None:
    other = keys.generate("Ed25519")
    bundle = {"vp_token": {"a": [_vp_jwt(issuer, holder_key)], "b": [present(issuer.issue(other), other)]}}
    report = verifier.verify_presentation(bundle, nonce=NONCE, audience=AUDIENCE, now=NOW, options=VerifyOptions(check_schema=False))
    assert statuses(report)["holder_binding"] == (FAILED, "holder_mismatch") and not report.verified


@pytest.mark.parametrize(
    "bundle",
    [
        {"vp_token": {}},
        {"vp_token": []},
        {"vp_token": {"c0": "not a list"}},
        {"vp_token": {"c0": []}},
        {"vp_token": {"c0": [7]}},
        {"vp_token": {"bad key!": ["x~"]}},
        {"vp_token": {"c0": ["x~"]}, "extra": 1},
    ],
)
def test_malformed_bundles_fail_parse(verifier: Verifier, bundle: dict) -> None:
    report = verifier.verify_presentation(bundle, nonce=NONCE, audience=AUDIENCE, now=NOW)
    assert statuses(report)["parse"] == (FAILED, "malformed_token") and not report.verified


def test_too_many_presentations_in_a_bundle(verifier: Verifier) -> None:
    bundle = {"vp_token": {f"c{i}": ["x~"] for i in range(3)}}
    report = verifier.verify_presentation(bundle, nonce=NONCE, audience=AUDIENCE, now=NOW, options=VerifyOptions(max_credentials=2))
    assert statuses(report)["parse"][0] == FAILED
