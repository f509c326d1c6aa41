"""Verification on import and on `check`: vc/verify.py, plus the wallet's own policy.

The wallet runs the same pipeline as the verifier (vc.verify.Verifier) in
open mode: an issuer that is not in the wallet's trust registry is still
fully verified (trust "unknown"), because a citizen may keep credentials of
issuers that no registry lists; they are stored marked `trusted: false`.
The wallet adds one check of its own, `holder_binding`: when the credential
names subject ids, the citizen's DID must be one of them (a credential issued
to someone else is never stored). Without a subject id there is no binding to
check and the check is `skipped`. An SD-JWT VC (dc+sd-jwt) is bound by key:
its `cnf.jwk` must be the citizen's holder key (else it could never be
presented with a Key Binding JWT), and a subject id it names must be her DID.

The policy (what may be stored, and the status shown):

- refused: a credential that cannot be read, whose signature does not verify
  (or cannot be checked: an unreachable issuer), that breaks the data model
  or its skillpass schema, whose issuer the registry lists but no longer
  accredits, that is bound to another holder, whose status list is not
  authentic, or that is revoked;
- stored with its status: valid, suspended, expired, not_yet_valid, or
  unknown (its status list could not be fetched now; `POST
  /credentials/{id}/check` asks again);
- a dossier being restored (`POST /import`) keeps revoked credentials too,
  shown as revoked: it is the citizen's record.

`CredentialVerifier` is the one seam: `create_app` builds the standard one
from the configuration; tests may pass a fetcher that serves their own
did:web documents and status lists.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

from vc import did as dids
from vc import jose, keys, model, token_status_list
from vc.errors import SkillpassError
from vc.trust import TrustRegistry
from vc.verify import FAILED, PASSED, SKIPPED, UNKNOWN, Check, Report, Verifier, VerifyOptions

log = logging.getLogger("wallet")

VALID, REVOKED, SUSPENDED, EXPIRED, NOT_YET_VALID, UNKNOWN_STATUS, INVALID = (
    "valid", "revoked", "suspended", "expired", "not_yet_valid", "unknown", "invalid",
)
STATUSES = (VALID, REVOKED, SUSPENDED, EXPIRED, NOT_YET_VALID, UNKNOWN_STATUS, INVALID)

#: Checks whose failure means the credential is not authentic or not the citizen's.
_HARD = ("parse", "trust", "did_resolution", "signature", "issuer_binding", "disclosures", "key_binding", "data_model", "schema", "holder_binding")
#: Failure codes of status checks that are statements of the issuer, not defects.
_STATUS_WORDS = {"revoked": REVOKED, "suspended": SUSPENDED}


@dataclass(frozen=True)
class Verdict:
    """The wallet's reading of a verification report."""

    status: str
    trusted: bool
    #: May be stored by `POST /credentials`.
    acceptable: bool
    #: May be restored by `POST /import` (like acceptable, but a revoked credential too).
    restorable: bool
    report: dict[str, Any]
    payload: dict[str, Any] | None = None
    #: The issuer's name from the trust registry (vouched for), if listed.
    issuer_name: str | None = None


class CredentialVerifier(Protocol):
    def __call__(self, token: str, *, holder: str, fresh: bool = False) -> Verdict:
        """Verify `token` for the citizen whose DID is `holder`; `fresh`: no cached status list or DID document."""
        ...


def rejection(check: str, code: str, detail: Any) -> dict[str, Any]:
    """A report-shaped refusal for what never reached the pipeline (e.g. not a token at all)."""
    return {"verified": False, "kind": "credential", "checks": [{"check": check, "status": FAILED, "code": code, "detail": detail}]}


