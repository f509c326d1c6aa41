"""skillpass wallet: citizens keep, label and share their credentials."""

from wallet.app import create_app

__all__ = ["create_app"]
