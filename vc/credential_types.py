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

from dataclasses import dataclass
from types import MappingProxyType

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


@dataclass(frozen=True)
class CredentialType:
    """One credential type: its schema file and the fixed parts of its envelope."""

    name: str
    schema_file: str
    context: tuple[str, ...]
    types: tuple[str, ...]
    subject_type: str

    @property
    def schema_url(self) -> str:
        """The schema's `$id`, and what goes into `credentialSchema.id`."""
        return SCHEMA_BASE_URL + self.schema_file

    @property
    def credential_schema(self) -> dict[str, str]:
        """One `credentialSchema` entry; put it in an array (OB3 requires one)."""
        return {"id": self.schema_url, "type": JSON_SCHEMA_TYPE}


MICROCREDENTIAL = CredentialType(
    name="microcredential",
    schema_file="microcredential.json",
    context=CONTEXTS,
    types=("VerifiableCredential", "OpenBadgeCredential"),
    subject_type="AchievementSubject",
)

SKILL_ATTESTATION = CredentialType(
    name="skill-attestation",
    schema_file="skill-attestation.json",
    context=CONTEXTS,
    types=("VerifiableCredential", "SkillAttestationCredential"),
    subject_type="SkillAttestationSubject",
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
