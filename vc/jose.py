"""VC-JOSE-COSE: credentials and presentations secured as compact JWS.

In VC Data Model 2.0 the JWT claims set *is* the credential (no `vc` claim):
`application/vc+jwt` for credentials, `application/vp+jwt` for presentations.
The header carries `alg`, `typ`, `cty` and `kid` (a DID URL of the signer).

Verification here is deliberately narrow:
- `alg` must be EdDSA or ES256 *and* match the key's type (no HS*, no `none`);
- the key comes only from the signer's DID document, found by `kid`; headers
  that carry or point at keys (`jwk`, `jku`, `x5u`, `x5c`, ...) are refused,
  not ignored, and so is `crit` (we understand no extensions);
- duplicate JSON member names and oversized tokens are refused before anything
  else is looked at.

The functions are small steps so that vc/verify.py can report each as a check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from vc import keys, strict_json
from vc.did import split_did_url
from vc.errors import (
    EncodingError,
    ForbiddenHeader,
    InvalidCredential,
    InvalidSignature,
    IssuerMismatch,
    MalformedToken,
    TokenTooLarge,
    UnsupportedAlgorithm,
    WrongType,
)

VC_JWT = "vc+jwt"
VP_JWT = "vp+jwt"
VC_MEDIA_TYPE = "application/vc+jwt"
VP_MEDIA_TYPE = "application/vp+jwt"
CONTENT_TYPES = {VC_JWT: "vc", VP_JWT: "vp"}
MAX_TOKEN_BYTES = 512 * 1024

# alg -> the only key type it may be used with
ALLOWED_ALGORITHMS: Mapping[str, keys.KeyType] = {"EdDSA": "Ed25519", "ES256": "P-256"}
# Members that would let the token choose its own key, or demand extensions.
FORBIDDEN_HEADERS = frozenset({"jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64", "zip", "enc"})
# JWT numeric date claims: must be finite numbers within a sane range if present.
NUMERIC_DATE_CLAIMS = ("iat", "nbf", "exp")
MAX_NUMERIC_DATE = 253402300799  # 9999-12-31T23:59:59Z

_SIGNERS = {"EdDSA": OKPAlgorithm(), "ES256": ECAlgorithm(ECAlgorithm.SHA256)}


@dataclass(frozen=True)
class DecodedJWS:
    """A compact JWS taken apart, not yet verified."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def kid(self) -> str:
        return self.header["kid"]


# --- signing --------------------------------------------------------------------


def sign_jws(payload: Mapping[str, Any], key: keys.PrivateKey, *, kid: str, typ: str) -> str:
    """Sign a JSON payload as a compact JWS with the key's one algorithm."""
    alg = keys.algorithm_for(key)
    header = {"alg": alg, "kid": kid, "typ": typ}
    if typ in CONTENT_TYPES:
        header["cty"] = CONTENT_TYPES[typ]
    signing_input = (
        keys.b64url_encode(strict_json.dumps_bytes(header))
        + "."
        + keys.b64url_encode(strict_json.dumps_bytes(payload))
    )
    signature = _SIGNERS[alg].sign(signing_input.encode("ascii"), key)
    return signing_input + "." + keys.b64url_encode(signature)


def sign_credential(credential: Mapping[str, Any], key: keys.PrivateKey, kid: str) -> str:
    """Secure a credential as `application/vc+jwt`; `iss` repeats the issuer id."""
    payload = dict(credential)
    payload["iss"] = issuer_id(credential)
    return sign_jws(payload, key, kid=kid, typ=VC_JWT)


