"""SD-JWT (RFC 9901) and SD-JWT VC (`typ: dc+sd-jwt`): issue, present, verify.

An SD-JWT is an issuer-signed JWT whose payload holds digests instead of some
claims, followed by the Disclosures (``[salt, name, value]`` or, for array
elements, ``[salt, value]``) that the holder may or may not pass on, and
optionally a Key Binding JWT proving possession of the key in ``cnf.jwk``:

    <issuer JWT>~<Disclosure 1>~...~<Disclosure N>~[<KB-JWT>]

Claims are addressed by *claim paths* as SD-JWT VC type metadata and
OpenID4VP (DCQL) write them: a tuple of object member names (str), array
indices (int) and ``None`` for "every element of this array", e.g.
``("credentialSubject", "skills", None)``. The issuer declares with paths what
is selectively disclosable, the holder chooses with paths what to reveal, and
the verifier reports with paths what was revealed.

Why hand-written rather than the `sd-jwt` reference package on PyPI: that
package (latest release 0.10.4) is without a release since early 2024, pulls in
jwcrypto (a second JOSE stack with its own, laxer parsing) and parses tokens
its own way. This module is small, pure (no I/O: keys come from a resolver the
caller passes) and takes every JWS apart with vc.jose.decode_jws, so SD-JWTs
get the same size cap, strict JSON (no duplicate members), algorithm allowlist
and refused key-carrying headers as every other token skillpass reads.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from vc import jose, keys, strict_json
from vc.errors import (
    AudienceMismatch,
    EncodingError,
    Expired,
    ForbiddenHeader,
    HolderMismatch,
    InvalidKey,
    InvalidSignature,
    MalformedToken,
    NonceMismatch,
    NotYetValid,
    TokenTooLarge,
    UnsupportedAlgorithm,
    VerificationError,
    WrongType,
)

SD_JWT_VC_TYP = "dc+sd-jwt"
# The SD-JWT VC draft used `vc+sd-jwt` until November 2024, then RECOMMENDED that
# verifiers also accept it "for a reasonable transitional period" (a note later
# revisions drop). W3C VC-JOSE-COSE uses `vc+sd-jwt` for another payload (VCDM 2.0)
# and skillpass never issued it, so it is refused unless a caller opts in with
# ``expected_typ=(SD_JWT_VC_TYP, LEGACY_SD_JWT_VC_TYP)``.
LEGACY_SD_JWT_VC_TYP = "vc+sd-jwt"
KB_JWT_TYP = "kb+jwt"
MEDIA_TYPE = "application/dc+sd-jwt"

# `_sd_alg` names from the IANA "Named Information Hash Algorithm" registry.
HASH_ALGORITHMS: Mapping[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
}
DEFAULT_SD_ALG = "sha-256"
# SD-JWT VC draft, "Registered JWT Claims": these MUST NOT be selectively disclosable.
# Hiding `exp` or `status` would let a holder drop them; so they are refused in
# Disclosures on verification and never made disclosable on issuance.
NEVER_DISCLOSABLE = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})
# Names the SD-JWT format itself gives a meaning to.
SD_KEYS = frozenset({"_sd", "...", "_sd_alg"})
MAX_SD_JWT_BYTES = jose.MAX_TOKEN_BYTES
MAX_NESTING = 64  # nesting of objects, arrays and Disclosures inside each other
SALT_BYTES = 16  # 128 bits, as RFC 9901 section 9.3 recommends

ClaimPath = tuple[str | int | None, ...]
PathLike = ClaimPath | list
IssuerKeyResolver = Callable[[dict[str, Any], dict[str, Any]], keys.PublicKey]

_SIGNERS = {"EdDSA": OKPAlgorithm(), "ES256": ECAlgorithm(ECAlgorithm.SHA256)}


# --- errors -------------------------------------------------------------------


class SdJwtError(VerificationError):
    """The SD-JWT is not well formed (serialization, `_sd`, `...`, nesting)."""

    code = "invalid_sd_jwt"


class InvalidDisclosure(SdJwtError):
    """A Disclosure is not a valid `[salt, name, value]` / `[salt, value]` or may not be used where it is."""

    code = "invalid_disclosure"


class DuplicateDisclosure(InvalidDisclosure):
    """The same Disclosure is given twice."""

    code = "duplicate_disclosure"


class UnreferencedDisclosure(InvalidDisclosure):
    """A Disclosure whose digest appears nowhere in the signed payload (forged or tampered)."""

    code = "unreferenced_disclosure"


class DisclosedClaimConflict(InvalidDisclosure):
    """A Disclosure names a claim that is already present at that place."""

    code = "disclosed_claim_conflict"


class DuplicateDigest(SdJwtError):
    """A digest appears more than once in the payload (RFC 9901 section 7.1)."""

    code = "duplicate_digest"


class UnsupportedDigestAlgorithm(SdJwtError):
    """`_sd_alg` names a hash algorithm skillpass does not accept."""

    code = "unsupported_sd_alg"


class MissingVct(SdJwtError):
    """An SD-JWT VC must state its credential type in `vct`."""

    code = "missing_vct"


class KeyBindingError(SdJwtError):
    """The Key Binding JWT is missing something, or the credential has no usable `cnf.jwk`."""

    code = "invalid_key_binding"


class KeyBindingRequired(KeyBindingError):
    """The verifier requires a Key Binding JWT and the presentation has none."""

    code = "key_binding_required"


class SdHashMismatch(KeyBindingError):
    """The KB-JWT's `sd_hash` is not the hash of this presentation."""

    code = "sd_hash_mismatch"


