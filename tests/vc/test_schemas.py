"""The credential types: JSON Schemas, JSON-LD context, examples, and vc.schemas."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft201909Validator, Draft202012Validator
from referencing import Registry
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from vc import schemas
from vc.credential_types import (
    CREDENTIAL_TYPES,
    OB3_CONTEXT,
    SKILLPASS_CONTEXT,
    SKILLPASS_VOCAB,
    VC_V2_CONTEXT,
    get_type,
    type_for_schema_url,
)
from vc.errors import SchemaValidationError, UnknownSchema

REPO = Path(__file__).parents[2]
SCHEMA_DIR = REPO / "schemas"
EXAMPLES = sorted((SCHEMA_DIR / "examples").glob("*.json"))
SHARED_DATA = REPO.parent / "shared" / "data"
EXAMPLE_ISSUER = "did:web:issuer.example:providers:roc-west"

ROC = "microcredential-roc-"
HBO = "microcredential-hogeschool-"
EVC = "skill-attestation-evc-"
INFORMAL = "skill-attestation-informeel-"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def type_name(path: Path) -> str:
    return "microcredential" if path.name.startswith("microcredential-") else "skill-attestation"


def example(prefix: str) -> dict[str, Any]:
    (path,) = [p for p in EXAMPLES if p.name.startswith(prefix)]
    return load(path)


def errors(call: Callable[[], None]) -> list[dict[str, str]]:
    with pytest.raises(SchemaValidationError) as raised:
        call()
    return raised.value.detail


def pointers(call: Callable[[], None]) -> list[str]:
    return [entry["pointer"] for entry in errors(call)]


def shared(*parts: str) -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (../shared/data beside the repository)")
    return SHARED_DATA.joinpath(*parts)


# --- the examples -------------------------------------------------------------


def test_there_are_the_four_examples() -> None:
    for prefix in (ROC, HBO, EVC, INFORMAL):
        example(prefix)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates(path: Path) -> None:
    document = load(path)
    schemas.validate_credential(document, type_name(path))
    schemas.validate_subject(document["credentialSubject"], type_name(path))
    if "evidence" in document:
        schemas.validate_evidence(document["evidence"], type_name(path))
    for entry in document["credentialSchema"]:
        schemas.validate_against_schema_id(document, entry["id"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_agree_with_the_registry(path: Path) -> None:
    document = load(path)
    credential_type = get_type(type_name(path))
    assert document["@context"] == list(credential_type.context)
    assert document["type"] == list(credential_type.types)
    assert document["credentialSchema"] == [credential_type.credential_schema]
    assert credential_type.subject_type in document["credentialSubject"]["type"]
    assert document["issuer"] == EXAMPLE_ISSUER
    assert document["id"].startswith("urn:uuid:")
    status = document["credentialStatus"]
    assert [s["type"] for s in status] == ["BitstringStatusListEntry"] * 2
    assert [s["statusPurpose"] for s in status] == ["revocation", "suspension"]


def test_subject_alone_needs_no_envelope() -> None:
    envelope = {"@context", "issuer", "validFrom", "validUntil", "credentialSchema", "credentialStatus"}
    for prefix in (ROC, EVC):
        subject = example(prefix)["credentialSubject"]
        assert envelope.isdisjoint(subject)
        schemas.validate_subject(subject, type_name(Path(prefix)))
    # the learner's DID is optional when the learner is identified otherwise
    subject = example(ROC)["credentialSubject"]
    del subject["id"]
    schemas.validate_subject(subject, "microcredential")


def _ob3_validator() -> Draft201909Validator:
    schema = load(shared("schemas", "ob3", "achievementcredential.json"))
    Draft201909Validator.check_schema(schema)

    def refuse(uri: str) -> Any:
        raise NoSuchResource(ref=uri)

    return Draft201909Validator(
        schema, format_checker=schemas.FORMAT_CHECKER, registry=Registry(retrieve=refuse)  # type: ignore[call-arg]
    )


@pytest.mark.parametrize("prefix", [ROC, HBO])
def test_microcredentials_satisfy_the_official_ob3_schema(prefix: str) -> None:
    """OB 3.0.3 requires validFrom (not VCDM 1.1 issuanceDate), so one credential
    satisfies both. The single difference: OB 3.0 allows one credentialStatus
    object, skillpass issues two Bitstring Status List entries (revocation and
    suspension) as an array, which VC DM 2.0 allows. Everything else validates,
    and each status entry on its own satisfies OB3's CredentialStatus."""
    validator = _ob3_validator()
    document = example(prefix)
    found = [(list(e.absolute_path), e.validator) for e in validator.iter_errors(document)]
    assert found == [(["credentialStatus"], "type")]
    for entry in document["credentialStatus"]:
        assert list(validator.iter_errors({**document, "credentialStatus": entry})) == []


