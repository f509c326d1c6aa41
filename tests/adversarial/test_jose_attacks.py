"""JOSE attacks on the services: every forged credential refused with its exact reason, nothing written.

The unit tests of vc/jose.py cover the library; here each forgery is sent to
the services the way an attacker would: the verifier's `POST /verify`
(a 200 report, `verified: false`, the check and code), its VC-API
`POST /credentials/verify` (422 with `error` the first failing code) and
`POST /verify/batch`, and the wallet's `POST /credentials` (422
`credential_rejected`, the code in the report). After each: no row added or
changed, and no request made for a URL the token named (`jku`, `x5u`, a kid's
DID).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from cryptography.hazmat.primitives import serialization

from adversarial_helpers import b64, checks_of, enc, failed_codes, forge, make_verifier, make_wallet
from vc import did as dids
from vc import jose, keys

ATTACKER = keys.generate()
ATTACKER_P256 = keys.generate("P-256")
ATTACKER_DID = dids.did_key(ATTACKER)
ATTACKER_KID = dids.resolve_local(ATTACKER_DID)["verificationMethod"][0]["id"]
EVIL = "https://attacker.example"


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Any], str]
    #: check -> (status, code) the verifier's report must hold
    expect: dict[str, tuple[str, str]]
    #: URLs (prefixes) that must never be asked for
    never_fetched: tuple[str, ...] = (EVIL,)
    #: the codes the wallet's refusal must name, when not those of `expect`
    wallet_codes: tuple[str, ...] | None = None


def _public_forms(world: Any) -> dict[str, bytes]:
    """The issuer's public key in every form an HMAC confusion attack would try."""
    public = world.issuer.key.public_key()
    jwk = keys.public_jwk(public)
    return {
        "raw": public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        "pem": public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "der": public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        "jwk": json.dumps(jwk).encode(),
        "jwk-compact": json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode(),
        "x": jwk["x"].encode(),
    }


def signed(world: Any, header: dict[str, Any] | None = None, payload: Any = None, key: Any = None) -> str:
    """Header and payload (defaults: the trusted issuer's, valid) signed with `key` (default: the issuer's)."""
    return forge(world.header() if header is None else header, world.payload() if payload is None else payload, key=key or world.issuer.key)


SIG = ("signature", "failed")


def sig(code: str) -> dict[str, tuple[str, str]]:
    return {"signature": ("failed", code)}


def parse(code: str) -> dict[str, tuple[str, str]]:
    return {"parse": ("failed", code)}


def data_model(code: str = "malformed_token") -> dict[str, tuple[str, str]]:
    return {"data_model": ("failed", code), "signature": ("passed", None)}  # type: ignore[dict-item]


CASES: list[Case] = []

# --- alg: none, HMAC with the public key (every form), and algs that do not fit the key -----------------

CASES.append(Case("alg-none-no-signature", lambda w: forge(w.header(alg="none"), w.payload()), parse("malformed_token")))
for alg in ("none", "None", "NONE", "nOnE"):
    CASES.append(Case(f"alg-{alg}-with-signature", lambda w, a=alg: forge(w.header(alg=a), w.payload(), signature=b"\x00"), sig("unsupported_algorithm")))
for name, alg_value in (("missing", None), ("number", 7), ("list", ["EdDSA"]), ("object", {"alg": "EdDSA"}), ("empty", "")):
    CASES.append(Case(
        f"alg-{name}",
        lambda w, a=alg_value: forge({**w.header(), "alg": a} if a is not None else {k: v for k, v in w.header().items() if k != "alg"}, w.payload(), key=w.issuer.key),
        sig("unsupported_algorithm"),
    ))
for alg, digest in (("HS256", hashlib.sha256), ("HS384", hashlib.sha384), ("HS512", hashlib.sha512)):
    for form in ("raw", "pem", "der", "jwk", "jwk-compact", "x"):
        CASES.append(Case(
            f"{alg}-public-key-as-secret-{form}",
            lambda w, a=alg, d=digest, f=form: forge(w.header(alg=a), w.payload(), hmac_secret=_public_forms(w)[f], digest=d),
            sig("unsupported_algorithm"),
        ))
for alg in ("ES256", "ES384", "ES512", "RS256", "PS256", "Ed25519", "Ed448", "EdDSA "):
    CASES.append(Case(f"alg-{alg.strip() or 'space'}-on-an-ed25519-key", lambda w, a=alg: signed(w, w.header(alg=a)), sig("unsupported_algorithm")))
