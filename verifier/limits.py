"""Rate limit of the verification endpoints, per client IP.

Verifying costs the verifier work and outbound requests (DID documents,
status lists), and presentation requests are rows in its database; one client
address gets VERIFIER_VERIFY_MAX_PER_IP of these requests per
VERIFIER_VERIFY_WINDOW seconds, then 429 `rate_limited` with Retry-After.
VERIFIER_RATE_LIMIT=0 switches it off. The window is skillpass/ratelimit.py's,
the one the wallet uses for logins and share links.
"""

from __future__ import annotations

from flask import Flask, request

from skillpass.ratelimit import SlidingWindow, client_ip
from verifier.config import Config

#: The limited views (endpoint names); tests check that each still exists.
LIMITED_ENDPOINTS = frozenset(
    {
        "verification.verify",
        "verification.verify_batch",
        "vcapi.verify_credential",
        "vcapi.verify_presentation_route",
        "presentation_requests.create",
        "presentation_requests.respond",
    }
)


def install(app: Flask, config: Config) -> SlidingWindow:
    """Count every request to a limited endpoint, before its body is read."""
    window = SlidingWindow(config.verify_max_per_ip, config.verify_window, enabled=config.rate_limit)
    app.extensions["verifier.rate_limit"] = window

    @app.before_request
    def _limit() -> None:
        if request.endpoint in LIMITED_ENDPOINTS:
            window.take(f"verify:{client_ip()}", "too many verification requests from this address; wait and try again")

    return window
