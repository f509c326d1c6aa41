"""skillpass issuer: training providers issue, publish status lists, revoke."""

from issuer.app import create_app

__all__ = ["create_app"]
