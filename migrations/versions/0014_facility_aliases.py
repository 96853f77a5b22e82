"""Facility names mapped to centres by admins (issue 15, item 3): an unmatched Quebec
location is mapped once, and later imports match it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 15:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'facility_aliases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alias', sa.String(length=200), nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_facility_aliases_centre_id_centres'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_facility_aliases_created_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_aliases')),
        sa.UniqueConstraint('alias', name=op.f('uq_facility_aliases_alias')),
    )


def downgrade():
    op.drop_table('facility_aliases')
