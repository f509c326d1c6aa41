"""Tests for vc.sdjwt: SD-JWT (RFC 9901) and SD-JWT VC (`dc+sd-jwt`).

1. Every vector in ../shared/data/vectors/sd-jwt/ (IETF SD-JWT and SD-JWT VC
   examples, OpenWallet Foundation test cases): the issuance parses and
   verifies to the user claims, the presentation verifies (KB-JWT included) to
   verified_contents.json, `present` picks the same Disclosures the vector's
   holder picked, and `issue` with the vector's `!sd` declaration yields the
   same claims and the same disclosable paths. KB-JWT `iat` values are from the
   day the vectors were made, so the clock is pinned to each vector's `iat`.
2. Round trips with our own Ed25519 and P-256 keys.
3. One test per refusal, asserting the typed error and its stable `code`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from vc import jose, keys, sdjwt, strict_json
from vc.errors import (
    AudienceMismatch,
    Expired,
    ForbiddenHeader,
    HolderMismatch,
    InvalidKey,
    InvalidSignature,
    NonceMismatch,
    NotYetValid,
    TokenTooLarge,
    UnsupportedAlgorithm,
    VerificationError,
    WrongType,
)

try:
    import yaml  # PyYAML, a dev dependency: reads the vectors' specification.yml / settings.yml
except ImportError:  # pragma: no cover
    yaml = None

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
VECTORS = SHARED_DATA / "vectors" / "sd-jwt"
VECTOR_DIRS = sorted(p.parent for p in VECTORS.glob("*/*/specification.yml")) if VECTORS.is_dir() else []
needs_vectors = pytest.mark.skipif(
    not VECTOR_DIRS or yaml is None, reason=f"SD-JWT vectors (under {VECTORS}) or PyYAML missing"
)
# The IETF SD-JWT and OWF examples use the example type `example+sd-jwt`; the SD-JWT VC ones `dc+sd-jwt`.
VECTOR_TYPS = ("dc+sd-jwt", "example+sd-jwt")


# --- reading the vectors --------------------------------------------------------


class Sd:
    """A value or claim name tagged `!sd` in specification.yml (hashable, for mapping keys)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __hash__(self) -> int:
        return hash(("sd", self.value))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sd) and other.value == self.value


def _construct_sd(loader: Any, node: Any) -> Sd:
    # Build a copy of the node as if it were untagged (so `!sd null` is None, `!sd 2` is 2).
    if isinstance(node, yaml.ScalarNode):
        plain_style = node.style in (None, "")  # a quoted "12" stays a string
        tag = loader.resolve(yaml.ScalarNode, node.value, (plain_style, not plain_style))
        untagged: Any = yaml.ScalarNode(tag, node.value, node.start_mark, node.end_mark, node.style)
    elif isinstance(node, yaml.SequenceNode):
        untagged = yaml.SequenceNode("tag:yaml.org,2002:seq", node.value, node.start_mark, node.end_mark)
    else:
        untagged = yaml.MappingNode("tag:yaml.org,2002:map", node.value, node.start_mark, node.end_mark)
    return Sd(loader.construct_object(untagged, deep=True))


def load_spec(vector: Path) -> dict[str, Any]:
    loader = type("SpecLoader", (yaml.SafeLoader,), {})
    loader.add_constructor("!sd", _construct_sd)
    return yaml.load((vector / "specification.yml").read_text(encoding="utf-8"), Loader=loader)


def load_settings(vector: Path) -> dict[str, Any]:
    settings = yaml.safe_load((vector.parent / "settings.yml").read_text(encoding="utf-8"))
    override = load_spec(vector).get("settings_override") or {}
    settings["key_settings"].update(override.get("key_settings", override))
    return settings


def issuer_public_key(settings: dict[str, Any]) -> keys.PublicKey:
    key_settings = settings["key_settings"]
    jwk = (key_settings.get("issuer_keys") or [key_settings.get("issuer_key")])[0]
    return keys.public_key_from_jwk({k: jwk[k] for k in ("kty", "crv", "x", "y")})


def holder_private_key(settings: dict[str, Any]) -> keys.PrivateKey:
    jwk = settings["key_settings"]["holder_key"]
    return keys.key_from_jwk({k: jwk[k] for k in ("kty", "crv", "x", "y", "d")})  # type: ignore[return-value]


def load_serialized(vector: Path, name: str) -> str:
    """The compact SD-JWT of `name` (.txt is wrapped at 68 columns; .json is the JWS JSON Serialization)."""
    text_file = vector / f"{name}.txt"
    if text_file.exists():
        return "".join(text_file.read_text(encoding="ascii").split())
    # No whitespace is significant in these files: the IETF ones wrap base64url strings over lines.
    document = json.loads("".join((vector / f"{name}.json").read_text(encoding="utf-8").split()))
    if isinstance(document, str):  # the OWF files hold the JSON text as a JSON string
        document = json.loads(document)
    return sdjwt.from_json_serialization(document)


def load_json(vector: Path, name: str) -> Any:
    return json.loads((vector / name).read_text(encoding="utf-8"))


def kb_iat(vector: Path) -> int:
    """The vector's KB-JWT `iat`: the clock the presentation is checked at."""
    kb_payload = vector / "kb_jwt_payload.json"
    return load_json(vector, "kb_jwt_payload.json")["iat"] if kb_payload.exists() else 1795869220