class KeyBindingTimeInvalid(KeyBindingError):
    """The KB-JWT's `iat` is in the future or older than the verifier accepts."""

    code = "key_binding_iat_invalid"


# --- data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Disclosure:
    """One Disclosure: the encoded text as sent, what it says, and its digest."""

    encoded: str
    salt: str
    name: str | None  # None for an array element
    value: Any
    digest: str


@dataclass(frozen=True)
class SdJwt:
    """An SD-JWT (or SD-JWT+KB) taken apart; nothing in it is verified yet."""

    issuer_jwt: str
    jws: jose.DecodedJWS
    disclosures: tuple[Disclosure, ...]
    kb_jwt: str | None
    sd_alg: str
    hash_input: str  # everything up to and including the last `~`: what `sd_hash` covers

    @property
    def header(self) -> dict[str, Any]:
        return self.jws.header

    @property
    def payload(self) -> dict[str, Any]:
        return self.jws.payload


@dataclass(frozen=True)
class DisclosableClaim:
    """A claim the holder may hide or reveal: where it is, and its full value."""

    path: ClaimPath
    value: Any
    digest: str


@dataclass(frozen=True)
class HiddenDigest:
    """A digest with no Disclosure: a claim the holder withheld, or a decoy.

    Only the place is known (`container`: the object or array holding it),
    never the name or value; decoys cannot be told apart from real claims.
    """

    container: ClaimPath
    digest: str
    array_element: bool


@dataclass(frozen=True)
class VerifiedSdJwt:
    """What a verifier may rely on after `verify`."""

    claims: dict[str, Any]  # `_sd`, `_sd_alg` and `...` removed, disclosed values in place
    disclosed: list[ClaimPath]
    hidden: list[HiddenDigest]
    header: dict[str, Any]
    payload: dict[str, Any]  # the issuer-signed payload as signed (with digests)
    key_binding: dict[str, Any] | None = None  # KB-JWT payload, when one was verified
    holder_jwk: dict[str, Any] | None = None  # cnf.jwk, when a KB-JWT proved possession of it


# --- claim paths --------------------------------------------------------------


def claim_path(path: PathLike) -> ClaimPath:
    """Normalise a claim path (tuple or JSON array) and check its elements."""
    if not isinstance(path, (tuple, list)):
        raise ValueError(f"a claim path is a list of names, indices and None, not {path!r}")
    for step in path:
        if step is not None and not isinstance(step, str) and not (
            isinstance(step, int) and not isinstance(step, bool) and step >= 0
        ):
            raise ValueError(f"claim path {path!r}: {step!r} is not a name, an index or None")
    return tuple(path)


def _step_matches(pattern: str | int | None, step: str | int) -> bool:
    return pattern == step and type(pattern) is type(step) or (pattern is None and isinstance(step, int))


def _agree(pattern: ClaimPath, path: ClaimPath) -> bool:
    """True when `path` lies on the way to, at, or below what `pattern` names."""
    return all(_step_matches(p, s) for p, s in zip(pattern, path))


def _matches(pattern: ClaimPath, path: ClaimPath) -> bool:
    return len(pattern) == len(path) and _agree(pattern, path)


def _exists(value: Any, pattern: ClaimPath) -> bool:
    if not pattern:
        return True
    step, rest = pattern[0], pattern[1:]
    if isinstance(value, dict) and isinstance(step, str):
        return step in value and _exists(value[step], rest)
    if isinstance(value, list) and step is None:
        return any(_exists(item, rest) for item in value)
    if isinstance(value, list) and isinstance(step, int):
        return step < len(value) and _exists(value[step], rest)
    return False


