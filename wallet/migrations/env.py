"""Alembic environment of the wallet: its own metadata, the engine skillpass.migrations passes."""

from skillpass.migrations import run_env
from wallet.models import metadata

run_env(metadata)