def sign_presentation(
    presentation: Mapping[str, Any],
    key: keys.PrivateKey,
    kid: str,
    *,
    nonce: str | None = None,
    audience: str | None = None,
    issued_at: int | None = None,
    expires_at: int | None = None,
) -> str:
    """Secure a presentation as `application/vp+jwt`, bound to a verifier's nonce and audience."""
    payload = dict(presentation)
    if "holder" in presentation:
        holder = presentation["holder"]
        # `iss` is a StringOrURI: the holder's id, also when `holder` is an object.
        payload["iss"] = holder.get("id") if isinstance(holder, Mapping) else holder
    for claim, value in (("nonce", nonce), ("aud", audience), ("iat", issued_at), ("exp", expires_at)):
        if value is not None:
            payload[claim] = value
    return sign_jws(payload, key, kid=kid, typ=VP_JWT)


# --- parsing --------------------------------------------------------------------


def decode_jws(token: str, *, max_bytes: int = MAX_TOKEN_BYTES) -> DecodedJWS:
    """Take a compact JWS apart strictly, without trusting anything in it yet."""
    if not isinstance(token, str):
        raise MalformedToken("a compact JWS must be a string")
    if len(token) > max_bytes:
        raise TokenTooLarge(f"token is {len(token)} bytes; the limit is {max_bytes}")
    parts = token.split(".")
    if len(parts) == 5:
        raise MalformedToken("this is a JWE (encrypted); a signed JWS is expected")
    if len(parts) != 3 or not all(parts):
        raise MalformedToken("a compact JWS has three non-empty base64url parts")
    try:
        header_bytes, payload_bytes, signature = (keys.b64url_decode(p) for p in parts)
    except EncodingError as exc:
        raise MalformedToken("a JWS part is not base64url without padding") from exc
    header = strict_json.loads(header_bytes)
    payload = strict_json.loads(payload_bytes)
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise MalformedToken("JWS header and payload must be JSON objects")
    return DecodedJWS(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def peek_header(token: str) -> dict[str, Any]:
    """The header alone, strictly parsed: for routing a token by its `typ`."""
    return decode_jws(token).header


def normalise_typ(typ: Any) -> str | None:
    """RFC 7515 4.1.9: `typ` is case-insensitive and may omit `application/`."""
    if not isinstance(typ, str):
        return None
    typ = typ.lower()
    return typ.removeprefix("application/")


def check_header(header: Mapping[str, Any], expected_typ: str) -> str:
    """Enforce the header rules; returns the `alg` the signature must be checked with."""
    forbidden = FORBIDDEN_HEADERS.intersection(header)
    if forbidden:
        raise ForbiddenHeader(f"header parameter(s) {sorted(forbidden)} are not accepted")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
        raise UnsupportedAlgorithm(f"alg {str(alg)[:32]!r} is not allowed; use EdDSA or ES256")
    typ = normalise_typ(header.get("typ"))
    if typ != expected_typ:
        raise WrongType(f"typ {str(header.get('typ'))[:64]!r} is not {expected_typ!r}")
    cty = header.get("cty")
    if cty is not None and normalise_typ(cty) != CONTENT_TYPES.get(expected_typ):
        raise WrongType(f"cty {str(cty)[:64]!r} does not fit typ {expected_typ!r}")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise MalformedToken("header must name the signing key (`kid`) as a DID URL")
    split_did_url(kid)
    return alg  # type: ignore[return-value]


def verify_signature(decoded: DecodedJWS, public_key: keys.PublicKey) -> None:
    """Check the signature with a key the caller found in the signer's DID document."""
    alg = decoded.header.get("alg")
    if not isinstance(alg, str) or alg not in ALLOWED_ALGORITHMS:
        raise UnsupportedAlgorithm(f"alg {str(alg)[:32]!r} is not allowed")
    if keys.key_type_of(public_key) != ALLOWED_ALGORITHMS[alg]:
        raise UnsupportedAlgorithm(f"alg {alg} does not match the issuer's {keys.key_type_of(public_key)} key")
    if not _SIGNERS[alg].verify(decoded.signing_input, public_key, decoded.signature):
        raise InvalidSignature("the signature does not verify with the issuer's key")


# --- claims -------------------------------------------------------------------


def issuer_id(document: Mapping[str, Any]) -> str:
    """The issuer URL of a credential: `issuer` is a URL or an object with `id`."""
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidCredential("`issuer` must be a URL or an object with an `id`")
    return issuer


def check_claims(payload: Mapping[str, Any]) -> None:
    """JWT claims in a VC DM 2.0 payload: no legacy `vc`/`vp`, sane numeric dates."""
    for legacy in ("vc", "vp"):
        if legacy in payload:
            raise InvalidCredential(f"the legacy `{legacy}` claim (VC-JWT 1.1) is not accepted")
    for claim in NUMERIC_DATE_CLAIMS:
        if claim in payload:
            value = payload[claim]
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 <= value <= MAX_NUMERIC_DATE  # before isfinite: a huge int overflows a float
                or not math.isfinite(value)
            ):
                raise MalformedToken(f"`{claim}` must be a NumericDate (seconds since 1970)")