CASES.append(Case(
    "es256-signature-by-attacker-p256-key-under-issuer-kid",
    lambda w: signed(w, w.header(alg="ES256"), key=ATTACKER_P256),
    sig("unsupported_algorithm"),
))

# --- headers that carry or point at keys: refused, and never fetched ---------------------------------

CASES += [
    Case("jwk-header-with-attacker-key", lambda w: signed(w, w.header(jwk=keys.public_jwk(ATTACKER.public_key())), key=ATTACKER), sig("forbidden_header")),
    Case("jwk-header-with-issuer-key", lambda w: signed(w, w.header(jwk=keys.public_jwk(w.issuer.key.public_key()))), sig("forbidden_header")),
    Case("jku-header", lambda w: signed(w, w.header(jku=f"{EVIL}/jwks.json"), key=ATTACKER), sig("forbidden_header")),
    Case("jku-header-at-metadata", lambda w: signed(w, w.header(jku="http://169.254.169.254/latest/meta-data/"), key=ATTACKER), sig("forbidden_header"), (EVIL, "http://169.254.169.254")),
    Case("x5u-header", lambda w: signed(w, w.header(x5u=f"{EVIL}/cert.pem"), key=ATTACKER), sig("forbidden_header")),
    Case("x5c-header", lambda w: signed(w, w.header(x5c=[b64(b"\x30\x82" + b"\x00" * 64)]), key=ATTACKER), sig("forbidden_header")),
    Case("x5t-header", lambda w: signed(w, w.header(x5t=b64(b"\x01" * 20)), key=ATTACKER), sig("forbidden_header")),
    Case("x5t-s256-header", lambda w: signed(w, w.header(**{"x5t#S256": b64(b"\x01" * 32)}), key=ATTACKER), sig("forbidden_header")),
    Case("kid-and-jwk-of-the-attacker", lambda w: signed(w, w.header(kid=ATTACKER_KID, jwk=keys.public_jwk(ATTACKER.public_key())), key=ATTACKER),
         {"issuer_binding": ("failed", "signer_not_issuer")}),
]

# --- kid: not the issuer's, not in assertionMethod, absurd -----------------------------------------

LONG = "A" * 10 * 1024
CASES += [
    Case("kid-of-another-did", lambda w: signed(w, w.header(kid=ATTACKER_KID), key=ATTACKER),
         {"issuer_binding": ("failed", "signer_not_issuer"), "signature": ("skipped", "signer_not_issuer")}),
    Case("kid-of-a-did-web-at-metadata", lambda w: signed(w, w.header(kid="did:web:169.254.169.254#key-1"), key=ATTACKER),
         {"issuer_binding": ("failed", "signer_not_issuer"), "signature": ("skipped", "signer_not_issuer")}, (EVIL, "https://169.254.169.254")),
    Case("kid-of-a-did-web-at-loopback", lambda w: signed(w, w.header(kid="did:web:127.0.0.1%3A5001:providers:x#key-1"), key=ATTACKER),
         {"issuer_binding": ("failed", "signer_not_issuer")}, (EVIL, "https://127.0.0.1", "http://127.0.0.1")),
    Case("kid-fragment-not-in-document", lambda w: signed(w, w.header(kid=w.issuer.did + "#key-99"), key=ATTACKER), sig("key_not_found")),
    Case("kid-only-in-authentication", lambda w: signed(w, w.header(kid=w.issuer.did + "#auth-1"), key=w.auth_key), sig("key_not_found")),
    Case("kid-issuer-did-without-fragment", lambda w: signed(w, w.header(kid=w.issuer.did), key=ATTACKER), sig("key_not_found")),
    Case("kid-path-traversal", lambda w: signed(w, w.header(kid="../../../../etc/passwd"), key=ATTACKER), sig("invalid_did")),
    Case("kid-path-traversal-in-fragment", lambda w: signed(w, w.header(kid=w.issuer.did + "#../../../etc/passwd"), key=ATTACKER), sig("key_not_found")),
    Case("kid-sql", lambda w: signed(w, w.header(kid=w.issuer.did + "#key-1' OR '1'='1"), key=ATTACKER), sig("invalid_did")),
    Case("kid-sql-bare", lambda w: signed(w, w.header(kid="' OR 1=1; DROP TABLE used_nonce; --"), key=ATTACKER), sig("invalid_did")),
    Case("kid-10kb-fragment", lambda w: signed(w, w.header(kid=w.issuer.did + "#" + LONG), key=ATTACKER), sig("invalid_did")),
    Case("kid-10kb-did", lambda w: signed(w, w.header(kid="did:web:" + LONG + "#key-1"), key=ATTACKER), sig("invalid_did")),
    Case("kid-number", lambda w: signed(w, w.header(kid=1), key=ATTACKER), sig("malformed_token")),
    Case("kid-list", lambda w: signed(w, w.header(kid=[w.issuer.kid]), key=ATTACKER), sig("malformed_token")),
    Case("kid-missing", lambda w: signed(w, {k: v for k, v in w.header().items() if k != "kid"}, key=ATTACKER), sig("malformed_token")),
    Case("kid-nul-byte", lambda w: signed(w, w.header(kid=w.issuer.did + "#key-1\x00"), key=ATTACKER), parse("malformed_token")),  # a NUL anywhere in the JSON: not read at all
]

