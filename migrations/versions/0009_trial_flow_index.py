"""The referrals' trial index carries what niche coverage reads (issue 12).

``(trial_id, state)`` becomes ``(trial_id, state, submitted_at,
referring_centre_id, receiving_centre_id)``: the report's referrals to niche
trials (a few percent of all) come from an index-only scan instead of a
sequential scan of the table. The old index is a prefix of the new one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:55:00

"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD = ['trial_id', 'state']
NEW = ['trial_id', 'state', 'submitted_at', 'referring_centre_id', 'receiving_centre_id']


def upgrade():
    with op.batch_alter_table('referrals') as batch_op:
        batch_op.create_index('ix_referrals_trial_flow', NEW, unique=False)
        batch_op.drop_index('ix_referrals_trial_state')


def downgrade():
    with op.batch_alter_table('referrals') as batch_op:
        batch_op.create_index('ix_referrals_trial_state', OLD, unique=False)
        batch_op.drop_index('ix_referrals_trial_flow')
