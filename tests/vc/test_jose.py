"""Tests for vc.jose: VC-JOSE-COSE (`application/vc+jwt`, `application/vp+jwt`).

Round trips, interoperability with an independent JOSE implementation (PyJWT's
own `jwt.encode` / `jwt.decode`, fed only the public JWK from the DID
document), and one test per refusal rule, each asserting the exact typed error
and its stable `code`.

vc.jose offers verification as small steps; `verify_credential` below chains
them in the order a verifier runs them (decode, header, claims, issuer
binding, key from the issuer's DID document by `kid`, signature, data model).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from vc import did, jose, keys, model, strict_json
from vc.errors import (
    DIDError,
    DuplicateMember,
    ForbiddenHeader,
    InvalidCredential,
    InvalidPresentation,
    InvalidSignature,
    IssuerMismatch,
    KeyNotFound,
    MalformedToken,
    TokenTooLarge,
    UnsupportedAlgorithm,
    UnsupportedKeyType,
    VerificationError,
    WrongType,
)

ISSUER = "did:web:issuer.example"
KID = f"{ISSUER}#key-1"
AUTH_KID = f"{ISSUER}#auth-1"
VALID_FROM = datetime(2025, 1, 1, tzinfo=timezone.utc)

# RFC 8037 appendix A.2 and A.4: a public key and an EdDSA JWS made with its private half.
RFC8037_PUBLIC_JWK = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)


# --- the world: one did:web issuer, a did:key holder, an attacker ------------------------


@dataclass
class World:
    key_type: str
    key: Any  # the issuer's assertionMethod key (key-1)
    auth_key: Any  # an issuer key granted only `authentication`
    holder_key: Any
    holder: str  # did:key
    attacker_key: Any
    attacker: str  # did:key
    doc: dict

    @property
    def alg(self) -> str:
        return keys.algorithm_for(self.key)

    def credential(self, **over) -> dict:
        cred = model.build_credential(
            issuer=ISSUER,
            subject={"id": self.holder, "name": "Alice de Vries", "skill": "http://data.europa.eu/esco/skill/abc"},
            types=["SkillAttestation"],
            valid_from=VALID_FROM,
            credential_id="urn:uuid:2f2b5a2e-8f3c-4a8e-9a53-1d7c4e0b6a11",
        )
        cred.update(over)
        return cred

    def token(self, **over) -> str:
        return jose.sign_credential(self.credential(**over), self.key, KID)

    def verify(self, token: Any) -> jose.DecodedJWS:
        return verify_credential(token, {ISSUER: self.doc})


def make_world(key_type: str = "Ed25519") -> World:
    key, auth_key = keys.generate(key_type), keys.generate(key_type)
    holder_key, attacker_key = keys.generate(), keys.generate(key_type)
    doc = did.build_did_document(
        ISSUER, [("key-1", key.public_key())], authentication_keys=[("auth-1", auth_key.public_key())]
    )
    # the DID document as the verifier fetches it: JSON over the wire
    doc = did.parse_did_document(json.dumps(doc).encode(), ISSUER)
    return World(key_type, key, auth_key, holder_key, did.did_key(holder_key), attacker_key, did.did_key(attacker_key), doc)


@pytest.fixture(params=["Ed25519", "P-256"])
def world(request) -> World:
    return make_world(request.param)


@pytest.fixture
def ed() -> World:
    return make_world("Ed25519")


@pytest.fixture
def p256() -> World:
    return make_world("P-256")


def verify_credential(token: Any, documents: dict[str, dict]) -> jose.DecodedJWS:
    decoded = jose.decode_jws(jose.unwrap(token))
    jose.check_header(decoded.header, jose.VC_JWT)
    jose.check_claims(decoded.payload)
    issuer = jose.check_issuer_binding(decoded)
    document = documents[issuer] if issuer in documents else did.resolve(issuer)
    public_key = did.public_key_for(document, decoded.kid, "assertionMethod")
    jose.verify_signature(decoded, public_key)
    model.check_credential(decoded.payload)
    return decoded


def verify_presentation(token: Any) -> jose.DecodedJWS:
    decoded = jose.decode_jws(jose.unwrap(token, jose.VP_MEDIA_TYPE))
    jose.check_header(decoded.header, jose.VP_JWT)
    jose.check_claims(decoded.payload)
    holder = jose.check_holder_binding(decoded)
    public_key = did.public_key_for(did.resolve(holder), decoded.kid, "authentication")
    jose.verify_signature(decoded, public_key)
    model.check_presentation(decoded.payload)
    return decoded


def refused(exc: type[Exception], code: str, fn: Callable, *args) -> Exception:
    with pytest.raises(VerificationError) as info:
        fn(*args)
    assert type(info.value) is exc, f"{type(info.value).__name__}({info.value.detail!r}) is not {exc.__name__}"
    assert info.value.code == code
    return info.value


# --- forging helpers ------------------------------------------------------------------------


def b64(value: Any) -> str:
    if isinstance(value, bytes):
        return keys.b64url_encode(value)
    return keys.b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def forge(header: Any, payload: Any, sign: Callable[[bytes], bytes] | bytes | str) -> str:
    """A compact JWS from any header/payload (dicts or raw bytes), signed by anything."""
    signing_input = f"{b64(header)}.{b64(payload)}"
    if isinstance(sign, str):
        return f"{signing_input}.{sign}"
    signature = sign if isinstance(sign, bytes) else sign(signing_input.encode("ascii"))
    return f"{signing_input}.{keys.b64url_encode(signature)}"


def signer(key) -> Callable[[bytes], bytes]:
    """Sign as JOSE does for the key's algorithm (raw r||s for ES256)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):

        def sign(data: bytes) -> bytes:
            r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")

        return sign
    if isinstance(key, rsa.RSAPrivateKey):
        from cryptography.hazmat.primitives.asymmetric import padding

        return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign


