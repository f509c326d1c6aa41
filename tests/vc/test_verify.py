"""vc/verify.py: the pipeline against an in-memory world of issuers, DID documents and status lists.

Everything here is built with vc/ itself (keys, DIDs, JOSE, Bitstring Status
List); the fetcher is a dict that counts its calls. No network.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from importlib.resources import files
from typing import Any

import pytest

from vc import did as dids
from vc import jose, keys, model, status_list, strict_json
from vc.cache import CachingFetcher
from vc.errors import FetchError
from vc.fetch import Fetched
from vc.trust import TrustRegistry
from vc.verify import (
    CREDENTIAL_CHECKS,
    FAILED,
    PASSED,
    SKIPPED,
    UNKNOWN,
    Check,
    Report,
    Verifier,
    VerifyOptions,
    detect_format,
    verify_credential,
    verify_presentation,
)

NOW = datetime(2025, 9, 1, 12, 0, tzinfo=timezone.utc)
VERIFIER_ID = "https://verifier.test"


def example(name: str) -> dict[str, Any]:
    return json.loads(files("skillpass_schemas").joinpath("examples", name).read_text(encoding="utf-8"))


MICRO = example("microcredential-roc-veilig-werken-met-warmtepompen.json")
SKILL = example("skill-attestation-evc-warmtepompen-installeren.json")


# --- the world ------------------------------------------------------------------------------------


class FakeWeb:
    """url -> (body, headers); counts calls; answers If-None-Match with 304."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.calls: list[str] = []
        self.down: set[str] = set()

    def put(self, url: str, body: bytes | str, **headers: str) -> None:
        data = body.encode() if isinstance(body, str) else body
        hdrs = {"etag": '"' + hashlib.sha256(data).hexdigest()[:16] + '"'}
        hdrs.update({k.replace("_", "-"): v for k, v in headers.items()})
        self.pages[url] = (data, hdrs)

    def __call__(self, url: str, *, headers: dict[str, str] | None = None) -> Fetched:
        self.calls.append(url)
        host = url.split("/")[2]
        if url in self.down or host in self.down:
            raise FetchError(f"could not connect to {url}")
        if url not in self.pages:
            raise FetchError(f"HTTP 404 from {url}")
        body, hdrs = self.pages[url]
        if headers and headers.get("If-None-Match") == hdrs.get("etag"):
            return Fetched(url, 304, hdrs, b"")
        return Fetched(url, 200, hdrs, body)


class Issuer:
    """A training provider on did:web, with a signing key and two status lists."""

    def __init__(self, web: FakeWeb, slug: str = "roc-west", host: str = "issuer.test", key_type: str = "Ed25519", scheme: str = "https") -> None:
        self.web = web
        self.base = f"{scheme}://{host}/providers/{slug}"
        self.did = dids.did_web_from_url(self.base)
        self.key = keys.generate(key_type)  # type: ignore[arg-type]
        self.kid = f"{self.did}#key-1"
        self.lists = {p: status_list.StatusList.new() for p in ("revocation", "suspension")}
        self.list_valid_until = NOW + timedelta(hours=1)
        self.publish_doc()
        for purpose in self.lists:
            self.publish_list(purpose)

    def list_url(self, purpose: str, number: int = 1) -> str:
        return f"{self.base}/status/{purpose}/{number}"

    def publish_doc(self, extra: list[tuple[str, Any]] = ()) -> None:  # type: ignore[assignment]
        doc = dids.build_did_document(self.did, [("key-1", self.key.public_key()), *extra])
        self.web.put(f"{self.base}/did.json", json.dumps(doc), cache_control="max-age=300")

    def list_token(
        self,
        purpose: str,
        *,
        signer: Any = None,
        kid: str | None = None,
        issuer: str | None = None,
        list_id: str | None = None,
        claimed_purpose: str | None = None,
        valid_until: datetime | None = None,
        bits: status_list.StatusList | None = None,
    ) -> str:
        url = self.list_url(purpose)
        document = status_list.status_list_credential(
            list_id or url,
            issuer or self.did,
            claimed_purpose or purpose,
            (bits or self.lists[purpose]).encode(),
            valid_from=NOW - timedelta(hours=1),
            valid_until=valid_until or self.list_valid_until,
        )
        return jose.sign_credential(document, signer or self.key, kid or self.kid)

    def publish_list(self, purpose: str, token: str | None = None, max_age: int = 300) -> None:
        self.web.put(self.list_url(purpose), token or self.list_token(purpose), cache_control=f"public, max-age={max_age}")

    def set_status(self, purpose: str, index: int, value: int) -> None:
        self.lists[purpose].set(index, value)
        self.publish_list(purpose)

    def credential(self, holder: str, index: int = 42, base: dict[str, Any] = MICRO, **changes: Any) -> dict[str, Any]:
        cred = copy.deepcopy(base)
        cred["issuer"] = {"id": self.did, "type": ["Profile"], "name": "Totally Official University"}
        cred["validFrom"] = "2025-07-01T09:00:00Z"
        cred.pop("validUntil", None)
        cred["credentialSubject"]["id"] = holder
        cred["credentialStatus"] = [status_list.status_entry(self.list_url(p), index, p) for p in ("revocation", "suspension")]
        cred.update(changes)
        return cred

    def issue(self, holder: str, index: int = 42, **changes: Any) -> str:
        return jose.sign_credential(self.credential(holder, index, **changes), self.key, self.kid)


class Holder:
    def __init__(self, method: str = "key") -> None:
        self.key = keys.generate()
        self.did = dids.did_key(self.key) if method == "key" else dids.did_jwk(self.key)
        self.kid = dids.resolve_local(self.did)["verificationMethod"][0]["id"]

    def present(self, credentials: list[str], *, nonce: str | None = "n-123", audience: str | None = VERIFIER_ID, holder: str | None = None, key: Any = None, kid: str | None = None, **claims: Any) -> str:
        vp = model.build_presentation(holder or self.did, [jose.envelope(c) for c in credentials])
        vp.update(claims)
        return jose.sign_presentation(vp, key or self.key, kid or self.kid, nonce=nonce, audience=audience, issued_at=int(NOW.timestamp()))


