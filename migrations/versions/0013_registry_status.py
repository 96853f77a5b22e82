"""The registry's own status of a study and of each of its sites (issue 15, item 4):
shown as ClinicalTrials.gov says it, beside the status referrals obey.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # In place (plain columns): no table is recreated.
    op.add_column('trials', sa.Column('registry_status', sa.String(length=30), nullable=True))
    op.add_column('trial_sites', sa.Column('registry_status', sa.String(length=30), nullable=True))


def downgrade():
    op.execute('ALTER TABLE trial_sites DROP COLUMN registry_status')
    op.execute('ALTER TABLE trials DROP COLUMN registry_status')