def vc_header(alg: str = "EdDSA", kid: str = KID, **extra) -> dict:
    return {"alg": alg, "kid": kid, "typ": "vc+jwt", "cty": "vc", **extra}


def payload_of(w: World, **over) -> dict:
    return {**w.credential(**over), "iss": ISSUER}


def signed(w: World, header: dict | None = None, payload: Any = None, key=None) -> str:
    """A token made outside vc.jose but signed correctly with the issuer's key."""
    return forge(
        header if header is not None else vc_header(w.alg),
        payload if payload is not None else payload_of(w),
        signer(key or w.key),
    )


def parts(token: str) -> list[str]:
    return token.split(".")


# --- round trips ---------------------------------------------------------------------------


def test_credential_round_trip(world):
    credential = world.credential()
    token = jose.sign_credential(credential, world.key, KID)
    decoded = world.verify(token)
    assert decoded.payload == {**credential, "iss": ISSUER}
    assert decoded.kid == KID


def test_header_is_exactly_alg_kid_typ_cty(world):
    header = jose.peek_header(world.token())
    assert header == {"alg": world.alg, "kid": KID, "typ": "vc+jwt", "cty": "vc"}


def test_payload_is_the_credential_itself_not_a_vc_claim(world):
    credential = world.credential()
    payload = jose.decode_jws(jose.sign_credential(credential, world.key, KID)).payload
    assert "vc" not in payload and "vp" not in payload
    assert payload["@context"][0] == model.VC_V2_CONTEXT
    assert payload["type"] == ["VerifiableCredential", "SkillAttestation"]
    assert {k: v for k, v in payload.items() if k != "iss"} == credential
    assert payload["iss"] == credential["issuer"] == ISSUER


def test_issuer_object_puts_its_id_in_iss(world):
    token = world.token(issuer={"id": ISSUER, "name": "ROC West"})
    decoded = world.verify(token)
    assert decoded.payload["iss"] == ISSUER
    assert decoded.payload["issuer"] == {"id": ISSUER, "name": "ROC West"}


def test_token_is_canonical_compact_serialization(world):
    token = world.token()
    assert token.count(".") == 2
    for part in parts(token):
        assert keys.b64url_encode(keys.b64url_decode(part)) == part
    header_json = keys.b64url_decode(parts(token)[0]).decode()
    assert header_json == json.dumps(jose.peek_header(token), separators=(",", ":"))
    assert len(keys.b64url_decode(parts(token)[2])) == 64  # Ed25519 and raw r||s P-256 alike


def test_credential_signed_by_a_retired_key_still_verifies():
    w = make_world()
    old = keys.generate()
    w.doc = did.build_did_document(ISSUER, [("key-2", w.key.public_key()), ("key-1", old.public_key())])
    w.verify(jose.sign_credential(w.credential(), old, KID))
    w.verify(jose.sign_credential(w.credential(), w.key, f"{ISSUER}#key-2"))


def test_a_credential_without_iss_verifies_on_its_issuer():
    w = make_world()
    w.verify(signed(w, payload=w.credential()))


def test_sign_refuses_keys_without_a_jose_algorithm():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(UnsupportedKeyType):
        jose.sign_credential(make_world().credential(), rsa_key, KID)


def test_rfc8037_example_jws_verifies_and_its_tampered_form_does_not():
    """RFC 8037 appendix A.4/A.5 (its payload is not JSON, so the parts are given directly)."""
    header, payload, signature = RFC8037_JWS.split(".")
    public_key = keys.public_key_from_jwk(RFC8037_PUBLIC_JWK)
    decoded = jose.DecodedJWS(
        {"alg": "EdDSA"}, {}, f"{header}.{payload}".encode(), keys.b64url_decode(signature)
    )
    jose.verify_signature(decoded, public_key)
    tampered = jose.DecodedJWS({"alg": "EdDSA"}, {}, f"{header}.{payload}x".encode(), decoded.signature)
    refused(InvalidSignature, "invalid_signature", jose.verify_signature, tampered, public_key)


# --- enveloping -----------------------------------------------------------------------------


def test_enveloped_credential_round_trip(world):
    token = world.token()
    envelope = jose.envelope(token)
    assert envelope == {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": "data:application/vc+jwt," + token,
        "type": "EnvelopedVerifiableCredential",
    }
    assert jose.unwrap(envelope) == token
    assert jose.unwrap(envelope["id"]) == token
    assert jose.unwrap(token) == token
    assert jose.unwrap({**envelope, "type": ["EnvelopedVerifiableCredential"]}) == token
    world.verify(envelope)


def test_enveloped_presentation_round_trip():
    envelope = jose.envelope("a.b.c", jose.VP_MEDIA_TYPE)
    assert envelope["type"] == "EnvelopedVerifiablePresentation"
    assert envelope["id"] == "data:application/vp+jwt,a.b.c"
    assert jose.unwrap(envelope, jose.VP_MEDIA_TYPE) == "a.b.c"