# --- encoding helpers ---------------------------------------------------------


def _hash(sd_alg: str, text: str) -> str:
    return keys.b64url_encode(HASH_ALGORITHMS[sd_alg](text.encode("ascii")).digest())


def _sign(header: dict[str, Any], payload: Mapping[str, Any], key: keys.PrivateKey) -> str:
    """Compact JWS with the key's one algorithm.

    vc.jose.sign_jws always writes a `kid`; a KB-JWT has none (its key is
    `cnf.jwk`), so the few lines are repeated here.
    """
    alg = keys.algorithm_for(key)
    signing_input = (
        keys.b64url_encode(strict_json.dumps({"alg": alg, **header}).encode())
        + "."
        + keys.b64url_encode(strict_json.dumps(payload).encode())
    )
    return signing_input + "." + keys.b64url_encode(_SIGNERS[alg].sign(signing_input.encode("ascii"), key))


def _sd_alg_of(payload: Mapping[str, Any]) -> str:
    sd_alg = payload.get("_sd_alg", DEFAULT_SD_ALG)  # RFC 9901 4.1.1: absent means sha-256
    if not isinstance(sd_alg, str) or sd_alg not in HASH_ALGORITHMS:
        raise UnsupportedDigestAlgorithm(f"_sd_alg {str(sd_alg)[:32]!r} is not one of {sorted(HASH_ALGORITHMS)}")
    return sd_alg


def _decode_disclosure(encoded: str, sd_alg: str) -> Disclosure:
    try:
        content = strict_json.loads(keys.b64url_decode(encoded))
    except (EncodingError, MalformedToken) as exc:
        raise InvalidDisclosure(f"a Disclosure is not base64url JSON: {exc.detail}") from exc
    if not isinstance(content, list) or len(content) not in (2, 3) or not isinstance(content[0], str):
        raise InvalidDisclosure("a Disclosure is [salt, name, value] or [salt, value]")
    name = content[1] if len(content) == 3 else None
    if len(content) == 3 and not isinstance(name, str):
        raise InvalidDisclosure("a Disclosure's claim name must be a string")
    if name in SD_KEYS:  # RFC 9901 4.2.1: not `_sd` or `...`; nor `_sd_alg`, which says how the digests are made
        raise InvalidDisclosure(f"a Disclosure may not name the claim {name!r}")
    return Disclosure(encoded, content[0], name, content[-1], _hash(sd_alg, encoded))


# --- parsing --------------------------------------------------------------------


def parse(sd_jwt: str) -> SdJwt:
    """Take `<JWT>~<D1>~...~<Dn>~[<KB-JWT>]` apart strictly; verifies nothing.

    The holder parses what it is given before storing it, the verifier before
    checking it. Duplicate Disclosures are refused here already.
    """
    if not isinstance(sd_jwt, str):
        raise SdJwtError("an SD-JWT must be a string")
    if len(sd_jwt) > MAX_SD_JWT_BYTES:
        raise TokenTooLarge(f"SD-JWT is {len(sd_jwt)} bytes; the limit is {MAX_SD_JWT_BYTES}")
    parts = sd_jwt.split("~")
    if len(parts) < 2:
        raise SdJwtError("an SD-JWT ends with `~` (or a KB-JWT after the last `~`)")
    issuer_jwt, encoded, kb_jwt = parts[0], parts[1:-1], parts[-1] or None
    if any(not part for part in encoded):
        raise SdJwtError("empty Disclosure between two `~`")
    jws = jose.decode_jws(issuer_jwt)
    sd_alg = _sd_alg_of(jws.payload)
    disclosures = tuple(_decode_disclosure(e, sd_alg) for e in encoded)
    if len({d.digest for d in disclosures}) != len(disclosures):
        raise DuplicateDisclosure("the same Disclosure is given more than once")
    hash_input = sd_jwt[: sd_jwt.rindex("~") + 1]
    return SdJwt(issuer_jwt, jws, disclosures, kb_jwt, sd_alg, hash_input)