def registry(*issuers: Issuer, **entry: Any) -> TrustRegistry:
    return TrustRegistry.from_json(
        {"issuers": [{"id": i.did, "name": {"nl": f"Erkend {i.did[-8:]}", "en": f"Accredited {i.did[-8:]}"}, "accreditation": ["mbo"], **entry} for i in issuers]}
    )


@pytest.fixture
def web() -> FakeWeb:
    return FakeWeb()


@pytest.fixture
def issuer(web: FakeWeb) -> Issuer:
    return Issuer(web)


@pytest.fixture
def holder() -> Holder:
    return Holder()


@pytest.fixture
def verifier(web: FakeWeb, issuer: Issuer) -> Verifier:
    return Verifier(web, trust=registry(issuer))


def statuses(report: Report) -> dict[str, tuple[str, str | None]]:
    return {c.check: (c.status, c.code) for c in report.checks}


def check(report: Report, name: str) -> Check:
    found = report.get(name)
    assert found is not None, [c.check for c in report.checks]
    return found


def resign(token: str, *, header: dict | None = None, payload: dict | None = None, key: Any = None, raw_sig: bytes | None = None) -> str:
    h, p, s = token.split(".")
    h2 = keys.b64url_encode(strict_json.dumps(header).encode()) if header is not None else h
    p2 = keys.b64url_encode(strict_json.dumps(payload).encode()) if payload is not None else p
    if raw_sig is not None:
        return f"{h2}.{p2}.{keys.b64url_encode(raw_sig)}"
    if key is not None:
        signing_input = f"{h2}.{p2}".encode()
        sig = key.sign(signing_input)
        return f"{h2}.{p2}.{keys.b64url_encode(sig)}"
    return f"{h2}.{p2}.{s}"


# --- the valid case -------------------------------------------------------------------------------


def test_valid_credential_verifies_with_every_check_passed(verifier, issuer, holder, web):
    report = verifier.verify_credential(issuer.issue(holder.did), now=NOW)
    assert report.verified, report.to_dict()
    assert [c.check for c in report.checks] == [
        "parse", "trust", "did_resolution", "signature", "issuer_binding", "data_model",
        "validity_period", "status.revocation", "status.suspension", "schema",
    ]
    assert all(c.status == PASSED for c in report.checks)
    assert report.issuer == issuer.did
    assert report.subject == holder.did
    assert report.status == {"revocation": "valid", "suspension": "valid"}
    assert report.trust.status == "trusted"
    # the name is the registry's, never the credential's own "Totally Official University"
    assert report.trust.name["en"].startswith("Accredited")
    assert "Totally Official" not in json.dumps(report.to_dict(claims=False))
    d = report.to_dict()
    assert d["verified"] is True and d["claims"]["issuer"]["id"] == issuer.did
    assert set(d["checks"][0]) == {"check", "status", "code", "detail"}


def test_skill_attestation_and_envelope_and_data_url(verifier, issuer, holder):
    token = jose.sign_credential(issuer.credential(holder.did, base=SKILL), issuer.key, issuer.kid)
    assert verifier.verify_credential(token, now=NOW).verified
    assert verifier.verify_credential(jose.envelope(token), now=NOW).verified
    assert verifier.verify_credential("data:application/vc+jwt," + token, now=NOW).verified


def test_p256_issuer(web, holder):
    es = Issuer(web, slug="es", key_type="P-256")
    report = Verifier(web, trust=registry(es)).verify_credential(es.issue(holder.did), now=NOW)
    assert report.verified, report.to_dict()


def test_functional_api(web, issuer, holder):
    report = verify_credential(issuer.issue(holder.did), fetcher=web, trust=registry(issuer), now=NOW)
    assert report.verified


# --- attacks on the signature --------------------------------------------------------------------


def assert_rest_reported(report: Report, failing: str) -> None:
    """The failure did not stop the other checks: each is listed, and the pure ones ran."""
    names = [c.check for c in report.checks]
    for name in ("parse", "trust", "did_resolution", "signature", "issuer_binding", "data_model", "validity_period", "schema"):
        assert name in names
    assert not report.verified
    for name in ("data_model", "validity_period"):
        if name != failing:
            assert check(report, name).status == PASSED, (name, report.to_dict(claims=False))


def test_tampered_payload(verifier, issuer, holder):
    token = issuer.issue(holder.did)
    payload = jose.decode_jws(token).payload
    payload["credentialSubject"]["achievement"]["name"] = "Doctor of Medicine"
    report = verifier.verify_credential(resign(token, payload=payload), now=NOW)
    assert statuses(report)["signature"] == (FAILED, "invalid_signature")
    assert_rest_reported(report, "signature")
    # no status list is fetched on the strength of an unverified payload
    assert check(report, "status.revocation").code == "signature_not_verified"


def test_tampered_signature(verifier, issuer, holder):
    token = issuer.issue(holder.did)
    h, p, s = token.split(".")
    sig = bytearray(keys.b64url_decode(s))
    sig[5] ^= 0x01
    report = verifier.verify_credential(f"{h}.{p}.{keys.b64url_encode(bytes(sig))}", now=NOW)
    assert statuses(report)["signature"] == (FAILED, "invalid_signature")
    assert_rest_reported(report, "signature")


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "", None])
def test_alg_none(verifier, issuer, holder, alg):
    token = issuer.issue(holder.did)
    header = {"alg": alg, "typ": "vc+jwt", "kid": issuer.kid}
    report = verifier.verify_credential(resign(token, header=header, raw_sig=b"\x00"), now=NOW)
    assert statuses(report)["signature"] == (FAILED, "unsupported_algorithm")
    assert_rest_reported(report, "signature")


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize("secret_form", ["raw", "jwk", "pem"])
def test_hmac_keyed_with_the_public_key(verifier, issuer, holder, alg, secret_form):
    token = issuer.issue(holder.did)
    header = {"alg": alg, "typ": "vc+jwt", "kid": issuer.kid}
    h = keys.b64url_encode(strict_json.dumps(header).encode())
    p = token.split(".")[1]
    jwk = keys.public_jwk(issuer.key)
    secret = {
        "raw": keys.b64url_decode(jwk["x"]),
        "jwk": json.dumps(jwk).encode(),
        "pem": issuer.key.public_key().public_bytes(
            __import__("cryptography.hazmat.primitives.serialization", fromlist=["x"]).Encoding.PEM,
            __import__("cryptography.hazmat.primitives.serialization", fromlist=["x"]).PublicFormat.SubjectPublicKeyInfo,
        ),
    }[secret_form]
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    sig = hmac.new(secret, f"{h}.{p}".encode(), digest).digest()
    report = verifier.verify_credential(f"{h}.{p}.{keys.b64url_encode(sig)}", now=NOW)
    assert statuses(report)["signature"] == (FAILED, "unsupported_algorithm")
    assert_rest_reported(report, "signature")