def _sd_jwt_holder_check(claims: dict[str, Any], holder: str) -> Check:
    cnf = claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        return Check(
            "holder_binding", FAILED, "holder_key_missing",
            "the SD-JWT VC names no holder key (cnf.jwk): it could not be presented with key binding",
        )
    try:
        mine = keys.thumbprint(keys.public_jwk(dids.self_certified_key(holder)))
        bound = keys.thumbprint(jwk)
    except SkillpassError as exc:
        return Check("holder_binding", FAILED, "holder_mismatch", f"cnf.jwk cannot be compared with your key: {exc.detail}")
    if bound != mine:
        return Check("holder_binding", FAILED, "holder_mismatch", "the credential is bound to another key (cnf.jwk is not your holder key)")
    subjects = model.subject_ids(claims)
    if subjects and holder not in subjects:
        return Check("holder_binding", FAILED, "holder_mismatch", "the credential names another holder (credentialSubject.id is not your DID)")
    return Check("holder_binding", PASSED, None, "bound to your holder key (cnf.jwk)")


def holder_check(report: Report, holder: str) -> Check:
    if report.claims is None:
        return Check("holder_binding", SKIPPED, "not_parsed", "the token could not be read")
    if report.format == "dc+sd-jwt":
        return _sd_jwt_holder_check(report.claims, holder)
    subjects = model.subject_ids(report.claims)
    if not subjects:
        return Check("holder_binding", SKIPPED, "no_subject_id", "the credential names no subject id: it is bound to no holder")
    if holder in subjects:
        return Check("holder_binding", PASSED, None, "issued to you")
    return Check(
        "holder_binding", FAILED, "holder_mismatch",
        "the credential was issued to another holder (credentialSubject.id is not your DID)",
    )


def judge(report: Report) -> tuple[str, bool, bool]:
    """(status, acceptable, restorable) of a credential report that includes holder_binding."""
    hard_failure = False
    core_unknown = False
    words: set[str] = set()
    status_unknown = False
    validity: str | None = None
    for check in report.checks:
        family = check.check.partition(".")[0]
        if family in _HARD:
            if check.status == FAILED:
                hard_failure = True
            elif family in ("did_resolution", "signature") and check.status != PASSED:
                core_unknown = True
        elif family == "status":
            if check.status == FAILED:
                if check.code in _STATUS_WORDS:
                    words.add(_STATUS_WORDS[check.code])
                else:
                    hard_failure = True  # a list that is not authentic, an index out of range, ...
            elif check.status == UNKNOWN:
                status_unknown = True
        elif family == "validity_period" and check.status == FAILED:
            if check.code == "expired":
                validity = EXPIRED
            elif check.code == "not_yet_valid":
                validity = NOT_YET_VALID
            else:
                hard_failure = True
    if hard_failure:
        return INVALID, False, False
    if core_unknown:
        return UNKNOWN_STATUS, False, False
    if REVOKED in words:
        return REVOKED, False, True
    if SUSPENDED in words:
        return SUSPENDED, True, True
    if validity:
        return validity, True, True
    if status_unknown:
        return UNKNOWN_STATUS, True, True
    return VALID, True, True


