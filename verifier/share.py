"""Share links from the wallet: the place where `POST /verify {"share_url": ...}` will plug in.

Not implemented yet (the wallet's share links are being built). The shape:

    def presentation_from_share_url(url, fetcher) -> str:
        # GET the share URL with the guarded fetcher (https only; dev hosts over http),
        # read the vp+jwt it yields (bound to this verifier's nonce and audience),
        # and hand it to verification.verify_presentation(state, vp, nonce, audience, opts).

`VerifyRequest` (verifier/api.py) then gains `share_url`, and the /verify view
calls this function with `state.fetcher`. Until then a body with `share_url` is
refused as an unknown member (400), never fetched.
"""

from __future__ import annotations

from typing import Any, Callable

from verifier.errors import NotSupported


def presentation_from_share_url(url: str, fetcher: Callable[..., Any]) -> str:
    """The vp+jwt behind a wallet share link (to come)."""
    raise NotSupported("verifying share links is not available yet")