def test_alg_of_the_other_curve(verifier, issuer, holder):
    """ES256 claimed for an Ed25519 key: algorithm confusion, refused."""
    token = issuer.issue(holder.did)
    header = jose.decode_jws(token).header | {"alg": "ES256"}
    other = keys.generate("P-256")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils

    h = keys.b64url_encode(strict_json.dumps(header).encode())
    p = token.split(".")[1]
    r, s = utils.decode_dss_signature(other.sign(f"{h}.{p}".encode(), ec.ECDSA(hashes.SHA256())))
    report = verifier.verify_credential(f"{h}.{p}.{keys.b64url_encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}", now=NOW)
    assert statuses(report)["signature"] == (FAILED, "unsupported_algorithm")


@pytest.mark.parametrize("member", ["jwk", "jku", "x5u", "x5c", "crit"])
def test_headers_that_bring_their_own_key(verifier, issuer, holder, member):
    token = issuer.issue(holder.did)
    attacker = keys.generate()
    value: Any = {"jwk": keys.public_jwk(attacker), "jku": "https://evil.test/jwks", "x5u": "https://evil.test/c", "x5c": ["MII"], "crit": ["exp"]}[member]
    header = jose.decode_jws(token).header | {member: value}
    report = verifier.verify_credential(resign(token, header=header, key=attacker), now=NOW)
    assert statuses(report)["signature"] == (FAILED, "forbidden_header")


def test_key_not_in_did_document(verifier, issuer, holder):
    attacker = keys.generate()
    token = jose.sign_credential(issuer.credential(holder.did), attacker, f"{issuer.did}#key-9")
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["signature"] == (FAILED, "key_not_found")
    assert_rest_reported(report, "signature")
    # the issuer's real kid with the attacker's key: the signature does not verify
    token = jose.sign_credential(issuer.credential(holder.did), attacker, issuer.kid)
    assert statuses(verifier.verify_credential(token, now=NOW))["signature"] == (FAILED, "invalid_signature")


def test_key_granted_only_authentication_cannot_sign_credentials(web, issuer, holder):
    auth_key = keys.generate()
    doc = dids.build_did_document(issuer.did, [("key-1", issuer.key.public_key())], authentication_keys=[("auth-1", auth_key.public_key())])
    web.put(f"{issuer.base}/did.json", json.dumps(doc))
    token = jose.sign_credential(issuer.credential(holder.did), auth_key, f"{issuer.did}#auth-1")
    report = Verifier(web, trust=registry(issuer)).verify_credential(token, now=NOW)
    assert statuses(report)["signature"] == (FAILED, "key_not_found")


def test_kid_of_another_did(web, issuer, holder):
    """Signed by another (even trusted) issuer under its own kid, claiming to be `issuer`."""
    other = Issuer(web, slug="other")
    token = jose.sign_credential(issuer.credential(holder.did), other.key, other.kid)
    web.calls.clear()
    report = Verifier(web, trust=registry(issuer, other)).verify_credential(token, now=NOW)
    assert statuses(report)["issuer_binding"] == (FAILED, "signer_not_issuer")
    assert statuses(report)["signature"] == (SKIPPED, "signer_not_issuer")  # never checked with another DID's key
    assert check(report, "did_resolution").code == "signer_not_issuer"
    assert_rest_reported(report, "issuer_binding")
    assert not [u for u in web.calls if "/other/" in u]


def test_iss_not_the_issuer(verifier, issuer, holder):
    payload = issuer.credential(holder.did) | {"iss": "did:web:evil.test"}
    token = jose.sign_jws(payload, issuer.key, kid=issuer.kid, typ="vc+jwt")
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["issuer_binding"] == (FAILED, "issuer_mismatch")
    assert check(report, "signature").status == PASSED
    assert not report.verified


def test_wrong_typ_and_legacy_vc_claim(verifier, issuer, holder):
    cred = issuer.credential(holder.did)
    vp_typed = jose.sign_jws(cred | {"iss": issuer.did}, issuer.key, kid=issuer.kid, typ="vp+jwt")
    assert statuses(verifier.verify_credential(vp_typed, now=NOW))["signature"] == (FAILED, "wrong_type")
    legacy = jose.sign_credential(cred | {"vc": {}}, issuer.key, issuer.kid)
    assert statuses(verifier.verify_credential(legacy, now=NOW))["data_model"] == (FAILED, "invalid_credential")


@pytest.mark.parametrize(
    "value,code",
    [
        ("not a token", "malformed_token"),
        ("a.b", "malformed_token"),
        ("a.b.c.d.e", "malformed_token"),
        ("", "malformed_token"),
        (12, "malformed_token"),
        ({"type": "EnvelopedVerifiablePresentation", "id": "data:application/vp+jwt,x"}, "malformed_token"),
        ("x" * (jose.MAX_TOKEN_BYTES + 1), "token_too_large"),
    ],
)
def test_unreadable_tokens_report_every_check(verifier, web, value, code):
    report = verifier.verify_credential(value, now=NOW)
    assert statuses(report)["parse"] == (FAILED, code)
    assert [c.check for c in report.checks][: len(CREDENTIAL_CHECKS)] == list(CREDENTIAL_CHECKS)
    assert all(c.status == SKIPPED for c in report.checks[1:])
    assert not report.verified and web.calls == []