class RegistrySource:
    """The wallet's trust registry (the verifier's JSON format): a file, or an https URL.

    A file is read again when it changes; a URL is fetched again every
    `refresh` seconds. A reload that fails keeps the registry in use (and logs
    why); the first load fails loudly. No location: an empty registry, every
    issuer "unknown" (kept, marked untrusted).
    """

    def __init__(
        self,
        location: str | None,
        *,
        fetcher: Callable[..., Any] | None = None,
        refresh: int = 3600,
        dev_hosts: tuple[str, ...] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.location = location
        self._fetcher = fetcher
        self.refresh = refresh
        self._clock = clock
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._checked = 0.0
        self.registry = TrustRegistry()
        if self.is_url:
            scheme, _, rest = location.partition("://")  # type: ignore[union-attr]
            netloc = (urlsplit(location).netloc or "").lower()
            if scheme.lower() != "https" and not (scheme.lower() == "http" and netloc in dev_hosts):
                raise ValueError("WALLET_TRUST_REGISTRY must be a file path or an https URL")
        self.registry = self._load()

    @property
    def is_url(self) -> bool:
        return bool(self.location and "://" in self.location)

    def _load(self) -> TrustRegistry:
        if not self.location:
            return TrustRegistry()
        self._checked = self._clock()
        if self.is_url:
            if self._fetcher is None:
                raise ValueError("no fetcher to load the trust registry with")
            return TrustRegistry.from_json(self._fetcher(self.location).body)
        path = Path(self.location)
        self._stamp = path.stat().st_mtime
        return TrustRegistry.from_json(path.read_bytes())

    def current(self) -> TrustRegistry:
        """The registry, reloaded first when it is due."""
        if not self.location:
            return self.registry
        with self._lock:
            try:
                if self.is_url:
                    if self._clock() - self._checked >= self.refresh:
                        self.registry = self._load()
                elif Path(self.location).stat().st_mtime != self._stamp:
                    self.registry = self._load()
            except (OSError, SkillpassError, ValueError) as exc:
                self._checked = self._clock()
                log.warning("trust registry %s not reloaded, keeping the one in use: %s", self.location, exc)
            return self.registry


class StandardVerifier:
    """vc.verify.Verifier in open mode with the wallet's registry, fetcher and dev hosts."""

    def __init__(self, fetcher: Callable[..., Any] | None, registry: RegistrySource, dev_hosts: tuple[str, ...] = ()) -> None:
        self.registry = registry
        self.fetcher = fetcher
        self.pipeline = Verifier(
            fetcher,
            trust=registry.registry,
            options=VerifyOptions(open_mode=True, accept_unknown=frozenset({"trust"})),
            dev_hosts=dev_hosts,
        )

    def _forget(self, token: str) -> None:
        """Drop the cached issuer DID document and status lists of `token` (an explicit check asks the issuer)."""
        invalidate = getattr(self.fetcher, "invalidate", None)
        if invalidate is None:
            return
        try:
            if "~" in token:  # dc+sd-jwt: `iss`, and a Token Status List
                payload = jose.decode_jws(token.partition("~")[0]).payload
                issuer = payload.get("iss") if isinstance(payload.get("iss"), str) else ""
                urls: list[Any] = []
                if "status" in payload:
                    urls.append(token_status_list.parse_reference(payload["status"]).uri)
            else:
                payload = jose.decode_jws(token).payload
                issuer = jose.issuer_id(payload)
                urls = [e.get("statusListCredential") for e in model.statuses(payload) if isinstance(e, dict)]
        except SkillpassError:
            return
        if issuer.startswith("did:web:"):
            for scheme in ("https", "http"):
                try:
                    urls.append(dids.did_web_to_url(issuer, scheme=scheme))
                except SkillpassError:
                    pass
        for url in urls:
            if isinstance(url, str):
                invalidate(url)

    def __call__(self, token: str, *, holder: str, fresh: bool = False) -> Verdict:
        if fresh:
            self._forget(token)
        self.pipeline.trust = self.registry.current()
        report = self.pipeline.verify_credential(token)
        report.replace(holder_check(report, holder))
        status, acceptable, restorable = judge(report)
        trust = report.trust
        trusted = trust is not None and trust.status == "trusted"
        name = None
        if trust is not None and trust.entry is not None:
            name = trust.entry.name.get("nl") or trust.entry.name.get("en")
        return Verdict(
            status=status,
            trusted=trusted,
            acceptable=acceptable,
            restorable=restorable,
            report=report.to_dict(claims=False),
            payload=report.claims,
            issuer_name=name if trusted else None,
        )


def guarded_fetcher(dev_hosts: tuple[str, ...]) -> Callable[..., Any]:
    """The guarded fetcher: https only, public addresses only, except WALLET_DEV_HOSTS (http, loopback)."""
    from vc.fetch import GuardedFetcher

    return GuardedFetcher(allow_http=bool(dev_hosts), allowed_hosts=dev_hosts)


def cached(fetcher: Callable[..., Any]) -> Callable[..., Any]:
    """DID documents and status lists cached as their HTTP headers allow (vc/cache.py)."""
    from vc.cache import CachingFetcher

    return CachingFetcher(fetcher)
