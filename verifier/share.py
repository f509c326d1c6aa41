"""Share links from a wallet: `POST /verify {"share_url": ...}`.

The verifier fetches the link itself, with a nonce it has just made and its
own audience as query parameters, so the presentation it gets back is fresh
and addressed to it: a presentation copied from an earlier view, or made for
another employer, fails the nonce or audience check. The link is fetched
through the guarded fetcher but never through the cache (every view is new).
A link the wallet refuses is answered the way the wallet answered: 404 for a
revoked or unknown link, 410 for an expired or used-up one.

What a link yields (wallet/sharing.py): `application/vp+jwt`, or for shares
with SD-JWT VCs `application/dc+sd-jwt` (one SD-JWT+KB) or `application/json`
`{"vp_token": {...}}` (several presentations); vc/verify.py's
`verify_presentation` takes each of them as it comes.
"""

from __future__ import annotations

import secrets
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from skillpass.web import NotFound, RequestError, TooManyRequests
from vc import strict_json
from vc.errors import FetchError, HTTPStatusError, SkillpassError

MEDIA_TYPE = "application/vp+jwt"
SD_JWT_MEDIA_TYPE = "application/dc+sd-jwt"
BUNDLE_MEDIA_TYPE = "application/json"
ACCEPT = f"{MEDIA_TYPE}, {SD_JWT_MEDIA_TYPE}, {BUNDLE_MEDIA_TYPE}"


class InvalidShareUrl(RequestError):
    """The share URL is not an https URL (or a configured development host)."""

    code = "invalid_share_url"


class ShareNotFound(NotFound):
    """The wallet knows no such link, or the citizen revoked it."""

    code = "share_not_found"


class ShareExpired(SkillpassError):
    """The link has expired or has been viewed as often as the citizen allowed."""

    code = "share_expired"


class ShareRateLimited(TooManyRequests):
    """The wallet asks us to slow down."""

    code = "share_rate_limited"


class ShareUnavailable(SkillpassError):
    """The wallet could not be reached, or did not answer with a presentation."""

    code = "share_unavailable"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def presentation_url(url: str, *, nonce: str, audience: str, dev_hosts: tuple[str, ...] = ()) -> str:
    """The share URL with our nonce and audience added (any of theirs replaced)."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.netloc in dev_hosts):
        raise InvalidShareUrl("a share URL must be https")
    if not parts.netloc or parts.username or parts.password:
        raise InvalidShareUrl("a share URL needs a host and no user name")
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("nonce", "audience")]
    query += [("nonce", nonce), ("audience", audience)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def presentation_from_share_url(
    url: str, fetcher: Callable[..., Any], *, nonce: str, audience: str, dev_hosts: tuple[str, ...] = ()
) -> str | dict[str, Any]:
    """The presentation behind a share link, bound to `nonce` and `audience`: a vp+jwt, an SD-JWT+KB or a vp_token bundle."""
    target = presentation_url(url, nonce=nonce, audience=audience, dev_hosts=dev_hosts)
    try:
        fetched = fetcher(target, headers={"Accept": ACCEPT})
    except HTTPStatusError as exc:
        if exc.status == 404:
            raise ShareNotFound("the wallet knows no such link (revoked or never shared)") from exc
        if exc.status == 410:
            raise ShareExpired("the share link has expired or has no views left") from exc
        if exc.status == 429:
            raise ShareRateLimited("the wallet asks to slow down") from exc
        raise ShareUnavailable(f"the wallet answered HTTP {exc.status}") from exc
    except FetchError as exc:
        raise ShareUnavailable(f"the share link could not be fetched: {exc.code}") from exc
    content_type = fetched.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == BUNDLE_MEDIA_TYPE:
        try:
            bundle = strict_json.loads(fetched.body)
        except SkillpassError as exc:
            raise ShareUnavailable("the share link yielded JSON that is not a vp_token bundle") from exc
        if not isinstance(bundle, dict) or "vp_token" not in bundle:
            raise ShareUnavailable("the share link yielded JSON that is not a vp_token bundle")
        return bundle
    if content_type not in (MEDIA_TYPE, SD_JWT_MEDIA_TYPE):
        raise ShareUnavailable(f"the share link did not yield {MEDIA_TYPE}, {SD_JWT_MEDIA_TYPE} or a vp_token bundle")
    try:
        return fetched.body.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise ShareUnavailable("the presentation is not a compact JWS") from exc