@pytest.mark.parametrize(
    "value",
    [
        {"id": "data:application/vc+jwt,a.b.c", "type": "VerifiableCredential"},
        {"id": "data:application/vc+jwt,a.b.c", "type": "EnvelopedVerifiablePresentation"},
        {"id": "data:application/vc+jwt,a.b.c"},
        {"type": "EnvelopedVerifiableCredential"},
        {"type": "EnvelopedVerifiableCredential", "id": ["a.b.c"]},
        "data:application/vp+jwt,a.b.c",
        "data:application/json,a.b.c",
        "data:application/vc+jwt;base64,YS5iLmM=",
        "data:,a.b.c",
        None,
        42,
        ["a.b.c"],
        b"a.b.c",
    ],
)
def test_unwrap_refusals(value):
    refused(MalformedToken, "malformed_token", jose.unwrap, value)


def test_an_enveloped_presentation_is_not_a_credential(world):
    envelope = jose.envelope(world.token(), jose.VP_MEDIA_TYPE)
    refused(MalformedToken, "malformed_token", jose.unwrap, envelope)


# --- presentations --------------------------------------------------------------------------


def _presentation(holder: Any, credentials: list) -> dict:
    return {
        "@context": [model.VC_V2_CONTEXT],
        "id": "urn:uuid:6a1f0b3e-1f7e-4b38-9d1a-0c1b2a3d4e5f",
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": credentials,
    }


@pytest.mark.parametrize("holder_kind", ["did:key", "did:jwk-P-256"])
def test_presentation_round_trip(world, holder_kind):
    if holder_kind == "did:key":
        key = world.holder_key
        holder = world.holder
        kid = f"{holder}#{holder.removeprefix('did:key:')}"
    else:
        key = keys.generate("P-256")
        holder = did.did_jwk(key)
        kid = holder + "#0"
    presentation = _presentation(holder, [jose.envelope(world.token())])
    token = jose.sign_presentation(presentation, key, kid, nonce="n-0S6_WzA2Mj", audience="did:web:verifier.example", issued_at=1_760_000_000, expires_at=1_760_000_300)
    assert jose.peek_header(token) == {"alg": keys.algorithm_for(key), "kid": kid, "typ": "vp+jwt", "cty": "vp"}
    decoded = verify_presentation(token)
    assert decoded.payload["iss"] == holder
    assert decoded.payload["nonce"] == "n-0S6_WzA2Mj"
    assert decoded.payload["aud"] == "did:web:verifier.example"
    assert (decoded.payload["iat"], decoded.payload["exp"]) == (1_760_000_000, 1_760_000_300)
    assert "vp" not in decoded.payload
    inner = decoded.payload["verifiableCredential"][0]
    assert world.verify(inner).payload["credentialSubject"]["id"] == world.holder
    verify_presentation(jose.envelope(token, jose.VP_MEDIA_TYPE))


def test_presentation_with_a_holder_object_has_a_string_iss(ed):
    holder = {"id": ed.holder, "name": "Alice"}
    kid = f"{ed.holder}#{ed.holder.removeprefix('did:key:')}"
    token = jose.sign_presentation(_presentation(holder, []), ed.holder_key, kid)
    decoded = verify_presentation(token)
    assert decoded.payload["iss"] == ed.holder
    assert decoded.payload["holder"] == holder


def test_presentation_offered_as_credential_and_back_is_refused(ed):
    kid = f"{ed.holder}#{ed.holder.removeprefix('did:key:')}"
    vp = jose.sign_presentation(_presentation(ed.holder, []), ed.holder_key, kid)
    refused(WrongType, "wrong_type", ed.verify, vp)
    refused(WrongType, "wrong_type", verify_presentation, ed.token())


def test_presentation_by_someone_else_than_the_holder_is_refused(ed):
    attacker_kid = f"{ed.attacker}#{ed.attacker.removeprefix('did:key:')}"
    holder_kid = f"{ed.holder}#{ed.holder.removeprefix('did:key:')}"
    # the attacker signs a presentation naming the victim as holder
    token = jose.sign_presentation(_presentation(ed.holder, []), ed.attacker_key, attacker_kid)
    refused(IssuerMismatch, "issuer_mismatch", verify_presentation, token)
    # `iss` and `holder` disagree
    header = {"alg": "EdDSA", "kid": holder_kid, "typ": "vp+jwt", "cty": "vp"}
    payload = {**_presentation(ed.holder, []), "iss": ed.attacker}
    refused(IssuerMismatch, "issuer_mismatch", verify_presentation, forge(header, payload, ed.holder_key.sign))
    # nobody named at all
    anonymous = {k: v for k, v in _presentation(ed.holder, []).items() if k != "holder"}
    refused(IssuerMismatch, "issuer_mismatch", verify_presentation, forge(header, anonymous, ed.holder_key.sign))


def test_presentation_signed_by_the_wrong_key_of_the_holder_did_is_refused(ed):
    holder_kid = f"{ed.holder}#{ed.holder.removeprefix('did:key:')}"
    header = {"alg": "EdDSA", "kid": holder_kid, "typ": "vp+jwt", "cty": "vp"}
    token = forge(header, {**_presentation(ed.holder, []), "iss": ed.holder}, ed.attacker_key.sign)
    refused(InvalidSignature, "invalid_signature", verify_presentation, token)


def test_legacy_vp_claim_is_refused(ed):
    holder_kid = f"{ed.holder}#{ed.holder.removeprefix('did:key:')}"
    header = {"alg": "EdDSA", "kid": holder_kid, "typ": "vp+jwt", "cty": "vp"}
    payload = {"iss": ed.holder, "vp": _presentation(ed.holder, [])}
    refused(InvalidCredential, "invalid_credential", verify_presentation, forge(header, payload, ed.holder_key.sign))


