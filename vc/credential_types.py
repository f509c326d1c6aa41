"""The credential types skillpass issues, in one registry.

Why a registry: the `@context` list, the `type` list and the schema URL of a
credential must agree with each other and with the JSON Schema in schemas/.
Spelling them out here once keeps the issuer (which builds credentials), the
verifier (which maps `credentialSchema.id` back to a schema) and the tests from
drifting apart.

The lists are tuples so the registry cannot be changed by accident; build a
credential with ``list(ct.context)`` and ``list(ct.types)``: JSON Schema (and
so `vc.schemas`) sees a tuple as no array at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from vc.errors import UnknownSchema

#: The one base URL of everything skillpass publishes (schemas, context, vocabulary).
BASE_URL = "https://skillpass.example"
#: Schemas are published under this URL, one file each, as in the schemas/ package.
SCHEMA_BASE_URL = f"{BASE_URL}/schemas/"

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SKILLPASS_CONTEXT = f"{SCHEMA_BASE_URL}contexts/skillpass-v1.jsonld"
#: The namespace of the terms skillpass-v1.jsonld defines.
SKILLPASS_VOCAB = f"{BASE_URL}/ns/v1#"

#: Both types use all three: the skill attestation reuses OB3 Alignment,
#: Profile, IdentityObject and Evidence rather than inventing its own.
CONTEXTS: tuple[str, ...] = (VC_V2_CONTEXT, OB3_CONTEXT, SKILLPASS_CONTEXT)

#: `credentialSchema.type` for a JSON Schema (VC DM 2.0, VC JSON Schema).
JSON_SCHEMA_TYPE = "JsonSchema"


ClaimPath = tuple[str | int | None, ...]


@dataclass(frozen=True)
class ClaimInfo:
    """One claim of a type's SD-JWT VC (dc+sd-jwt) form: where, whether hideable, what to call it.

    `path` is a claim path as SD-JWT VC Type Metadata writes it (names, array
    indices, None for every array element). `sd` is "always" (the issuer
    makes it selectively disclosable) or "never" (always in clear).
    """

    path: ClaimPath
    sd: str
    nl: str
    en: str

    def display(self) -> dict[str, str]:
        return {"nl": self.nl, "en": self.en}


@dataclass(frozen=True)
class SdJwtProfile:
    """The SD-JWT VC form of a credential type: display names and the claims' disclosure rules.

    The one place that says what a citizen can hide: the person (DID, name
    and other identifiers, birth date, grades, personal dates and free text)
    always; each skill (array element) on its own; the provider and the
    level never (they are what a job asks for). The issuer issues by it,
    serves it as Type Metadata at the type's `vct`, and the wallet labels
    the hideable claims with it.
    """

    name_nl: str
    name_en: str
    description_nl: str
    description_en: str
    claims: tuple[ClaimInfo, ...]
    #: Containers (objects or arrays) holding hideable claims: at least this many decoy digests each.
    decoy_containers: tuple[ClaimPath, ...] = ()

    @property
    def disclosable(self) -> list[ClaimPath]:
        return [c.path for c in self.claims if c.sd == "always"]


@dataclass(frozen=True)
class CredentialType:
    """One credential type: its schema file and the fixed parts of its envelope."""

    name: str
    schema_file: str
    context: tuple[str, ...]
    types: tuple[str, ...]
    subject_type: str
    #: Its SD-JWT VC form (vct, Type Metadata, disclosure rules).
    sd_jwt: SdJwtProfile | None = field(default=None, compare=False, repr=False)

    @property
    def schema_url(self) -> str:
        """The schema's `$id`, and what goes into `credentialSchema.id`."""
        return SCHEMA_BASE_URL + self.schema_file

    @property
    def credential_schema(self) -> dict[str, str]:
        """One `credentialSchema` entry; put it in an array (OB3 requires one)."""
        return {"id": self.schema_url, "type": JSON_SCHEMA_TYPE}


_S = "credentialSubject"
#: The person, hideable in every type.
_PERSON = (
    ClaimInfo((_S, "id"), "always", "Houder (DID)", "Holder (DID)"),
    ClaimInfo((_S, "identifier"), "always", "Naam en andere identificatie", "Name and other identifiers"),
    ClaimInfo((_S, "birthDate"), "always", "Geboortedatum", "Date of birth"),
)

