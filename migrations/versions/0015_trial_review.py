"""Imported studies await review before they are published (issue 15, item 1):
``awaiting_review`` is true until a person publishes. Existing trials are published.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # In place: recreating ``trials`` would drop its full-text triggers.
    op.add_column('trials', sa.Column('awaiting_review', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.execute('ALTER TABLE trials DROP COLUMN awaiting_review')
