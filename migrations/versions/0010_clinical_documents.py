"""Clinical documents attached to referrals, and each trial's required documents (issue 13).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

CATEGORIES = ('pathology', 'imaging', 'laboratory', 'molecular', 'consult_note', 'consent_form', 'other')


def upgrade():
    op.add_column('trials', sa.Column('required_documents', sa.JSON(), server_default='[]', nullable=False))
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.Enum(*CATEGORIES, name='document_category', native_enum=False, create_constraint=True, length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('size_bytes', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('replaces_id', sa.Integer(), nullable=True),
        sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploader_side', sa.Enum('referring', 'receiving', name='document_side', native_enum=False, create_constraint=True, length=13), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('storage_key', sa.String(length=48), nullable=True),
        sa.Column('data_key_wrapped', sa.Text(), nullable=True),
        sa.Column('thumbnail_key', sa.String(length=48), nullable=True),
        sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_documents_document_size')),
        sa.CheckConstraint('version >= 1', name=op.f('ck_documents_document_version')),
        sa.CheckConstraint(
            '(purged_at IS NULL) = (storage_key IS NOT NULL AND data_key_wrapped IS NOT NULL)',
            name=op.f('ck_documents_document_bytes_or_tombstone'),
        ),
        sa.ForeignKeyConstraint(['event_id'], ['referral_events.id'], name=op.f('fk_documents_event_id_referral_events'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_documents_referral_id_referrals'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['replaces_id'], ['documents.id'], name=op.f('fk_documents_replaces_id_documents'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_documents_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_documents_storage_key')),
    )
    op.create_index('ix_documents_referral', 'documents', ['referral_id', 'id'])
    op.create_index(op.f('ix_documents_replaces_id'), 'documents', ['replaces_id'])


def downgrade():
    op.drop_index(op.f('ix_documents_replaces_id'), table_name='documents')
    op.drop_index('ix_documents_referral', table_name='documents')
    op.drop_table('documents')
    # In place: recreating ``trials`` (batch mode) would break the keys that point to it.
    op.execute('ALTER TABLE trials DROP COLUMN required_documents')
