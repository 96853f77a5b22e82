"""Full-text search of the trial catalogue (issue 12): a GIN index on PostgreSQL,
an FTS5 table kept by triggers on SQLite; both made by ``models.fulltext.install``,
the code that ``create_all`` runs too.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 03:40:00

"""
from alembic import op

from referral_app.models import fulltext

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # The columns and configuration of this revision (0011 replaces them).
    fulltext.install(op.get_bind(), fulltext.V1_COLUMNS, ("simple",))


def downgrade():
    fulltext.uninstall(op.get_bind())
