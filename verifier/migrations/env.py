"""Alembic environment of the verifier (see skillpass/migrations.py)."""

from skillpass.migrations import run_env
from verifier.models import metadata

run_env(metadata)