def plain(value: Any) -> Any:
    """The user claims of a spec with the `!sd` tags dropped."""
    if isinstance(value, Sd):
        return plain(value.value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def sd_paths(value: Any, path: tuple = ()) -> list[tuple]:
    """The claim paths a spec tags `!sd`: the vector's declaration, in our terms."""
    found: list[tuple] = []
    if isinstance(value, Sd):
        return sd_paths(value.value, path)
    if isinstance(value, dict):
        for key, item in value.items():
            name = key.value if isinstance(key, Sd) else key
            if isinstance(key, Sd) or isinstance(item, Sd):
                found.append((*path, name))
            found += sd_paths(item, (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, Sd):
                found.append((*path, index))
            found += sd_paths(item, (*path, index))
    return found


def disclose_paths(selection: Any, path: tuple = ()) -> list[tuple]:
    """`holder_disclosed_claims` (a structure of true/false mirroring the claims) as claim paths.

    `true` names the claim; a nested object or array names what is chosen
    inside it (and so, in `present`, the claims on the way there too).
    """
    if selection is True:
        return [path]
    if isinstance(selection, dict):
        return [p for key, item in selection.items() for p in disclose_paths(item, (*path, key))]
    if isinstance(selection, list):
        return [p for index, item in enumerate(selection) for p in disclose_paths(item, (*path, index))]
    return []  # false, null, "None"


def vector_id(vector: Path) -> str:
    return f"{vector.parent.name}/{vector.name}"


# --- 1. the vectors ----------------------------------------------------------------


@needs_vectors
def test_all_three_vector_sets_are_present() -> None:
    assert {v.parent.name for v in VECTOR_DIRS} == {"ietf-sd-jwt", "ietf-sd-jwt-vc", "owf-testcases"}
    assert len(VECTOR_DIRS) == 35  # 15 IETF SD-JWT, 3 SD-JWT VC, 17 OWF


@needs_vectors
@pytest.mark.parametrize("vector", VECTOR_DIRS, ids=vector_id)
def test_vector_issuance_parses_and_verifies(vector: Path) -> None:
    settings = load_settings(vector)
    issuance = load_serialized(vector, "sd_jwt_issuance")
    parsed = sdjwt.parse(issuance)
    assert parsed.kb_jwt is None
    result = sdjwt.verify(
        issuance,
        issuer_key_resolver=lambda header, payload: issuer_public_key(settings),
        require_key_binding=False,
        now=kb_iat(vector),
        expected_typ=VECTOR_TYPS,
    )
    # Everything is disclosed: the user claims come back, plus the registered claims the issuer added.
    expected = plain(load_spec(vector)["user_claims"])
    added = {k: v for k, v in result.claims.items() if k not in expected}
    assert {k: v for k, v in result.claims.items() if k in expected} == expected
    assert set(added) <= {"iss", "iat", "exp", "cnf", "vct"}
    assert len(result.disclosed) == len(parsed.disclosures)
    assert sorted(map(str, result.disclosed)) == sorted(map(str, sd_paths(load_spec(vector)["user_claims"])))
    assert all(h.digest not in {d.digest for d in parsed.disclosures} for h in result.hidden)  # only decoys
    # The wallet's list of what can be hidden: one entry per Disclosure, with its current value.
    listed = sdjwt.disclosable_claims(issuance)
    assert [c.path for c in listed] == result.disclosed
    for claim in listed:
        value: Any = result.claims
        for step in claim.path:
            value = value[step]
        assert claim.value == value


@needs_vectors
@pytest.mark.parametrize("vector", VECTOR_DIRS, ids=vector_id)
def test_vector_presentation_verifies_to_verified_contents(vector: Path) -> None:
    settings = load_settings(vector)
    spec = load_spec(vector)
    presentation = load_serialized(vector, "sd_jwt_presentation")
    has_kb = bool(spec.get("key_binding"))
    assert (sdjwt.parse(presentation).kb_jwt is not None) == has_kb
    result = sdjwt.verify(
        presentation,
        issuer_key_resolver=lambda header, payload: issuer_public_key(settings),
        expected_audience=settings["identifiers"]["verifier"],
        expected_nonce=settings["key_binding_nonce"],
        require_key_binding=has_kb,
        now=kb_iat(vector),
        expected_typ=VECTOR_TYPS,
    )
    assert result.claims == load_json(vector, "verified_contents.json")
    if "expect_verified_user_claims" in spec:
        expected = spec["expect_verified_user_claims"]
        assert {k: result.claims[k] for k in expected} == expected
    if has_kb:
        assert result.key_binding == load_json(vector, "kb_jwt_payload.json")
        assert result.holder_jwk == result.claims["cnf"]["jwk"]


# Where the vectors' holder (the sd-jwt reference implementation) and `present` choose
# differently, by design. The reference's `true` on an object reveals the object but
# none of the Disclosures nested in it, and a non-empty selection under a claim reveals
# that claim even when nothing inside is chosen. `present` reveals the subtree of a path
# named, and a claim on the way only when something below it is chosen.
# vector -> (paths we reveal and it does not, paths it reveals and we do not)
SELECTION_DIFFERENCES: dict[str, tuple[set[tuple], set[tuple]]] = {
    "ietf-sd-jwt/complex_eidas": (
        {
            ("verified_claims", "verification", "evidence", 0, "document"),
            ("verified_claims", "verification", "evidence", 0, "document", "issuer"),
        },
        set(),
    ),
    "ietf-sd-jwt/complex_eidas_proposal": (set(), {("verified_claims", "verification", "evidence")}),
}


@needs_vectors
@pytest.mark.parametrize("vector", VECTOR_DIRS, ids=vector_id)
def test_vector_present_chooses_the_vectors_disclosures(vector: Path) -> None:
    settings = load_settings(vector)
    spec = load_spec(vector)
    issuance = load_serialized(vector, "sd_jwt_issuance")
    everything = sdjwt.verify(
        issuance, issuer_key_resolver=lambda h, p: issuer_public_key(settings), require_key_binding=False,
        now=kb_iat(vector), expected_typ=VECTOR_TYPS,
    ).claims
    # The reference ignores selections of claims that do not exist (w3c-vc_for_slide_deck
    # names a `credentialSubject` its claims do not have); `present` refuses them.
    wanted = [p for p in disclose_paths(spec.get("holder_disclosed_claims") or {}) if sdjwt._exists(everything, p)]
    path_of = {c.digest: c.path for c in sdjwt.disclosable_claims(issuance)}
    ours = {path_of[d.digest] for d in sdjwt.parse(sdjwt.present(issuance, wanted, holder_key=None)).disclosures}
    theirs = {path_of[d.digest] for d in sdjwt.parse(load_serialized(vector, "sd_jwt_presentation")).disclosures}
    assert (ours - theirs, theirs - ours) == SELECTION_DIFFERENCES.get(vector_id(vector), (set(), set()))
    if spec.get("key_binding"):
        # Our own KB-JWT over our presentation, with the vector's holder key, verifies too.
        iat = kb_iat(vector)
        bound = sdjwt.present(
            issuance,
            wanted,
            holder_key=holder_private_key(settings),
            audience=settings["identifiers"]["verifier"],
            nonce=settings["key_binding_nonce"],
            iat=iat,
        )
        result = sdjwt.verify(
            bound,
            issuer_key_resolver=lambda header, payload: issuer_public_key(settings),
            expected_audience=settings["identifiers"]["verifier"],
            expected_nonce=settings["key_binding_nonce"],
            now=iat,
            expected_typ=VECTOR_TYPS,
        )
        if vector_id(vector) not in SELECTION_DIFFERENCES:
            assert result.claims == load_json(vector, "verified_contents.json")


@needs_vectors
@pytest.mark.parametrize("vector", VECTOR_DIRS, ids=vector_id)
def test_vector_declaration_issues_the_same_structure(vector: Path) -> None:
    """`issue` with the vector's `!sd` tags as claim paths makes the same disclosable claims."""
    tagged = load_spec(vector)["user_claims"]
    claims = plain(tagged)
    registered = {name: claims.pop(name) for name in ("iss", "vct", "iat", "cnf") if name in claims}
    # w3c-vc_for_slide_deck's `cnf` is an (abridged) RSA key: no accepted holder key, so left out.
    key = keys.generate("P-256")
    token = sdjwt.issue(
        claims,
        key,
        kid=None,
        issuer=registered.get("iss", "https://issuer.example"),
        vct=registered.get("vct", "https://example.com/vct"),
        disclosable=sd_paths(tagged),
        iat=registered.get("iat"),
        decoys=2,
    )
    result = sdjwt.verify(token, issuer_key_resolver=lambda h, p: keys.public_key_of(key), require_key_binding=False)
    assert {k: v for k, v in result.claims.items() if k not in ("iss", "vct", "iat")} == claims
    assert sorted(map(str, result.disclosed)) == sorted(map(str, sd_paths(tagged)))


# --- 2. round trips with our own keys -------------------------------------------------

ISSUER_DID = "did:web:roc-west.example"
VCT = "https://skillpass.example/credentials/skill-attestation/v1"
NOW = 1_760_000_000
AUDIENCE = "https://werkgever.example/verifier"
NONCE = "n-0S6_WzA2Mj"

SKILL_CLAIMS: dict[str, Any] = {
    "credentialSubject": {
        "name": "Sanne de Vries",
        "birthDate": "1994-03-17",
        "address": {"street": "Kerkstraat 1", "city": "Utrecht"},
        "skills": [
            {"id": "http://data.europa.eu/esco/skill/ccd0a1d9", "label": "Lassen", "level": "EQF 3"},
            {"id": "http://data.europa.eu/esco/skill/a8b3f2c0", "label": "Veilig werken", "level": "EQF 2"},
            {"id": "http://data.europa.eu/esco/skill/17f1b6de", "label": "Plaatbewerken", "level": "EQF 3"},
        ],
    },
    "provider": {"id": ISSUER_DID, "name": "ROC West"},
    "level": "EQF 3",
}
# Per credential type: name and birth date always disclosable, each skill on its own,
# the address as a whole and (recursively) its street; provider and level in clear.
SKILL_DISCLOSABLE = [
    ("credentialSubject", "name"),
    ("credentialSubject", "birthDate"),
    ("credentialSubject", "skills", None),
    ("credentialSubject", "address"),
    ("credentialSubject", "address", "street"),
]


class Party:
    def __init__(self, key_type: str) -> None:
        self.issuer_key = keys.generate(key_type)  # type: ignore[arg-type]
        self.holder_key = keys.generate(key_type)  # type: ignore[arg-type]
        self.kid = f"{ISSUER_DID}#key-1"

    def resolver(self, header: dict[str, Any], payload: dict[str, Any]) -> keys.PublicKey:
        assert header["kid"] == self.kid  # a real resolver looks the kid up in the DID document of `iss`
        return keys.public_key_of(self.issuer_key)

    def issue(self, claims: dict[str, Any] = SKILL_CLAIMS, **options: Any) -> str:
        params: dict[str, Any] = dict(
            kid=self.kid,
            issuer=ISSUER_DID,
            vct=VCT,
            disclosable=SKILL_DISCLOSABLE,
            holder_jwk=keys.public_jwk(self.holder_key),
            iat=NOW - 3600,
            exp=NOW + 86400,
        )
        params.update(options)
        return sdjwt.issue(claims, self.issuer_key, **params)

    def present(self, credential: str, disclose: list, **options: Any) -> str:
        params: dict[str, Any] = dict(holder_key=self.holder_key, audience=AUDIENCE, nonce=NONCE, iat=NOW)
        params.update(options)
        return sdjwt.present(credential, disclose, **params)

    def verify(self, presentation: str, **options: Any) -> sdjwt.VerifiedSdJwt:
        params: dict[str, Any] = dict(
            issuer_key_resolver=self.resolver, expected_audience=AUDIENCE, expected_nonce=NONCE, now=NOW
        )
        params.update(options)
        return sdjwt.verify(presentation, **params)


@pytest.fixture(params=["Ed25519", "P-256"])
def party(request: pytest.FixtureRequest) -> Party:
    return Party(request.param)


def test_issued_sd_jwt_has_the_sd_jwt_vc_shape(party: Party) -> None:
    credential = party.issue(decoys=3, status={"status_list": {"idx": 7, "uri": "https://s.example/1"}})
    assert credential.endswith("~")
    parsed = sdjwt.parse(credential)
    assert parsed.header == {"alg": keys.algorithm_for(party.issuer_key), "typ": "dc+sd-jwt", "kid": party.kid}
    payload = parsed.payload
    assert payload["_sd_alg"] == "sha-256" and payload["vct"] == VCT and payload["iss"] == ISSUER_DID
    assert payload["cnf"] == {"jwk": keys.public_jwk(party.holder_key)}
    assert payload["status"]["status_list"]["idx"] == 7
    assert payload["provider"] == SKILL_CLAIMS["provider"] and payload["level"] == "EQF 3"
    subject = payload["credentialSubject"]
    assert set(subject) == {"_sd", "skills"}  # name, birthDate, address hidden
    assert subject["_sd"] == sorted(subject["_sd"]) and len(subject["_sd"]) == 3 + 3
    assert len(subject["skills"]) == 3 + 3 and all(set(s) == {"..."} for s in subject["skills"])
    # 2 + 1 address + 1 street + 3 skills; the decoys have no Disclosure
    assert len(parsed.disclosures) == 7
    assert {d.name for d in parsed.disclosures} == {"name", "birthDate", "address", "street", None}
    assert all(len(keys.b64url_decode(d.salt)) == 16 for d in parsed.disclosures)


def test_round_trip_reveals_only_what_was_chosen(party: Party) -> None:
    credential = party.issue(decoys=2)
    presentation = party.present(credential, [("credentialSubject", "name"), ("credentialSubject", "skills", 1)])
    result = party.verify(presentation)
    subject = result.claims["credentialSubject"]
    assert subject == {"name": "Sanne de Vries", "skills": [SKILL_CLAIMS["credentialSubject"]["skills"][1]]}
    assert result.claims["provider"] == SKILL_CLAIMS["provider"] and result.claims["level"] == "EQF 3"
    assert "_sd" not in json.dumps(result.claims) and "_sd_alg" not in result.claims
    assert sorted(result.disclosed, key=str) == [("credentialSubject", "name"), ("credentialSubject", "skills", 0)]
    # Hidden: birthDate, address and 2 decoys in the subject; 2 skills and 2 decoys in the list.
    in_subject = [h for h in result.hidden if h.container == ("credentialSubject",)]
    in_skills = [h for h in result.hidden if h.container == ("credentialSubject", "skills")]
    assert len(in_subject) == 4 and not any(h.array_element for h in in_subject)
    assert len(in_skills) == 4 and all(h.array_element for h in in_skills)
    assert result.key_binding is not None and result.key_binding["aud"] == AUDIENCE
    assert result.holder_jwk == keys.public_jwk(party.holder_key)


def test_recursive_disclosure_reveals_the_parent_and_only_the_chosen_child(party: Party) -> None:
    credential = party.issue()
    only_street = party.verify(party.present(credential, [("credentialSubject", "address", "street")]))
    assert only_street.claims["credentialSubject"] == {
        "address": {"street": "Kerkstraat 1", "city": "Utrecht"},
        "skills": [],
    }
    assert only_street.disclosed == [("credentialSubject", "address"), ("credentialSubject", "address", "street")]
    # Naming the parent reveals its whole subtree, nested Disclosures included.
    whole = party.verify(party.present(credential, [("credentialSubject", "address")]))
    assert whole.claims["credentialSubject"]["address"] == SKILL_CLAIMS["credentialSubject"]["address"]


def test_wildcard_reveals_every_array_element(party: Party) -> None:
    result = party.verify(party.present(party.issue(decoys=1), [["credentialSubject", "skills", None]]))
    assert result.claims["credentialSubject"] == {"skills": SKILL_CLAIMS["credentialSubject"]["skills"]}


def test_nothing_disclosed_and_everything_disclosed(party: Party) -> None:
    credential = party.issue()
    nothing = party.verify(party.present(credential, []))
    assert nothing.claims["credentialSubject"] == {"skills": []} and nothing.disclosed == []
    everything = party.verify(party.present(credential, [("credentialSubject",)]))
    assert everything.claims["credentialSubject"] == SKILL_CLAIMS["credentialSubject"]


def test_nested_arrays_and_recursive_array_elements(party: Party) -> None:
    claims = {"matrix": [["a", "b"], ["c"]], "tags": [{"k": "x", "secret": 1}, {"k": "y"}]}
    disclosable = [("matrix", None), ("matrix", None, None), ("tags", 0), ("tags", 0, "secret")]
    credential = party.issue(claims, disclosable=disclosable, decoys={("matrix", 0): 2, (): 1})
    listed = {c.path: c.value for c in sdjwt.disclosable_claims(credential)}
    assert listed[("matrix", 0)] == ["a", "b"] and listed[("matrix", 1, 0)] == "c"
    assert listed[("tags", 0, "secret")] == 1 and ("tags", 1) not in listed
    result = party.verify(party.present(credential, [("matrix", 0, 1), ("tags", 0, "k")]))
    assert result.claims["matrix"] == [["b"]]
    assert result.claims["tags"] == [{"k": "x"}, {"k": "y"}]
    decoys_in_row = [h for h in result.hidden if h.container == ("matrix", 0)]
    assert len(decoys_in_row) == 1 + 2  # "a" and two decoys


def test_without_key_binding_when_the_verifier_does_not_require_it(party: Party) -> None:
    credential = party.issue(holder_jwk=None)
    presentation = sdjwt.present(credential, [("credentialSubject", "name")], holder_key=None)
    assert presentation.endswith("~")
    result = party.verify(presentation, require_key_binding=False, expected_audience=None, expected_nonce=None)
    assert result.key_binding is None and result.claims["credentialSubject"]["name"] == "Sanne de Vries"
    # The issuer's own output verifies too (the holder checks it before storing it).
    assert party.verify(party.issue(), require_key_binding=False).claims["credentialSubject"] == (
        SKILL_CLAIMS["credentialSubject"]
    )


def test_salt_source_makes_issuance_reproducible(party: Party) -> None:
    def salts() -> Callable[[], str]:
        counter = iter(range(10_000))
        return lambda: keys.b64url_encode(next(counter).to_bytes(16, "big"))

    first = sdjwt.parse(party.issue(salt_source=salts(), decoys=2))
    second = sdjwt.parse(party.issue(salt_source=salts(), decoys=2))
    assert first.payload == second.payload and first.disclosures == second.disclosures


def test_disclosure_encoding_matches_rfc_9901_example() -> None:
    """RFC 9901 section 4.2.1: the digest is over the base64url text exactly as sent."""
    encoded = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    parsed = sdjwt._decode_disclosure(encoded, "sha-256")
    assert (parsed.salt, parsed.name, parsed.value) == ("_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius")
    assert parsed.digest == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"


def test_json_serialization_converts_to_compact(party: Party) -> None:
    jwt_part, *disclosures, _ = party.issue().split("~")
    protected, payload, signature = jwt_part.split(".")
    flattened = {"protected": protected, "payload": payload, "signature": signature,
                 "header": {"disclosures": disclosures, "kid": "ignored"}}
    assert sdjwt.from_json_serialization(json.dumps(flattened)) == "~".join([jwt_part, *disclosures, ""])
    general = {"payload": payload, "signatures": [
        {"protected": protected, "signature": signature, "header": {"disclosures": disclosures}},
        {"protected": protected, "signature": signature, "header": {"disclosures": []}},
    ]}
    with pytest.raises(sdjwt.SdJwtError):
        sdjwt.from_json_serialization(general)
    with pytest.raises(ForbiddenHeader):
        sdjwt.from_json_serialization({**flattened, "header": {"jwk": keys.public_jwk(party.holder_key)}})


# --- 3. refusals, one per rule --------------------------------------------------------


def _disclosure(*content: Any) -> str:
    return keys.b64url_encode(strict_json.dumps(list(content)).encode())


def _digest(encoded: str) -> str:
    return sdjwt._hash("sha-256", encoded)


def _signed(party: Party, payload: dict[str, Any], *disclosures: str, typ: str = "dc+sd-jwt") -> str:
    """An issuer-signed SD-JWT with a hand-made payload (to build what `issue` never would)."""
    base = {"iss": ISSUER_DID, "vct": VCT, "_sd_alg": "sha-256", "cnf": {"jwk": keys.public_jwk(party.holder_key)}}
    token = jose.sign_jws({**base, **payload}, party.issuer_key, kid=party.kid, typ=typ)
    return "~".join([token, *disclosures, ""])


def _code(exc: pytest.ExceptionInfo[VerificationError]) -> str:
    return exc.value.code


@pytest.fixture
def ed() -> Party:
    return Party("Ed25519")


def test_refuses_a_disclosure_no_digest_references(ed: Party) -> None:
    forged = _disclosure("c2FsdHNhbHRzYWx0", "birthDate", "2001-01-01")
    presentation = ed.present(ed.issue(), [("credentialSubject", "name")])
    jwt_part, *rest = presentation.split("~")
    with pytest.raises(sdjwt.UnreferencedDisclosure) as exc:
        ed.verify("~".join([jwt_part, forged, *rest]), require_key_binding=False)
    assert _code(exc) == "unreferenced_disclosure"


def test_refuses_a_tampered_disclosure(ed: Party) -> None:
    credential = ed.issue()
    original = next(d for d in sdjwt.parse(credential).disclosures if d.name == "name")
    tampered = _disclosure(original.salt, "name", "Someone Else")
    with pytest.raises(sdjwt.UnreferencedDisclosure) as exc:
        ed.verify(credential.replace(original.encoded, tampered), require_key_binding=False)
    assert _code(exc) == "unreferenced_disclosure"
    for garbage in ("!!notbase64", keys.b64url_encode(b"not json"), _disclosure("salt"), _disclosure(1, "n", 2)):
        with pytest.raises(sdjwt.InvalidDisclosure) as exc:
            ed.verify(credential.replace(original.encoded, garbage), require_key_binding=False)
        assert _code(exc) == "invalid_disclosure"


def test_refuses_a_duplicated_disclosure(ed: Party) -> None:
    credential = ed.issue()
    one = sdjwt.parse(credential).disclosures[0].encoded
    with pytest.raises(sdjwt.DuplicateDisclosure) as exc:
        ed.verify(credential + one + "~", require_key_binding=False)
    assert _code(exc) == "duplicate_disclosure"


def test_refuses_a_digest_that_appears_twice(ed: Party) -> None:
    name = _disclosure("c2FsdA", "name", "Sanne")
    token = _signed(ed, {"_sd": [_digest(name)], "again": {"_sd": [_digest(name)]}}, name)
    with pytest.raises(sdjwt.DuplicateDigest) as exc:
        ed.verify(token, require_key_binding=False)
    assert _code(exc) == "duplicate_digest"
    hidden = _digest(_disclosure("c2FsdA", "never", "sent"))  # hidden digests count too
    with pytest.raises(sdjwt.DuplicateDigest):
        ed.verify(_signed(ed, {"_sd": [hidden], "list": [{"...": hidden}]}), require_key_binding=False)


@pytest.mark.parametrize("name, value", [("_sd", ["x"]), ("...", ["x"]), ("_sd_alg", "sha-256"), ("_sd_alg", "sha-512")])
def test_refuses_a_disclosure_naming_a_reserved_claim(ed: Party, name: str, value: object) -> None:
    # `_sd_alg` by Disclosure was a KeyError (500) in the wallet, found by a red-team run
    bad = _disclosure("c2FsdA", name, value)
    with pytest.raises(sdjwt.InvalidDisclosure) as exc:
        ed.verify(_signed(ed, {"_sd": [_digest(bad)]}, bad), require_key_binding=False)
    assert _code(exc) == "invalid_disclosure"


def test_refuses_a_disclosed_name_already_present_in_clear(ed: Party) -> None:
    clash = _disclosure("c2FsdA", "level", "EQF 8")
    with pytest.raises(sdjwt.DisclosedClaimConflict) as exc:
        ed.verify(_signed(ed, {"level": "EQF 3", "_sd": [_digest(clash)]}, clash), require_key_binding=False)
    assert _code(exc) == "disclosed_claim_conflict"


def test_refuses_a_disclosure_of_the_wrong_kind_for_its_place(ed: Party) -> None:
    element = _disclosure("c2FsdA", "an element")
    with pytest.raises(sdjwt.InvalidDisclosure):
        ed.verify(_signed(ed, {"_sd": [_digest(element)]}, element), require_key_binding=False)
    member = _disclosure("c2FsdA", "name", "x")
    with pytest.raises(sdjwt.InvalidDisclosure):
        ed.verify(_signed(ed, {"list": [{"...": _digest(member)}]}, member), require_key_binding=False)


@pytest.mark.parametrize("sd_alg", ["md5", "sha-1", "SHA-256", 256])
def test_refuses_an_unknown_sd_alg(ed: Party, sd_alg: Any) -> None:
    with pytest.raises(sdjwt.UnsupportedDigestAlgorithm) as exc:
        ed.verify(_signed(ed, {"_sd_alg": sd_alg}), require_key_binding=False)
    assert _code(exc) == "unsupported_sd_alg"


def test_refuses_malformed_sd_structures(ed: Party) -> None:
    for payload in ({"_sd": "not-a-list"}, {"_sd": [42]}, {"list": [{"...": 42}]}, {"x": {"...": "abc", "y": 1}}):
        with pytest.raises(sdjwt.SdJwtError) as exc:
            ed.verify(_signed(ed, payload), require_key_binding=False)
        assert _code(exc) == "invalid_sd_jwt"
    jwt_part = ed.issue().split("~")[0]
    for broken in (jwt_part, jwt_part + "~~x~", 42):
        with pytest.raises(sdjwt.SdJwtError):
            sdjwt.parse(broken)  # type: ignore[arg-type]
    with pytest.raises(TokenTooLarge):
        sdjwt.parse(jwt_part + "~" + "A" * sdjwt.MAX_SD_JWT_BYTES + "~")


def test_refuses_disclosures_nested_beyond_the_limit(ed: Party) -> None:
    chain, inner = [], {"leaf": True}
    for _ in range(sdjwt.MAX_NESTING + 5):
        encoded = _disclosure("c2FsdA" + str(len(chain)), "n", inner)
        chain.append(encoded)
        inner = {"_sd": [_digest(encoded)]}
    with pytest.raises(sdjwt.SdJwtError) as exc:
        ed.verify(_signed(ed, inner, *chain), require_key_binding=False)
    assert _code(exc) == "invalid_sd_jwt"


def test_refuses_a_missing_kb_jwt_when_binding_is_required(ed: Party) -> None:
    presentation = sdjwt.present(ed.issue(), [("credentialSubject", "name")], holder_key=None)
    with pytest.raises(sdjwt.KeyBindingRequired) as exc:
        ed.verify(presentation)
    assert _code(exc) == "key_binding_required"
    with pytest.raises(ValueError):
        ed.verify(presentation, expected_nonce=None)  # binding without a nonce is a caller bug


def _with_kb(party: Party, presentation_without_kb: str, key: keys.PrivateKey | None = None,
             typ: str = "kb+jwt", **claims: Any) -> str:
    payload = {"iat": NOW, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": _digest(presentation_without_kb)}
    payload.update(claims)
    return presentation_without_kb + jose.sign_jws(payload, key or party.holder_key, kid="holder", typ=typ)


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        ({"typ": "JWT"}, WrongType, "wrong_type"),
        ({"aud": "https://someone-else.example"}, AudienceMismatch, "audience_mismatch"),
        ({"nonce": "replayed"}, NonceMismatch, "nonce_mismatch"),
        ({"sd_hash": _digest("another presentation~")}, sdjwt.SdHashMismatch, "sd_hash_mismatch"),
        ({"iat": NOW + 61}, sdjwt.KeyBindingTimeInvalid, "key_binding_iat_invalid"),
        ({"iat": NOW - 301}, sdjwt.KeyBindingTimeInvalid, "key_binding_iat_invalid"),
        ({"sd_hash": None}, sdjwt.KeyBindingError, "invalid_key_binding"),
        ({"iat": "yesterday"}, sdjwt.KeyBindingError, "invalid_key_binding"),
        ({"exp": NOW - 120}, sdjwt.KeyBindingTimeInvalid, "key_binding_iat_invalid"),
        ({"nbf": NOW + 3600}, sdjwt.KeyBindingTimeInvalid, "key_binding_iat_invalid"),
    ],
    ids=["typ", "aud", "nonce", "sd_hash", "iat-future", "iat-too-old", "no-sd_hash", "iat-not-number", "exp-past", "nbf-future"],
)
def test_refuses_a_bad_kb_jwt(ed: Party, change: dict[str, Any], error: type, code: str) -> None:
    base = sdjwt.present(ed.issue(), [("credentialSubject", "name")], holder_key=None)
    change = dict(change)
    typ = change.pop("typ", "kb+jwt")
    with pytest.raises(error) as exc:
        ed.verify(_with_kb(ed, base, typ=typ, **change))
    assert _code(exc) == code
    assert ed.verify(_with_kb(ed, base)).claims["credentialSubject"] == {"name": "Sanne de Vries", "skills": []}


def test_kb_jwt_iat_window_is_configurable(ed: Party) -> None:
    presentation = ed.present(ed.issue(), [], iat=NOW - 3000)
    with pytest.raises(sdjwt.KeyBindingTimeInvalid):
        ed.verify(presentation)
    assert ed.verify(presentation, max_iat_age=3600).key_binding is not None


def test_refuses_a_kb_jwt_signed_by_another_key(ed: Party) -> None:
    base = sdjwt.present(ed.issue(), [("credentialSubject", "name")], holder_key=None)
    with pytest.raises(HolderMismatch) as exc:
        ed.verify(_with_kb(ed, base, key=keys.generate("Ed25519")))
    assert _code(exc) == "holder_mismatch"
    with pytest.raises(UnsupportedAlgorithm):  # a P-256 key: alg ES256 does not fit the Ed25519 cnf key
        ed.verify(_with_kb(ed, base, key=keys.generate("P-256")))


def test_refuses_a_kb_jwt_when_the_credential_has_no_cnf(ed: Party) -> None:
    base = sdjwt.present(ed.issue(holder_jwk=None), [], holder_key=None)
    with pytest.raises(sdjwt.KeyBindingError) as exc:
        ed.verify(_with_kb(ed, base))
    assert _code(exc) == "invalid_key_binding"


def test_refuses_a_presentation_changed_after_key_binding(ed: Party) -> None:
    credential = ed.issue()
    presentation = ed.present(credential, [("credentialSubject", "name")])
    jwt_part, name, kb = presentation.split("~")
    birth = next(d.encoded for d in sdjwt.parse(credential).disclosures if d.name == "birthDate")
    for changed in (f"{jwt_part}~{kb}", f"{jwt_part}~{name}~{birth}~{kb}"):
        with pytest.raises(sdjwt.SdHashMismatch):
            ed.verify(changed)


@pytest.mark.parametrize("typ", ["JWT", "vc+jwt", "example+sd-jwt", "vc+sd-jwt", "kb+jwt"])
def test_refuses_an_issuer_jwt_of_the_wrong_type(ed: Party, typ: str) -> None:
    with pytest.raises(WrongType) as exc:
        ed.verify(_signed(ed, {}, typ=typ), require_key_binding=False)
    assert _code(exc) == "wrong_type"


def test_legacy_vc_sd_jwt_typ_only_when_the_caller_opts_in(ed: Party) -> None:
    token = _signed(ed, {}, typ="vc+sd-jwt")
    result = ed.verify(
        token, require_key_binding=False, expected_typ=(sdjwt.SD_JWT_VC_TYP, sdjwt.LEGACY_SD_JWT_VC_TYP)
    )
    assert result.claims["vct"] == VCT
    assert ed.verify(_signed(ed, {}, typ="application/DC+SD-JWT"), require_key_binding=False)  # RFC 7515 4.1.9


def _resigned_with_header(party: Party, token: str, header: dict[str, Any]) -> str:
    jwt_part, *rest = token.split("~")
    payload_b64 = jwt_part.split(".")[1]
    signing_input = keys.b64url_encode(strict_json.dumps(header).encode()) + "." + payload_b64
    signature = sdjwt._SIGNERS[keys.algorithm_for(party.issuer_key)].sign(signing_input.encode(), party.issuer_key)
    return "~".join([signing_input + "." + keys.b64url_encode(signature), *rest])


@pytest.mark.parametrize("extra", [{"jwk": {"kty": "OKP"}}, {"jku": "https://x.example"}, {"x5c": ["MII"]},
                                   {"crit": ["exp"]}])
def test_refuses_forbidden_issuer_headers(ed: Party, extra: dict[str, Any]) -> None:
    header = {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": ed.kid, **extra}
    with pytest.raises(ForbiddenHeader) as exc:
        ed.verify(_resigned_with_header(ed, ed.issue(), header), require_key_binding=False)
    assert _code(exc) == "forbidden_header"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES384", "ES256", None])
def test_refuses_non_allowlisted_or_mismatched_alg(ed: Party, alg: Any) -> None:
    header = {"alg": alg, "typ": "dc+sd-jwt", "kid": ed.kid}
    with pytest.raises(UnsupportedAlgorithm) as exc:  # ES256 is allowed, but not with an Ed25519 key
        ed.verify(_resigned_with_header(ed, ed.issue(), header), require_key_binding=False)
    assert _code(exc) == "unsupported_algorithm"


def test_refuses_a_bad_issuer_signature(ed: Party) -> None:
    other = Party("Ed25519")
    with pytest.raises(InvalidSignature) as exc:
        ed.verify(other.issue(), require_key_binding=False)
    assert _code(exc) == "invalid_signature"


def test_refuses_an_expired_or_not_yet_valid_issuer_jwt(ed: Party) -> None:
    with pytest.raises(Expired) as exc:
        ed.verify(ed.issue(exp=NOW - 61), require_key_binding=False)
    assert _code(exc) == "expired"
    with pytest.raises(NotYetValid) as exc2:
        ed.verify(ed.issue(nbf=NOW + 61), require_key_binding=False)
    assert _code(exc2) == "not_yet_valid"
    assert ed.verify(ed.issue(exp=NOW - 30, nbf=NOW + 30), require_key_binding=False)  # within leeway


def test_refuses_a_missing_vct(ed: Party) -> None:
    for vct in (None, "", 7):
        payload = {"vct": vct} if vct is not None else {}
        token = jose.sign_jws({"iss": ISSUER_DID, **payload}, ed.issuer_key, kid=ed.kid, typ="dc+sd-jwt") + "~"
        with pytest.raises(sdjwt.MissingVct) as exc:
            ed.verify(token, require_key_binding=False)
        assert _code(exc) == "missing_vct"


@pytest.mark.parametrize("name", ["exp", "nbf", "cnf", "status", "iss", "vct"])
def test_refuses_never_disclosable_claims_in_disclosures(ed: Party, name: str) -> None:
    hidden = _disclosure("c2FsdA", name, 1)
    base = {"iss": ISSUER_DID, "vct": VCT, "_sd": [_digest(hidden)]}
    base.pop(name, None)
    token = jose.sign_jws(base, ed.issuer_key, kid=ed.kid, typ="dc+sd-jwt") + "~" + hidden + "~"
    with pytest.raises(sdjwt.InvalidDisclosure) as exc:
        ed.verify(token, require_key_binding=False)
    assert _code(exc) == "invalid_disclosure"


# --- misuse by callers ---------------------------------------------------------------


def test_issue_refuses_reserved_claims_and_private_holder_keys(ed: Party) -> None:
    for claims in ({"exp": 1}, {"vct": "x"}, {"cnf": {}}, {"a": {"_sd": []}}, {"a": [{"...": "x"}]}):
        with pytest.raises(ValueError):
            ed.issue(claims)
    with pytest.raises(InvalidKey):
        ed.issue(holder_jwk=keys.private_jwk(ed.holder_key))
    with pytest.raises(ValueError):
        ed.issue(disclosable=[()])
    with pytest.raises(ValueError):
        ed.issue(disclosable=[("credentialSubject", True)])


def test_present_refuses_unknown_paths_and_foreign_holder_keys(ed: Party) -> None:
    credential = ed.issue()
    with pytest.raises(ValueError):
        ed.present(credential, [("credentialSubject", "nmae")])
    with pytest.raises(ValueError):
        ed.present(credential, [], holder_key=keys.generate("Ed25519"))
    with pytest.raises(ValueError):
        ed.present(credential, [], nonce=None)
    # Claims in clear may be named (a verifier's request can list them); they need no Disclosure.
    assert sdjwt.parse(ed.present(credential, [("provider", "name"), ("level",)])).disclosures == ()
