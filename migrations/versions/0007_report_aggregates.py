"""Monthly report summaries kept up to date by the workflow (issue 12, item 3).

The four ``report_*_months`` tables (``reports.aggregates``) are created and
filled from the referrals with the same SQL as ``flask reports rebuild-aggregates``;
an index on ``(referring_centre_id, submitted_at)`` for the figures that stay on
the referrals (a centre's tables per trial, niche coverage).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:45:00

"""
import sqlalchemy as sa
from alembic import op

from referral_app.reports.aggregates import rebuild_on

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _measures(*names):
    return [sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in names]


def upgrade():
    op.create_table(
        'report_centre_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        *_measures('referrals', 'acknowledged', 'accepted', 'screening', 'enrolled', 'decided', 'declined', 'open'),
        sa.PrimaryKeyConstraint('month', 'centre_id', 'role', 'state', 'reason', name=op.f('pk_report_centre_months')),
    )
    op.create_index('ix_report_centre_months_centre', 'report_centre_months', ['centre_id', 'month'])
    op.create_table(
        'report_duration_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        *_measures('referrals'),
        sa.PrimaryKeyConstraint('month', 'centre_id', 'role', 'kind', 'days', name=op.f('pk_report_duration_months')),
    )
    op.create_index('ix_report_duration_months_centre', 'report_duration_months', ['centre_id', 'month'])
    op.create_table(
        'report_flow_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('referring_centre_id', sa.Integer(), nullable=False),
        sa.Column('receiving_centre_id', sa.Integer(), nullable=False),
        *_measures('referrals', 'accepted', 'enrolled', 'declined', 'open'),
        sa.PrimaryKeyConstraint('month', 'referring_centre_id', 'receiving_centre_id', name=op.f('pk_report_flow_months')),
    )
    op.create_index('ix_report_flow_months_receiving', 'report_flow_months', ['receiving_centre_id', 'month'])
    op.create_table(
        'report_trial_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('trial_id', sa.Integer(), nullable=False),
        *_measures('referrals', 'accepted', 'enrolled', 'declined', 'open'),
        sa.PrimaryKeyConstraint('month', 'trial_id', name=op.f('pk_report_trial_months')),
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_referring_submitted', ['referring_centre_id', 'submitted_at'], unique=False)
    rebuild_on(op.get_bind())


def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_referring_submitted')
    op.drop_table('report_trial_months')
    op.drop_index('ix_report_flow_months_receiving', table_name='report_flow_months')
    op.drop_table('report_flow_months')
    op.drop_index('ix_report_duration_months_centre', table_name='report_duration_months')
    op.drop_table('report_duration_months')
    op.drop_index('ix_report_centre_months_centre', table_name='report_centre_months')
    op.drop_table('report_centre_months')