MICROCREDENTIAL_SD_JWT = SdJwtProfile(
    name_nl="Microcredential",
    name_en="Microcredential",
    description_nl="Een afgeronde korte opleiding (EU-microcredential, Open Badges 3.0 Achievement) met de vaardigheden die ze aantoont.",
    description_en="A completed short course (EU micro-credential, Open Badges 3.0 Achievement) with the skills it demonstrates.",
    claims=(
        ClaimInfo(("name",), "never", "Titel", "Title"),
        *_PERSON,
        ClaimInfo((_S, "result"), "always", "Resultaat", "Result"),
        ClaimInfo((_S, "activityStartDate"), "always", "Begonnen op", "Started on"),
        ClaimInfo((_S, "activityEndDate"), "always", "Afgerond op", "Completed on"),
        ClaimInfo((_S, "narrative"), "always", "Toelichting", "Narrative"),
        ClaimInfo((_S, "licenseNumber"), "always", "Registratienummer", "Licence number"),
        ClaimInfo((_S, "achievement"), "never", "Microcredential", "Microcredential"),
        ClaimInfo((_S, "achievement", "name"), "never", "Naam", "Name"),
        ClaimInfo((_S, "achievement", "alignment", None), "always", "Vaardigheid", "Skill"),
        ClaimInfo((_S, "achievement", "creator"), "never", "Aanbieder", "Provider"),
        ClaimInfo((_S, "achievement", "eqfLevel"), "never", "EQF-niveau", "EQF level"),
        ClaimInfo((_S, "achievement", "nlqfLevel"), "never", "NLQF-niveau", "NLQF level"),
        ClaimInfo((_S, "achievement", "studyLoadHours"), "never", "Studielast (uren)", "Study load (hours)"),
        ClaimInfo((_S, "achievement", "creditsAvailable"), "never", "Studiepunten (ECTS)", "Credits (ECTS)"),
        ClaimInfo((_S, "achievement", "learningOutcomes"), "never", "Leeruitkomsten", "Learning outcomes"),
        ClaimInfo((_S, "achievement", "assessmentType"), "never", "Toetsing", "Assessment"),
    ),
    decoy_containers=((_S,), (_S, "achievement", "alignment")),
)

SKILL_ATTESTATION_SD_JWT = SdJwtProfile(
    name_nl="Gevalideerde vaardigheid",
    name_en="Validated skill",
    description_nl="Een vaardigheid (ESCO / CompetentNL) met niveau, leercontext en beoordelingsmethode, gevalideerd door een erkende aanbieder.",
    description_en="A skill (ESCO / CompetentNL) with proficiency, learning context and assessment method, validated by an accredited provider.",
    claims=(
        ClaimInfo(("name",), "never", "Titel", "Title"),
        *_PERSON,
        ClaimInfo((_S, "skill"), "never", "Vaardigheid", "Skill"),
        ClaimInfo((_S, "proficiencyLevel"), "never", "Beheersingsniveau", "Proficiency level"),
        ClaimInfo((_S, "learningContext"), "never", "Leercontext", "Learning context"),
        ClaimInfo((_S, "validationMethod"), "never", "Beoordelingsmethode", "Assessment method"),
        ClaimInfo((_S, "eqfLevel"), "never", "EQF-niveau", "EQF level"),
        ClaimInfo((_S, "nlqfLevel"), "never", "NLQF-niveau", "NLQF level"),
        ClaimInfo((_S, "assessor"), "never", "Beoordelaar", "Assessor"),
        ClaimInfo((_S, "validationDate"), "never", "Gevalideerd op", "Validated on"),
        ClaimInfo(("evidence", None), "always", "Bewijsstuk", "Evidence"),
    ),
    decoy_containers=((_S,), ("evidence",)),
)

MICROCREDENTIAL = CredentialType(
    name="microcredential",
    schema_file="microcredential.json",
    context=CONTEXTS,
    types=("VerifiableCredential", "OpenBadgeCredential"),
    subject_type="AchievementSubject",
    sd_jwt=MICROCREDENTIAL_SD_JWT,
)

