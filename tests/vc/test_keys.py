"""Tests for vc.keys: Ed25519 / P-256 keys as JWK (RFC 7517), thumbprints (RFC 7638), Multikey.

Known answers come from the published vectors:
- RFC 8037 appendix A (Ed25519 JWK, its thumbprint, an EdDSA signature);
- RFC 7638 section 3.1 (the thumbprint method, on the RFC's own RSA example);
- the did:key method's test vectors (w3c-ccg/did-method-key, test-vectors/
  ed25519-x25519.json and nist-curves.json) for the Multikey encoding.
"""

from __future__ import annotations

import base64
import hashlib
import json

import base58
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x25519

from vc import keys
from vc.errors import EncodingError, InvalidKey, SkillpassError, UnsupportedKeyType

# --- published vectors -------------------------------------------------------------

# RFC 8037 appendix A.1 (private key), A.2 (public key), A.3 (thumbprint), A.4 (signature).
RFC8037_PRIVATE_JWK = {
    "kty": "OKP",
    "crv": "Ed25519",
    "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
RFC8037_PUBLIC_JWK = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
RFC8037_SEED_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC8037_PUBLIC_HEX = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8037_SIGNING_INPUT = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
RFC8037_SIGNATURE = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"

# RFC 7638 section 3.1: the RSA key of RFC 7517 appendix A.1 and its SHA-256 thumbprint.
RFC7638_JWK = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWK"
        "RXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMic"
        "AtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3X"
        "PksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
# The same thumbprint as the RFC prints it, as octets.
RFC7638_OCTETS = bytes(
    [55, 54, 203, 177, 120, 124, 184, 48, 156, 119, 238, 140, 55, 5, 197, 225,
     111, 251, 158, 133, 151, 21, 144, 31, 30, 76, 89, 177, 17, 130, 245, 123]
)

# did:key test vectors: Ed25519 keys from 32-byte seeds (the seed is the private key).
DID_KEY_ED25519_VECTORS = [
    ("00" * 32, "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"),
    ("00" * 31 + "01", "z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG", "6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt"),
    ("00" * 31 + "02", "z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf", "8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH"),
    ("00" * 31 + "03", "z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ", "HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2"),
    ("00" * 31 + "04", "z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL", "J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x"),
]
# did:key test vectors: P-256 keys as private JWKs.
DID_KEY_P256_VECTORS = [
    (
        "zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
        {
            "kty": "EC",
            "crv": "P-256",
            "x": "igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns",
            "y": "efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM",
            "d": "gPh-VvVS8MbvKQ9LSVVmfnxnKjHn4Tqj0bmbpehRlpc",
        },
    ),
    (
        "zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
        {
            "kty": "EC",
            "crv": "P-256",
            "x": "fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI",
            "y": "hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU",
            "d": "YjRs6vNvw4sYrzVVY8ipkEpDAD9PFqw1sUnvPRMA-WI",
        },
    ),
]
# An X25519 key from the same vectors (multicodec x25519-pub, 0xec): not a signing key.
X25519_MULTIKEY = "z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW"


def reference_thumbprint(jwk: dict, required: tuple[str, ...]) -> str:
    """RFC 7638 section 3 written out by hand, independent of vc.keys.

    Members in lexicographic order of their names, no whitespace, UTF-8, SHA-256.
    """
    members = ",".join(f'"{name}":"{jwk[name]}"' for name in sorted(required))
    return base64.urlsafe_b64encode(hashlib.sha256(("{" + members + "}").encode("utf-8")).digest()).rstrip(
        b"="
    ).decode()


def refused(exc: type[Exception], code: str, fn, *args):
    with pytest.raises(exc) as info:
        fn(*args)
    assert type(info.value) is exc, f"{type(info.value).__name__} is not {exc.__name__}"
    assert info.value.code == code
    return info.value


# --- base64url ---------------------------------------------------------------------


@pytest.mark.parametrize("length", range(0, 70))
def test_b64url_round_trips_every_length_without_padding(length):
    data = bytes((i * 37 + length) % 256 for i in range(length))
    text = keys.b64url_encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert keys.b64url_decode(text) == data


@pytest.mark.parametrize(
    "text",
    [
        "AA==",  # padding
        "AAA=",
        "ab+c",  # standard alphabet
        "ab/c",
        "ab c",
        "abc\n",
        " abc",
        "A",  # a length no encoding produces
        "AAAAA",
        "ab.c",
        "ab%3D",
        "abcé",
        "\u0660\u0661",  # non-ASCII digits
    ],
)
def test_b64url_decode_refuses_anything_but_canonical_unpadded_base64url(text):
    refused(EncodingError, "invalid_encoding", keys.b64url_decode, text)


@pytest.mark.parametrize("text", ["AB", "AP", "AAB", "AAD", "_-_", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURp"])
def test_b64url_decode_refuses_non_canonical_trailing_bits(text):
    # RFC 4648 section 3.5: "AA" and "AB" would both decode to b"\x00".
    refused(EncodingError, "invalid_encoding", keys.b64url_decode, text)


def test_b64url_canonical_neighbours_still_decode():
    assert keys.b64url_decode("AA") == b"\x00"
    assert keys.b64url_decode("AAA") == b"\x00\x00"
    assert keys.b64url_decode("AQ") == b"\x01"
    assert keys.b64url_decode("") == b""


@pytest.mark.parametrize("value", [None, b"AAAA", 1234, ["AAAA"]])
def test_b64url_decode_refuses_non_text(value):
    refused(EncodingError, "invalid_encoding", keys.b64url_decode, value)


# --- generation and key types ------------------------------------------------------


@pytest.mark.parametrize(
    ("key_type", "cls", "alg"),
    [("Ed25519", ed25519.Ed25519PrivateKey, "EdDSA"), ("P-256", ec.EllipticCurvePrivateKey, "ES256")],
)
def test_generate_gives_the_type_and_its_one_algorithm(key_type, cls, alg):
    key = keys.generate(key_type)
    assert isinstance(key, cls)
    assert keys.key_type_of(key) == key_type
    assert keys.key_type_of(keys.public_key_of(key)) == key_type
    assert keys.algorithm_for(key) == alg
    assert keys.algorithm_for(keys.public_key_of(key)) == alg


def test_generate_defaults_to_ed25519_and_gives_fresh_keys():
    a, b = keys.generate(), keys.generate()
    assert keys.key_type_of(a) == "Ed25519"
    assert keys.public_jwk(a) != keys.public_jwk(b)


@pytest.mark.parametrize("key_type", ["RSA", "P-384", "secp256k1", "X25519", "ed25519", "", None])
def test_generate_refuses_other_key_types(key_type):
    refused(UnsupportedKeyType, "unsupported_key_type", keys.generate, key_type)


@pytest.mark.parametrize(
    "make",
    [
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        lambda: ec.generate_private_key(ec.SECP384R1()),
        lambda: ec.generate_private_key(ec.SECP256K1()),
        lambda: x25519.X25519PrivateKey.generate(),
        lambda: ed448.Ed448PrivateKey.generate(),
        lambda: b"a secret",
    ],
    ids=["rsa", "p384", "secp256k1", "x25519", "ed448", "bytes"],
)
def test_other_keys_are_refused_everywhere(make):
    key = make()
    for fn in (keys.key_type_of, keys.algorithm_for, keys.public_jwk, keys.multikey_encode):
        refused(UnsupportedKeyType, "unsupported_key_type", fn, key)


def test_public_key_of_a_public_key_is_itself():
    pub = keys.generate().public_key()
    assert keys.public_key_of(pub) is pub


# --- JWK ---------------------------------------------------------------------------


def test_ed25519_public_jwk_has_exactly_the_rfc8037_members():
    key = keys.generate("Ed25519")
    jwk = keys.public_jwk(key)
    assert set(jwk) == {"kty", "crv", "x"}
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert keys.b64url_decode(jwk["x"]) == raw


def test_p256_public_jwk_has_exactly_the_rfc7518_members_with_32_byte_coordinates():
    for _ in range(20):  # coordinates with leading zero bytes must still be 32 bytes long
        key = keys.generate("P-256")
        jwk = keys.public_jwk(key)
        assert set(jwk) == {"kty", "crv", "x", "y"}
        assert jwk["kty"] == "EC" and jwk["crv"] == "P-256"
        numbers = key.public_key().public_numbers()
        assert keys.b64url_decode(jwk["x"]) == numbers.x.to_bytes(32, "big")
        assert keys.b64url_decode(jwk["y"]) == numbers.y.to_bytes(32, "big")
        assert len(jwk["x"]) == len(jwk["y"]) == 43


@pytest.mark.parametrize("key_type", ["Ed25519", "P-256"])
def test_private_jwk_round_trips(key_type):
    key = keys.generate(key_type)
    jwk = keys.private_jwk(key)
    assert set(jwk) == set(keys.public_jwk(key)) | {"d"}
    assert len(keys.b64url_decode(jwk["d"])) == 32
    again = keys.key_from_jwk(jwk)
    assert type(again) is type(key) or keys.key_type_of(again) == key_type
    assert keys.private_jwk(again) == jwk
    assert keys.private_key_to_bytes(again) == keys.private_key_to_bytes(key)


@pytest.mark.parametrize("key_type", ["Ed25519", "P-256"])
def test_public_jwk_round_trips_to_a_public_key(key_type):
    key = keys.generate(key_type)
    jwk = keys.public_jwk(key)
    pub = keys.key_from_jwk(jwk)
    assert isinstance(pub, (ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey))
    assert keys.public_jwk(pub) == jwk
    assert keys.public_jwk(keys.public_key_from_jwk(jwk)) == jwk


@pytest.mark.parametrize("key_type", ["Ed25519", "P-256"])
def test_a_public_key_has_no_private_jwk(key_type):
    refused(InvalidKey, "invalid_key", keys.private_jwk, keys.generate(key_type).public_key())


def test_rfc8037_private_jwk_imports_to_the_published_key():
    key = keys.key_from_jwk(RFC8037_PRIVATE_JWK)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    assert seed.hex() == RFC8037_SEED_HEX
    assert keys.public_jwk(key) == RFC8037_PUBLIC_JWK
    assert keys.b64url_decode(RFC8037_PUBLIC_JWK["x"]).hex() == RFC8037_PUBLIC_HEX
    assert keys.private_jwk(key) == RFC8037_PRIVATE_JWK


def test_rfc8037_signature_is_reproduced_and_verifies():
    # Ed25519 is deterministic: signing the A.4 input must give the A.4 signature.
    key = keys.key_from_jwk(RFC8037_PRIVATE_JWK)
    assert keys.b64url_encode(key.sign(RFC8037_SIGNING_INPUT)) == RFC8037_SIGNATURE
    keys.public_key_from_jwk(RFC8037_PUBLIC_JWK).verify(keys.b64url_decode(RFC8037_SIGNATURE), RFC8037_SIGNING_INPUT)


def test_public_key_from_jwk_refuses_a_private_jwk():
    # A public JWK that carries `d` is a leaked secret, never a key to verify with.
    refused(InvalidKey, "invalid_key", keys.public_key_from_jwk, RFC8037_PRIVATE_JWK)
    refused(InvalidKey, "invalid_key", keys.public_key_from_jwk, keys.private_jwk(keys.generate("P-256")))


def test_jwk_members_beyond_the_key_are_ignored_on_import():
    jwk = {**RFC8037_PUBLIC_JWK, "kid": "x", "use": "sig", "alg": "EdDSA", "key_ops": ["verify"]}
    assert keys.public_jwk(keys.key_from_jwk(jwk)) == RFC8037_PUBLIC_JWK


def _p256_public() -> dict:
    return keys.public_jwk(keys.generate("P-256"))


@pytest.mark.parametrize(
    ("jwk", "exc", "code"),
    [
        ({"kty": "oct", "k": "c2VjcmV0"}, UnsupportedKeyType, "unsupported_key_type"),
        ({"kty": "RSA", "n": RFC7638_JWK["n"], "e": "AQAB"}, UnsupportedKeyType, "unsupported_key_type"),
        ({"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}, UnsupportedKeyType, "unsupported_key_type"),
        ({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"}, UnsupportedKeyType, "unsupported_key_type"),
        ({"kty": "OKP", "crv": "Ed448", "x": "AA"}, UnsupportedKeyType, "unsupported_key_type"),
        ({"kty": "OKP", "crv": "X25519", "x": RFC8037_PUBLIC_JWK["x"]}, UnsupportedKeyType, "unsupported_key_type"),
        ({"kty": "EC", "crv": "Ed25519", "x": RFC8037_PUBLIC_JWK["x"]}, UnsupportedKeyType, "unsupported_key_type"),
        ({"kty": "okp", "crv": "Ed25519", "x": RFC8037_PUBLIC_JWK["x"]}, UnsupportedKeyType, "unsupported_key_type"),
        ({"crv": "Ed25519", "x": RFC8037_PUBLIC_JWK["x"]}, UnsupportedKeyType, "unsupported_key_type"),
        ({}, UnsupportedKeyType, "unsupported_key_type"),
        ({"kty": "OKP", "crv": "Ed25519"}, InvalidKey, "invalid_key"),
        ({"kty": "OKP", "crv": "Ed25519", "x": 5}, InvalidKey, "invalid_key"),
        ({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_PUBLIC_JWK["x"] + "="}, InvalidKey, "invalid_key"),
        ({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_PUBLIC_JWK["x"][:-2]}, InvalidKey, "invalid_key"),
        ({"kty": "OKP", "crv": "Ed25519", "x": keys.b64url_encode(bytes(33))}, InvalidKey, "invalid_key"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS+7TyWQHOg7hcvPapiMlrwIaaPcHURo"}, InvalidKey, "invalid_key"),
        ({**RFC8037_PUBLIC_JWK, "d": "short"}, InvalidKey, "invalid_key"),
        ({**RFC8037_PUBLIC_JWK, "d": None}, InvalidKey, "invalid_key"),
        ({"kty": "EC", "crv": "P-256", "x": keys.b64url_encode(bytes(32))}, InvalidKey, "invalid_key"),
        (  # a point that is not on the curve
            {"kty": "EC", "crv": "P-256", "x": keys.b64url_encode(bytes(31) + b"\x01"), "y": keys.b64url_encode(bytes(31) + b"\x01")},
            InvalidKey,
            "invalid_key",
        ),
        (  # coordinates larger than the field
            {"kty": "EC", "crv": "P-256", "x": keys.b64url_encode(b"\xff" * 32), "y": keys.b64url_encode(b"\xff" * 32)},
            InvalidKey,
            "invalid_key",
        ),
    ],
)
def test_key_from_jwk_refusals(jwk, exc, code):
    refused(exc, code, keys.key_from_jwk, jwk)


@pytest.mark.parametrize("jwk", [None, "{}", ["kty", "OKP"], 7])
def test_key_from_jwk_refuses_what_is_not_an_object(jwk):
    refused(InvalidKey, "invalid_key", keys.key_from_jwk, jwk)


def test_ed25519_private_jwk_whose_d_does_not_match_x_is_refused():
    other = keys.public_jwk(keys.generate("Ed25519"))
    refused(InvalidKey, "invalid_key", keys.key_from_jwk, {**RFC8037_PRIVATE_JWK, "x": other["x"]})


def test_p256_private_jwk_whose_d_does_not_match_the_point_is_refused():
    jwk = keys.private_jwk(keys.generate("P-256"))
    other = _p256_public()
    refused(InvalidKey, "invalid_key", keys.key_from_jwk, {**jwk, "x": other["x"], "y": other["y"]})
    refused(InvalidKey, "invalid_key", keys.key_from_jwk, {**jwk, "d": keys.b64url_encode(bytes(32))})


# --- thumbprints (RFC 7638) ---------------------------------------------------------


def test_reference_thumbprint_reproduces_rfc7638_section_3_1():
    """The hand-written method gives the RFC's own answer, so it can serve as the oracle below."""
    assert reference_thumbprint(RFC7638_JWK, ("e", "kty", "n")) == RFC7638_THUMBPRINT
    assert keys.b64url_decode(RFC7638_THUMBPRINT) == RFC7638_OCTETS


def test_thumbprint_of_the_rfc7638_rsa_example_is_refused_as_rsa():
    # skillpass accepts no RSA keys, so it computes no RSA thumbprints either.
    refused(UnsupportedKeyType, "unsupported_key_type", keys.thumbprint, RFC7638_JWK)


def test_thumbprint_of_rfc8037_key_is_the_published_one():
    assert keys.thumbprint(RFC8037_PUBLIC_JWK) == RFC8037_THUMBPRINT
    assert keys.thumbprint(RFC8037_PRIVATE_JWK) == RFC8037_THUMBPRINT  # `d` is not hashed
    assert reference_thumbprint(RFC8037_PUBLIC_JWK, ("crv", "kty", "x")) == RFC8037_THUMBPRINT


@pytest.mark.parametrize("seed_hex,multikey,_b58", DID_KEY_ED25519_VECTORS)
def test_thumbprint_of_ed25519_keys_matches_the_rfc7638_method(seed_hex, multikey, _b58):
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    jwk = keys.public_jwk(key)
    assert keys.thumbprint(jwk) == reference_thumbprint(jwk, ("crv", "kty", "x"))


@pytest.mark.parametrize("multikey,private", DID_KEY_P256_VECTORS)
def test_thumbprint_of_p256_keys_matches_the_rfc7638_method(multikey, private):
    assert keys.thumbprint(private) == reference_thumbprint(private, ("crv", "kty", "x", "y"))
    public = {k: v for k, v in private.items() if k != "d"}
    assert keys.thumbprint(public) == keys.thumbprint(private)


def test_thumbprint_ignores_member_order_and_optional_members():
    jwk = _p256_public()
    shuffled = {"y": jwk["y"], "kid": "k-1", "x": jwk["x"], "use": "sig", "crv": "P-256", "alg": "ES256", "kty": "EC"}
    assert keys.thumbprint(shuffled) == keys.thumbprint(jwk)


def test_thumbprint_differs_between_keys():
    assert keys.thumbprint(_p256_public()) != keys.thumbprint(_p256_public())


@pytest.mark.parametrize(
    ("jwk", "exc", "code"),
    [
        ({"kty": "OKP"}, InvalidKey, "invalid_key"),
        ({"kty": "OKP", "crv": "Ed25519"}, InvalidKey, "invalid_key"),
        ({"kty": "EC", "crv": "P-256", "x": "AA"}, InvalidKey, "invalid_key"),
        ({"kty": "EC", "crv": "P-256", "x": "AA", "y": 7}, InvalidKey, "invalid_key"),
        ({"kty": "oct", "k": "AA"}, UnsupportedKeyType, "unsupported_key_type"),
        ({"kty": ["OKP"], "crv": "Ed25519", "x": "AA"}, UnsupportedKeyType, "unsupported_key_type"),
        ({}, UnsupportedKeyType, "unsupported_key_type"),
        ("not a JWK", InvalidKey, "invalid_key"),
        (None, InvalidKey, "invalid_key"),
    ],
)
def test_thumbprint_refusals_are_typed(jwk, exc, code):
    refused(exc, code, keys.thumbprint, jwk)


# --- Multikey ------------------------------------------------------------------------


@pytest.mark.parametrize("seed_hex,multikey,public_b58", DID_KEY_ED25519_VECTORS)
def test_multikey_ed25519_matches_the_did_key_vectors(seed_hex, multikey, public_b58):
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    assert keys.multikey_encode(key) == multikey
    assert keys.multikey_encode(key.public_key()) == multikey
    decoded = keys.multikey_decode(multikey)
    assert isinstance(decoded, ed25519.Ed25519PublicKey)
    raw = decoded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert base58.b58encode(raw).decode() == public_b58
    # multicodec ed25519-pub (0xed) as the varint 0xed 0x01, then the raw key
    assert base58.b58decode(multikey[1:]) == b"\xed\x01" + raw


@pytest.mark.parametrize("multikey,private", DID_KEY_P256_VECTORS)
def test_multikey_p256_matches_the_did_key_vectors(multikey, private):
    key = keys.key_from_jwk(private)
    assert keys.multikey_encode(key) == multikey
    decoded = keys.multikey_decode(multikey)
    assert isinstance(decoded, ec.EllipticCurvePublicKey)
    assert keys.public_jwk(decoded) == {k: private[k] for k in ("kty", "crv", "x", "y")}
    raw = base58.b58decode(multikey[1:])
    # multicodec p256-pub (0x1200) as the varint 0x80 0x24, then the 33-byte compressed point
    assert raw[:2] == b"\x80\x24" and len(raw) == 35 and raw[2] in (2, 3)


@pytest.mark.parametrize("key_type,prefix", [("Ed25519", "z6Mk"), ("P-256", "zDn")])
def test_multikey_round_trips_fresh_keys(key_type, prefix):
    for _ in range(10):
        key = keys.generate(key_type)
        value = keys.multikey_encode(key)
        assert value.startswith(prefix)
        assert keys.public_jwk(keys.multikey_decode(value)) == keys.public_jwk(key)


def _mb(raw: bytes) -> str:
    return "z" + base58.b58encode(raw).decode()


@pytest.mark.parametrize(
    ("value", "exc", "code"),
    [
        ("", EncodingError, "invalid_encoding"),
        ("6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", EncodingError, "invalid_encoding"),  # no `z`
        ("u7QE", EncodingError, "invalid_encoding"),  # base64url multibase, not base58btc
        ("z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW0", EncodingError, "invalid_encoding"),  # `0` not base58
        ("zOIl", EncodingError, "invalid_encoding"),
        ("z" + "2" * 200, EncodingError, "invalid_encoding"),  # too long to be a key
        (None, EncodingError, "invalid_encoding"),
        (b"z6Mk", EncodingError, "invalid_encoding"),
        ("z", UnsupportedKeyType, "unsupported_key_type"),
        (X25519_MULTIKEY, UnsupportedKeyType, "unsupported_key_type"),
        (_mb(b"\xe7\x01\x02" + bytes(32)), UnsupportedKeyType, "unsupported_key_type"),  # secp256k1-pub
        (_mb(b"\xed\x01" + bytes(31)), UnsupportedKeyType, "unsupported_key_type"),  # short Ed25519
        (_mb(b"\xed\x01" + bytes(33)), UnsupportedKeyType, "unsupported_key_type"),  # long Ed25519
        (_mb(b"\xed" + bytes(32)), UnsupportedKeyType, "unsupported_key_type"),  # not a varint prefix
        (_mb(b"\x80\x24\x04" + bytes(64)), UnsupportedKeyType, "unsupported_key_type"),  # uncompressed P-256
        (_mb(b"\x80\x24\x02" + b"\xff" * 32), InvalidKey, "invalid_key"),  # x beyond the field
        (_mb(b"\x80\x24\x05" + bytes(32)), InvalidKey, "invalid_key"),  # bad point tag
    ],
)
def test_multikey_decode_refusals(value, exc, code):
    refused(exc, code, keys.multikey_decode, value)


# --- storage ---------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["Ed25519", "P-256"])
def test_private_key_bytes_round_trip(key_type):
    key = keys.generate(key_type)
    data = keys.private_key_to_bytes(key)
    again = keys.private_key_from_bytes(data)
    assert keys.private_jwk(again) == keys.private_jwk(key)


def test_private_key_from_bytes_refuses_other_keys_and_garbage():
    rsa_der = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    p384_der = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    refused(UnsupportedKeyType, "unsupported_key_type", keys.private_key_from_bytes, rsa_der)
    refused(UnsupportedKeyType, "unsupported_key_type", keys.private_key_from_bytes, p384_der)
    refused(InvalidKey, "invalid_key", keys.private_key_from_bytes, b"not a key")
    refused(InvalidKey, "invalid_key", keys.private_key_from_bytes, b"")
    pem = keys.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    refused(InvalidKey, "invalid_key", keys.private_key_from_bytes, pem)


def test_key_errors_are_skillpass_errors_with_stable_codes():
    assert issubclass(UnsupportedKeyType, InvalidKey) and issubclass(InvalidKey, SkillpassError)
    assert (InvalidKey.code, UnsupportedKeyType.code, EncodingError.code) == (
        "invalid_key",
        "unsupported_key_type",
        "invalid_encoding",
    )
    assert json.loads(json.dumps(InvalidKey("x").to_dict())) == {"error": "invalid_key", "detail": "x"}