def test_duplicate_member_in_payload(verifier, issuer, holder):
    token = issuer.issue(holder.did)
    h, p, _ = token.split(".")
    text = keys.b64url_decode(p).decode()
    dup = text[:-1] + ',"iss":"did:web:evil.test"}'
    p2 = keys.b64url_encode(dup.encode())
    sig = issuer.key.sign(f"{h}.{p2}".encode())
    report = verifier.verify_credential(f"{h}.{p2}.{keys.b64url_encode(sig)}", now=NOW)
    assert statuses(report)["parse"] == (FAILED, "duplicate_member")


def test_sd_jwt_is_routed_to_the_sd_jwt_checks(verifier):
    # SD-JWT VCs are verified in tests/vc/test_verify_sdjwt.py; here only the routing.
    report = verifier.verify_credential("eyJhbGciOiJFZERTQSJ9.e30.c2ln~WyJhIiwiYiJd~", now=NOW)
    assert report.format == "dc+sd-jwt" and report.verified is False
    assert statuses(report)["parse"] == (PASSED, None)
    assert "disclosures" in statuses(report)
    assert verifier.verify_credential("not~an~sd-jwt", now=NOW).get("parse").status == FAILED
    assert detect_format({"id": "data:application/dc+sd-jwt,abc~"}) == "dc+sd-jwt"


# --- validity ----------------------------------------------------------------------------------


def test_expired(verifier, issuer, holder):
    token = issuer.issue(holder.did, validUntil="2025-08-01T00:00:00Z")
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["validity_period"] == (FAILED, "expired")
    assert_rest_reported(report, "validity_period")
    assert check(report, "signature").status == PASSED
    assert check(report, "status.revocation").status == PASSED


def test_expired_by_jwt_exp(verifier, issuer, holder):
    token = issuer.issue(holder.did, exp=int((NOW - timedelta(days=1)).timestamp()))
    assert statuses(verifier.verify_credential(token, now=NOW))["validity_period"] == (FAILED, "expired")


def test_not_yet_valid(verifier, issuer, holder):
    token = issuer.issue(holder.did, validFrom="2025-10-01T00:00:00Z")
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["validity_period"] == (FAILED, "not_yet_valid")
    assert_rest_reported(report, "validity_period")


def test_leeway(verifier, issuer, holder):
    token = issuer.issue(holder.did, validFrom=model.format_datetime(NOW + timedelta(seconds=30)))
    assert verifier.verify_credential(token, now=NOW).verified
    strict = VerifyOptions(leeway=timedelta(0))
    assert not verifier.verify_credential(token, now=NOW, options=strict).verified


# --- status -------------------------------------------------------------------------------------


def test_revoked(verifier, issuer, holder):
    token = issuer.issue(holder.did, index=1234)
    issuer.set_status("revocation", 1234, 1)
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["status.revocation"] == (FAILED, "revoked")
    assert statuses(report)["status.suspension"] == (PASSED, None)
    assert report.status == {"revocation": "revoked", "suspension": "valid"}
    assert_rest_reported(report, "status")
    # a neighbour is unaffected
    assert verifier.verify_credential(issuer.issue(holder.did, index=1235), now=NOW).verified


def test_suspended_then_reinstated(verifier, issuer, holder):
    token = issuer.issue(holder.did, index=77)
    issuer.set_status("suspension", 77, 1)
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["status.suspension"] == (FAILED, "suspended")
    assert not report.verified
    issuer.set_status("suspension", 77, 0)
    assert verifier.verify_credential(token, now=NOW).verified


def test_suspended_then_reinstated_through_the_cache(web, issuer, holder):
    clock = [NOW.timestamp()]
    cache = CachingFetcher(web, clock=lambda: clock[0])
    verifier = Verifier(cache, trust=registry(issuer))
    token = issuer.issue(holder.did, index=77)
    issuer.set_status("suspension", 77, 1)
    assert not verifier.verify_credential(token, now=NOW).verified
    issuer.set_status("suspension", 77, 0)
    # within max-age the cached (suspended) list answers
    assert not verifier.verify_credential(token, now=NOW).verified
    clock[0] += 301
    later = NOW + timedelta(seconds=301)
    assert verifier.verify_credential(token, now=later).verified


def test_status_list_signed_by_another_issuer(web, issuer, holder):
    other = Issuer(web, slug="other")
    verifier = Verifier(web, trust=registry(issuer, other))
    token = issuer.issue(holder.did)
    # 1: another issuer's list, under its own kid, served at our URL
    issuer.publish_list("revocation", issuer.list_token("revocation", signer=other.key, kid=other.kid))
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["status.revocation"] == (FAILED, "status_list_issuer_mismatch")
    assert statuses(report)["status.suspension"] == (PASSED, None)
    assert_rest_reported(report, "status")
    # 2: signed with another key but claiming our kid
    issuer.publish_list("revocation", issuer.list_token("revocation", signer=other.key))
    assert statuses(verifier.verify_credential(token, now=NOW))["status.revocation"] == (FAILED, "status_list_signature_invalid")
    # 3: the other issuer's own genuine list, naming itself as issuer
    issuer.publish_list("revocation", other.list_token("revocation") )
    assert check(verifier.verify_credential(token, now=NOW), "status.revocation").status == FAILED


def test_status_list_of_the_wrong_purpose(verifier, issuer, holder):
    token = issuer.issue(holder.did)
    issuer.publish_list("revocation", issuer.list_token("revocation", claimed_purpose="suspension"))
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["status.revocation"] == (FAILED, "status_list_purpose_mismatch")
    assert_rest_reported(report, "status")


def test_status_list_whose_id_differs(verifier, issuer, holder):
    token = issuer.issue(holder.did)
    issuer.publish_list("revocation", issuer.list_token("revocation", list_id=issuer.list_url("revocation", 2)))
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["status.revocation"] == (FAILED, "status_list_id_mismatch")


