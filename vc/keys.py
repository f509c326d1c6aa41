"""Keys: Ed25519 and P-256, as JWK (RFC 7517), thumbprint (RFC 7638) and Multikey.

skillpass accepts exactly two key types, each bound to exactly one JOSE
algorithm, so that no caller ever has to choose an algorithm for a key:

    Ed25519 (JWK kty OKP, crv Ed25519)  <->  EdDSA
    P-256   (JWK kty EC,  crv P-256)    <->  ES256

Everything else (RSA, secp256k1, symmetric "oct" keys) is refused on import,
which is what closes the door on algorithm-confusion attacks further up.
"""

from __future__ import annotations

import pybase64
import binascii
import hashlib
import json
from typing import Literal, Union

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from vc.errors import EncodingError, InvalidKey, UnsupportedKeyType

PrivateKey = Union[ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey]
PublicKey = Union[ed25519.Ed25519PublicKey, ec.EllipticCurvePublicKey]
KeyType = Literal["Ed25519", "P-256"]
Algorithm = Literal["EdDSA", "ES256"]

KEY_TYPES: tuple[KeyType, ...] = ("Ed25519", "P-256")
ALGORITHMS: tuple[Algorithm, ...] = ("EdDSA", "ES256")

# Multicodec varint prefixes (https://github.com/multiformats/multicodec table).
_ED25519_PUB = b"\xed\x01"
_P256_PUB = b"\x80\x24"


# --- base64url ---------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as JOSE writes it."""
    return pybase64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_TO_STANDARD = bytes.maketrans(b"-_+/=", b"+/!!!")
