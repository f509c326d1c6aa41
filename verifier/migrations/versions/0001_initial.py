"""verifier: presentation requests and used nonces

Revision ID: verifier_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "verifier_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presentation_request",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("nonce", sa.String(length=128), nullable=False, unique=True),
        sa.Column("audience", sa.String(length=2048), nullable=False),
        sa.Column("wanted", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("result_token_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
    )
    op.create_index("ix_presentation_request_expires_at", "presentation_request", ["expires_at"])
    op.create_table(
        "used_nonce",
        sa.Column("nonce_hash", sa.String(length=64), primary_key=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_used_nonce_expires_at", "used_nonce", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_used_nonce_expires_at", table_name="used_nonce")
    op.drop_table("used_nonce")
    op.drop_index("ix_presentation_request_expires_at", table_name="presentation_request")
    op.drop_table("presentation_request")