def test_stale_status_list_is_unknown(verifier, issuer, holder):
    token = issuer.issue(holder.did)
    issuer.publish_list("revocation", issuer.list_token("revocation", valid_until=NOW - timedelta(minutes=10)))
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["status.revocation"] == (UNKNOWN, "status_list_stale")
    assert report.status["revocation"] == "unknown"
    assert not report.verified
    # explicitly accepted: the caller takes the risk
    assert verifier.verify_credential(token, now=NOW, options=VerifyOptions(accept_unknown=frozenset({"status"}))).verified


def test_status_list_unavailable_is_unknown(verifier, issuer, holder, web):
    web.down.add(issuer.list_url("suspension"))
    report = verifier.verify_credential(issuer.issue(holder.did), now=NOW)
    assert statuses(report)["status.suspension"] == (UNKNOWN, "status_unavailable")
    assert statuses(report)["status.revocation"] == (PASSED, None)
    assert not report.verified


def test_status_list_too_short_or_not_a_jwt(verifier, issuer, holder):
    import base64
    import zlib

    token = issuer.issue(holder.did)
    gz = zlib.compress(bytes(1024), 6, wbits=31)  # 8,192 entries: far under the 131,072 minimum
    encoded = "u" + base64.urlsafe_b64encode(gz).rstrip(b"=").decode()
    doc = status_list.status_list_credential(issuer.list_url("revocation"), issuer.did, "revocation", encoded, NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    issuer.publish_list("revocation", jose.sign_credential(doc, issuer.key, issuer.kid))
    assert statuses(verifier.verify_credential(token, now=NOW))["status.revocation"] == (FAILED, "status_list_too_short")
    issuer.publish_list("revocation", json.dumps(doc))
    assert statuses(verifier.verify_credential(token, now=NOW))["status.revocation"] == (FAILED, "invalid_status_list")


def test_malformed_and_out_of_range_status_entries(verifier, issuer, holder):
    cred = issuer.credential(holder.did)
    cred["credentialStatus"][0]["statusListIndex"] = "0042"
    report = verifier.verify_credential(jose.sign_credential(cred, issuer.key, issuer.kid), now=NOW)
    assert statuses(report)["status"] == (FAILED, "invalid_status_list")
    cred["credentialStatus"][0]["statusListIndex"] = str(status_list.MIN_ENTRIES)
    report = verifier.verify_credential(jose.sign_credential(cred, issuer.key, issuer.kid), now=NOW)
    assert statuses(report)["status.revocation"] == (FAILED, "status_index_out_of_range")


def test_status_index_memo_keeps_types_apart(verifier, issuer, holder):
    """statusListIndex True is not 1 (nor is 1.0): only an int or a decimal string is an index."""
    good = issuer.credential(holder.did, index=1)
    good["credentialStatus"][0]["statusListIndex"] = 1  # a JSON int is accepted (the schema wants a string)
    assert statuses(verifier.verify_credential(jose.sign_credential(good, issuer.key, issuer.kid), now=NOW))["status.revocation"] == (PASSED, None)
    bad = copy.deepcopy(good)
    bad["credentialStatus"][0]["statusListIndex"] = True
    report = verifier.verify_credential(jose.sign_credential(bad, issuer.key, issuer.kid), now=NOW)
    assert statuses(report)["status"] == (FAILED, "invalid_status_list")


def test_plain_http_status_list_outside_dev_hosts_is_refused(verifier, issuer, holder, web):
    cred = issuer.credential(holder.did)
    cred["credentialStatus"][0] = status_list.status_entry("http://issuer.test/providers/roc-west/status/revocation/1", 42, "revocation")
    report = verifier.verify_credential(jose.sign_credential(cred, issuer.key, issuer.kid), now=NOW)
    assert statuses(report)["status.revocation"] == (FAILED, "blocked_address")
    assert "http://issuer.test/providers/roc-west/status/revocation/1" not in web.calls


def test_no_status_is_fine(verifier, issuer, holder):
    cred = issuer.credential(holder.did)
    del cred["credentialStatus"]
    report = verifier.verify_credential(jose.sign_credential(cred, issuer.key, issuer.kid), now=NOW)
    assert statuses(report)["status"] == (SKIPPED, "no_status")
    # the microcredential schema requires credentialStatus
    assert statuses(report)["schema"][0] == FAILED


def test_too_many_status_entries(verifier, issuer, holder):
    cred = issuer.credential(holder.did)
    cred["credentialStatus"] = [status_list.status_entry(issuer.list_url("revocation", n), 1, "revocation") for n in range(20)]
    report = verifier.verify_credential(jose.sign_credential(cred, issuer.key, issuer.kid), now=NOW)
    assert statuses(report)["status"] == (FAILED, "too_many_status_entries")


# --- trust ---------------------------------------------------------------------------------------


def test_untrusted_issuer_makes_zero_requests(web, issuer, holder):
    stranger = Issuer(web, slug="stranger")
    web.calls.clear()
    report = Verifier(web, trust=registry(issuer)).verify_credential(stranger.issue(holder.did), now=NOW)
    assert web.calls == []
    assert statuses(report)["trust"] == (FAILED, "untrusted_issuer")
    for name in ("did_resolution", "signature", "status.revocation", "status.suspension", "schema"):
        assert statuses(report)[name] == (SKIPPED, "untrusted_issuer")
    for name in ("issuer_binding", "data_model", "validity_period"):
        assert check(report, name).status == PASSED
    assert report.trust.name is None
    assert not report.verified


def test_look_alike_dids_do_not_match(web, holder):
    gov = Issuer(web, host="gov", slug="x")
    look_alike = Issuer(web, host="gov.example", slug="x")
    upper = Issuer(web, host="gov", slug="x")
    upper.did, upper.kid = "did:web:GOV:providers:x", "did:web:GOV:providers:x#key-1"  # same document URL
    web.calls.clear()
    verifier = Verifier(web, trust=registry(gov))
    for fake in (look_alike, upper):
        report = verifier.verify_credential(fake.issue(holder.did), now=NOW)
        assert statuses(report)["trust"] == (FAILED, "untrusted_issuer")
    assert web.calls == []


def test_empty_registry_trusts_nobody(web, issuer, holder):
    report = Verifier(web).verify_credential(issuer.issue(holder.did), now=NOW)
    assert statuses(report)["trust"] == (FAILED, "untrusted_issuer") and web.calls == [] or not report.verified


def test_lapsed_accreditation(web, issuer, holder):
    verifier = Verifier(web, trust=registry(issuer, validUntil="2025-01-01T00:00:00Z"))
    web.calls.clear()
    report = verifier.verify_credential(issuer.issue(holder.did), now=NOW)
    assert statuses(report)["trust"] == (FAILED, "accreditation_expired")
    assert web.calls == []


def test_open_mode_verifies_unknown_issuers_but_does_not_call_them_verified(web, holder):
    stranger = Issuer(web, slug="stranger")
    verifier = Verifier(web, options=VerifyOptions(open_mode=True))
    report = verifier.verify_credential(stranger.issue(holder.did), now=NOW)
    assert statuses(report)["trust"] == (UNKNOWN, "issuer_not_in_registry")
    assert all(c.status == PASSED for c in report.checks if c.check != "trust")
    assert not report.verified
    accepting = VerifyOptions(open_mode=True, accept_unknown=frozenset({"trust"}))
    assert verifier.verify_credential(stranger.issue(holder.did), now=NOW, options=accepting).verified


def test_accept_unknown_is_limited():
    with pytest.raises(ValueError):
        VerifyOptions(accept_unknown=frozenset({"signature"}))


def test_unreachable_issuer_is_unknown_not_verified(web, issuer, holder):
    web.down.add("issuer.test")
    report = Verifier(web, trust=registry(issuer)).verify_credential(issuer.issue(holder.did), now=NOW)
    assert statuses(report)["did_resolution"] == (UNKNOWN, "issuer_unreachable")
    assert statuses(report)["signature"] == (UNKNOWN, "issuer_unreachable")
    assert check(report, "status.revocation").status == SKIPPED
    assert check(report, "data_model").status == PASSED
    assert not report.verified
    # accepting unknown status does not accept an unverifiable signature
    assert not Verifier(web, trust=registry(issuer), options=VerifyOptions(accept_unknown=frozenset({"status", "trust"}))).verify_credential(issuer.issue(holder.did), now=NOW).verified


def test_did_document_for_another_did_is_refused(web, issuer, holder):
    other = dids.build_did_document("did:web:evil.test", [("key-1", issuer.key.public_key())])
    web.put(f"{issuer.base}/did.json", json.dumps(other))
    report = Verifier(web, trust=registry(issuer)).verify_credential(issuer.issue(holder.did), now=NOW)
    assert statuses(report)["did_resolution"] == (FAILED, "did_resolution_failed")
    assert not report.verified


def test_dev_hosts_use_http_for_did_web(web, holder):
    dev = Issuer(web, host="127.0.0.1:5001", slug="demo", scheme="http")
    assert dev.did == "did:web:127.0.0.1%3A5001:providers:demo"
    report = Verifier(web, trust=registry(dev), dev_hosts=["127.0.0.1:5001"]).verify_credential(dev.issue(holder.did), now=NOW)
    assert report.verified, report.to_dict(claims=False)
    assert "http://127.0.0.1:5001/providers/demo/did.json" in web.calls
    # without the dev host: https is asked for (and here not served), and the http list is refused
    report = Verifier(web, trust=registry(dev)).verify_credential(dev.issue(holder.did), now=NOW)
    assert check(report, "did_resolution").status == UNKNOWN


def test_unknown_schema_is_skipped_not_fetched(verifier, issuer, holder, web):
    cred = issuer.credential(holder.did)
    cred["credentialSchema"] = [{"id": "https://evil.test/schema.json", "type": "JsonSchema"}]
    web.calls.clear()
    report = verifier.verify_credential(jose.sign_credential(cred, issuer.key, issuer.kid), now=NOW)
    assert statuses(report)["schema"] == (SKIPPED, "unknown_schema")
    assert not any("evil.test" in u for u in web.calls)
    assert report.verified


def test_schema_invalid(verifier, issuer, holder):
    cred = issuer.credential(holder.did)
    del cred["credentialSubject"]["achievement"]["name"]
    report = verifier.verify_credential(jose.sign_credential(cred, issuer.key, issuer.kid), now=NOW)
    status, code = statuses(report)["schema"]
    assert (status, code) == (FAILED, "schema_invalid")
    assert any(e["pointer"].endswith("/achievement/name") for e in check(report, "schema").detail)


def test_caches_make_one_fetch_per_document(web, issuer, holder):
    cache = CachingFetcher(web, clock=lambda: NOW.timestamp())
    verifier = Verifier(cache, trust=registry(issuer))
    web.calls.clear()
    for i in range(200):
        assert verifier.verify_credential(issuer.issue(holder.did, index=i), now=NOW).verified
    assert sorted(web.calls) == sorted([f"{issuer.base}/did.json", issuer.list_url("revocation"), issuer.list_url("suspension")])


def test_list_valid_until_bounds_the_cache(web, issuer, holder):
    clock = [NOW.timestamp()]
    cache = CachingFetcher(web, clock=lambda: clock[0], default_ttl=3600)
    issuer.list_valid_until = NOW + timedelta(seconds=30)
    issuer.publish_list("revocation", max_age=3600)
    verifier = Verifier(cache, trust=registry(issuer))
    token = issuer.issue(holder.did)
    assert verifier.verify_credential(token, now=NOW).verified
    web.calls.clear()
    clock[0] += 31
    # the cached copy is past its validUntil: fetched again (and a fresh list is served)
    issuer.list_valid_until = NOW + timedelta(hours=2)
    issuer.publish_list("revocation")
    assert verifier.verify_credential(token, now=NOW + timedelta(seconds=31)).verified
    assert web.calls == [issuer.list_url("revocation")]


# --- presentations ---------------------------------------------------------------------------


def test_valid_presentation(verifier, issuer, holder):
    vp = holder.present([issuer.issue(holder.did), issuer.issue(holder.did, index=9, base=SKILL) if False else issuer.issue(holder.did, index=9)])
    report = verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert report.verified, report.to_dict(claims=False)
    assert report.holder == holder.did
    assert len(report.credentials) == 2 and all(r.verified for r in report.credentials)
    assert [c.check for c in report.checks] == [
        "parse", "holder_signature", "holder_binding", "data_model", "nonce", "audience",
        "validity_period", "credentials", "subject_binding",
    ]
    assert report.to_dict()["credentials"][0]["verified"] is True


def test_did_jwk_holder(verifier, issuer):
    jwk_holder = Holder("jwk")
    vp = jwk_holder.present([issuer.issue(jwk_holder.did)])
    assert verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW).verified