# --- crit, typ and cty -------------------------------------------------------------------------------

CASES += [
    Case("crit-exp", lambda w: signed(w, w.header(crit=["exp"], exp=1)), sig("forbidden_header")),
    Case("crit-empty", lambda w: signed(w, w.header(crit=[])), sig("forbidden_header")),
    Case("crit-b64-false", lambda w: signed(w, w.header(crit=["b64"], b64=False)), sig("forbidden_header")),
    Case("zip-header", lambda w: signed(w, w.header(zip="DEF")), sig("forbidden_header")),
    Case("enc-header", lambda w: signed(w, w.header(enc="A256GCM")), sig("forbidden_header")),
    Case("typ-vp-jwt", lambda w: signed(w, w.header(typ="vp+jwt", cty="vp")), sig("wrong_type")),
    Case("typ-kb-jwt", lambda w: signed(w, w.header(typ="kb+jwt", cty=None)), sig("wrong_type")),
    Case("typ-statuslist-jwt", lambda w: signed(w, w.header(typ="statuslist+jwt", cty=None)), sig("wrong_type")),
    Case("typ-jwt", lambda w: signed(w, w.header(typ="JWT", cty=None)), sig("wrong_type")),
    Case("typ-missing", lambda w: signed(w, w.header(typ=None, cty=None)), sig("wrong_type")),
    Case("typ-number", lambda w: signed(w, w.header(typ=1)), sig("wrong_type")),
    Case("cty-vp-on-a-credential", lambda w: signed(w, w.header(cty="vp")), sig("wrong_type")),
    Case("a-presentation-offered-as-a-credential", lambda w: _presentation_as_credential(w),
         {"trust": ("failed", "untrusted_issuer"), "data_model": ("failed", "invalid_credential")}, wallet_codes=("invalid_credential",)),
    Case("a-presentation-naming-the-issuer-offered-as-a-credential", lambda w: _presentation_as_credential(w, issuer=w.issuer.did),
         {"signature": ("failed", "wrong_type"), "issuer_binding": ("failed", "signer_not_issuer")}),
    Case("a-kb-jwt-offered-as-a-credential", lambda w: _kb_jwt_as_credential(w), sig("wrong_type")),
    Case("a-status-list-offered-as-a-credential", lambda w: _status_list(w), {"data_model": ("failed", "wrong_type"), "signature": ("passed", None)}),  # type: ignore[dict-item]
    Case("a-token-status-list-offered-as-a-credential", lambda w: signed(w, w.header(typ="statuslist+jwt", cty=None), _token_status_list(w)),
         {"trust": ("failed", "untrusted_issuer"), "data_model": ("failed", "invalid_credential")}, wallet_codes=("invalid_credential",)),
    Case("a-token-status-list-naming-the-issuer-offered-as-a-credential",
         lambda w: signed(w, w.header(typ="statuslist+jwt", cty=None), {**_token_status_list(w), "issuer": w.issuer.did}), sig("wrong_type")),
]


def _token_status_list(world: Any) -> dict[str, Any]:
    """The claims of an IETF Token Status List (statuslist+jwt) of the issuer."""
    return {"sub": world.issuer.list_url("revocation"), "iss": world.issuer.did, "iat": 1_700_000_000, "status_list": {"bits": 2, "lst": "eNoDAAAAAAE"}}


def _status_list(world: Any) -> str:
    """The issuer's own, genuine, signed Bitstring status list credential."""
    url = world.issuer.list_url("revocation")
    pages = getattr(world.web, "pages", None) if hasattr(world, "web") else None
    return (pages[url][0] if pages is not None else world.fetcher.documents[url]).decode()


