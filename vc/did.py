"""Decentralized identifiers: did:key, did:jwk (local) and did:web (fetched).

Issuers are `did:web` (a DID the provider's domain vouches for); holders are
`did:key` or `did:jwk` (self-certifying: the DID *is* the key). Resolution of
did:web needs the network, so it takes a `Fetcher` (vc/fetch.py has the guarded
default); everything else here is pure computation.

A verification method is only usable for the purpose (verification
relationship) the DID document grants it: an `authentication` key cannot sign
credentials, and a key that is in no relationship signs nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Literal
from urllib.parse import quote, unquote, urlsplit

from vc import keys, strict_json
from vc.errors import (
    DIDError,
    DIDResolutionFailed,
    EncodingError,
    InvalidKey,
    KeyNotFound,
    SkillpassError,
    UnsupportedDIDMethod,
)

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"
Relationship = Literal["assertionMethod", "authentication"]
RELATIONSHIPS = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")

MAX_DID_LENGTH = 2048
# `\Z`, not `$`: `$` also matches before a trailing newline, which would make
# `did:web:example.com\n` a second spelling of `did:web:example.com`.
_METHOD_SPECIFIC = re.compile(r"^did:([a-z0-9]+):([A-Za-z0-9._%:\-]+)\Z")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)\Z")

Fetch = Callable[[str], Any]  # a vc.fetch.Fetcher: url -> Fetched (with .body)


def split_did_url(did_url: str) -> tuple[str, str | None]:
    """`did:web:x#key-1` -> (`did:web:x`, `key-1`). Paths and queries are refused."""
    if not isinstance(did_url, str) or len(did_url) > MAX_DID_LENGTH:
        raise DIDError("not a DID URL")
    did, sep, fragment = did_url.partition("#")
    if not _METHOD_SPECIFIC.match(did):
        raise DIDError(f"not a DID: {did[:80]!r}")
    if sep and not re.fullmatch(r"[A-Za-z0-9._~!$&'()*+,;=:@/?%\-]+", fragment):
        raise DIDError("malformed DID URL fragment")
    return did, (fragment if sep else None)


def method_of(did: str) -> str:
    match = _METHOD_SPECIFIC.match(did)
    if not match:
        raise DIDError(f"not a DID: {did[:80]!r}")
    return match.group(1)


# --- did:key --------------------------------------------------------------------


def did_key(key: keys.PrivateKey | keys.PublicKey) -> str:
    """The did:key of a public key (Multikey, base58btc)."""
    return "did:key:" + keys.multikey_encode(key)


def _resolve_did_key(did: str) -> dict[str, Any]:
    value = did.removeprefix("did:key:")
    try:
        keys.multikey_decode(value)  # a did:key that holds no usable key is refused here
    except (EncodingError, InvalidKey) as exc:
        raise DIDError(f"did:key does not hold a supported key: {exc.detail}") from exc
    return _self_certifying_document(did, f"{did}#{value}", {"type": "Multikey", "publicKeyMultibase": value})


# --- did:jwk --------------------------------------------------------------------


def did_jwk(key: keys.PrivateKey | keys.PublicKey) -> str:
    """The did:jwk of a public key: base64url of its compact JWK."""
    jwk = keys.public_jwk(key)
    return "did:jwk:" + keys.b64url_encode(json.dumps(jwk, separators=(",", ":")).encode())


def _resolve_did_jwk(did: str) -> dict[str, Any]:
    try:
        jwk = strict_json.loads(keys.b64url_decode(did.removeprefix("did:jwk:")))
        keys.public_key_from_jwk(jwk)
    except SkillpassError as exc:
        raise DIDError(f"did:jwk does not hold a supported public JWK: {exc.detail}") from exc
    # did:jwk specification: a key whose `use` is "enc" is only for keyAgreement, never for signing.
    relationships = ("keyAgreement",) if jwk.get("use") == "enc" else RELATIONSHIPS
    return _self_certifying_document(
        did, f"{did}#0", {"type": "JsonWebKey", "publicKeyJwk": jwk}, relationships
    )


def _self_certifying_document(
    did: str, method_id: str, key_members: dict[str, Any], relationships: tuple[str, ...] = RELATIONSHIPS
) -> dict[str, Any]:
    method = {"id": method_id, "controller": did, **key_members}
    context = [DID_CONTEXT, MULTIKEY_CONTEXT if method["type"] == "Multikey" else JWK_CONTEXT]
    return {"@context": context, "id": did, "verificationMethod": [method]} | {
        rel: [method_id] for rel in relationships
    }


# --- did:web --------------------------------------------------------------------


def did_web_from_url(base_url: str) -> str:
    """`https://issuer.example:8443/providers/roc-west` -> `did:web:issuer.example%3A8443:providers:roc-west`."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise DIDError(f"cannot make a did:web from {base_url!r}")
    host = parts.hostname.lower()
    if parts.port:
        host += f":{parts.port}"
    segments = [s for s in parts.path.split("/") if s]
    if segments[-1:] == ["did.json"] or segments == [".well-known"]:
        raise DIDError("give the base URL, not the document URL")
    return ":".join(["did:web", quote(host, safe="")] + [quote(unquote(s), safe="") for s in segments])