def test_presentation_must_follow_the_data_model(ed):
    holder_kid = f"{ed.holder}#{ed.holder.removeprefix('did:key:')}"
    presentation = {**_presentation(ed.holder, ["a.b.c"])}
    token = jose.sign_presentation(presentation, ed.holder_key, holder_kid)
    refused(InvalidPresentation, "invalid_presentation", verify_presentation, token)


# --- interoperability with an independent implementation (PyJWT) ------------------------------


def _method_jwk(w: World) -> dict:
    """The public key exactly as the DID document publishes it, nothing from vc.keys."""
    (method,) = [m for m in w.doc["verificationMethod"] if m["id"] == KID]
    return method["publicKeyJwk"]


def test_pyjwt_verifies_our_credentials_with_the_did_document_key(world):
    token = world.token()
    jwk = jwt.PyJWK(_method_jwk(world))
    assert jwk.algorithm_name == world.alg
    payload = jwt.decode(token, jwk, algorithms=[world.alg])
    assert payload == {**world.credential(), "iss": ISSUER}
    header = jwt.get_unverified_header(token)
    assert header == {"alg": world.alg, "kid": KID, "typ": "vc+jwt", "cty": "vc"}


def test_pyjwt_verifies_our_presentations_with_audience_and_dates(world):
    holder_kid = f"{world.holder}#{world.holder.removeprefix('did:key:')}"
    token = jose.sign_presentation(
        _presentation(world.holder, [jose.envelope(world.token())]),
        world.holder_key,
        holder_kid,
        nonce="abc",
        audience="https://verifier.example",
        issued_at=1_700_000_000,
        expires_at=4_000_000_000,
    )
    method = did.resolve(world.holder)["verificationMethod"][0]
    public_key = keys.multikey_decode(method["publicKeyMultibase"])
    payload = jwt.decode(token, public_key, algorithms=["EdDSA"], audience="https://verifier.example")
    assert payload["iss"] == world.holder and payload["nonce"] == "abc"


def test_pyjwt_refuses_our_tampered_tokens_too(world):
    token = world.token()
    h, p, s = parts(token)
    tampered = f"{h}.{b64(payload_of(world, validFrom='2020-01-01T00:00:00Z'))}.{s}"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(tampered, jwt.PyJWK(_method_jwk(world)), algorithms=[world.alg])
    refused(InvalidSignature, "invalid_signature", world.verify, tampered)


def test_tokens_made_by_pyjwt_verify_with_our_steps(world):
    payload = payload_of(world)
    token = jwt.encode(payload, world.key, algorithm=world.alg, headers={"kid": KID, "typ": "vc+jwt", "cty": "vc"})
    decoded = world.verify(token)
    assert decoded.payload == payload


def test_tokens_made_by_pyjwt_with_full_media_type_and_no_cty_verify(world):
    payload = payload_of(world)
    token = jwt.encode(payload, world.key, algorithm=world.alg, headers={"kid": KID, "typ": "application/vc+jwt"})
    assert "cty" not in jwt.get_unverified_header(token)
    world.verify(token)


def test_presentations_made_by_pyjwt_verify_with_our_steps(ed):
    holder_kid = f"{ed.holder}#{ed.holder.removeprefix('did:key:')}"
    payload = {**_presentation(ed.holder, [jose.envelope(ed.token())]), "iss": ed.holder, "nonce": "x"}
    token = jwt.encode(payload, ed.holder_key, algorithm="EdDSA", headers={"kid": holder_kid, "typ": "vp+jwt", "cty": "vp"})
    assert verify_presentation(token).payload == payload


def test_pyjwt_default_jwt_typ_is_refused(world):
    token = jwt.encode(payload_of(world), world.key, algorithm=world.alg, headers={"kid": KID})
    assert jwt.get_unverified_header(token)["typ"] == "JWT"
    refused(WrongType, "wrong_type", world.verify, token)


# --- attacks: algorithm -------------------------------------------------------------------------


def test_alg_none_with_an_empty_signature_is_refused(ed):
    token = forge(vc_header("none"), payload_of(ed), "")
    assert token.endswith(".")
    refused(MalformedToken, "malformed_token", ed.verify, token)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE", "", None, 0, ["EdDSA"], {"EdDSA": True}])
def test_alg_none_and_non_algorithms_with_a_signature_are_refused(ed, alg):
    token = forge(vc_header(alg), payload_of(ed), ed.key.sign)
    refused(UnsupportedAlgorithm, "unsupported_algorithm", ed.verify, token)


def _public_key_forms(public_key) -> dict[str, bytes]:
    forms = {
        "pem": public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "der": public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        "jwk-json": json.dumps(keys.public_jwk(public_key)).encode(),
        "jwk-json-compact": json.dumps(keys.public_jwk(public_key), separators=(",", ":")).encode(),
        "openssh": public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
    }
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        forms["raw"] = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        forms["raw-compressed"] = public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
    else:
        forms["raw"] = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return forms


@pytest.mark.parametrize("alg,digest", [("HS256", hashlib.sha256), ("HS384", hashlib.sha384), ("HS512", hashlib.sha512)])
@pytest.mark.parametrize("form", ["pem", "der", "raw", "jwk-json", "jwk-json-compact", "openssh", "doc-jwk"])
def test_hmac_keyed_with_the_issuers_public_key_is_refused(world, alg, digest, form):
    """The classic algorithm confusion: HS* with the public key as the shared secret."""
    _hmac_forgery_is_refused(world, alg, digest, form)