def test_functional_presentation_api(web, issuer, holder):
    vp = holder.present([issuer.issue(holder.did)])
    assert verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, fetcher=web, trust=registry(issuer), now=NOW).verified


def test_presentation_wrong_holder(verifier, issuer, holder):
    """Signed by the holder's key, but claiming another holder: refused, rest still reported."""
    other = Holder()
    vp = holder.present([issuer.issue(holder.did)], holder=other.did)
    report = verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert statuses(report)["holder_binding"] == (FAILED, "holder_not_signer")
    assert statuses(report)["holder_signature"] == (PASSED, None)
    assert statuses(report)["nonce"] == (PASSED, None)
    assert statuses(report)["credentials"] == (PASSED, None)
    assert not report.verified


def test_presentation_signed_by_someone_else(verifier, issuer, holder):
    thief = Holder()
    vp = holder.present([issuer.issue(holder.did)], key=thief.key)
    report = verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert statuses(report)["holder_signature"] == (FAILED, "invalid_signature")
    assert not report.verified


def test_presentation_of_someone_elses_credential(verifier, issuer, holder):
    """A validly signed presentation by the thief of a credential issued to the victim."""
    victim = Holder()
    thief = holder
    vp = thief.present([issuer.issue(victim.did)])
    report = verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert statuses(report)["holder_signature"] == (PASSED, None)
    assert statuses(report)["holder_binding"] == (PASSED, None)
    assert statuses(report)["credentials"] == (PASSED, None)  # the credential itself is genuine
    assert statuses(report)["subject_binding"] == (FAILED, "holder_mismatch")
    assert not report.verified