def did_web_to_url(did: str, *, scheme: str = "https") -> str:
    """The URL of a did:web document, as the did:web method specification maps it.

    `scheme` is https always in production; `http` exists for services on
    loopback during development and tests.
    """
    did, fragment = split_did_url(did)
    if fragment is not None or method_of(did) != "web":
        raise DIDError("not a did:web DID")
    host_part, *path = did.removeprefix("did:web:").split(":")
    host = unquote(host_part)
    name, _, port = host.partition(":")
    if not name or not all(_HOST_LABEL.match(label) for label in name.split(".")):
        raise DIDError(f"did:web host {host!r} is not a domain name")
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise DIDError(f"did:web port {port!r} is not valid")
    if any(not unquote(p) or "/" in unquote(p) or unquote(p) in (".", "..") for p in path):
        raise DIDError("did:web path segment is empty or not a single segment")
    suffix = "/".join(quote(unquote(p), safe="") for p in path) + "/did.json" if path else ".well-known/did.json"
    return f"{scheme}://{host.lower()}/{suffix}"


def parse_did_document(data: bytes | str | dict, expected_did: str) -> dict[str, Any]:
    """Check a fetched DID document: it must describe the DID asked for.

    A document whose `id` is another DID would let one domain speak for another.
    """
    try:
        doc = strict_json.loads(data) if isinstance(data, (bytes, str)) else data
    except SkillpassError as exc:
        raise DIDResolutionFailed(f"DID document is not valid JSON: {exc.detail}") from exc
    if not isinstance(doc, dict):
        raise DIDResolutionFailed("DID document must be a JSON object")
    if doc.get("id") != expected_did:
        raise DIDResolutionFailed(f"DID document id {str(doc.get('id'))[:80]!r} is not {expected_did!r}")
    methods = doc.get("verificationMethod", [])
    if not isinstance(methods, list) or not all(isinstance(m, dict) for m in methods):
        raise DIDResolutionFailed("verificationMethod must be a list of objects")
    for rel in RELATIONSHIPS:
        if rel in doc and not isinstance(doc[rel], list):
            raise DIDResolutionFailed(f"{rel} must be a list")
    return doc