@pytest.mark.parametrize("alg,digest", [("HS256", hashlib.sha256), ("HS384", hashlib.sha384), ("HS512", hashlib.sha512)])
def test_hmac_keyed_with_the_compressed_p256_point_is_refused(p256, alg, digest):
    _hmac_forgery_is_refused(p256, alg, digest, "raw-compressed")


def _hmac_forgery_is_refused(world: World, alg: str, digest, form: str) -> None:
    public_key = world.key.public_key()
    forms = _public_key_forms(public_key)
    forms["doc-jwk"] = json.dumps(_method_jwk(world)).encode()
    secret = forms[form]
    token = forge(vc_header(alg), payload_of(world), lambda data: hmac.new(secret, data, digest).digest())
    refused(UnsupportedAlgorithm, "unsupported_algorithm", world.verify, token)
    # and even a caller that skipped the header check gets no HMAC verification
    refused(UnsupportedAlgorithm, "unsupported_algorithm", jose.verify_signature, jose.decode_jws(token), public_key)


def test_es256_header_on_an_ed25519_key_is_refused(ed):
    other = keys.generate("P-256")
    refused(UnsupportedAlgorithm, "unsupported_algorithm", ed.verify, forge(vc_header("ES256"), payload_of(ed), signer(other)))
    # a genuine Ed25519 signature (64 bytes, like raw ES256) relabelled ES256
    refused(UnsupportedAlgorithm, "unsupported_algorithm", ed.verify, forge(vc_header("ES256"), payload_of(ed), ed.key.sign))


def test_eddsa_header_on_a_p256_key_is_refused(p256):
    other = keys.generate("Ed25519")
    token = forge(vc_header("EdDSA"), payload_of(p256), other.sign)
    refused(UnsupportedAlgorithm, "unsupported_algorithm", p256.verify, token)
    token = forge(vc_header("EdDSA"), payload_of(p256), signer(p256.key))
    refused(UnsupportedAlgorithm, "unsupported_algorithm", p256.verify, token)


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES384", "ES512", "ES256K", "EdDSA448", "eddsa", "es256", "HS256 "])
def test_other_algorithms_are_refused(world, alg):
    attacker_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = forge(vc_header(alg), payload_of(world), signer(attacker_rsa))
    refused(UnsupportedAlgorithm, "unsupported_algorithm", world.verify, token)


# --- attacks: keys carried or pointed at by the header ------------------------------------------


def test_jwk_header_with_an_attacker_key_is_refused(world):
    attacker = world.attacker_key
    header = vc_header(world.alg, jwk=keys.public_jwk(attacker))
    token = forge(header, payload_of(world), signer(attacker))
    refused(ForbiddenHeader, "forbidden_header", world.verify, token)
    # not merely refused by name: the embedded key is never used, so the signature fails too
    decoded = jose.decode_jws(token)
    refused(InvalidSignature, "invalid_signature", jose.verify_signature, decoded, world.key.public_key())


@pytest.mark.parametrize(
    "extra",
    [
        {"jku": "https://evil.example/jwks.json"},
        {"x5u": "https://evil.example/cert.pem"},
        {"x5c": ["MIIBszCCAVmgAwIBAgIUV"]},
        {"x5t": "dGh1bWJwcmludA"},
        {"x5t#S256": "dGh1bWJwcmludA"},
        {"crit": ["exp"], "exp": 1},
        {"crit": []},
        {"crit": ["b64"], "b64": False},
        {"b64": False},
        {"zip": "DEF"},
        {"enc": "A256GCM"},
    ],
    ids=lambda e: ",".join(e),
)
def test_key_pointing_and_extension_headers_are_refused_even_when_the_signature_is_good(world, extra):
    token = signed(world, header=vc_header(world.alg, **extra))
    refused(ForbiddenHeader, "forbidden_header", world.verify, token)


# --- attacks: kid ----------------------------------------------------------------------------------


def test_kid_of_another_did_is_refused(world):
    attacker_kid = f"{world.attacker}#{world.attacker.removeprefix('did:key:')}"
    # the attacker signs with their own did:key but claims the victim as issuer
    token = forge(vc_header(world.alg, attacker_kid), payload_of(world), signer(world.attacker_key))
    refused(IssuerMismatch, "issuer_mismatch", world.verify, token)
    # ... or names themselves in `iss` and the victim in `issuer`
    token = forge(vc_header(world.alg, attacker_kid), {**payload_of(world), "iss": world.attacker}, signer(world.attacker_key))
    refused(IssuerMismatch, "issuer_mismatch", world.verify, token)
    # ... or a look-alike DID
    token = forge(vc_header(world.alg, "did:web:issuer.example.evil.com#key-1"), payload_of(world), signer(world.attacker_key))
    refused(IssuerMismatch, "issuer_mismatch", world.verify, token)
    # the victim's DID document never yields a key for another DID's kid
    refused(KeyNotFound, "key_not_found", did.public_key_for, world.doc, attacker_kid, "assertionMethod")


def test_kid_granted_only_authentication_cannot_sign_credentials(world):
    token = jose.sign_credential(world.credential(), world.auth_key, AUTH_KID)
    refused(KeyNotFound, "key_not_found", world.verify, token)


def test_kid_of_the_issuer_but_the_wrong_key_is_an_invalid_signature(world):
    token = jose.sign_credential(world.credential(), world.attacker_key, KID)
    refused(InvalidSignature, "invalid_signature", world.verify, token)


