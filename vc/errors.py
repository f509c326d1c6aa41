"""The typed errors every part of skillpass raises and maps to HTTP.

Each error carries a stable machine ``code`` (what clients and reports key on)
and a human ``detail``. Services map the classes to HTTP status codes in one
place each; vc/ itself never knows about HTTP.
"""

from __future__ import annotations

from typing import Any


class SkillpassError(Exception):
    """Root of every error skillpass raises on purpose."""

    code: str = "error"

    def __init__(self, detail: Any = None) -> None:
        self.detail = detail if detail is not None else self.__class__.__doc__
        super().__init__(f"{self.code}: {self.detail}")

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail}


# --- keys and encodings -------------------------------------------------------


class InvalidKey(SkillpassError):
    """A key could not be read, or is of a type skillpass does not accept."""

    code = "invalid_key"


class UnsupportedKeyType(InvalidKey):
    """Only Ed25519 (OKP) and P-256 (EC) keys are accepted."""

    code = "unsupported_key_type"


class EncodingError(SkillpassError):
    """Bytes or text are not in the encoding the standard prescribes."""

    code = "invalid_encoding"


# --- verification -------------------------------------------------------------


class VerificationError(SkillpassError):
    """Something presented for verification does not hold up."""

    code = "verification_failed"


class MalformedToken(VerificationError):
    """The token is not a well-formed compact JWS."""

    code = "malformed_token"


class TokenTooLarge(MalformedToken):
    """The token is larger than the configured cap."""

    code = "token_too_large"


class DuplicateMember(MalformedToken):
    """A JSON object has the same member name twice (RFC 7515 section 5.2)."""

    code = "duplicate_member"


class UnsupportedAlgorithm(VerificationError):
    """The `alg` is not on the allowlist or does not match the key type."""

    code = "unsupported_algorithm"


class ForbiddenHeader(VerificationError):
    """A JOSE header parameter skillpass refuses (embedded keys, key URLs, crit)."""

    code = "forbidden_header"


class WrongType(VerificationError):
    """The `typ` header is not the media type expected here."""

    code = "wrong_type"


class KeyNotFound(VerificationError):
    """The `kid` does not name a usable key of the issuer's DID document."""

    code = "key_not_found"


class InvalidSignature(VerificationError):
    """The signature does not verify with the issuer's key."""

    code = "invalid_signature"


class IssuerMismatch(VerificationError):
    """`iss`, `issuer` and the `kid` DID do not all name the same issuer."""

    code = "issuer_mismatch"


class InvalidCredential(VerificationError):
    """The document breaks a rule of the VC Data Model 2.0."""

    code = "invalid_credential"


class InvalidPresentation(VerificationError):
    """The presentation breaks a rule of the VC Data Model 2.0."""

    code = "invalid_presentation"


class Expired(VerificationError):
    """The validity period has ended (`validUntil` / `exp`)."""

    code = "expired"


class NotYetValid(VerificationError):
    """The validity period has not started (`validFrom` / `nbf`)."""

    code = "not_yet_valid"


class HolderMismatch(VerificationError):
    """The presenter is not the subject the credential was issued to."""

    code = "holder_mismatch"


class NonceMismatch(VerificationError):
    """The presentation's nonce is not the one the verifier asked for."""

    code = "nonce_mismatch"


class AudienceMismatch(VerificationError):
    """The presentation is addressed to another verifier."""

    code = "audience_mismatch"


# --- DIDs ---------------------------------------------------------------------


class DIDError(VerificationError):
    """A DID or DID URL is malformed or cannot be resolved."""

    code = "invalid_did"


class UnsupportedDIDMethod(DIDError):
    """Only did:key, did:jwk and did:web are supported."""

    code = "unsupported_did_method"


class DIDResolutionFailed(DIDError):
    """The DID document could not be obtained or is not valid."""

    code = "did_resolution_failed"


# --- status lists -------------------------------------------------------------


class StatusListError(VerificationError):
    """A status list or status entry is malformed or cannot be used."""

    code = "invalid_status_list"


class StatusIndexOutOfRange(StatusListError):
    """The status index lies outside the list."""

    code = "status_index_out_of_range"


class StatusListTooShort(StatusListError):
    """A list shorter than 131,072 entries gives its holders no herd privacy."""

    code = "status_list_too_short"


class DecompressionLimit(StatusListError):
    """The compressed list expands beyond the cap (a gzip bomb)."""

    code = "decompression_limit"


# --- network ------------------------------------------------------------------


class FetchError(VerificationError):
    """A remote document could not be fetched."""

    code = "fetch_failed"


class HTTPStatusError(FetchError):
    """The server answered with a status other than 200 or 304."""

    code = "http_error"

    def __init__(self, status: int, url: str) -> None:
        self.status = status
        super().__init__(f"HTTP {status} from {url}")


class BlockedAddress(FetchError):
    """The URL points at an address or scheme the fetcher refuses."""

    code = "blocked_address"


class ResponseTooLarge(FetchError):
    """The remote document is larger than the cap."""

    code = "response_too_large"


# --- schemas ------------------------------------------------------------------


class SchemaValidationError(SkillpassError):
    """A document does not match its JSON Schema.

    `detail` is a list of ``{"pointer": <JSON pointer>, "message": str}``.
    """

    code = "schema_invalid"


class UnknownSchema(SkillpassError):
    """No schema of that name ships with skillpass."""

    code = "unknown_schema"
