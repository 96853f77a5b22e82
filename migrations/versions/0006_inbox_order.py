"""The inbox order stored on each referral, and the lists' indexes (issue 12).

``queue_rank`` (``workflow.queue``) is backfilled with the same rule the engine
applies at every event, rendered as SQL by ``queue_rank_sql``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:08:22.507756

"""
import sqlalchemy as sa
from alembic import op

from referral_app.workflow.queue import queue_rank_sql

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queue_rank', sa.SmallInteger(), server_default='5', nullable=False))
    referrals = sa.table(
        'referrals', sa.column('state', sa.String), sa.column('urgency', sa.String),
        sa.column('queue_rank', sa.SmallInteger),
    )
    op.execute(
        referrals.update().values(queue_rank=queue_rank_sql(referrals.c.state, referrals.c.urgency))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_receiving_queue', ['receiving_centre_id', 'queue_rank', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('ix_referrals_referring_created', ['referring_centre_id', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_referring_created')
        batch_op.drop_index('ix_referrals_receiving_queue')
        batch_op.drop_column('queue_rank')
