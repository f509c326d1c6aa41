"""Alembic environment of the issuer: its own metadata, the connection skillpass.migrations passes."""

from issuer.models import metadata
from skillpass.migrations import run_env

run_env(metadata)