SKILL_ATTESTATION = CredentialType(
    name="skill-attestation",
    schema_file="skill-attestation.json",
    context=CONTEXTS,
    types=("VerifiableCredential", "SkillAttestationCredential"),
    subject_type="SkillAttestationSubject",
    sd_jwt=SKILL_ATTESTATION_SD_JWT,
)

#: Every type by name; read-only.
CREDENTIAL_TYPES: MappingProxyType[str, CredentialType] = MappingProxyType(
    {t.name: t for t in (MICROCREDENTIAL, SKILL_ATTESTATION)}
)


def get_type(name: str) -> CredentialType:
    """The credential type called `name`; UnknownSchema if skillpass has none."""
    try:
        return CREDENTIAL_TYPES[name]
    except (KeyError, TypeError):
        raise UnknownSchema(f"no credential type {name!r:.100}") from None


def type_for_schema_url(schema_url: str) -> CredentialType:
    """The type whose schema is at `schema_url`; UnknownSchema for any other URL.

    Only exact matches count: a verifier never follows a schema URL it does not
    already know.
    """
    for credential_type in CREDENTIAL_TYPES.values():
        if credential_type.schema_url == schema_url:
            return credential_type
    raise UnknownSchema(f"not a skillpass credential schema: {schema_url!r:.200}")


# --- SD-JWT VC: vct and Type Metadata ------------------------------------------------

#: An issuer serves the Type Metadata of each type at `<its base URL>/vct/<type name>`,
#: which is also the type's `vct`.
VCT_PATH = "/vct/"


def vct_for(base_url: str, credential_type: CredentialType) -> str:
    """The `vct` of a type as issued by the issuer at `base_url` (where its Type Metadata is served)."""
    return base_url.rstrip("/") + VCT_PATH + credential_type.name


def type_for_vct(vct: object) -> CredentialType | None:
    """The skillpass type a `vct` names (its path ends in /vct/<name>), or None.

    For display and listing only: which issuer may issue what is the trust
    registry's business, never the `vct`'s.
    """
    if not isinstance(vct, str) or len(vct) > 2048:
        return None
    try:
        path = urlsplit(vct).path
    except ValueError:
        return None
    head, sep, name = path.rpartition(VCT_PATH)
    if not sep or "/" in name:
        return None
    return CREDENTIAL_TYPES.get(name)


def _path_matches(pattern: ClaimPath, path: tuple[Any, ...]) -> bool:
    return len(pattern) == len(path) and all(
        p == s and type(p) is type(s) or (p is None and isinstance(s, int) and not isinstance(s, bool))
        for p, s in zip(pattern, path)
    )


def claim_display(credential_type: CredentialType | None, path: tuple[Any, ...]) -> dict[str, str] | None:
    """The nl/en label of the claim at a concrete `path` (array indices allowed), if the type names it."""
    if credential_type is None or credential_type.sd_jwt is None:
        return None
    for claim in credential_type.sd_jwt.claims:
        if _path_matches(claim.path, tuple(path)):
            return claim.display()
    return None


def type_metadata(credential_type: CredentialType, vct: str) -> dict[str, Any]:
    """SD-JWT VC Type Metadata (draft-ietf-oauth-sd-jwt-vc, "SD-JWT VC Type Metadata") of a type."""
    profile = credential_type.sd_jwt
    if profile is None:
        raise UnknownSchema(f"credential type {credential_type.name!r} has no SD-JWT VC form")
    return {
        "vct": vct,
        "name": f"skillpass {credential_type.name}",
        "description": profile.description_en,
        "display": [
            {"locale": "nl", "name": profile.name_nl, "description": profile.description_nl},
            {"locale": "en", "name": profile.name_en, "description": profile.description_en},
        ],
        "claims": [
            {
                "path": list(claim.path),
                "display": [{"locale": "nl", "label": claim.nl}, {"locale": "en", "label": claim.en}],
                "sd": claim.sd,
            }
            for claim in profile.claims
        ],
    }
