"""issuer: initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 16:48:26.586268

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('name_nl', sa.String(length=200), nullable=True),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('homepage', sa.String(length=500), nullable=True),
    sa.Column('kvk', sa.String(length=8), nullable=True),
    sa.Column('brin', sa.String(length=8), nullable=True),
    sa.Column('rio', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_provider_slug'), 'provider', ['slug'], unique=True)

    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=40), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash'),
    sa.UniqueConstraint('public_id')
    )
    op.create_index(op.f('ix_api_key_provider_id'), 'api_key', ['provider_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_audit_event_provider_id'), 'audit_event', ['provider_id'], unique=False)
    op.create_index('ix_audit_provider_target', 'audit_event', ['provider_id', 'target'], unique=False)

    op.create_table('credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=64), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('type_name', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.Text(), nullable=True),
    sa.Column('revocation_list', sa.Integer(), nullable=False),
    sa.Column('revocation_index', sa.Integer(), nullable=False),
    sa.Column('suspension_list', sa.Integer(), nullable=False),
    sa.Column('suspension_index', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('key_number', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('token', sa.Text(), nullable=True),
    sa.Column('token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('credential_id'),
    sa.UniqueConstraint('provider_id', 'revocation_list', 'revocation_index', name='uq_credential_revocation_position'),
    sa.UniqueConstraint('provider_id', 'suspension_list', 'suspension_index', name='uq_credential_suspension_position')
    )
    op.create_index('ix_credential_provider_issued', 'credential', ['provider_id', 'issued_at'], unique=False)
    op.create_index('ix_credential_token_expiry', 'credential', ['token_expires_at'], unique=False)

    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('body_hash', sa.String(length=64), nullable=False),
    sa.Column('credential_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'key')
    )
    op.create_table('signing_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=64), nullable=False),
    sa.Column('key_type', sa.String(length=16), nullable=False),
    sa.Column('public_jwk', sa.Text(), nullable=False),
    sa.Column('sealed_private', sa.LargeBinary(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'number'),
    sa.UniqueConstraint('uid')
    )
    op.create_index(op.f('ix_signing_key_provider_id'), 'signing_key', ['provider_id'], unique=False)
    op.create_index(op.f('ix_signing_key_state'), 'signing_key', ['state'], unique=False)

    op.create_table('status_index',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('list_number', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'purpose', 'list_number', 'index')
    )
    op.create_table('status_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('allocated', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('bits', sa.LargeBinary(), nullable=False),
    sa.Column('used', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'purpose', 'number')
    )
    op.create_index(op.f('ix_status_list_provider_id'), 'status_list', ['provider_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_status_list_provider_id'), table_name='status_list')

    op.drop_table('status_list')
    op.drop_table('status_index')
    op.drop_index(op.f('ix_signing_key_state'), table_name='signing_key')
    op.drop_index(op.f('ix_signing_key_provider_id'), table_name='signing_key')

    op.drop_table('signing_key')
    op.drop_table('idempotency_key')
    op.drop_index('ix_credential_token_expiry', table_name='credential')
    op.drop_index('ix_credential_provider_issued', table_name='credential')

    op.drop_table('credential')
    op.drop_index('ix_audit_provider_target', table_name='audit_event')
    op.drop_index(op.f('ix_audit_event_provider_id'), table_name='audit_event')

    op.drop_table('audit_event')
    op.drop_index(op.f('ix_api_key_provider_id'), table_name='api_key')

    op.drop_table('api_key')
    op.drop_index(op.f('ix_provider_slug'), table_name='provider')

    op.drop_table('provider')
