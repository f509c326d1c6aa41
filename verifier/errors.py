"""The verifier's own refusals, and the one map from error types to HTTP status.

A credential or presentation that does not verify is not an error: it is a
report (200 at /verify, 422 at the VC-API endpoints). Errors are for requests
the verifier cannot act on.
"""

from __future__ import annotations

from typing import Mapping

from skillpass.web import Conflict, NotFound, RequestError
from vc.errors import SkillpassError
from vc.trust import TrustRegistryError
from verifier.share import ShareExpired, ShareUnavailable


class BatchTooLarge(RequestError):
    """More credentials than one batch may hold."""

    code = "batch_too_large"


class RequestNotFound(NotFound):
    """No presentation request with that id."""

    code = "presentation_request_not_found"


class RequestExpired(SkillpassError):
    """The presentation request has expired; ask for a new one."""

    code = "presentation_request_expired"


class NonceReplayed(Conflict):
    """This nonce was used before: a presentation answers one request once."""

    code = "nonce_replayed"


class NotSupported(RequestError):
    """The verifier does not do this (yet)."""

    code = "not_supported"


class RegistryUnavailable(SkillpassError):
    """The trust registry could not be loaded."""

    code = "trust_registry_unavailable"


STATUS: Mapping[type[SkillpassError], int] = {
    RequestExpired: 410,
    ShareExpired: 410,
    ShareUnavailable: 502,
    TrustRegistryError: 503,
    RegistryUnavailable: 503,
}