@pytest.mark.parametrize(
    ("kid", "exc", "code"),
    [
        ("../../../../etc/passwd", DIDError, "invalid_did"),
        ("/etc/passwd", DIDError, "invalid_did"),
        ("file:///etc/passwd", DIDError, "invalid_did"),
        ("https://issuer.example/keys/1", DIDError, "invalid_did"),
        (f"{ISSUER}#key-1' OR '1'='1", DIDError, "invalid_did"),
        (f"{ISSUER}#" + "A" * 10_000, DIDError, "invalid_did"),
        ("did:web:" + "a" * 10_000 + "#key-1", DIDError, "invalid_did"),
        (f"{ISSUER}#key-1\n", DIDError, "invalid_did"),
        (f"{ISSUER}\n#key-1", DIDError, "invalid_did"),
        (f"{ISSUER}#key-1\x00", MalformedToken, "malformed_token"),  # no JSON with a NUL is read at all
        (f"{ISSUER}/../evil#key-1", DIDError, "invalid_did"),
        ("", DIDError, "invalid_did"),
        (f"{ISSUER}#../../../etc/passwd", KeyNotFound, "key_not_found"),
        (f"{ISSUER}#key-1';DROP-TABLE-keys;--", KeyNotFound, "key_not_found"),
        (f"{ISSUER}#key-1%00", KeyNotFound, "key_not_found"),
        (ISSUER, KeyNotFound, "key_not_found"),  # no fragment
        (12345, MalformedToken, "malformed_token"),
        (None, MalformedToken, "malformed_token"),
        ([KID], MalformedToken, "malformed_token"),
        ({"id": KID}, MalformedToken, "malformed_token"),
    ],
)
def test_absurd_kids_are_refused(world, kid, exc, code):
    refused(exc, code, world.verify, signed(world, header=vc_header(world.alg, kid)))


def test_missing_kid_is_refused(world):
    header = {"alg": world.alg, "typ": "vc+jwt", "cty": "vc"}
    refused(MalformedToken, "malformed_token", world.verify, signed(world, header=header))


# --- attacks: typ and cty ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typ",
    [None, "JWT", "jwt", "vp+jwt", "application/vp+jwt", "kb+jwt", "statuslist+jwt", "dc+sd-jwt", "vc+sd-jwt",
     "vc+ld+json", "application/json", "vc+jwt ", "application/application/vc+jwt", "text/vc+jwt", 5, ["vc+jwt"]],
)
def test_wrong_or_missing_typ_is_refused(world, typ):
    header = {k: v for k, v in vc_header(world.alg).items() if k != "typ"}
    if typ is not None:
        header["typ"] = typ
    refused(WrongType, "wrong_type", world.verify, signed(world, header=header))


@pytest.mark.parametrize("typ", ["vc+jwt", "application/vc+jwt", "APPLICATION/VC+JWT", "VC+JWT", "Application/Vc+Jwt"])
def test_typ_is_compared_as_rfc7515_says(world, typ):
    # RFC 7515 section 4.1.9: media types are case-insensitive and "application/" may be omitted.
    world.verify(signed(world, header=vc_header(world.alg, typ=typ)))


@pytest.mark.parametrize("cty", ["JWT", "vp", "application/vp", "json", "application/json", "vc+jwt", "", 1, ["vc"]])
def test_wrong_cty_is_refused(world, cty):
    refused(WrongType, "wrong_type", world.verify, signed(world, header=vc_header(world.alg, cty=cty)))


@pytest.mark.parametrize("cty", [None, "vc", "application/vc", "VC"])
def test_cty_may_be_absent_or_vc(world, cty):
    header = vc_header(world.alg, cty=cty)
    if cty is None:
        del header["cty"]
    world.verify(signed(world, header=header))


# --- attacks: the compact serialization ---------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t + ".x.y",  # a JWE has five parts
        lambda t: "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d",
        lambda t: ".".join(parts(t)[:2]),  # two parts
        lambda t: t + ".x",  # four parts
        lambda t: parts(t)[1],  # one part
        lambda t: "",
        lambda t: "..",
        lambda t: f"{parts(t)[0]}..{parts(t)[2]}",  # empty (detached) payload
        lambda t: f".{parts(t)[1]}.{parts(t)[2]}",
        lambda t: t + "=",  # padding
        lambda t: f"{parts(t)[0]}=.{parts(t)[1]}.{parts(t)[2]}",
        lambda t: f"{parts(t)[0]}.{parts(t)[1]}==.{parts(t)[2]}",
        lambda t: t.replace("-", "+").replace("_", "/") if ("-" in t or "_" in t) else t[:-1] + "+",
        lambda t: t[:-1] + "/",
        lambda t: t + " ",
        lambda t: " " + t,
        lambda t: t + "\n",
        lambda t: t.replace(".", ". ", 1),
        lambda t: t[:10] + "*" + t[11:],
        lambda t: t[:10] + "é" + t[11:],
        lambda t: t[:-1],  # 85 signature characters: a length no base64url encoding produces
    ],
)
def test_malformed_compact_serializations_are_refused(world, make):
    refused(MalformedToken, "malformed_token", world.verify, make(world.token()))


@pytest.mark.parametrize("value", [None, b"a.b.c", 3, ["a", "b", "c"]])
def test_a_token_must_be_text(value):
    refused(MalformedToken, "malformed_token", jose.decode_jws, value)


def test_non_canonical_base64url_in_the_signature_is_refused(world):
    token = world.token()
    h, p, s = parts(token)
    # 64 signature bytes end in 4 unused bits: flipping one gives a second spelling of the same bytes
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelt = s[:-1] + alphabet[alphabet.index(s[-1]) ^ 1]
    assert respelt != s
    refused(MalformedToken, "malformed_token", world.verify, f"{h}.{p}.{respelt}")