def _holder_key_and_did(world: Any) -> tuple[Any, str, str]:
    key = keys.generate()
    holder = dids.did_key(key)
    return key, holder, dids.resolve_local(holder)["verificationMethod"][0]["id"]


def _presentation_as_credential(world: Any, issuer: str | None = None) -> str:
    """A genuine vp+jwt around a genuine credential, offered where a credential is expected."""
    from vc import model

    key, holder, kid = _holder_key_and_did(world)
    credential = signed(world)
    vp = dict(model.build_presentation(holder, [jose.envelope(credential)]))
    if issuer:
        vp["issuer"] = issuer
    return jose.sign_presentation(vp, key, kid, nonce="n", audience="https://verifier.test")


def _kb_jwt_as_credential(world: Any) -> str:
    """A Key Binding JWT (typ kb+jwt) naming the issuer, offered as a credential."""
    payload = {"iat": 1_700_000_000, "aud": "https://verifier.test", "nonce": "n", "sd_hash": b64(b"\x00" * 32), "issuer": world.issuer.did}
    return forge({"alg": "EdDSA", "typ": "kb+jwt", "kid": world.issuer.kid}, payload, key=world.issuer.key)


# --- not a JWS at all: JWE, duplicates, numbers, size, nesting, encodings ----------------------------

_JWE = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A.XFBoMYUZodetZdvTiFvSkQ"
CASES += [
    Case("jwe-where-a-jws-is-expected", lambda w: _JWE, parse("malformed_token")),
    Case("two-parts", lambda w: ".".join(signed(w).split(".")[:2]), parse("malformed_token")),
    Case("four-parts", lambda w: signed(w) + ".AAAA", parse("malformed_token")),
    Case("padded-base64", lambda w: signed(w).replace(".", "=.", 1), parse("malformed_token")),
    Case("standard-base64-alphabet", lambda w: "+/" + signed(w), parse("malformed_token")),
    Case("header-not-an-object", lambda w: forge(["EdDSA"], w.payload(), key=w.issuer.key), parse("malformed_token")),
    Case("payload-not-an-object", lambda w: forge(w.header(), [w.payload()], key=w.issuer.key), parse("malformed_token")),
    Case("duplicate-alg-in-header", lambda w: forge(b'{"alg":"none","alg":"EdDSA","typ":"vc+jwt","kid":' + enc(w.issuer.kid) + b"}", w.payload(), key=w.issuer.key), parse("duplicate_member")),
    Case("duplicate-kid-in-header", lambda w: forge(b'{"alg":"EdDSA","typ":"vc+jwt","kid":' + enc(ATTACKER_KID) + b',"kid":' + enc(w.issuer.kid) + b"}", w.payload(), key=w.issuer.key), parse("duplicate_member")),
    Case("duplicate-issuer-in-payload", lambda w: forge(w.header(), enc(w.payload())[:-1] + b',"issuer":' + enc(ATTACKER_DID) + b"}", key=w.issuer.key), parse("duplicate_member")),
    Case("duplicate-nested-subject-id", lambda w: forge(w.header(), _nested_duplicate(w), key=w.issuer.key), parse("duplicate_member")),
    Case("exp-a-string", lambda w: signed(w, payload=w.payload(exp="tomorrow")), data_model()),
    Case("exp-beyond-9999", lambda w: signed(w, payload=w.payload(exp=2**64)), data_model()),
    Case("exp-bignum", lambda w: signed(w, payload=w.payload(exp=10**400)), data_model()),
    Case("exp-negative", lambda w: signed(w, payload=w.payload(exp=-1)), data_model()),
    Case("exp-a-boolean", lambda w: signed(w, payload=w.payload(exp=True)), data_model()),
    Case("exp-null", lambda w: signed(w, payload=w.payload(exp=None)), data_model()),
    Case("nbf-an-object", lambda w: signed(w, payload=w.payload(nbf={"$gt": 0})), data_model()),
    Case("iat-a-list", lambda w: signed(w, payload=w.payload(iat=[1])), data_model()),
    Case("iat-float-max", lambda w: signed(w, payload=w.payload(iat=1.7976931348623157e308)), data_model()),
    Case("exp-1e400", lambda w: forge(w.header(), enc(w.payload())[:-1] + b',"exp":1e400}', key=w.issuer.key), parse("malformed_token")),
    Case("exp-nan", lambda w: forge(w.header(), enc(w.payload())[:-1] + b',"exp":NaN}', key=w.issuer.key), parse("malformed_token")),
    Case("nbf-infinity", lambda w: forge(w.header(), enc(w.payload())[:-1] + b',"nbf":-Infinity}', key=w.issuer.key), parse("malformed_token")),
    Case("token-600kb", lambda w: signed(w, payload=w.payload(padding="x" * 600 * 1024)), parse("token_too_large")),
    Case("payload-nested-10000-deep", lambda w: forge(w.header(), b'{"a":' * 10_000 + b"1" + b"}" * 10_000, key=w.issuer.key), parse("malformed_token")),
    Case("payload-nested-65-deep", lambda w: signed(w, payload=w.payload(deep=_nest(65))), parse("malformed_token")),
    Case("header-nested-deep", lambda w: forge(b'{"x":' * 100 + b"1" + b"}" * 100, w.payload(), key=w.issuer.key), parse("malformed_token")),
    Case("payload-invalid-utf8", lambda w: forge(w.header(), enc(w.payload())[:-1] + b',"x-name":"\xff\xfe"}', key=w.issuer.key), parse("malformed_token")),
    Case("header-invalid-utf8", lambda w: forge(b'{"alg":"EdDSA","typ":"vc+jwt","kid":"\xc3\x28"}', w.payload(), key=w.issuer.key), parse("malformed_token")),
    Case("payload-overlong-utf8", lambda w: forge(w.header(), enc(w.payload())[:-1] + b',"x-name":"\xc0\xaf"}', key=w.issuer.key), parse("malformed_token")),
    Case("payload-lone-surrogate", lambda w: forge(w.header(), enc(w.payload())[:-1] + b',"x-name":"\\ud800"}', key=w.issuer.key), parse("malformed_token")),
    Case("header-lone-surrogate-kid", lambda w: forge(b'{"alg":"EdDSA","typ":"vc+jwt","kid":"\\udfff"}', w.payload(), key=w.issuer.key), parse("malformed_token")),
    Case("payload-utf8-bom", lambda w: forge(w.header(), b"\xef\xbb\xbf" + enc(w.payload()), key=w.issuer.key), parse("malformed_token")),
    Case("payload-trailing-garbage", lambda w: forge(w.header(), enc(w.payload()) + b"{}", key=w.issuer.key), parse("malformed_token")),
]