def check_issuer_binding(decoded: DecodedJWS) -> str:
    """`iss`, `issuer` and the DID of `kid` must all name the same issuer; returns it."""
    issuer = issuer_id(decoded.payload)
    kid_did, _ = split_did_url(decoded.kid)
    iss = decoded.payload.get("iss", issuer)
    if iss != issuer:
        raise IssuerMismatch(f"`iss` {str(iss)[:80]!r} is not the credential's issuer {issuer[:80]!r}")
    if kid_did != issuer:
        raise IssuerMismatch(f"the signing key belongs to {kid_did[:80]!r}, not to the issuer {issuer[:80]!r}")
    return issuer


def check_holder_binding(decoded: DecodedJWS) -> str:
    """A presentation's `holder`, `iss` and the DID of `kid` must agree; returns the holder."""
    holder = decoded.payload.get("holder")
    if isinstance(holder, dict):
        holder = holder.get("id")
    kid_did, _ = split_did_url(decoded.kid)
    holder = holder or decoded.payload.get("iss")
    if not isinstance(holder, str) or not holder:
        raise IssuerMismatch("a presentation must name its `holder`")
    iss = decoded.payload.get("iss", holder)
    if iss != holder or kid_did != holder:
        raise IssuerMismatch("`holder`, `iss` and the signing key's DID do not agree")
    return holder


# --- enveloping -----------------------------------------------------------------

_ENVELOPE_PREFIXES = {VC_MEDIA_TYPE: "data:application/vc+jwt,", VP_MEDIA_TYPE: "data:application/vp+jwt,"}


def envelope(token: str, media_type: str = VC_MEDIA_TYPE) -> dict[str, Any]:
    """Wrap a compact JWS as an EnvelopedVerifiableCredential (or ...Presentation)."""
    if media_type not in _ENVELOPE_PREFIXES:
        raise ValueError(f"cannot envelope {media_type!r}")
    kind = "EnvelopedVerifiableCredential" if media_type == VC_MEDIA_TYPE else "EnvelopedVerifiablePresentation"
    return {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "id": _ENVELOPE_PREFIXES[media_type] + token,
        "type": kind,
    }


def unwrap(value: Any, media_type: str = VC_MEDIA_TYPE) -> str:
    """A compact JWS, given as itself or inside an Enveloped... object / data: URL."""
    if media_type not in _ENVELOPE_PREFIXES:
        raise ValueError(f"cannot unwrap {media_type!r}")
    if isinstance(value, dict):
        expected = "EnvelopedVerifiableCredential" if media_type == VC_MEDIA_TYPE else "EnvelopedVerifiablePresentation"
        types = value.get("type")
        if types != expected and not (isinstance(types, list) and expected in types):
            raise MalformedToken(f"expected an {expected}")
        value = value.get("id")
    if not isinstance(value, str):
        raise MalformedToken("expected a compact JWS or an enveloped one")
    if value.startswith("data:"):
        prefix = _ENVELOPE_PREFIXES[media_type]
        if not value.startswith(prefix):
            raise MalformedToken(f"data: URL must be of media type {media_type}")
        value = value[len(prefix):]
    return value
