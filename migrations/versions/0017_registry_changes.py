"""Registry changes held for review, rejected imports, dismissed biomarker
proposals (issue 15, items 1 and 2).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 14:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

COLUMNS = ('pending_record', 'pending_digest', 'pending_since', 'rejected_at', 'dismissed_biomarkers')


def upgrade():
    # In place: recreating ``trials`` would drop its full-text triggers.
    op.add_column('trials', sa.Column('pending_record', sa.JSON(), nullable=True))
    op.add_column('trials', sa.Column('pending_digest', sa.String(length=64), nullable=True))
    op.add_column('trials', sa.Column('pending_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('trials', sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('trials', sa.Column('dismissed_biomarkers', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    for column in COLUMNS:
        op.execute(f'ALTER TABLE trials DROP COLUMN {column}')