def test_presentation_wrong_nonce_missing_nonce_and_replay_of_old_one(verifier, issuer, holder):
    vp = holder.present([issuer.issue(holder.did)], nonce="old-nonce")
    report = verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert statuses(report)["nonce"] == (FAILED, "nonce_mismatch")
    assert check(report, "credentials").status == PASSED
    assert not report.verified
    vp = holder.present([issuer.issue(holder.did)], nonce=None)
    assert statuses(verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW))["nonce"] == (FAILED, "nonce_missing")
    # no nonce asked: skipped, unless the options require one
    assert statuses(verifier.verify_presentation(vp, nonce=None, audience=VERIFIER_ID, now=NOW))["nonce"] == (SKIPPED, "nonce_not_requested")
    strict = VerifyOptions(require_nonce=True)
    assert statuses(verifier.verify_presentation(vp, nonce=None, audience=VERIFIER_ID, now=NOW, options=strict))["nonce"] == (FAILED, "nonce_required")


def test_presentation_wrong_audience(verifier, issuer, holder):
    vp = holder.present([issuer.issue(holder.did)], audience="https://other-verifier.test")
    report = verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert statuses(report)["audience"] == (FAILED, "audience_mismatch")
    assert statuses(report)["nonce"] == (PASSED, None)
    assert not report.verified
    vp = holder.present([issuer.issue(holder.did)], audience=None)
    assert statuses(verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW))["audience"] == (FAILED, "audience_missing")
    vp = holder.present([issuer.issue(holder.did)], audience=[VERIFIER_ID, "https://x.test"])  # type: ignore[arg-type]
    assert statuses(verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW))["audience"] == (PASSED, None)


def test_presentation_expired_and_too_old(verifier, issuer, holder):
    vp = holder.present([issuer.issue(holder.did)], exp=int((NOW - timedelta(minutes=5)).timestamp()))
    assert statuses(verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW))["validity_period"] == (FAILED, "expired")
    vp = holder.present([issuer.issue(holder.did)])
    later = NOW + timedelta(hours=2)
    opts = VerifyOptions(presentation_max_age=timedelta(minutes=10))
    assert statuses(verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=later, options=opts))["validity_period"] == (FAILED, "presentation_too_old")