def build_did_document(
    did: str,
    assertion_keys: list[tuple[str, keys.PublicKey]],
    *,
    authentication_keys: list[tuple[str, keys.PublicKey]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """A DID document listing keys by fragment, each as a JsonWebKey method.

    An issuer lists its current key and its retired keys under
    `assertionMethod`: retired keys sign nothing new but keep earlier
    credentials verifiable. A key removed after compromise is simply not given.
    """
    methods: dict[str, dict[str, Any]] = {}
    for fragment, key in [*assertion_keys, *authentication_keys]:
        methods[fragment] = {
            "id": f"{did}#{fragment}",
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": keys.public_jwk(key),
        }
    doc: dict[str, Any] = {
        "@context": [DID_CONTEXT, JWK_CONTEXT],
        "id": did,
        "verificationMethod": list(methods.values()),
        "assertionMethod": [f"{did}#{f}" for f, _ in assertion_keys],
    }
    if authentication_keys:
        doc["authentication"] = [f"{did}#{f}" for f, _ in authentication_keys]
    return doc


# --- resolution and key lookup ------------------------------------------------


def resolve_local(did: str) -> dict[str, Any]:
    """Resolve a self-certifying DID (did:key, did:jwk) without any I/O."""
    method = method_of(did)
    if method == "key":
        return _resolve_did_key(did)
    if method == "jwk":
        return _resolve_did_jwk(did)
    raise UnsupportedDIDMethod(f"did:{method} cannot be resolved locally")


def self_certified_key(did: str) -> keys.PublicKey:
    """The signing key a did:key / did:jwk is: its `authentication` key (KeyNotFound if it has none)."""
    doc = resolve_local(did)
    granted = doc.get("authentication") or []
    if not granted or not isinstance(granted[0], str):
        raise KeyNotFound(f"{did[:80]!r} has no authentication key")
    return public_key_for(doc, granted[0], "authentication")


def resolve(did: str, fetch: Fetch | None = None, *, web_scheme: str = "https") -> dict[str, Any]:
    """Resolve did:key, did:jwk locally and did:web through `fetch`."""
    did, fragment = split_did_url(did)
    method = method_of(did)
    if method in ("key", "jwk"):
        return resolve_local(did)
    if method != "web":
        raise UnsupportedDIDMethod(f"did:{method} is not supported (did:web, did:key, did:jwk are)")
    if fetch is None:
        raise DIDResolutionFailed("did:web needs a fetcher")
    url = did_web_to_url(did, scheme=web_scheme)
    try:
        fetched = fetch(url)
    except SkillpassError as exc:
        raise DIDResolutionFailed(f"could not fetch {url}: {exc.detail}") from exc
    return parse_did_document(fetched.body, did)


def find_verification_method(doc: dict[str, Any], did_url: str, relationship: Relationship) -> dict[str, Any]:
    """The method `did_url` names, provided the document grants it `relationship`.

    References in a relationship may be absolute DID URLs, relative (`#key-1`)
    or embedded method objects; all three are honoured.
    """
    did, fragment = split_did_url(did_url)
    if fragment is None:
        raise KeyNotFound("the key id must be a DID URL with a fragment")
    if did != doc.get("id"):
        raise KeyNotFound(f"key {did_url[:120]!r} does not belong to {doc.get('id')!r}")
    wanted = {did_url, f"#{fragment}"}
    granted = doc.get(relationship) or []
    for entry in granted:
        # Ids are compared only when they are strings: a list or object id (from a
        # hostile document) is unhashable and names no key anyway.
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"] in wanted:
            return entry
        if isinstance(entry, str) and entry in wanted:
            for method in doc.get("verificationMethod") or []:
                if isinstance(method, dict) and isinstance(method.get("id"), str) and method["id"] in wanted:
                    return method
    raise KeyNotFound(f"key {did_url[:120]!r} is not in the {relationship} of {did}")


def public_key_of_method(method: dict[str, Any]) -> keys.PublicKey:
    """The public key in a verification method (publicKeyJwk or publicKeyMultibase)."""
    try:
        if "publicKeyJwk" in method:
            return keys.public_key_from_jwk(method["publicKeyJwk"])
        if "publicKeyMultibase" in method:
            return keys.multikey_decode(method["publicKeyMultibase"])
    except (InvalidKey, EncodingError) as exc:
        raise KeyNotFound(f"verification method key is unusable: {exc.detail}") from exc
    raise KeyNotFound("verification method has no publicKeyJwk or publicKeyMultibase")


def public_key_for(doc: dict[str, Any], did_url: str, relationship: Relationship) -> keys.PublicKey:
    """Look up a key by DID URL for a purpose, and read it: the one call verifiers need."""
    return public_key_of_method(find_verification_method(doc, did_url, relationship))