_B64URL_VALUE = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
# Bits of the last character that carry no data, by length modulo 4 (RFC 4648 section 3.5).
_UNUSED_BITS = {2: 0x0F, 3: 0x03}


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding: any other character is an error.

    The standard library silently skips characters outside the alphabet, which
    would let two different strings decode to the same bytes; JOSE forbids that.
    For the same reason the unused low bits of the last character must be zero
    (otherwise e.g. a signature's last character has 16 spellings that all verify).
    """
    if not isinstance(text, str) or len(text) % 4 == 1:
        raise EncodingError("not base64url without padding")
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise EncodingError("not base64url without padding") from None
    # `-_` become `+/`; `+`, `/` and `=` (not base64url) become `!`, which validation refuses
    # like every other character outside the alphabet (whitespace included). pybase64's SIMD
    # decoder: the standard library's takes ~10 us for a 5 KB credential, a twentieth of a verify.
    try:
        data = pybase64.b64decode(raw.translate(_TO_STANDARD) + b"=" * (-len(raw) % 4), validate=True)
    except binascii.Error:
        raise EncodingError("not base64url without padding") from None
    unused = _UNUSED_BITS.get(len(raw) % 4)
    if unused and _B64URL_VALUE[text[-1]] & unused:
        raise EncodingError("not canonical base64url: the unused bits of the last character are set")
    return data


# --- generation ---------------------------------------------------------------


def generate(key_type: KeyType = "Ed25519") -> PrivateKey:
    """A new private key of one of the two accepted types."""
    if key_type == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if key_type == "P-256":
        return ec.generate_private_key(ec.SECP256R1())
    raise UnsupportedKeyType(f"key type {key_type!r}; use Ed25519 or P-256")


def public_key_of(key: PrivateKey | PublicKey) -> PublicKey:
    """The public half of a key (a public key is returned as it is)."""
    if isinstance(key, (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey)):
        return key.public_key()
    return key


def key_type_of(key: PrivateKey | PublicKey) -> KeyType:
    """Ed25519 or P-256; any other key is refused."""
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "Ed25519"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if isinstance(key.curve, ec.SECP256R1):
            return "P-256"
    raise UnsupportedKeyType(f"{type(key).__name__} is not Ed25519 or P-256")


def algorithm_for(key: PrivateKey | PublicKey) -> Algorithm:
    """The one JOSE algorithm a key may be used with."""
    return "EdDSA" if key_type_of(key) == "Ed25519" else "ES256"


# --- JWK ----------------------------------------------------------------------


def public_jwk(key: PrivateKey | PublicKey) -> dict[str, str]:
    """The public JWK of a key: only the members RFC 7638 hashes, nothing else."""
    pub = public_key_of(key)
    if key_type_of(pub) == "Ed25519":
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    numbers = pub.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }


def private_jwk(key: PrivateKey) -> dict[str, str]:
    """The private JWK (with `d`). Only for export by the key's owner."""
    jwk = public_jwk(key)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return {**jwk, "d": b64url_encode(raw)}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {**jwk, "d": b64url_encode(key.private_numbers().private_value.to_bytes(32, "big"))}
    raise InvalidKey("a public key has no private JWK")


def _jwk_member(jwk: dict, name: str, length: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidKey(f"JWK member {name!r} is missing")
    try:
        raw = b64url_decode(value)
    except EncodingError as exc:
        raise InvalidKey(f"JWK member {name!r} is not base64url") from exc
    if len(raw) != length:
        raise InvalidKey(f"JWK member {name!r} must be {length} bytes")
    return raw


def key_from_jwk(jwk: dict) -> PrivateKey | PublicKey:
    """Import a JWK: private when it has `d`, public otherwise.

    Only OKP/Ed25519 and EC/P-256 are accepted; a symmetric (`oct`) or RSA key is
    refused, so no JWK can ever be turned into an HMAC secret.
    """
    if not isinstance(jwk, dict):
        raise InvalidKey("a JWK must be a JSON object")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        x = _jwk_member(jwk, "x", 32)
        if "d" in jwk:
            key = ed25519.Ed25519PrivateKey.from_private_bytes(_jwk_member(jwk, "d", 32))
            if public_jwk(key)["x"] != jwk["x"]:
                raise InvalidKey("JWK `d` does not belong to `x`")
            return key
        return ed25519.Ed25519PublicKey.from_public_bytes(x)
    if kty == "EC" and crv == "P-256":
        x = int.from_bytes(_jwk_member(jwk, "x", 32), "big")
        y = int.from_bytes(_jwk_member(jwk, "y", 32), "big")
        try:
            public_numbers = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1())
            if "d" in jwk:
                d = int.from_bytes(_jwk_member(jwk, "d", 32), "big")
                return ec.EllipticCurvePrivateNumbers(d, public_numbers).private_key()
            return public_numbers.public_key()
        except ValueError as exc:
            raise InvalidKey(f"not a valid P-256 key: {exc}") from exc
    raise UnsupportedKeyType(f"JWK kty={kty!r} crv={crv!r}; use OKP/Ed25519 or EC/P-256")


def public_key_from_jwk(jwk: dict) -> PublicKey:
    """Import a JWK that must be public: a JWK with `d` is refused (a leaked secret)."""
    if isinstance(jwk, dict) and "d" in jwk:
        raise InvalidKey("a public JWK must not contain the private member `d`")
    return key_from_jwk(jwk)  # type: ignore[return-value]


def thumbprint(jwk: dict) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) over the required members."""
    if not isinstance(jwk, dict):
        raise InvalidKey("a JWK must be a JSON object")
    kty = jwk.get("kty")
    required = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}.get(kty) if isinstance(kty, str) else None
    if required is None:
        raise UnsupportedKeyType(f"JWK kty={jwk.get('kty')!r}")
    if not all(isinstance(jwk.get(k), str) for k in required):
        raise InvalidKey(f"JWK thumbprint needs the string members {', '.join(required)}")
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


# --- Multikey -----------------------------------------------------------------


def multikey_encode(key: PrivateKey | PublicKey) -> str:
    """Multikey `publicKeyMultibase`: base58btc (`z`) of multicodec prefix + raw key.

    P-256 keys use the 33-byte compressed point, as the Multikey spec requires.
    """
    pub = public_key_of(key)
    if key_type_of(pub) == "Ed25519":
        raw = _ED25519_PUB + pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = _P256_PUB + pub.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
    return "z" + base58.b58encode(raw).decode("ascii")


def multikey_decode(value: str) -> PublicKey:
    """Read a `z`-prefixed Multikey value back into a public key."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 128:
        raise EncodingError("Multikey must be base58btc with the `z` prefix")
    try:
        raw = base58.b58decode(value[1:])
    except ValueError as exc:
        raise EncodingError("Multikey is not valid base58btc") from exc
    if raw.startswith(_ED25519_PUB) and len(raw) == 34:
        return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])
    if raw.startswith(_P256_PUB) and len(raw) == 35:
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
        except ValueError as exc:
            raise InvalidKey("not a valid P-256 point") from exc
    raise UnsupportedKeyType("Multikey is neither ed25519-pub nor p256-pub")


# --- storage ------------------------------------------------------------------


def private_key_to_bytes(key: PrivateKey) -> bytes:
    """PKCS#8 DER, unencrypted: the caller encrypts it (see the services' key stores)."""
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def private_key_from_bytes(data: bytes) -> PrivateKey:
    """Load PKCS#8 DER written by `private_key_to_bytes`, refusing other key types."""
    try:
        key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidKey("not a PKCS#8 DER private key") from exc
    key_type_of(key)
    return key  # type: ignore[return-value]
