"""wallet: initial schema

Revision ID: 0001
Revises: 

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
    op.create_table('account',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('auth_token',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_auth_token_account_id'), 'auth_token', ['account_id'], unique=False)
    op.create_index('ix_auth_token_expires', 'auth_token', ['expires_at'], unique=False)

    op.create_table('credential',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('fingerprint', sa.String(length=512), nullable=False),
    sa.Column('credential_id', sa.Text(), nullable=True),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('type_name', sa.String(length=200), nullable=False),
    sa.Column('types', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('issuer', sa.String(length=2048), nullable=False),
    sa.Column('issuer_name', sa.String(length=500), nullable=True),
    sa.Column('issuer_claimed_name', sa.String(length=500), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('trusted', sa.Boolean(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'fingerprint', name='uq_credential_account_fingerprint')
    )
    op.create_index('ix_credential_account_imported', 'credential', ['account_id', 'imported_at', 'id'], unique=False)
    op.create_index('ix_credential_account_issuer', 'credential', ['account_id', 'issuer'], unique=False)
    op.create_index('ix_credential_account_kind', 'credential', ['account_id', 'kind'], unique=False)
    op.create_index('ix_credential_account_type', 'credential', ['account_id', 'type_name'], unique=False)

    op.create_table('holder_key',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('did', sa.Text(), nullable=False),
    sa.Column('key_type', sa.String(length=16), nullable=False),
    sa.Column('sealed_private', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id')
    )
    op.create_table('share',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('sealed_token', sa.LargeBinary(), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_views', sa.Integer(), nullable=True),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_share_account_created', 'share', ['account_id', 'created_at', 'id'], unique=False)

    op.create_table('credential_label',
    sa.Column('credential_pk', sa.String(length=36), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['credential_pk'], ['credential.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('credential_pk', 'label')
    )
    op.create_index('ix_credential_label_account_label', 'credential_label', ['account_id', 'label'], unique=False)

    op.create_table('credential_skill',
    sa.Column('credential_pk', sa.String(length=36), nullable=False),
    sa.Column('uri', sa.String(length=1024), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['credential_pk'], ['credential.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('credential_pk', 'uri')
    )
    op.create_index('ix_credential_skill_account_uri', 'credential_skill', ['account_id', 'uri'], unique=False)

    op.create_table('share_item',
    sa.Column('share_id', sa.String(length=36), nullable=False),
    sa.Column('credential_pk', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['credential_pk'], ['credential.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['share_id'], ['share.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('share_id', 'credential_pk')
    )
    op.create_index(op.f('ix_share_item_credential_pk'), 'share_item', ['credential_pk'], unique=False)

    op.create_table('share_view',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('share_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('viewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('audience', sa.Text(), nullable=True),
    sa.Column('nonce_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['share_id'], ['share.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_share_view_account_id'), 'share_view', ['account_id'], unique=False)
    op.create_index('ix_share_view_share_at', 'share_view', ['share_id', 'viewed_at'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_share_view_share_at', table_name='share_view')
    op.drop_index(op.f('ix_share_view_account_id'), table_name='share_view')

    op.drop_table('share_view')
    op.drop_index(op.f('ix_share_item_credential_pk'), table_name='share_item')

    op.drop_table('share_item')
    op.drop_index('ix_credential_skill_account_uri', table_name='credential_skill')

    op.drop_table('credential_skill')
    op.drop_index('ix_credential_label_account_label', table_name='credential_label')

    op.drop_table('credential_label')
    op.drop_index('ix_share_account_created', table_name='share')

    op.drop_table('share')
    op.drop_table('holder_key')
    op.drop_index('ix_credential_account_type', table_name='credential')
    op.drop_index('ix_credential_account_kind', table_name='credential')
    op.drop_index('ix_credential_account_issuer', table_name='credential')
    op.drop_index('ix_credential_account_imported', table_name='credential')

    op.drop_table('credential')
    op.drop_index('ix_auth_token_expires', table_name='auth_token')
    op.drop_index(op.f('ix_auth_token_account_id'), table_name='auth_token')

    op.drop_table('auth_token')
    op.drop_table('account')
