"""Extended statistics on the submission month for the monthly trend report.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE STATISTICS IF NOT EXISTS st_referrals_submitted_month "
            "ON (to_char(timezone('America/Toronto', submitted_at), 'YYYY-MM')) FROM referrals"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_referrals_submitted_month")