# --- mutations that must fail, with the exact pointer -------------------------


def _mutated(prefix: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = example(prefix)
    change(document)
    return document


def _achievement(document: dict[str, Any]) -> dict[str, Any]:
    return document["credentialSubject"]["achievement"]


MUTATIONS: list[tuple[str, str, Callable[[dict[str, Any]], None], list[str]]] = [
    (
        "missing title",
        ROC,
        lambda d: _achievement(d).pop("name"),
        ["/credentialSubject/achievement/name"],
    ),
    (
        "bad ESCO skill URI",
        ROC,
        lambda d: _achievement(d)["alignment"][1].update(
            targetUrl="http://data.europa.eu/esco/skill/ensure-safety-of-refrigerants"
        ),
        ["/credentialSubject/achievement/alignment/1/targetUrl"],
    ),
    (
        "ESCO skill URI on another host",
        EVC,
        lambda d: d["credentialSubject"]["skill"].update(targetUrl="https://esco.example/skill/1"),
        ["/credentialSubject/skill/targetUrl"],
    ),
    (
        "bad CompetentNL URI",
        INFORMAL,
        lambda d: d["credentialSubject"]["skill"].update(targetUrl="https://www.competentnl.nl/skills/H0573"),
        ["/credentialSubject/skill/targetUrl"],
    ),
    (
        "unknown skill framework",
        HBO,
        lambda d: _achievement(d)["alignment"][0].update(targetFramework="O*NET"),
        ["/credentialSubject/achievement/alignment/0/targetFramework"],
    ),
    (
        "bad learning context",
        EVC,
        lambda d: d["credentialSubject"].update(learningContext="on-the-job"),
        ["/credentialSubject/learningContext"],
    ),
    (
        "negative workload in hours",
        ROC,
        lambda d: _achievement(d).update(studyLoadHours=-32),
        ["/credentialSubject/achievement/studyLoadHours"],
    ),
    (
        "negative ECTS",
        HBO,
        lambda d: _achievement(d).update(creditsAvailable=-5),
        ["/credentialSubject/achievement/creditsAvailable"],
    ),
    (
        "zero workload",
        ROC,
        lambda d: _achievement(d).update(studyLoadHours=0),
        ["/credentialSubject/achievement/studyLoadHours"],
    ),
    (
        "no workload at all",
        ROC,
        lambda d: _achievement(d).pop("studyLoadHours"),
        ["/credentialSubject/achievement/studyLoadHours"],
    ),
    (
        "type list without OpenBadgeCredential",
        ROC,
        lambda d: d.update(type=["VerifiableCredential", "AchievementCredential"]),
        ["/type"],
    ),
    (
        "type list of the other credential type",
        EVC,
        lambda d: d.update(type=["VerifiableCredential", "OpenBadgeCredential"]),
        ["/type"],
    ),
    (
        "type not a list",
        INFORMAL,
        lambda d: d.update(type="VerifiableCredential"),
        ["/type"],
    ),
    (
        "learner not identified",
        ROC,
        lambda d: [d["credentialSubject"].pop(k) for k in ("id", "identifier")],
        ["/credentialSubject/identifier"],
    ),
    (
        "BSN as identifier",
        HBO,
        lambda d: d["credentialSubject"]["identifier"][1].update(identityType="nationalIdentityNumber"),
        ["/credentialSubject/identifier/1/identityType"],
    ),
    (
        "misspelt member",
        ROC,
        lambda d: _achievement(d).update(learningOutcome=["x"]),
        ["/credentialSubject/achievement/learningOutcome"],
    ),
    (
        "awarding body without country",
        HBO,
        lambda d: _achievement(d)["creator"]["address"].pop("addressCountryCode"),
        ["/credentialSubject/achievement/creator/address/addressCountryCode"],
    ),
    (
        "form of participation",
        ROC,
        lambda d: _achievement(d).update(formOfParticipation="hybrid"),
        ["/credentialSubject/achievement/formOfParticipation"],
    ),
    (
        "EQF level out of range",
        ROC,
        lambda d: _achievement(d).update(eqfLevel=9),
        ["/credentialSubject/achievement/eqfLevel"],
    ),
    (
        "validFrom not a date-time",
        ROC,
        lambda d: d.update(validFrom="27-06-2025"),
        ["/validFrom"],
    ),
    (
        "validFrom without time zone",
        EVC,
        lambda d: d.update(validFrom="2025-04-15T12:00:00"),
        ["/validFrom"],
    ),
    (
        "issuer not a did:web",
        ROC,
        lambda d: d.update(issuer="https://roc-west.example"),
        ["/issuer"],
    ),
    (
        "credentialSchema of the other type",
        ROC,
        lambda d: d.update(credentialSchema=[get_type("skill-attestation").credential_schema]),
        ["/credentialSchema"],
    ),
    (
        "contexts in the wrong order",
        HBO,
        lambda d: d.update({"@context": [VC_V2_CONTEXT, SKILLPASS_CONTEXT, OB3_CONTEXT]}),
        ["/@context/1", "/@context/2"],
    ),
    (
        "status index not a decimal string",
        EVC,
        lambda d: d["credentialStatus"][1].update(statusListIndex=33104),
        ["/credentialStatus/1/statusListIndex"],
    ),
    (
        "skill attestation without evidence",
        EVC,
        lambda d: d.pop("evidence"),
        ["/evidence"],
    ),
    (
        "evidence of an unknown genre",
        EVC,
        lambda d: d["evidence"][1].update(genre="selfie"),
        ["/evidence/1/genre"],
    ),
    (
        "nameless organisation four levels up (past the inlined recursion)",
        EVC,
        lambda d: d["credentialSubject"]["assessor"]["parentOrg"]["parentOrg"].update(
            parentOrg={"id": "https://www.mbo.example", "type": ["Profile"]}
        ),
        ["/credentialSubject/assessor/parentOrg/parentOrg/parentOrg/name"],
    ),
    (
        "no validation method",
        INFORMAL,
        lambda d: d["credentialSubject"].update(validationMethod=[]),
        ["/credentialSubject/validationMethod"],
    ),
]


@pytest.mark.parametrize(
    ("prefix", "change", "expected"),
    [m[1:] for m in MUTATIONS],
    ids=[m[0] for m in MUTATIONS],
)
def test_mutation_fails_at_its_pointer(
    prefix: str, change: Callable[[dict[str, Any]], None], expected: list[str]
) -> None:
    document = _mutated(prefix, change)
    assert pointers(lambda: schemas.validate_credential(document, type_name(Path(prefix)))) == expected


def _plain_validator(schema_url: str) -> Draft202012Validator:
    """jsonschema on the schema files as written: no inlining, no memo."""
    registry: Registry[Any] = Registry().with_resources(
        (load(p)["$id"], DRAFT202012.create_resource(load(p))) for p in SCHEMA_DIR.glob("*.json")
    )
    return Draft202012Validator(
        {"$ref": schema_url}, registry=registry, format_checker=schemas.FORMAT_CHECKER
    )


def _details(validator: Draft202012Validator, document: Any) -> list[dict[str, str]]:
    try:
        schemas._check(validator, document)
    except SchemaValidationError as error:
        return error.detail
    return []


@pytest.mark.parametrize(
    ("prefix", "change"),
    [m[1:3] for m in MUTATIONS] + [(p, lambda d: None) for p in (ROC, HBO, EVC, INFORMAL)],
    ids=[m[0] for m in MUTATIONS] + ["roc", "hbo", "evc", "informal"],
)
def test_fast_validator_agrees_with_plain_jsonschema(
    prefix: str, change: Callable[[dict[str, Any]], None]
) -> None:
    """jsonschema-rs decides validity; jsonschema reports errors: they must agree."""
    credential_type = get_type(type_name(Path(prefix)))
    document = _mutated(prefix, change)
    plain = _details(_plain_validator(credential_type.schema_url), document)
    assert schemas._fast_validator(credential_type.schema_url).is_valid(document) == (plain == [])
    assert errors_or_none(lambda: schemas.validate_credential(document, credential_type.name)) == (plain or None)


def errors_or_none(call: Callable[[], None]) -> list[dict[str, str]] | None:
    try:
        call()
    except SchemaValidationError as error:
        return error.detail
    return None


def test_subject_errors_point_into_the_subject() -> None:
    subject = example(ROC)["credentialSubject"]
    del subject["achievement"]["name"]
    subject["achievement"]["studyLoadHours"] = -1
    assert errors(lambda: schemas.validate_subject(subject, "microcredential")) == [
        {"pointer": "/achievement/name", "message": "'name' is a required property"},
        {"pointer": "/achievement/studyLoadHours", "message": "is less than or equal to the minimum of 0"},
    ]


def test_every_error_is_reported_sorted() -> None:
    document = example(EVC)
    del document["validFrom"]
    document["credentialSubject"]["learningContext"] = "on-the-job"
    document["credentialSubject"]["proficiencyLevel"] = "guru"
    document["evidence"][0]["genre"] = "selfie"
    found = pointers(lambda: schemas.validate_credential(document, "skill-attestation"))
    assert found == [
        "/credentialSubject/learningContext",
        "/credentialSubject/proficiencyLevel",
        "/evidence/0/genre",
        "/validFrom",
    ]
    assert found == sorted(found)


def test_evidence_alone() -> None:
    evidence = example(EVC)["evidence"]
    schemas.validate_evidence(evidence, "skill-attestation")
    evidence[2]["genre"] = "gossip"
    assert pointers(lambda: schemas.validate_evidence(evidence, "skill-attestation")) == ["/2/genre"]
    assert pointers(lambda: schemas.validate_evidence([], "skill-attestation")) == [""]


def test_messages_do_not_repeat_the_values() -> None:
    document = example(INFORMAL)
    document["credentialSubject"]["learningContext"] = "volunteering at the Voedselbank"
    document["credentialSubject"]["identifier"][0]["identityHash"] = "sha256$not-a-hash-of-fatima"
    for entry in errors(lambda: schemas.validate_credential(document, "skill-attestation")):
        assert "Voedselbank" not in entry["message"]
        assert "fatima" not in entry["message"]


def test_pointers_are_escaped() -> None:
    subject = example(EVC)["credentialSubject"]
    subject["a/b~c"] = 1
    assert errors(lambda: schemas.validate_subject(subject, "skill-attestation")) == [
        {"pointer": "/a~1b~0c", "message": "is not allowed here"}
    ]


def test_type_list_message_names_the_missing_type() -> None:
    document = example(ROC)
    document["type"] = ["VerifiableCredential"]
    assert errors(lambda: schemas.validate_credential(document, "microcredential")) == [
        {"pointer": "/type", "message": "must contain 'OpenBadgeCredential'"}
    ]


@pytest.mark.parametrize("document", [None, [], "credential", 42])
def test_not_an_object(document: Any) -> None:
    assert pointers(lambda: schemas.validate_credential(document, "microcredential")) == [""]


# --- unknown types and schemas ------------------------------------------------


@pytest.mark.parametrize("name", ["diploma", "Microcredential", "", "common", None])
def test_unknown_type_name(name: Any) -> None:
    with pytest.raises(UnknownSchema):
        get_type(name)
    with pytest.raises(UnknownSchema):
        schemas.validate_credential(example(ROC), name)
    with pytest.raises(UnknownSchema):
        schemas.validate_subject(example(ROC)["credentialSubject"], name)
    with pytest.raises(UnknownSchema):
        schemas.validate_evidence([], name)


@pytest.mark.parametrize(
    "schema_id",
    [
        "https://evil.example/schemas/microcredential.json",
        "http://skillpass.example/schemas/microcredential.json",
        "https://skillpass.example/schemas/microcredential.json#",
        "https://skillpass.example/schemas/common.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
        "microcredential",
        "",
        None,
    ],
)
def test_unknown_schema_id(schema_id: Any) -> None:
    with pytest.raises(UnknownSchema):
        schemas.validate_against_schema_id(example(ROC), schema_id)


def test_schema_id_selects_the_schema() -> None:
    """The verifier's path: the schema named by the credential, not the one it claims to be."""
    attestation = example(EVC)
    with pytest.raises(SchemaValidationError):
        schemas.validate_against_schema_id(attestation, get_type("microcredential").schema_url)
    assert type_for_schema_url(get_type("skill-attestation").schema_url).name == "skill-attestation"


def test_validation_never_uses_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    schemas._registry.cache_clear()
    schemas._validator.cache_clear()
    schemas._fast_validator.cache_clear()
    for path in EXAMPLES:
        schemas.validate_credential(load(path), type_name(path))
        schemas.validate_subject(load(path)["credentialSubject"], type_name(path))


# --- the schema files ---------------------------------------------------------


def test_schema_files_are_draft_2020_12_with_our_ids() -> None:
    published = schemas.published_schemas()
    files = sorted(SCHEMA_DIR.glob("*.json"))
    assert len(files) == len(published)
    for path in files:
        schema = load(path)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"https://skillpass.example/schemas/{path.name}"
        assert published[schema["$id"]] == schema
    for credential_type in CREDENTIAL_TYPES.values():
        schema = load(SCHEMA_DIR / credential_type.schema_file)
        assert schema["$id"] == credential_type.schema_url
        assert "subject" in schema["$defs"] and "evidence" in schema["$defs"]
        assert schema["properties"]["@context"]["prefixItems"] == [
            {"const": url} for url in credential_type.context
        ]


def test_subject_schema_requires_no_envelope_member() -> None:
    envelope = {"issuer", "validFrom", "validUntil", "credentialSchema", "credentialStatus", "@context"}
    for credential_type in CREDENTIAL_TYPES.values():
        subject = load(SCHEMA_DIR / credential_type.schema_file)["$defs"]["subject"]
        assert not envelope & set(subject["required"])
        assert "id" not in subject["required"]


# --- the JSON-LD context ------------------------------------------------------


def _terms(context: Any) -> Iterator[tuple[str, Any]]:
    """Every term defined in a context, including type- and property-scoped ones."""
    if isinstance(context, list):
        for item in context:
            yield from _terms(item)
        return
    if not isinstance(context, dict):
        return
    for term, definition in context.items():
        if term.startswith("@"):
            continue
        yield term, definition
        if isinstance(definition, dict) and "@context" in definition:
            yield from _terms(definition["@context"])


def _context(path: Path) -> dict[str, Any]:
    return load(path)["@context"]


def _used_terms(node: Any) -> Iterator[str]:
    """Every member name and every `type` value of a document."""
    if isinstance(node, list):
        for item in node:
            yield from _used_terms(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("@"):
                continue
            yield key
            if key == "type":
                yield from [value] if isinstance(value, str) else value
            else:
                yield from _used_terms(value)


SKILLPASS_CONTEXT_FILE = SCHEMA_DIR / "contexts" / "skillpass-v1.jsonld"


def test_context_is_a_protected_json_ld_11_context() -> None:
    context = _context(SKILLPASS_CONTEXT_FILE)
    assert context["@version"] == 1.1
    assert context["@protected"] is True
    assert SKILLPASS_CONTEXT.endswith("/" + SKILLPASS_CONTEXT_FILE.relative_to(SCHEMA_DIR).as_posix())
    for term, definition in _terms(context):
        if term in ("id", "type"):
            continue
        iri = definition if isinstance(definition, str) else definition["@id"]
        assert iri.startswith(SKILLPASS_VOCAB) or term == "identifier", term
        assert iri.endswith("#" + term), term


def test_context_does_not_redefine_vc_or_ob3_terms() -> None:
    """A protected term defined twice differently makes JSON-LD processing fail."""
    v2 = dict(_terms(_context(shared("contexts", "credentials-v2.jsonld"))))
    ob3_context = _context(shared("contexts", "ob-v3p0-context-3.0.3.json"))
    ob3 = dict(_terms(ob3_context))
    ours = _context(SKILLPASS_CONTEXT_FILE)
    for term in ours:
        if term.startswith("@") or term in ("id", "type"):
            continue
        assert term not in v2 and term not in ob3, term
    # the one OB3 term reused in a scoped context keeps OB3's exact definition
    scoped = ours["SkillAttestationSubject"]["@context"]
    assert scoped["identifier"] == ob3_context["AchievementSubject"]["@context"]["identifier"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_term_of_the_examples_is_defined(path: Path) -> None:
    defined = set()
    for context in (
        _context(shared("contexts", "credentials-v2.jsonld")),
        _context(shared("contexts", "ob-v3p0-context-3.0.3.json")),
        _context(SKILLPASS_CONTEXT_FILE),
    ):
        defined |= {term for term, _ in _terms(context)}
    undefined = sorted(set(_used_terms(load(path))) - defined)
    assert undefined == []