@pytest.mark.parametrize("where", ["header", "payload"])
def test_json_that_is_not_an_object_is_refused(world, where):
    header, payload = vc_header(world.alg), payload_of(world)
    if where == "header":
        header = [header]  # type: ignore[assignment]
    else:
        payload = "a string"  # type: ignore[assignment]
    refused(MalformedToken, "malformed_token", world.verify, forge(header, payload, signer(world.key)))


# --- attacks: JSON inside the token ---------------------------------------------------------------------


def test_duplicate_iss_in_the_payload_is_refused(world):
    good = json.dumps(payload_of(world), separators=(",", ":"))
    raw = ('{"iss":"did:web:evil.example",' + good[1:]).encode()
    refused(DuplicateMember, "duplicate_member", world.verify, signed(world, payload=raw))


def test_duplicate_iss_spelt_with_an_escape_is_refused(world):
    good = json.dumps(payload_of(world), separators=(",", ":"))
    raw = ('{"\\u0069ss":"did:web:evil.example",' + good[1:]).encode()
    refused(DuplicateMember, "duplicate_member", world.verify, signed(world, payload=raw))


@pytest.mark.parametrize("member", ['"alg":"none"', '"alg":"HS256"', f'"kid":"{AUTH_KID}"', '"typ":"JWT"'])
def test_duplicate_header_members_are_refused(world, member):
    good = json.dumps(vc_header(world.alg), separators=(",", ":"))
    raw = ("{" + member + "," + good[1:]).encode()
    refused(DuplicateMember, "duplicate_member", world.verify, signed(world, header=raw))


def test_a_20_mb_token_is_refused_before_anything_is_decoded(world, monkeypatch):
    h, p, s = parts(world.token())
    huge = f"{h}.{'A' * (20 * 1024 * 1024)}.{s}"

    def must_not_run(*args, **kwargs):
        raise AssertionError("a token over the size cap was decoded")

    monkeypatch.setattr(keys, "b64url_decode", must_not_run)
    monkeypatch.setattr(strict_json, "loads", must_not_run)
    err = refused(TokenTooLarge, "token_too_large", world.verify, huge)
    assert isinstance(err, MalformedToken)
    assert len(str(err.detail)) < 200  # the detail does not echo the token


def test_the_size_cap_boundary(world):
    limit = jose.MAX_TOKEN_BYTES
    h, _, s = parts(world.token())
    filler = limit - len(h) - len(s) - 2
    at_limit = f"{h}.{'A' * filler}.{s}"
    assert len(at_limit) == limit
    with pytest.raises(VerificationError) as info:
        jose.decode_jws(at_limit)
    assert not isinstance(info.value, TokenTooLarge)
    refused(TokenTooLarge, "token_too_large", jose.decode_jws, at_limit + "A")
    refused(TokenTooLarge, "token_too_large", lambda t: jose.decode_jws(t, max_bytes=100), world.token())


@pytest.mark.parametrize("where", ["header", "payload"])
def test_deep_nesting_is_refused(world, where):
    deep = ('{"a":' * 5000 + "1" + "}" * 5000).encode()
    header = deep if where == "header" else vc_header(world.alg)
    payload = deep if where == "payload" else payload_of(world)
    refused(MalformedToken, "malformed_token", world.verify, forge(header, payload, signer(world.key)))


@pytest.mark.parametrize(
    "raw",
    [b'{"iss":"did:web:issuer.example","name":"\xff"}', b"\xc3\x28", b'{"a":"\xed\xa0\x80"}', b"\xef\xbb\xbf{}"],
)
def test_invalid_utf8_is_refused(world, raw):
    refused(MalformedToken, "malformed_token", world.verify, signed(world, payload=raw))
    refused(MalformedToken, "malformed_token", world.verify, signed(world, header=raw))


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "x\\ud83d", "\\ude00\\ud83d"])
def test_lone_surrogate_escapes_are_refused(world, escape):
    good = json.dumps(payload_of(world), separators=(",", ":"))
    raw = ('{"note":"' + escape + '",' + good[1:]).encode()
    refused(MalformedToken, "malformed_token", world.verify, signed(world, payload=raw))
    header = json.dumps(vc_header(world.alg), separators=(",", ":"))
    refused(MalformedToken, "malformed_token", world.verify, signed(world, header=('{"x":"' + escape + '",' + header[1:]).encode()))


# --- attacks: claims ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["iat", "nbf", "exp"])
@pytest.mark.parametrize(
    "value",
    ["1700000000", "", True, False, None, [1700000000], {"t": 1}, -1, -0.5, 253402300800, 10**30, "NaN", "Infinity"],
    ids=repr,
)
def test_numeric_dates_of_the_wrong_kind_are_refused(world, claim, value):
    refused(MalformedToken, "malformed_token", world.verify, signed(world, payload={**payload_of(world), claim: value}))


@pytest.mark.parametrize("claim", ["iat", "nbf", "exp"])
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * 400, "9" * 5000])
def test_numeric_dates_that_are_not_finite_numbers_are_refused(world, claim, literal):
    good = json.dumps(payload_of(world), separators=(",", ":"))
    raw = ('{"' + claim + '":' + literal + "," + good[1:]).encode()
    refused(MalformedToken, "malformed_token", world.verify, signed(world, payload=raw))


@pytest.mark.parametrize("value", [0, 1_700_000_000, 1_700_000_000.25, 253402300799])
def test_numeric_dates_within_range_are_accepted(world, value):
    world.verify(signed(world, payload={**payload_of(world), "iat": value, "nbf": value, "exp": value}))


