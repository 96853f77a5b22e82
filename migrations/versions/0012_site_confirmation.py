"""Site status someone vouches for (issue 15, item 6): who last confirmed a recruiting
site and when, places left, when its contacts were asked and its leader told.

Existing recruiting sites count as confirmed at the upgrade (nobody can say otherwise
today): they are first asked 30 days later and unverified after 45 without an answer.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

MOMENTS = ('vouched_at', 'confirmation_asked_at', 'unverified_told_at')


def upgrade():
    # Batch mode on SQLite (copy, drop, rename: ``env.py`` turns foreign keys off so
    # the drop takes no row with it); plain ALTERs on PostgreSQL.
    with op.batch_alter_table('trial_sites', schema=None) as batch_op:
        for name in MOMENTS:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('slots_left', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('vouched_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_trial_sites_vouched_by_id_users'), 'users',
            ['vouched_by_id'], ['id'], ondelete='SET NULL',
        )
    op.execute("UPDATE trial_sites SET vouched_at = CURRENT_TIMESTAMP WHERE status = 'recruiting'")


def downgrade():
    with op.batch_alter_table('trial_sites', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_trial_sites_vouched_by_id_users'), type_='foreignkey')
        for name in ('vouched_by_id', 'slots_left', *reversed(MOMENTS)):
            batch_op.drop_column(name)