def from_json_serialization(document: str | bytes | Mapping[str, Any]) -> str:
    """The compact form of an SD-JWT in JWS JSON Serialization (RFC 9901 section 8).

    skillpass itself only sends the compact form; this exists for interop.
    Disclosures and `kb_jwt` travel in the (unsigned) header of the first
    signature, and `sd_hash` is defined over the compact form built from that
    first signature, so that is the signature kept. Other signatures and the
    unprotected headers are dropped: they are not integrity protected.
    """
    doc = strict_json.loads(document) if isinstance(document, (str, bytes)) else document
    if not isinstance(doc, Mapping):
        raise SdJwtError("a JWS JSON Serialization is a JSON object")
    signatures = doc.get("signatures", [doc])
    if not isinstance(signatures, list) or not signatures or not all(isinstance(s, Mapping) for s in signatures):
        raise SdJwtError("`signatures` must be a non-empty array of objects")
    headers = [s.get("header", {}) for s in signatures]
    if not all(isinstance(h, Mapping) for h in headers):
        raise SdJwtError("an unprotected `header` must be an object")
    if any(("disclosures" in h or "kb_jwt" in h) for h in headers[1:]):
        raise SdJwtError("Disclosures and kb_jwt belong in the first signature's header only")
    forbidden = jose.FORBIDDEN_HEADERS.intersection(set().union(*headers))
    if forbidden:
        raise ForbiddenHeader(f"header parameter(s) {sorted(forbidden)} are not accepted")
    first = signatures[0]
    members = (first.get("protected"), doc.get("payload"), first.get("signature"))
    if not all(isinstance(m, str) and m for m in members):
        raise SdJwtError("a JWS needs `protected`, `payload` and `signature` strings")
    disclosures = headers[0].get("disclosures", [])
    kb_jwt = headers[0].get("kb_jwt", "")
    if not isinstance(disclosures, list) or not all(isinstance(d, str) and d for d in disclosures):
        raise SdJwtError("`disclosures` must be an array of strings")
    if not isinstance(kb_jwt, str):
        raise SdJwtError("`kb_jwt` must be a string")
    return "~".join([".".join(members), *disclosures, kb_jwt])  # type: ignore[arg-type]


# --- processing (RFC 9901 section 7.1, step 3) -----------------------------------


@dataclass
class _Processed:
    claims: dict[str, Any]
    disclosed: list[tuple[ClaimPath, Disclosure]]
    hidden: list[HiddenDigest]


class _Processor:
    """Replace digests by the values of their Disclosures, recursively, once each."""

    def __init__(self, disclosures: Iterable[Disclosure]) -> None:
        self.by_digest = {d.digest: d for d in disclosures}
        self.seen: set[str] = set()
        self.disclosed: list[tuple[ClaimPath, Disclosure]] = []
        self.hidden: list[HiddenDigest] = []

    def run(self, payload: dict[str, Any]) -> _Processed:
        claims = self.value(payload, (), 0)
        claims.pop("_sd_alg", None)
        unused = [d for digest, d in self.by_digest.items() if digest not in self.seen]
        if unused:
            raise UnreferencedDisclosure(
                f"{len(unused)} Disclosure(s) are referenced by no digest in the signed payload"
            )
        return _Processed(claims, self.disclosed, self.hidden)

    def see(self, digest: Any) -> Disclosure | None:
        if not isinstance(digest, str):
            raise SdJwtError("a digest must be a string")
        if digest in self.seen:
            raise DuplicateDigest(f"digest {digest[:64]!r} appears more than once")
        self.seen.add(digest)
        return self.by_digest.get(digest)

    def value(self, value: Any, path: ClaimPath, depth: int) -> Any:
        if depth > MAX_NESTING:
            raise SdJwtError(f"claims nest deeper than {MAX_NESTING} levels")
        if isinstance(value, dict):
            return self.object(value, path, depth)
        if isinstance(value, list):
            return self.array(value, path, depth)
        return value

    def object(self, obj: dict[str, Any], path: ClaimPath, depth: int) -> dict[str, Any]:
        if "..." in obj:
            raise SdJwtError("`...` may only stand alone in an array element")
        digests = obj.get("_sd", [])
        if not isinstance(digests, list):
            raise SdJwtError("`_sd` must be an array of digests")
        out = {k: self.value(v, (*path, k), depth + 1) for k, v in obj.items() if k != "_sd"}
        for digest in digests:
            disclosure = self.see(digest)
            if disclosure is None:
                self.hidden.append(HiddenDigest(path, digest, False))
                continue
            if disclosure.name is None:
                raise InvalidDisclosure("an array-element Disclosure is referenced from `_sd`")
            if disclosure.name in out:
                raise DisclosedClaimConflict(f"claim {disclosure.name[:64]!r} is both disclosed and present")
            self.disclosed.append(((*path, disclosure.name), disclosure))
            out[disclosure.name] = self.value(disclosure.value, (*path, disclosure.name), depth + 1)
        return out

    def array(self, items: list[Any], path: ClaimPath, depth: int) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if not (isinstance(item, dict) and len(item) == 1 and "..." in item):
                out.append(self.value(item, (*path, len(out)), depth + 1))
                continue
            disclosure = self.see(item["..."])
            if disclosure is None:
                self.hidden.append(HiddenDigest(path, item["..."], True))
                continue
            if disclosure.name is not None:
                raise InvalidDisclosure("an object-property Disclosure is referenced as an array element")
            self.disclosed.append(((*path, len(out)), disclosure))
            out.append(self.value(disclosure.value, (*path, len(out)), depth + 1))
        return out


