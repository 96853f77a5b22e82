"""The registry's complete record of an imported study (issue 15, item 2).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 21:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # In place: recreating ``trials`` would drop its full-text triggers.
    op.add_column('trials', sa.Column('registry_record', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    op.execute('ALTER TABLE trials DROP COLUMN registry_record')
