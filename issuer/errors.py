"""The issuer's own refusals, and the one map from error types to HTTP status."""

from __future__ import annotations

from typing import Mapping

from skillpass.web import Conflict, NotFound, RequestError, Unauthorized
from vc.errors import InvalidKey, SchemaValidationError, SkillpassError, UnknownSchema


class FieldNotAllowed(RequestError):
    """The body sets a member that only the issuer service sets."""

    code = "field_not_allowed"


class InvalidSubject(RequestError):
    """The subject (or evidence) does not match the credential type's JSON Schema."""

    code = "invalid_subject"


class UnknownCredentialType(RequestError):
    """No credential type of that name."""

    code = "unknown_credential_type"


class HolderMismatch(RequestError):
    """`holder` and `subject.id` name different DIDs."""

    code = "holder_mismatch"


class HolderKeyUnusable(RequestError):
    """A dc+sd-jwt needs the holder's public key (cnf.jwk); the holder DID does not give one."""

    code = "holder_key_unusable"


class InvalidValidity(RequestError):
    """`validUntil` is not a date-time in the future."""

    code = "invalid_valid_until"


class IssuerNotAllowed(RequestError):
    """The credential names an issuer other than this provider's DID."""

    code = "issuer_mismatch"


class BatchTooLarge(RequestError):
    """More items than one batch may hold."""

    code = "batch_too_large"


class AdminDisabled(Unauthorized):
    """The admin API is disabled: ISSUER_ADMIN_TOKEN is not set."""

    code = "admin_disabled"


class ProviderExists(Conflict):
    """A provider with that slug exists already."""

    code = "provider_exists"


class CredentialNotFound(NotFound):
    """No such credential at this provider."""

    code = "credential_not_found"


class StateConflict(Conflict):
    """The credential's state does not allow this change."""

    code = "state_conflict"


class AlreadyRevoked(StateConflict):
    """The credential is revoked; revocation is permanent."""

    code = "revoked"


class AlreadySuspended(StateConflict):
    """The credential is suspended already."""

    code = "already_suspended"


class NotSuspended(StateConflict):
    """Only a suspended credential can be reinstated."""

    code = "not_suspended"


class KeyInUse(Conflict):
    """The current signing key cannot be removed: rotate first."""

    code = "key_in_use"


class KeyNotFoundError(NotFound):
    """No such key at this provider (or it was removed)."""

    code = "key_not_found"


class IdempotencyMismatch(SkillpassError):
    """This Idempotency-Key was used before with a different body."""

    code = "idempotency_key_reused"


class IdempotencyConflict(Conflict):
    """This Idempotency-Key is in use by a request that cannot be replayed."""

    code = "idempotency_conflict"


class KeyUnavailable(SkillpassError):
    """The provider's signing key cannot be opened with this master key."""

    code = "signing_key_unavailable"


class NotConfigured(NotFound):
    """This endpoint is not configured on this deployment."""

    code = "not_configured"


STATUS: Mapping[type[SkillpassError], int] = {
    SchemaValidationError: 400,
    UnknownSchema: 400,
    IdempotencyMismatch: 422,
    KeyUnavailable: 503,
    InvalidKey: 503,
}
