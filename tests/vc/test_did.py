"""Tests for vc.did: did:key and did:jwk (local), did:web (mapping, documents), key lookup.

Known answers: the did:key method's test vectors (w3c-ccg/did-method-key),
the did:jwk specification's P-256 example, and the did:web method
specification's DID -> URL examples.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from vc import did, keys
from vc.errors import (
    DIDError,
    DIDResolutionFailed,
    FetchError,
    KeyNotFound,
    UnsupportedDIDMethod,
    VerificationError,
)

# did:key test vectors (w3c-ccg/did-method-key, test-vectors/ed25519-x25519.json):
# Ed25519 private keys (seeds), their Multikey and raw public key in base58btc.
DID_KEY_ED25519_VECTORS = [
    ("00" * 32, "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"),
    ("00" * 31 + "01", "z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG", "6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt"),
    ("00" * 31 + "02", "z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf", "8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH"),
    ("00" * 31 + "03", "z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ", "HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2"),
    ("00" * 31 + "04", "z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL", "J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x"),
]
# did:key test vectors (test-vectors/nist-curves.json): P-256 private JWKs and their Multikey.
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
# The X25519 key agreement key of the first Ed25519 vector (multicodec x25519-pub).
X25519_MULTIKEY = "z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW"
# RFC 8037 appendix A.1: an Ed25519 private JWK.
RFC8037_PRIVATE_JWK = {
    "kty": "OKP",
    "crv": "Ed25519",
    "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
# did:jwk specification, "Examples / P-256".
DID_JWK_P256 = (
    "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZD"
    "ZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
)
DID_JWK_P256_JWK = {
    "crv": "P-256",
    "kty": "EC",
    "x": "acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0",
    "y": "_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE",
}
# did:jwk specification, "Examples / X25519": an encryption key (use "enc").
DID_JWK_X25519 = (
    "did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJYMjU1MTkiLCJ1c2UiOiJlbmMiLCJ4IjoiM3A3YmZYdDl3YlRUVzJIQzdPUTFOei1E"
    "UThoYmVHZE5yZngtRkctSUswOCJ9"
)

# did:web method specification: DID -> document URL.
DID_WEB_SPEC_EXAMPLES = [
    ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
    ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
    ("did:web:example.com%3A3000", "https://example.com:3000/.well-known/did.json"),
    ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ("did:web:example.com:u:bob", "https://example.com/u/bob/did.json"),
    ("did:web:example.com", "https://example.com/.well-known/did.json"),
]

ISSUER = "did:web:issuer.example"


def refused(exc: type[Exception], code: str, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert type(info.value) is exc, f"{type(info.value).__name__} is not {exc.__name__}"
    assert info.value.code == code
    return info.value


def b64json(value) -> str:
    return keys.b64url_encode(json.dumps(value, separators=(",", ":")).encode())


# --- DID syntax ------------------------------------------------------------------------


def test_split_did_url():
    assert did.split_did_url("did:web:x.example#key-1") == ("did:web:x.example", "key-1")
    assert did.split_did_url("did:web:x.example") == ("did:web:x.example", None)
    assert did.split_did_url("did:key:z6Mk#z6Mk") == ("did:key:z6Mk", "z6Mk")
    assert did.method_of("did:web:x.example") == "web"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "did:",
        "did:web",
        "did:web:",
        "DID:web:x.example",
        "did:WEB:x.example",
        "did:web:x.example/path",
        "did:web:x.example?service=a",
        "did:web:x .example",
        "did:web:x.example\n",
        "did:web:x.example\n#key-1",
        "did:web:x.example#key 1",
        "did:web:x.example#key-1#again",
        "did:web:x.example#key-1\n",
        "did:web:x.example#<script>",
        "https://x.example",
        "did:web:x.example#" + "a" * 3000,
        "did:web:" + "a" * 3000,
        None,
        42,
        ["did:web:x.example"],
    ],
)
def test_split_did_url_refuses_what_is_not_a_did_url(value):
    refused(DIDError, "invalid_did", did.split_did_url, value)


@pytest.mark.parametrize("value", ["did:web:x.example\n", "web:x.example", "did::x"])
def test_method_of_refuses_non_dids(value):
    refused(DIDError, "invalid_did", did.method_of, value)


# --- did:key ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed_hex,multikey,_b58", DID_KEY_ED25519_VECTORS)
def test_did_key_ed25519_vectors_create_and_resolve(seed_hex, multikey, _b58):
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))
    expected = f"did:key:{multikey}"
    assert did.did_key(key) == expected
    assert did.did_key(key.public_key()) == expected
    doc = did.resolve_local(expected)
    method_id = f"{expected}#{multikey}"
    assert doc["id"] == expected
    assert doc["verificationMethod"] == [
        {"id": method_id, "controller": expected, "type": "Multikey", "publicKeyMultibase": multikey}
    ]
    assert doc["@context"][0] == "https://www.w3.org/ns/did/v1"
    for relationship in ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"):
        assert doc[relationship] == [method_id]
    for relationship in ("assertionMethod", "authentication"):
        found = did.public_key_for(doc, method_id, relationship)
        assert keys.public_jwk(found) == keys.public_jwk(key)


@pytest.mark.parametrize("multikey,private", DID_KEY_P256_VECTORS)
def test_did_key_p256_vectors_create_and_resolve(multikey, private):
    expected = f"did:key:{multikey}"
    assert did.did_key(keys.key_from_jwk(private)) == expected
    doc = did.resolve(expected)
    found = did.public_key_for(doc, f"{expected}#{multikey}", "assertionMethod")
    assert keys.public_jwk(found) == {k: private[k] for k in ("kty", "crv", "x", "y")}


def test_resolve_takes_a_did_url_and_needs_no_fetcher_for_did_key():
    key = keys.generate()
    subject = did.did_key(key)
    assert did.resolve(subject + "#" + subject.removeprefix("did:key:"))["id"] == subject


@pytest.mark.parametrize(
    "value",
    [
        f"did:key:{X25519_MULTIKEY}",  # an encryption key, not a signing key
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW",  # one character short
        "did:key:6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",  # no multibase prefix
        "did:key:zzzz",
        "did:key:z0OIl",
        "did:key:z",
        "did:key:" + "z" + "2" * 300,
    ],
)
def test_did_key_that_holds_no_supported_key_is_refused(value):
    refused(DIDError, "invalid_did", did.resolve_local, value)


def test_did_key_with_a_trailing_newline_is_not_a_second_spelling():
    subject = did.did_key(keys.generate())
    refused(DIDError, "invalid_did", did.resolve_local, subject + "\n")
    refused(DIDError, "invalid_did", did.resolve, subject + "\n")


@pytest.mark.parametrize("value", ["did:web:x.example", "did:example:123", "did:ion:abc"])
def test_resolve_local_is_only_for_self_certifying_dids(value):
    refused(UnsupportedDIDMethod, "unsupported_did_method", did.resolve_local, value)


@pytest.mark.parametrize("value", ["did:example:123", "did:ion:abc", "did:peer:0z6Mk"])
def test_unsupported_methods_are_refused(value):
    refused(UnsupportedDIDMethod, "unsupported_did_method", did.resolve, value, lambda url: pytest.fail("fetched"))


# --- did:jwk ---------------------------------------------------------------------------


def test_did_jwk_spec_example_resolves():
    doc = did.resolve_local(DID_JWK_P256)
    method_id = DID_JWK_P256 + "#0"
    assert doc["id"] == DID_JWK_P256
    assert doc["verificationMethod"][0]["id"] == method_id
    assert doc["verificationMethod"][0]["controller"] == DID_JWK_P256
    assert doc["verificationMethod"][0]["publicKeyJwk"] == DID_JWK_P256_JWK
    assert doc["assertionMethod"] == [method_id] and doc["authentication"] == [method_id]
    key = did.public_key_for(doc, method_id, "assertionMethod")
    assert keys.public_jwk(key) == {k: DID_JWK_P256_JWK[k] for k in ("kty", "crv", "x", "y")}


@pytest.mark.parametrize("key_type", ["Ed25519", "P-256"])
def test_did_jwk_round_trips(key_type):
    key = keys.generate(key_type)
    subject = did.did_jwk(key)
    assert subject.startswith("did:jwk:ey")  # base64url of `{"`
    encoded = json.loads(keys.b64url_decode(subject.removeprefix("did:jwk:")))
    assert encoded == keys.public_jwk(key) and "d" not in encoded
    doc = did.resolve(subject)
    assert keys.public_jwk(did.public_key_for(doc, subject + "#0", "authentication")) == keys.public_jwk(key)
    assert did.did_jwk(key.public_key()) == subject


def test_did_jwk_method_is_only_ever_hash_zero():
    subject = did.did_jwk(keys.generate())
    doc = did.resolve(subject)
    refused(KeyNotFound, "key_not_found", did.find_verification_method, doc, subject + "#1", "assertionMethod")


@pytest.mark.parametrize(
    "value",
    [
        "did:jwk:" + b64json(RFC8037_PRIVATE_JWK),  # a private key must be refused (did:jwk spec)
        "did:jwk:" + b64json({"kty": "oct", "k": "c2VjcmV0"}),
        "did:jwk:" + b64json({"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
        DID_JWK_X25519,
        "did:jwk:" + b64json(["kty", "OKP"]),
        "did:jwk:" + b64json("a string"),
        "did:jwk:" + keys.b64url_encode(b"not json"),
        "did:jwk:" + keys.b64url_encode(b'{"kty":"OKP","kty":"EC","crv":"P-256","x":"AA","y":"AA"}'),
        "did:jwk:" + keys.b64url_encode(b"\xff\xfe"),
        "did:jwk:eyJ",  # not a whole base64url value
        "did:jwk:" + b64json({"kty": "OKP", "crv": "Ed25519", "x": "AA"}),
    ],
)
def test_did_jwk_that_holds_no_supported_public_key_is_refused(value):
    refused(DIDError, "invalid_did", did.resolve_local, value)


def test_did_jwk_encryption_key_signs_nothing():
    # did:jwk: a JWK with `use: enc` goes only into keyAgreement.
    jwk = {**keys.public_jwk(keys.generate("P-256")), "use": "enc"}
    subject = "did:jwk:" + b64json(jwk)
    doc = did.resolve_local(subject)
    assert "assertionMethod" not in doc and "authentication" not in doc
    assert doc["keyAgreement"] == [subject + "#0"]
    for relationship in ("assertionMethod", "authentication"):
        refused(KeyNotFound, "key_not_found", did.public_key_for, doc, subject + "#0", relationship)


def test_did_jwk_signature_key_is_usable():
    jwk = {**keys.public_jwk(keys.generate()), "use": "sig"}
    subject = "did:jwk:" + b64json(jwk)
    assert did.public_key_for(did.resolve_local(subject), subject + "#0", "assertionMethod")


# --- did:web mapping ---------------------------------------------------------------------


@pytest.mark.parametrize("subject,url", DID_WEB_SPEC_EXAMPLES)
def test_did_web_to_url_follows_the_method_specification(subject, url):
    assert did.did_web_to_url(subject) == url


@pytest.mark.parametrize("subject,url", DID_WEB_SPEC_EXAMPLES)
def test_did_web_from_url_is_the_inverse(subject, url):
    base = url.removesuffix("/.well-known/did.json").removesuffix("/did.json")
    assert did.did_web_from_url(base) == subject
    assert did.did_web_from_url(base + "/") == subject


def test_did_web_percent_encodes_what_the_did_syntax_cannot_carry():
    subject = did.did_web_from_url("https://example.com/providers/roc%20west")
    assert subject == "did:web:example.com:providers:roc%20west"
    assert did.did_web_to_url(subject) == "https://example.com/providers/roc%20west/did.json"
    assert did.did_web_from_url("https://issuer.example:8443/providers/roc-west") == (
        "did:web:issuer.example%3A8443:providers:roc-west"
    )
    assert did.did_web_to_url("did:web:example.com%3a3000") == "https://example.com:3000/.well-known/did.json"


def test_did_web_host_is_lower_case_and_http_only_when_asked():
    assert did.did_web_from_url("HTTPS://Issuer.Example") == "did:web:issuer.example"
    assert did.did_web_from_url("http://127.0.0.1:5001") == "did:web:127.0.0.1%3A5001"
    assert did.did_web_to_url("did:web:127.0.0.1%3A5001", scheme="http") == "http://127.0.0.1:5001/.well-known/did.json"
    assert did.did_web_to_url("did:web:Issuer.Example") == "https://issuer.example/.well-known/did.json"


@pytest.mark.parametrize(
    "value",
    [
        "did:web:example.com#key-1",  # a DID URL, not a DID
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "did:web:example.com%2Fevil",  # a slash smuggled into the host
        "did:web:evil.example%40example.com",  # userinfo
        "did:web:example.com%3Fq",
        "did:web:example.com%23frag",
        "did:web:%3A443",
        "did:web:-bad.example",
        "did:web:bad-.example",
        "did:web:exa_mple.com",
        "did:web:example..com",
        "did:web:" + "a" * 64 + ".example",
        "did:web:example.com%3A0",
        "did:web:example.com%3A65536",
        "did:web:example.com%3Ahttp",
        "did:web:example.com%3A%C2%B3",  # a superscript digit is not a port
        "did:web:example.com%3A%D9%A3",  # nor is an Arabic-Indic digit
        "did:web:example.com%3A-1",
        "did:web:example.com:",  # empty path segment
        "did:web:example.com::alice",
        "did:web:example.com:user:..",
        "did:web:example.com:.",
        "did:web:example.com:a%2Fb",  # a path segment that is two segments
        "did:web:example.com:%2E%2E",
        "did:web:example.com\n",
        "did:web:example.com\n:user",
    ],
)
def test_did_web_to_url_refusals(value):
    refused(DIDError, "invalid_did", did.did_web_to_url, value)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com",
        "example.com",
        "https://",
        "https://example.com/?a=1",
        "https://example.com/#x",
        "https://example.com/.well-known/did.json",
        "https://example.com/.well-known",
        "https://example.com/user/alice/did.json",
        "javascript:alert(1)",
    ],
)
def test_did_web_from_url_refusals(url):
    refused(DIDError, "invalid_did", did.did_web_from_url, url)


# --- DID documents -------------------------------------------------------------------------


def _issuer_document():
    current, retired, auth = keys.generate(), keys.generate("P-256"), keys.generate()
    doc = did.build_did_document(
        ISSUER,
        [("key-2", current.public_key()), ("key-1", retired.public_key())],
        authentication_keys=[("auth-1", auth.public_key())],
    )
    return doc, current, retired, auth


def test_build_did_document_lists_keys_by_relationship():
    doc, current, retired, auth = _issuer_document()
    assert doc["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert doc["id"] == ISSUER
    assert doc["assertionMethod"] == [f"{ISSUER}#key-2", f"{ISSUER}#key-1"]
    assert doc["authentication"] == [f"{ISSUER}#auth-1"]
    assert [m["id"] for m in doc["verificationMethod"]] == [f"{ISSUER}#key-2", f"{ISSUER}#key-1", f"{ISSUER}#auth-1"]
    for method in doc["verificationMethod"]:
        assert method["controller"] == ISSUER and method["type"] == "JsonWebKey"
        assert "d" not in method["publicKeyJwk"]
    assert keys.public_jwk(did.public_key_for(doc, f"{ISSUER}#key-1", "assertionMethod")) == keys.public_jwk(retired)
    assert keys.public_jwk(did.public_key_for(doc, f"{ISSUER}#auth-1", "authentication")) == keys.public_jwk(auth)


def test_build_did_document_without_authentication_keys_has_no_authentication():
    doc = did.build_did_document(ISSUER, [("key-1", keys.generate().public_key())])
    assert "authentication" not in doc


def test_parse_did_document_round_trips_from_bytes_and_text():
    doc, *_ = _issuer_document()
    assert did.parse_did_document(json.dumps(doc).encode(), ISSUER) == doc
    assert did.parse_did_document(json.dumps(doc), ISSUER) == doc
    assert did.parse_did_document(doc, ISSUER) == doc


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b'"did:web:issuer.example"',
        b'{"id":"did:web:issuer.example","id":"did:web:evil.example"}',  # duplicate member
        b'{"id":"did:web:evil.example"}',  # another DID's document
        b'{"id":"did:web:issuer.example.evil.com"}',
        b'{"verificationMethod":[]}',
        b'{"id":"did:web:issuer.example","verificationMethod":{}}',
        b'{"id":"did:web:issuer.example","verificationMethod":["did:web:issuer.example#k"]}',
        b'{"id":"did:web:issuer.example","assertionMethod":"did:web:issuer.example#k"}',
        b'{"id":"did:web:issuer.example","authentication":{"id":"x"}}',
        b'{"id":"did:web:issuer.example","x":' + b"[" * 100 + b"]" * 100 + b"}",
        b'{"id":"did:web:issuer.example","x":1e400}',
        b"\xff",
    ],
)
def test_parse_did_document_refusals(data):
    refused(DIDResolutionFailed, "did_resolution_failed", did.parse_did_document, data, ISSUER)


# --- did:web resolution through a fetcher ---------------------------------------------------


@dataclass
class Fetched:
    body: bytes


class FakeFetcher:
    def __init__(self, documents: dict[str, object]):
        self.documents = documents
        self.urls: list[str] = []

    def __call__(self, url: str) -> Fetched:
        self.urls.append(url)
        if url not in self.documents:
            raise FetchError(f"404 {url}")
        body = self.documents[url]
        return Fetched(body if isinstance(body, bytes) else json.dumps(body).encode())


def test_resolve_did_web_fetches_the_mapped_url():
    doc, current, *_ = _issuer_document()
    fetch = FakeFetcher({"https://issuer.example/.well-known/did.json": doc})
    assert did.resolve(ISSUER + "#key-2", fetch) == doc
    assert fetch.urls == ["https://issuer.example/.well-known/did.json"]


def test_resolve_did_web_with_path_and_port():
    subject = "did:web:localhost%3A8443:providers:roc-west"
    doc = did.build_did_document(subject, [("key-1", keys.generate().public_key())])
    fetch = FakeFetcher({"http://localhost:8443/providers/roc-west/did.json": doc})
    assert did.resolve(subject, fetch, web_scheme="http")["id"] == subject


def test_resolve_did_web_without_a_fetcher_is_refused():
    refused(DIDResolutionFailed, "did_resolution_failed", did.resolve, ISSUER)


def test_resolve_did_web_reports_fetch_failures_as_resolution_failures():
    refused(DIDResolutionFailed, "did_resolution_failed", did.resolve, ISSUER, FakeFetcher({}))


def test_a_domain_cannot_serve_the_document_of_another_did():
    other = did.build_did_document("did:web:evil.example", [("key-1", keys.generate().public_key())])
    fetch = FakeFetcher({"https://issuer.example/.well-known/did.json": other})
    refused(DIDResolutionFailed, "did_resolution_failed", did.resolve, ISSUER, fetch)


def test_resolve_did_web_refuses_a_malformed_did_before_fetching():
    fetch = FakeFetcher({})
    refused(DIDError, "invalid_did", did.resolve, "did:web:example.com%2Fevil", fetch)
    assert fetch.urls == []


# --- verification-method lookup --------------------------------------------------------------


def test_find_method_by_absolute_relative_and_embedded_references():
    k1, k2, k3 = (keys.public_jwk(keys.generate()) for _ in range(3))
    doc = {
        "id": ISSUER,
        "verificationMethod": [
            {"id": f"{ISSUER}#abs", "type": "JsonWebKey", "controller": ISSUER, "publicKeyJwk": k1},
            {"id": "#rel", "type": "JsonWebKey", "controller": ISSUER, "publicKeyJwk": k2},
        ],
        "assertionMethod": [
            f"{ISSUER}#abs",
            "#rel",
            {"id": f"{ISSUER}#embedded", "type": "JsonWebKey", "controller": ISSUER, "publicKeyJwk": k3},
        ],
    }
    assert did.find_verification_method(doc, f"{ISSUER}#abs", "assertionMethod")["publicKeyJwk"] == k1
    assert did.find_verification_method(doc, f"{ISSUER}#rel", "assertionMethod")["publicKeyJwk"] == k2
    assert did.find_verification_method(doc, f"{ISSUER}#embedded", "assertionMethod")["publicKeyJwk"] == k3


def test_a_key_is_only_usable_for_the_relationship_it_is_granted():
    doc, current, retired, auth = _issuer_document()
    refused(KeyNotFound, "key_not_found", did.public_key_for, doc, f"{ISSUER}#auth-1", "assertionMethod")
    refused(KeyNotFound, "key_not_found", did.public_key_for, doc, f"{ISSUER}#key-2", "authentication")


def test_a_key_in_no_relationship_signs_nothing():
    loose = keys.public_jwk(keys.generate())
    doc = {
        "id": ISSUER,
        "verificationMethod": [{"id": f"{ISSUER}#loose", "type": "JsonWebKey", "publicKeyJwk": loose}],
        "assertionMethod": [],
    }
    for relationship in ("assertionMethod", "authentication"):
        refused(KeyNotFound, "key_not_found", did.find_verification_method, doc, f"{ISSUER}#loose", relationship)


@pytest.mark.parametrize(
    "did_url",
    [
        "did:web:evil.example#key-2",  # the same fragment in another DID
        "did:web:issuer.example.evil.com#key-2",
        f"{ISSUER}",  # no fragment
        f"{ISSUER}#nope",
        f"{ISSUER}#KEY-2",  # fragments are case-sensitive
    ],
)
def test_find_method_refusals(did_url):
    doc, *_ = _issuer_document()
    refused(KeyNotFound, "key_not_found", did.find_verification_method, doc, did_url, "assertionMethod")


def test_a_method_of_another_did_listed_in_the_document_is_not_used():
    # The relationship names issuer#key-1 but the only method with that fragment is evil's.
    doc = {
        "id": ISSUER,
        "verificationMethod": [{"id": "did:web:evil.example#key-1", "publicKeyJwk": keys.public_jwk(keys.generate())}],
        "assertionMethod": [f"{ISSUER}#key-1"],
    }
    refused(KeyNotFound, "key_not_found", did.find_verification_method, doc, f"{ISSUER}#key-1", "assertionMethod")


@pytest.mark.parametrize(
    "doc",
    [
        {"id": ISSUER, "verificationMethod": [{"id": [f"{ISSUER}#k"]}], "assertionMethod": [f"{ISSUER}#k"]},
        {"id": ISSUER, "verificationMethod": [{"id": {"a": 1}}], "assertionMethod": [f"{ISSUER}#k"]},
        {"id": ISSUER, "verificationMethod": ["#k", 5, None], "assertionMethod": [f"{ISSUER}#k"]},
        {"id": ISSUER, "assertionMethod": [{"id": [f"{ISSUER}#k"]}]},
        {"id": ISSUER, "assertionMethod": [{"id": {"#k": 1}}, 7, None, ["#k"]]},
        {"id": ISSUER, "assertionMethod": None},
    ],
)
def test_hostile_documents_give_key_not_found_not_a_crash(doc):
    refused(KeyNotFound, "key_not_found", did.find_verification_method, doc, f"{ISSUER}#k", "assertionMethod")


@pytest.mark.parametrize("did_url", ["did:web:issuer.example#../../etc/passwd", "did:web:issuer.example#k' OR '1'='1"])
def test_find_method_with_absurd_fragments(did_url):
    doc, *_ = _issuer_document()
    with pytest.raises((KeyNotFound, DIDError)) as info:
        did.find_verification_method(doc, did_url, "assertionMethod")
    assert info.value.code in ("key_not_found", "invalid_did")


@pytest.mark.parametrize(
    "method",
    [
        {"id": "x"},
        {"publicKeyJwk": RFC8037_PRIVATE_JWK},  # a private key published by mistake is not used
        {"publicKeyJwk": {"kty": "oct", "k": "c2VjcmV0"}},
        {"publicKeyJwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}},
        {"publicKeyJwk": "not an object"},
        {"publicKeyMultibase": X25519_MULTIKEY},
        {"publicKeyMultibase": "not multibase"},
        {"publicKeyMultibase": 5},
        {"publicKeyBase58": "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"},  # a format skillpass does not read
    ],
)
def test_public_key_of_method_refusals(method):
    refused(KeyNotFound, "key_not_found", did.public_key_of_method, method)


def test_public_key_of_method_reads_jwk_and_multibase():
    key = keys.generate("P-256")
    assert keys.public_jwk(did.public_key_of_method({"publicKeyJwk": keys.public_jwk(key)})) == keys.public_jwk(key)
    assert keys.public_jwk(did.public_key_of_method({"publicKeyMultibase": keys.multikey_encode(key)})) == (
        keys.public_jwk(key)
    )


def test_did_errors_are_verification_errors_with_stable_codes():
    for cls, code in [
        (DIDError, "invalid_did"),
        (UnsupportedDIDMethod, "unsupported_did_method"),
        (DIDResolutionFailed, "did_resolution_failed"),
        (KeyNotFound, "key_not_found"),
    ]:
        assert issubclass(cls, VerificationError) and cls.code == code
