"""The verifier service: employers verify credentials and presentations, with reasons."""

from verifier.app import create_app

__all__ = ["create_app"]