def test_iss_that_is_not_the_issuer_is_refused(world):
    token = signed(world, payload={**payload_of(world), "iss": "did:web:evil.example"})
    refused(IssuerMismatch, "issuer_mismatch", world.verify, token)
    token = signed(world, payload={**payload_of(world), "iss": ISSUER + "#key-1"})
    refused(IssuerMismatch, "issuer_mismatch", world.verify, token)
    token = signed(world, payload={**payload_of(world), "iss": [ISSUER]})
    refused(IssuerMismatch, "issuer_mismatch", world.verify, token)


def test_issuer_object_with_another_iss_is_refused(world):
    payload = {**payload_of(world), "issuer": {"id": ISSUER, "name": "ROC West"}, "iss": "did:web:evil.example"}
    refused(IssuerMismatch, "issuer_mismatch", world.verify, signed(world, payload=payload))


@pytest.mark.parametrize("issuer", [None, "", 5, {"name": "ROC West"}, {"id": ""}, {"id": 5}, [ISSUER]])
def test_missing_or_unusable_issuer_is_refused(world, issuer):
    payload = {k: v for k, v in payload_of(world).items() if k != "issuer"}
    if issuer is not None:
        payload["issuer"] = issuer
    refused(InvalidCredential, "invalid_credential", world.verify, signed(world, payload=payload))


@pytest.mark.parametrize("claim", ["vc", "vp"])
def test_legacy_vc_and_vp_claims_are_refused(world, claim):
    legacy = {"iss": ISSUER, "nbf": 1_700_000_000, claim: world.credential()}
    refused(InvalidCredential, "invalid_credential", world.verify, signed(world, payload=legacy))
    # also alongside a perfectly good VC DM 2.0 payload
    refused(InvalidCredential, "invalid_credential", world.verify, signed(world, payload={**payload_of(world), claim: {}}))


def test_payload_that_breaks_the_data_model_is_refused(world):
    payload = {**payload_of(world), "@context": ["https://www.w3.org/2018/credentials/v1"]}
    refused(InvalidCredential, "invalid_credential", world.verify, signed(world, payload=payload))


# --- attacks: signatures -------------------------------------------------------------------------------------


def test_tampered_payload_one_byte_is_an_invalid_signature(world):
    token = world.token()
    h, p, s = parts(token)
    raw = bytearray(keys.b64url_decode(p))
    at = raw.index(b"Alice")
    raw[at] = ord("E")  # "Alice" -> "Elice": still valid JSON, still a valid credential
    refused(InvalidSignature, "invalid_signature", world.verify, f"{h}.{keys.b64url_encode(bytes(raw))}.{s}")


def test_tampered_header_is_an_invalid_signature(world):
    h, p, s = parts(world.token())
    header = jose.peek_header(world.token())
    header["typ"] = "VC+JWT"  # still an acceptable typ: only the signature can tell
    refused(InvalidSignature, "invalid_signature", world.verify, f"{b64(header)}.{p}.{s}")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda sig: bytes([sig[0] ^ 0x01]) + sig[1:],
        lambda sig: sig[:-1] + bytes([sig[-1] ^ 0x80]),
        lambda sig: sig[:32] + bytes([sig[32] ^ 0x10]) + sig[33:],
        lambda sig: sig[:-1],
        lambda sig: sig + b"\x00",
        lambda sig: bytes(64),
        lambda sig: b"\xff" * 64,
        lambda sig: sig[32:] + sig[:32],
        lambda sig: b"\x00",
    ],
)
def test_tampered_signature_is_an_invalid_signature(world, mutate):
    h, p, s = parts(world.token())
    forged = keys.b64url_encode(mutate(keys.b64url_decode(s)))
    refused(InvalidSignature, "invalid_signature", world.verify, f"{h}.{p}.{forged}")


def test_signature_of_another_token_is_an_invalid_signature(world):
    a, b = world.token(), world.token(id="urn:uuid:00000000-0000-4000-8000-000000000000")
    refused(InvalidSignature, "invalid_signature", world.verify, ".".join(parts(a)[:2] + parts(b)[2:]))


def test_es256_signature_in_der_instead_of_raw_is_an_invalid_signature(p256):
    der_signer = lambda data: p256.key.sign(data, ec.ECDSA(hashes.SHA256()))  # noqa: E731
    token = forge(vc_header("ES256"), payload_of(p256), der_signer)
    assert len(keys.b64url_decode(parts(token)[2])) > 64
    refused(InvalidSignature, "invalid_signature", p256.verify, token)
    # the same signature converted to JOSE's raw r||s form does verify
    r, s = decode_dss_signature(keys.b64url_decode(parts(token)[2]))
    raw = keys.b64url_encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    p256.verify(".".join(parts(token)[:2] + [raw]))


def test_verification_errors_have_stable_codes():
    expected = {
        MalformedToken: "malformed_token",
        TokenTooLarge: "token_too_large",
        DuplicateMember: "duplicate_member",
        UnsupportedAlgorithm: "unsupported_algorithm",
        ForbiddenHeader: "forbidden_header",
        WrongType: "wrong_type",
        KeyNotFound: "key_not_found",
        InvalidSignature: "invalid_signature",
        IssuerMismatch: "issuer_mismatch",
        InvalidCredential: "invalid_credential",
    }
    for cls, code in expected.items():
        assert issubclass(cls, VerificationError)
        assert cls.code == code
        assert cls("d").to_dict() == {"error": code, "detail": "d"}