# --- issuance -------------------------------------------------------------------


Decoys = int | Mapping[ClaimPath, int]


class _Issuer:
    """Turn claims into an SD-JWT payload, bottom-up, so disclosures can nest."""

    def __init__(self, disclosable: list[ClaimPath], decoys: Decoys, salt: Callable[[], str]) -> None:
        self.disclosable = disclosable
        self.decoys = decoys
        self.salt = salt
        self.disclosures: list[str] = []

    def is_disclosable(self, path: ClaimPath) -> bool:
        return any(_matches(p, path) for p in self.disclosable)

    def decoy_count(self, path: ClaimPath, has_sd: bool) -> int:
        if isinstance(self.decoys, int):
            return self.decoys if has_sd else 0
        return max((n for p, n in self.decoys.items() if _matches(claim_path(p), path)), default=0)

    def disclose(self, content: list[Any]) -> str:
        encoded = keys.b64url_encode(strict_json.dumps([self.salt(), *content]).encode())
        self.disclosures.append(encoded)
        return _hash(DEFAULT_SD_ALG, encoded)

    def decoy(self) -> str:
        return _hash(DEFAULT_SD_ALG, self.salt())

    def value(self, value: Any, path: ClaimPath) -> Any:
        if isinstance(value, dict):
            return self.object(value, path)
        if isinstance(value, list):
            return self.array(value, path)
        return value

    def object(self, obj: Mapping[str, Any], path: ClaimPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        digests: list[str] = []
        for name, value in obj.items():
            if not isinstance(name, str) or name in SD_KEYS:
                raise ValueError(f"claim name {name!r} at {path!r} is reserved by SD-JWT")
            inner = self.value(value, (*path, name))
            if self.is_disclosable((*path, name)):
                digests.append(self.disclose([name, inner]))
            else:
                out[name] = inner
        digests += [self.decoy() for _ in range(self.decoy_count(path, bool(digests)))]
        if digests:
            out["_sd"] = sorted(digests)  # sorted: the order must not betray the claims' order
        return out

    def array(self, items: list[Any], path: ClaimPath) -> list[Any]:
        out: list[Any] = []
        for index, item in enumerate(items):
            inner = self.value(item, (*path, index))
            out.append({"...": self.disclose([inner])} if self.is_disclosable((*path, index)) else inner)
        has_sd = any(isinstance(i, dict) and "..." in i for i in out)
        for _ in range(self.decoy_count(path, has_sd)):
            decoy = self.decoy()
            out.insert(int.from_bytes(keys.b64url_decode(decoy)[:4], "big") % (len(out) + 1), {"...": decoy})
        return out


def _random_salt() -> str:
    return keys.b64url_encode(secrets.token_bytes(SALT_BYTES))


def issue(
    claims: Mapping[str, Any],
    issuer_key: keys.PrivateKey,
    *,
    kid: str | None,
    issuer: str,
    vct: str,
    disclosable: Iterable[PathLike] = (),
    holder_jwk: Mapping[str, Any] | None = None,
    decoys: Decoys = 0,
    salt_source: Callable[[], str] | None = None,
    iat: int | None = None,
    exp: int | None = None,
    nbf: int | None = None,
    status: Mapping[str, Any] | None = None,
) -> str:
    """Issue an SD-JWT VC: the signed JWT, every Disclosure, and a trailing `~`.

    `disclosable` lists claim paths (see the module docstring) relative to
    `claims`; `None` in a path stands for every element of an array. A path
    that names nothing in these claims is ignored, so one declaration can
    serve a credential type whose optional claims are absent. Paths nested in
    one another make recursive disclosures: the inner claim is its own
    Disclosure inside the outer claim's Disclosure.

    `decoys` adds digests that match no claim, so the number of digests does
    not tell how many claims there are: an int adds that many to every object
    and array that has disclosable members; a mapping from claim paths (of
    objects or arrays, `()` for the top level) gives counts per place.

    `salt_source` is for reproducible tests only; by default every salt (and
    every decoy) is 128 bits from `secrets`. `iss`, `vct`, `cnf`, `iat`,
    `exp`, `nbf` and `status` are set here and are never disclosable.
    """
    reserved = sorted(NEVER_DISCLOSABLE.union({"iat", "_sd_alg"}).intersection(claims))
    if reserved:
        raise ValueError(f"pass {reserved} as parameters, not inside claims")
    paths = [claim_path(p) for p in disclosable]
    if () in paths:
        raise ValueError("the whole payload cannot be a Disclosure")
    builder = _Issuer(paths, decoys, salt_source or _random_salt)
    payload: dict[str, Any] = {"iss": issuer, "vct": vct}
    for name, value in (("iat", iat), ("nbf", nbf), ("exp", exp)):
        if value is not None:
            payload[name] = value
    if holder_jwk is not None:
        keys.public_key_from_jwk(dict(holder_jwk))  # refuses a private or unsupported key
        payload["cnf"] = {"jwk": dict(holder_jwk)}
    if status is not None:
        payload["status"] = dict(status)
    payload.update(builder.object(claims, ()))
    payload["_sd_alg"] = DEFAULT_SD_ALG
    header: dict[str, Any] = {"typ": SD_JWT_VC_TYP}
    if kid is not None:
        header["kid"] = kid
    return "~".join([_sign(header, payload, issuer_key), *builder.disclosures, ""])


# --- holder ---------------------------------------------------------------------


def disclosable_claims(sd_jwt: str) -> list[DisclosableClaim]:
    """What the holder can hide or reveal, as paths and current values (for the wallet's UI).

    Paths are positions in the fully disclosed claims; a value shows the claim
    with everything below it disclosed. A parent comes before its children.
    """
    parsed = parse(sd_jwt)
    processed = _Processor(parsed.disclosures).run(parsed.payload)
    return [
        DisclosableClaim(path, _lookup(processed.claims, path), disclosure.digest)
        for path, disclosure in processed.disclosed
    ]


def _lookup(value: Any, path: ClaimPath) -> Any:
    for step in path:
        value = value[step]
    return value


def present(
    sd_jwt: str,
    disclose: Iterable[PathLike],
    *,
    holder_key: keys.PrivateKey | None,
    audience: str | None = None,
    nonce: str | None = None,
    iat: int | None = None,
) -> str:
    """A presentation revealing only what `disclose` names, bound to `holder_key`.

    The holder checks nothing cryptographic here: the wallet verifies a
    credential once, on import, with `verify(..., require_key_binding=False)`.

    Each path reveals the claim it names with everything below it, plus the
    Disclosures of the claims on the way to it (a skill inside a hidden list
    needs the list). `None` in a path means every array element. A path naming
    no claim at all is an error, so a typo never silently reveals less than
    intended. Without `holder_key` the result has no KB-JWT (trailing `~`).
    """
    parsed = parse(sd_jwt)
    processed = _Processor(parsed.disclosures).run(parsed.payload)
    wanted = [claim_path(p) for p in disclose]
    for path in wanted:
        if not _exists(processed.claims, path):
            raise ValueError(f"claim path {list(path)!r} names no claim in this credential")
    chosen = {d.digest for path, d in processed.disclosed if any(_needed(processed.claims, w, path) for w in wanted)}
    kept = [d.encoded for d in parsed.disclosures if d.digest in chosen]
    presentation = "~".join([parsed.issuer_jwt, *kept, ""])
    if holder_key is None:
        return presentation
    cnf_jwk = _holder_jwk(processed.claims)
    if keys.thumbprint(keys.public_jwk(holder_key)) != keys.thumbprint(cnf_jwk):
        raise ValueError("holder_key is not the key this credential is bound to (cnf.jwk)")
    if not isinstance(audience, str) or not isinstance(nonce, str):
        raise ValueError("a Key Binding JWT needs the verifier's audience and nonce")
    kb_payload = {
        "iat": int(time.time()) if iat is None else iat,
        "aud": audience,
        "nonce": nonce,
        "sd_hash": _hash(parsed.sd_alg, presentation),
    }
    return presentation + _sign({"typ": KB_JWT_TYP}, kb_payload, holder_key)


def _needed(claims: dict[str, Any], wanted: ClaimPath, path: ClaimPath) -> bool:
    """The Disclosure at `path` is needed for `wanted`: it is in its subtree, or on the way to it."""
    if not _agree(wanted, path):
        return False
    return len(wanted) <= len(path) or _exists(_lookup(claims, path), wanted[len(path):])


def _holder_jwk(claims: Mapping[str, Any]) -> dict[str, Any]:
    cnf = claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise KeyBindingError("the credential names no holder key (`cnf.jwk`)")
    return jwk


# --- verification -----------------------------------------------------------------


def _check_header(header: Mapping[str, Any], expected_typs: Collection[str]) -> str:
    """vc.jose.check_header's rules minus its `kid`-is-a-DID-URL one (key lookup is the resolver's)."""
    forbidden = jose.FORBIDDEN_HEADERS.intersection(header)
    if forbidden:
        raise ForbiddenHeader(f"header parameter(s) {sorted(forbidden)} are not accepted")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in jose.ALLOWED_ALGORITHMS:
        raise UnsupportedAlgorithm(f"alg {str(alg)[:32]!r} is not allowed; use EdDSA or ES256")
    typ = jose.normalise_typ(header.get("typ"))
    if typ not in expected_typs:
        raise WrongType(f"typ {str(header.get('typ'))[:64]!r} is not {' or '.join(sorted(expected_typs))}")
    return typ  # type: ignore[return-value]


def _check_validity(claims: Mapping[str, Any], now: float, leeway: float) -> None:
    jose.check_claims(claims)  # numeric dates are numbers in range
    if "exp" in claims and now >= claims["exp"] + leeway:
        raise Expired(f"the credential expired at {claims['exp']}")
    if "nbf" in claims and now < claims["nbf"] - leeway:
        raise NotYetValid(f"the credential is not valid before {claims['nbf']}")


def verify(
    presentation: str,
    *,
    issuer_key_resolver: IssuerKeyResolver,
    expected_audience: str | None = None,
    expected_nonce: str | None = None,
    require_key_binding: bool = True,
    now: float | None = None,
    max_iat_age: float = 300,
    leeway: float = 60,
    expected_typ: str | Collection[str] = SD_JWT_VC_TYP,
) -> VerifiedSdJwt:
    """Verify an SD-JWT VC presentation (RFC 9901 sections 7.1 and 7.3).

    `issuer_key_resolver(header, payload)` returns the issuer's public key;
    it sees the payload before the signature is checked, so it may use it to
    find the key (`iss`, `kid`) but must not trust anything else in it. It is
    also where issuer binding is enforced (e.g. the `kid` DID is `iss`).

    With `require_key_binding`, a KB-JWT signed by `cnf.jwk`, addressed to
    `expected_audience`, carrying `expected_nonce`, hashing exactly this
    presentation and issued within `max_iat_age` seconds (and at most `leeway`
    in the future) is required. A KB-JWT that is present is always checked.
    """
    if require_key_binding and (expected_audience is None or expected_nonce is None):
        raise ValueError("key binding needs the expected audience and nonce")
    now = time.time() if now is None else now
    expected_typs = {expected_typ} if isinstance(expected_typ, str) else set(expected_typ)
    parsed = parse(presentation)

    typ = _check_header(parsed.header, expected_typs)
    jose.verify_signature(parsed.jws, issuer_key_resolver(dict(parsed.header), dict(parsed.payload)))

    processed = _Processor(parsed.disclosures).run(parsed.payload)
    if typ in (SD_JWT_VC_TYP, LEGACY_SD_JWT_VC_TYP):
        for path, _ in processed.disclosed:
            if len(path) == 1 and path[0] in NEVER_DISCLOSABLE:
                raise InvalidDisclosure(f"`{path[0]}` must not be selectively disclosable in an SD-JWT VC")
        if not isinstance(processed.claims.get("vct"), str) or not processed.claims["vct"]:
            raise MissingVct("an SD-JWT VC must have a `vct` string")
    _check_validity(processed.claims, now, leeway)

    kb_payload, holder_jwk = None, None
    if parsed.kb_jwt is not None:
        holder_jwk = _holder_jwk(processed.claims)
        kb_payload = _verify_key_binding(
            parsed, holder_jwk, expected_audience, expected_nonce, now, max_iat_age, leeway
        )
    elif require_key_binding:
        raise KeyBindingRequired("this verifier requires a Key Binding JWT")

    return VerifiedSdJwt(
        claims=processed.claims,
        disclosed=[path for path, _ in processed.disclosed],
        hidden=processed.hidden,
        header=dict(parsed.header),
        payload=dict(parsed.payload),
        key_binding=kb_payload,
        holder_jwk=holder_jwk,
    )


def _verify_key_binding(
    parsed: SdJwt,
    holder_jwk: dict[str, Any],
    audience: str | None,
    nonce: str | None,
    now: float,
    max_iat_age: float,
    leeway: float,
) -> dict[str, Any]:
    """RFC 9901 section 7.3 step 5: the KB-JWT is the holder's, fresh, and for this exact presentation."""
    kb = jose.decode_jws(parsed.kb_jwt or "")
    _check_header(kb.header, {KB_JWT_TYP})
    try:
        holder_key = keys.public_key_from_jwk(holder_jwk)
    except (InvalidKey, EncodingError) as exc:
        raise KeyBindingError(f"cnf.jwk is not a usable public key: {exc.detail}") from exc
    try:
        jose.verify_signature(kb, holder_key)
    except InvalidSignature as exc:
        raise HolderMismatch("the KB-JWT is not signed by the holder key in cnf.jwk") from exc
    claims = kb.payload
    for name, kind in (("iat", (int, float)), ("aud", str), ("nonce", str), ("sd_hash", str)):
        if not isinstance(claims.get(name), kind) or isinstance(claims.get(name), bool):
            raise KeyBindingError(f"the KB-JWT lacks a valid `{name}`")
    jose.check_claims(claims)
    if claims["sd_hash"] != _hash(parsed.sd_alg, parsed.hash_input):
        raise SdHashMismatch("the KB-JWT was made for another presentation (sd_hash)")
    if audience is not None and claims["aud"] != audience:
        raise AudienceMismatch(f"the KB-JWT is addressed to {claims['aud'][:120]!r}")
    if nonce is not None and claims["nonce"] != nonce:
        raise NonceMismatch("the KB-JWT carries another nonce")
    if claims["iat"] > now + leeway:
        raise KeyBindingTimeInvalid("the KB-JWT is issued in the future")
    if claims["iat"] < now - max_iat_age:
        raise KeyBindingTimeInvalid(f"the KB-JWT is older than {max_iat_age:g} seconds")
    # not defined for a KB-JWT by RFC 9901; one that carries them means them (RFC 7519)
    if "exp" in claims and now >= claims["exp"] + leeway:
        raise KeyBindingTimeInvalid("the KB-JWT has expired (`exp`)")
    if "nbf" in claims and now + leeway < claims["nbf"]:
        raise KeyBindingTimeInvalid("the KB-JWT is not valid yet (`nbf`)")
    return dict(claims)



# --- steps, for a pipeline that reports each one (vc/verify.py) --------------------------


@dataclass(frozen=True)
class Processed:
    """The claims of an SD-JWT with its Disclosures applied; nothing about the signature."""

    claims: dict[str, Any]
    disclosed: list[ClaimPath]
    hidden: list[HiddenDigest]


def check_header(header: Mapping[str, Any], expected_typ: str | Collection[str] = SD_JWT_VC_TYP) -> str:
    """The header rules `verify` applies (allowlisted `alg`, no key-carrying members, `typ`); returns the typ."""
    return _check_header(header, {expected_typ} if isinstance(expected_typ, str) else set(expected_typ))


def process(parsed: SdJwt) -> Processed:
    """Apply the Disclosures (RFC 9901 section 7.1 step 3) and the SD-JWT VC claim rules.

    Refuses what `verify` refuses after the signature: unreferenced, misplaced
    or conflicting Disclosures, duplicate digests, a selectively disclosed
    `iss`/`exp`/`cnf`/`vct`/`status`/..., and a missing `vct`. Only meaningful
    once the issuer's signature over `parsed.payload` has been checked.
    """
    processed = _Processor(parsed.disclosures).run(parsed.payload)
    for path, _ in processed.disclosed:
        if len(path) == 1 and path[0] in NEVER_DISCLOSABLE:
            raise InvalidDisclosure(f"`{path[0]}` must not be selectively disclosable in an SD-JWT VC")
    if not isinstance(processed.claims.get("vct"), str) or not processed.claims["vct"]:
        raise MissingVct("an SD-JWT VC must have a `vct` string")
    return Processed(processed.claims, [path for path, _ in processed.disclosed], processed.hidden)


def sd_hash(parsed: SdJwt) -> str:
    """The `sd_hash` a KB-JWT for this presentation must carry (over everything up to the last `~`)."""
    return _hash(parsed.sd_alg, parsed.hash_input)


def holder_jwk(claims: Mapping[str, Any]) -> dict[str, Any]:
    """`cnf.jwk` of processed claims; KeyBindingError when there is none."""
    return _holder_jwk(claims)


def issuer_jwt_digest(sd_jwt: str) -> str:
    """SHA-256 (base64url) of the issuer-signed JWT alone: the same credential whatever is disclosed."""
    return keys.b64url_encode(hashlib.sha256(sd_jwt.partition("~")[0].encode("ascii", "replace")).digest())