def test_presentation_with_a_revoked_and_an_unsecured_credential(verifier, issuer, holder):
    token = issuer.issue(holder.did, index=5)
    issuer.set_status("revocation", 5, 1)
    vp = holder.present([token])
    report = verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert statuses(report)["credentials"] == (FAILED, "credential_not_verified")
    assert check(report, "credentials").detail == [{"index": 0, "codes": ["revoked"]}]
    vp = model.build_presentation(holder.did, [issuer.credential(holder.did)])
    token = jose.sign_presentation(vp, holder.key, holder.kid, nonce="n-123", audience=VERIFIER_ID)
    report = verifier.verify_presentation(token, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert report.credentials[0].get("parse").code == "unsecured_credential"
    assert not report.verified


def test_presentation_with_no_credentials(verifier, holder):
    vp = holder.present([])
    report = verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert statuses(report)["credentials"] == (FAILED, "no_credentials")
    assert not report.verified


def test_presentation_by_did_web_holder_is_refused_without_fetching(verifier, issuer, holder, web):
    vp = model.build_presentation(issuer.did, [jose.envelope(issuer.issue(holder.did))])
    token = jose.sign_presentation(vp, issuer.key, issuer.kid, nonce="n-123", audience=VERIFIER_ID)
    web.calls.clear()
    report = verifier.verify_presentation(token, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert statuses(report)["holder_signature"] == (FAILED, "unsupported_did_method")


def test_credential_given_as_presentation_and_vice_versa(verifier, issuer, holder):
    token = issuer.issue(holder.did)
    assert statuses(verifier.verify_presentation(token, nonce="n", audience=VERIFIER_ID, now=NOW))["holder_signature"] == (FAILED, "wrong_type")
    vp = holder.present([token])
    assert statuses(verifier.verify_credential(vp, now=NOW))["signature"][0] in (FAILED, SKIPPED)
    assert not verifier.verify_credential(vp, now=NOW).verified


def test_report_replace_rejudges(verifier, issuer, holder):
    vp = holder.present([issuer.issue(holder.did)])
    report = verifier.verify_presentation(vp, nonce="n-123", audience=VERIFIER_ID, now=NOW)
    assert report.verified
    report.replace(Check("nonce", FAILED, "nonce_replayed", "used before"))
    assert not report.verified and report.get("nonce").code == "nonce_replayed"


# --- robustness: no input escapes as an exception ------------------------------------------------

ODD_VALUES: list[Any] = [None, 0, -1, 1e308, True, "", "x", [], [None], [[]], {}, {"id": 5}, {"id": "did:web:x"}, "2025-13-45T99:99:99Z", "99999-01-01T00:00:00Z"]


@pytest.mark.parametrize(
    "member",
    ["@context", "id", "type", "issuer", "validFrom", "validUntil", "credentialSubject", "credentialStatus", "credentialSchema", "evidence", "iss", "exp", "nbf", "iat", "vc"],
)
def test_every_member_odd_values_never_raise(verifier, issuer, holder, member):
    for value in ODD_VALUES:
        payload = issuer.credential(holder.did)
        payload["iss"] = issuer.did
        payload[member] = value
        token = jose.sign_jws(payload, issuer.key, kid=issuer.kid, typ="vc+jwt")
        report = verifier.verify_credential(token, now=NOW)
        assert [c.check for c in report.checks][:7] == list(CREDENTIAL_CHECKS[:7])
        json.dumps(report.to_dict())
        assert isinstance(report.verified, bool)


@pytest.mark.parametrize("field", ["type", "statusPurpose", "statusListIndex", "statusListCredential", "id", "statusSize"])
def test_odd_status_entries_never_raise(verifier, issuer, holder, field):
    for value in [*ODD_VALUES, "HTTP://issuer.test/providers/roc-west/status/revocation/1", "https://127.0.0.1/x", "file:///etc/passwd"]:
        cred = issuer.credential(holder.did)
        cred["credentialStatus"][0][field] = value
        report = verifier.verify_credential(jose.sign_credential(cred, issuer.key, issuer.kid), now=NOW)
        json.dumps(report.to_dict())
        statuses_ = [c for c in report.checks if c.check.startswith("status")]
        assert statuses_ and all(c.status in (PASSED, FAILED, SKIPPED, UNKNOWN) for c in statuses_)


@pytest.mark.parametrize("member", ["alg", "kid", "typ", "cty"])
def test_odd_headers_never_raise(verifier, issuer, holder, member):
    token = issuer.issue(holder.did)
    for value in [*ODD_VALUES, "did:web:issuer.test:providers:roc-west", "did:web:issuer.test:providers:roc-west#", "#key-1"]:
        header = jose.decode_jws(token).header | {member: value}
        report = verifier.verify_credential(resign(token, header=header, key=issuer.key), now=NOW)
        assert not report.verified or (member == "cty" and value is None)
        json.dumps(report.to_dict())


def test_odd_presentations_never_raise(verifier, issuer, holder):
    base = model.build_presentation(holder.did, [jose.envelope(issuer.issue(holder.did))])
    for member in ("holder", "verifiableCredential", "type", "@context", "nonce", "aud", "iat", "exp", "nbf", "iss"):
        for value in ODD_VALUES:
            vp = dict(base)
            vp[member] = value
            token = jose.sign_jws(vp, holder.key, kid=holder.kid, typ="vp+jwt")
            report = verifier.verify_presentation(token, nonce="n", audience=VERIFIER_ID, now=NOW)
            json.dumps(report.to_dict())
            assert not report.verified


def test_memos_follow_the_documents(web, issuer, holder):
    """A key removed from the DID document (compromise) is noticed at once: memos are keyed by the bytes."""
    verifier = Verifier(web, trust=registry(issuer))
    token = issuer.issue(holder.did)
    assert verifier.verify_credential(token, now=NOW).verified
    new_key = keys.generate()
    doc = dids.build_did_document(issuer.did, [("key-2", new_key.public_key())])
    web.put(f"{issuer.base}/did.json", json.dumps(doc))
    report = verifier.verify_credential(token, now=NOW)
    assert statuses(report)["signature"] == (FAILED, "key_not_found")
    # the lists are signed with the removed key too: refused as well, not served from memory
    issuer.key, issuer.kid = new_key, f"{issuer.did}#key-2"
    fresh = issuer.issue(holder.did)
    report = verifier.verify_credential(fresh, now=NOW)
    assert check(report, "signature").status == PASSED
    assert statuses(report)["status.revocation"] == (FAILED, "status_list_signature_invalid")
    issuer.publish_list("revocation")
    issuer.publish_list("suspension")
    assert verifier.verify_credential(fresh, now=NOW).verified


def test_one_off_functions_share_the_memos(web, issuer, holder):
    from vc.verify import SHARED_MEMOS

    SHARED_MEMOS.clear()
    verify_credential(issuer.issue(holder.did), fetcher=web, trust=registry(issuer), now=NOW)
    filled = (len(SHARED_MEMOS.docs), len(SHARED_MEMOS.keys), len(SHARED_MEMOS.lists))
    for i in range(5):
        assert verify_credential(issuer.issue(holder.did, index=i), fetcher=web, trust=registry(issuer), now=NOW).verified
    assert (len(SHARED_MEMOS.docs), len(SHARED_MEMOS.keys), len(SHARED_MEMOS.lists)) == filled == (1, 1, 2)