def _nest(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def _nested_duplicate(world: Any) -> bytes:
    payload = world.payload()
    text = enc(payload)
    subject = enc(payload["credentialSubject"])
    doubled = subject[:-1] + b',"id":' + enc(ATTACKER_DID) + b"}"
    return text.replace(subject, doubled, 1)


IDS = [c.name for c in CASES]


# --- the worlds (one per module: each case compares counts before and after) ------------------------


@pytest.fixture(scope="module")
def verifier(tmp_path_factory):  # type: ignore[no-untyped-def]
    world = make_verifier(tmp_path_factory.mktemp("verifier"), rate_limit=False)
    yield world
    world.app.extensions["verifier"].engine.dispose()


@pytest.fixture(scope="module")
def wallet(tmp_path_factory):  # type: ignore[no-untyped-def]
    world = make_wallet(tmp_path_factory.mktemp("wallet"))
    yield world
    world.app.extensions["wallet"].engine.dispose()


def _assert_expected(report: dict[str, Any], case: Case) -> None:
    found = checks_of(report)
    assert report["verified"] is False
    for check, expected in case.expect.items():
        assert found.get(check) == expected, (case.name, check, found.get(check), report["checks"])


def _assert_not_fetched(calls: list[str], case: Case) -> None:
    for url in calls:
        assert not url.startswith(case.never_fetched), (case.name, url)


def test_the_baseline_verifies(verifier, wallet):
    """Without the forgery the same token is accepted: each case fails for its attack only."""
    token = signed(verifier)
    assert verifier.verify(token)["verified"] is True
    r = wallet.client.post("/credentials", json={"credential": signed(wallet)}, headers=wallet.alice.headers)
    assert r.status_code == 201, r.get_json()
    wallet.client.delete(f"/credentials/{r.get_json()['id']}", headers=wallet.alice.headers)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_verifier_verify(verifier, case):
    token = case.build(verifier)
    before, verifier.web.calls[:] = verifier.counts(), []
    report = verifier.verify(token)
    _assert_expected(report, case)
    _assert_not_fetched(verifier.web.calls, case)
    assert verifier.counts() == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_verifier_vc_api(verifier, case):
    token = case.build(verifier)
    before, verifier.web.calls[:] = verifier.counts(), []
    r = verifier.client.post("/credentials/verify", json={"verifiableCredential": jose.envelope(token) if _compact(token) else token})
    assert r.status_code == 422, r.get_data(as_text=True)[:300]
    body = r.get_json()
    _assert_expected(body, case)
    assert body["error"] == failed_codes(body)[0]
    _assert_not_fetched(verifier.web.calls, case)
    assert verifier.counts() == before


def test_verifier_batch_of_every_forgery(verifier):
    tokens = [case.build(verifier) for case in CASES]
    before, verifier.web.calls[:] = verifier.counts(), []
    r = verifier.client.post("/verify/batch", json={"credentials": tokens})
    assert r.status_code == 200
    body = r.get_json()
    assert body["verified"] == 0 and body["notVerified"] == len(CASES)
    for case, report in zip(CASES, body["results"]):
        _assert_expected(report, case)
    for case in CASES:
        _assert_not_fetched(verifier.web.calls, case)
    assert verifier.counts() == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_wallet_import(wallet, case):
    token = case.build(wallet)
    before, wallet.fetcher.calls[:] = wallet.counts(), []
    r = wallet.client.post("/credentials", json={"credential": token}, headers=wallet.alice.headers)
    assert r.status_code == 422, r.get_data(as_text=True)[:300]
    body = r.get_json()
    assert body["error"] == "credential_rejected"
    codes = failed_codes(body["detail"])
    wanted = case.wallet_codes or tuple(code for status, code in case.expect.values() if status == "failed")
    for code in wanted:
        assert code in codes, (case.name, code, body["detail"]["checks"])
    _assert_not_fetched(wallet.fetcher.calls, case)
    assert wallet.counts() == before


def _compact(token: str) -> bool:
    return token.count(".") == 2


# --- presentations: the holder's JWS, attacked the same ways ------------------------------------------------


def _vp(world: Any, header_changes: dict[str, Any], key: Any = None, hmac_secret: bytes | None = None, **claims: Any) -> tuple[str, str]:
    from vc import model

    holder = world.holder
    nonce = "nonce-" + uuid.uuid4().hex
    credential = world.issuer.issue(holder.did)
    payload = dict(model.build_presentation(holder.did, [jose.envelope(credential)]))
    payload.update({"iss": holder.did, "nonce": nonce, "aud": "https://verifier.test", "iat": 1_700_000_000, **claims})
    header = {"alg": "EdDSA", "typ": "vp+jwt", "cty": "vp", "kid": holder.kid, **header_changes}
    header = {k: v for k, v in header.items() if v is not None}
    if hmac_secret is not None:
        return forge(header, payload, hmac_secret=hmac_secret), nonce
    return forge(header, payload, key=key or holder.key), nonce


def _holder_x(world: Any) -> bytes:
    return keys.b64url_decode(keys.public_jwk(world.holder.key.public_key())["x"])


VP_CASES = [
    ("alg-none", lambda w: _vp(w, {"alg": "none"}, hmac_secret=b""), "unsupported_algorithm", False),
    ("hs256-holder-public-key", lambda w: _vp(w, {"alg": "HS256"}, hmac_secret=_holder_x(w)), "unsupported_algorithm", False),
    ("es256-on-ed25519", lambda w: _vp(w, {"alg": "ES256"}), "unsupported_algorithm", False),
    ("jwk-header-attacker", lambda w: _vp(w, {"jwk": keys.public_jwk(ATTACKER.public_key())}, key=ATTACKER), "forbidden_header", False),
    ("jku-header", lambda w: _vp(w, {"jku": f"{EVIL}/jwks"}), "forbidden_header", False),
    ("x5u-header", lambda w: _vp(w, {"x5u": f"{EVIL}/cert"}), "forbidden_header", False),
    ("x5c-header", lambda w: _vp(w, {"x5c": ["MIIB"]}), "forbidden_header", False),
    ("crit", lambda w: _vp(w, {"crit": ["nonce"]}), "forbidden_header", False),
    ("typ-vc-jwt", lambda w: _vp(w, {"typ": "vc+jwt", "cty": "vc"}), "wrong_type", False),
    ("typ-kb-jwt", lambda w: _vp(w, {"typ": "kb+jwt", "cty": None}), "wrong_type", False),
    ("kid-another-key", lambda w: _vp(w, {"kid": ATTACKER_KID}, key=ATTACKER), "holder_not_signer", False),
    ("kid-did-web-at-metadata", lambda w: _vp(w, {"kid": "did:web:169.254.169.254#key-1"}, key=ATTACKER), "holder_not_signer", False),
    ("kid-10kb", lambda w: _vp(w, {"kid": w.holder.did + "#" + LONG}, key=ATTACKER), "invalid_did", False),
    ("signature-of-another-key", lambda w: _vp(w, {}, key=ATTACKER), "invalid_signature", False),
    ("iat-bignum", lambda w: _vp(w, {}, iat=10**400), "malformed_token", True),
    ("exp-bignum", lambda w: _vp(w, {}, exp=10**400), "malformed_token", True),
    ("nbf-a-string", lambda w: _vp(w, {}, nbf="now"), "malformed_token", True),
    ("iat-far-future", lambda w: _vp(w, {}, iat=253402300799), "not_yet_valid", True),
]


@pytest.mark.parametrize("build,code,burns", [c[1:] for c in VP_CASES], ids=[c[0] for c in VP_CASES])
def test_presentation_forgeries(verifier, build, code, burns):
    """Forged presentations burn no nonce; one the holder did sign (bad dates) uses its nonce up, like any answer."""
    token, nonce = build(verifier)
    before, verifier.web.calls[:] = verifier.counts(), []
    for path, body in (
        ("/verify", {"presentation": token, "nonce": nonce, "audience": "https://verifier.test"}),
        ("/presentations/verify", {"verifiablePresentation": token, "options": {"challenge": nonce, "domain": "https://verifier.test"}}),
    ):
        r = verifier.client.post(path, json=body)
        report = r.get_json()
        assert r.status_code == (200 if path == "/verify" else 422), report
        assert report["verified"] is False
        assert code in failed_codes(report), (path, report["checks"])
    assert not [u for u in verifier.web.calls if u.startswith((EVIL, "https://169.254.169.254"))]
    after = verifier.counts()
    assert after == {**before, "used_nonce": before["used_nonce"] + (1 if burns else 0)}


# --- the request itself: refused before any token is looked at -----------------------------------------

BAD_BODIES = [
    ("invalid-utf8", b'{"credential": "\xff"}', "application/json", 400, "malformed_json"),
    ("lone-surrogate", b'{"credential": "\\ud800"}', "application/json", 400, "malformed_json"),
    ("duplicate-member", b'{"credential": "a", "credential": "b"}', "application/json", 400, "malformed_json"),
    ("nested-10000", b'{"credential":' + b"[" * 10_000 + b"]" * 10_000 + b"}", "application/json", 400, "malformed_json"),
    ("nan", b'{"credential": NaN}', "application/json", 400, "malformed_json"),
    ("not-json", b"credential=eyJ", "application/json", 400, "malformed_json"),
    ("empty", b"", "application/json", 400, "malformed_json"),
    ("form", b"credential=eyJ", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ("text-plain", b'{"credential": "eyJ"}', "text/plain", 415, "unsupported_media_type"),
    ("credential-a-number", b'{"credential": 1}', "application/json", 400, "invalid_request"),
    ("unknown-member", b'{"credential": "a", "owner": "x"}', "application/json", 400, "invalid_request"),
]


@pytest.mark.parametrize("data,ctype,status,code", [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES])
def test_unreadable_requests(verifier, wallet, data, ctype, status, code):
    for world, path, headers in (
        (verifier, "/verify", {}),
        (verifier, "/credentials/verify", {}),
        (wallet, "/credentials", wallet.alice.headers),
    ):
        body = data.replace(b'"credential"', b'"verifiableCredential"') if path == "/credentials/verify" else data
        before = world.counts()
        r = world.client.post(path, data=body, headers={**headers, "Content-Type": ctype})
        assert (r.status_code, r.get_json()["error"]) == (status, code), (path, r.get_json())
        assert world.counts() == before


def test_bodies_over_the_cap_are_413_before_anything_else(verifier, wallet):
    cap = verifier.app.config["MAX_CONTENT_LENGTH"]
    r = verifier.client.post("/verify", data=b"{" + b" " * cap + b"}", headers={"Content-Type": "application/json"})
    assert (r.status_code, r.get_json()["error"]) == (413, "request_entity_too_large")
    # no body read, no token looked at, not even authentication: 413 from the Content-Length alone
    r = wallet.client.post("/auth/logout", data=b"x" * (wallet.app.config["MAX_CONTENT_LENGTH"] + 1), headers={"Content-Type": "application/json"})
    assert (r.status_code, r.get_json()["error"]) == (413, "request_entity_too_large")


# --- SD-JWT VCs (dc+sd-jwt): the issuer-signed JWT attacked the same ways ---------------------------------

HOLDER_KEY = keys.generate()


def _sd(world: Any, header_changes: dict[str, Any] | None = None, *, key: Any = None, hmac_secret: bytes | None = None,
        signature: bytes | None = None, header: Any = None, disclosures: str = "") -> str:
    payload = {
        "iss": world.issuer.did, "vct": "https://issuer.test/vct/microcredential", "iat": 1_700_000_000,
        "cnf": {"jwk": keys.public_jwk(HOLDER_KEY.public_key())}, "_sd_alg": "sha-256", "name": "Veilig werken",
    }
    if header is None:
        header = {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": world.issuer.kid, **(header_changes or {})}
        header = {k: v for k, v in header.items() if v is not None}
    if signature is None and hmac_secret is None and key is None:
        key = world.issuer.key
    return forge(header, payload, key=key, hmac_secret=hmac_secret, signature=signature) + "~" + disclosures


SD_CASES = [
    ("alg-none", lambda w: _sd(w, {"alg": "none"}, signature=b"\0"), "signature", "unsupported_algorithm"),
    ("hs256-public-key", lambda w: _sd(w, {"alg": "HS256"}, hmac_secret=_public_forms(w)["raw"]), "signature", "unsupported_algorithm"),
    ("es256-on-ed25519", lambda w: _sd(w, {"alg": "ES256"}), "signature", "unsupported_algorithm"),
    ("jwk-header", lambda w: _sd(w, {"jwk": keys.public_jwk(ATTACKER.public_key())}, key=ATTACKER), "signature", "forbidden_header"),
    ("jku-header", lambda w: _sd(w, {"jku": f"{EVIL}/jwks"}, key=ATTACKER), "signature", "forbidden_header"),
    ("x5c-header", lambda w: _sd(w, {"x5c": ["MIIB"]}, key=ATTACKER), "signature", "forbidden_header"),
    ("crit", lambda w: _sd(w, {"crit": ["vct"]}), "signature", "forbidden_header"),
    ("typ-vc-jwt", lambda w: _sd(w, {"typ": "vc+jwt"}), "signature", "wrong_type"),
    ("typ-kb-jwt", lambda w: _sd(w, {"typ": "kb+jwt"}), "signature", "wrong_type"),
    ("kid-of-another-did", lambda w: _sd(w, {"kid": ATTACKER_KID}, key=ATTACKER), "issuer_binding", "signer_not_issuer"),
    ("kid-not-in-document", lambda w: _sd(w, {"kid": w.issuer.did + "#key-99"}, key=ATTACKER), "signature", "key_not_found"),
    ("kid-only-in-authentication", lambda w: _sd(w, {"kid": w.issuer.did + "#auth-1"}, key=w.auth_key), "signature", "key_not_found"),
    ("signature-of-an-attacker", lambda w: _sd(w, key=ATTACKER), "signature", "invalid_signature"),
    ("duplicate-alg", lambda w: _sd(w, header=b'{"alg":"EdDSA","alg":"none","typ":"dc+sd-jwt","kid":' + enc(w.issuer.kid) + b"}"), "parse", "duplicate_member"),
    ("unreferenced-disclosure", lambda w: _sd(w, disclosures=b64(b'["salt","name","Arts"]') + "~"), "disclosures", "unreferenced_disclosure"),
]


@pytest.mark.parametrize("build,check,code", [c[1:] for c in SD_CASES], ids=[c[0] for c in SD_CASES])
def test_sd_jwt_forgeries(verifier, wallet, build, check, code):
    token = build(verifier)
    before, verifier.web.calls[:] = verifier.counts(), []
    report = verifier.verify(token)
    assert report["format"] == "dc+sd-jwt" and report["verified"] is False
    assert checks_of(report)[check] == ("failed", code), report["checks"]
    r = verifier.client.post("/credentials/verify", json={"verifiableCredential": token})
    assert r.status_code == 422 and r.get_json()["error"] == failed_codes(r.get_json())[0]
    assert not [u for u in verifier.web.calls if u.startswith(EVIL)]
    assert verifier.counts() == before
    token = build(wallet)
    before = wallet.counts()
    r = wallet.client.post("/credentials", json={"credential": token}, headers=wallet.alice.headers)
    assert (r.status_code, r.get_json()["error"]) == (422, "credential_rejected")
    assert code in failed_codes(r.get_json()["detail"]), r.get_json()["detail"]
    assert wallet.counts() == before
