"""Eligibility as data (issue 14): versions of each trial's criteria, the trial's current
copy, and the referral's structured summary and pre-screen answers; the catalogue's
full-text search now reads one bilingual, accent-free column (``search_terms``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00

"""
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

from referral_app.eligibility.terms import OWN_FIELDS, search_terms
from referral_app.models import fulltext

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SUMMARY_COLUMNS = (
    ('tumour_code', sa.String(length=20)),
    ('stage_group', sa.String(length=12)),
    ('prior_therapies', sa.JSON()),
    ('brain_metastases', sa.Boolean()),
    ('measurable_disease', sa.Boolean()),
    ('patient_age', sa.SmallInteger()),
    ('prescreen_not_met', sa.SmallInteger()),
    ('origin', sa.String(length=20)),
)


def upgrade():
    op.create_table(
        'eligibility_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trial_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('criteria', sa.JSON(), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('number >= 1', name=op.f('ck_eligibility_versions_eligibility_version_positive')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_eligibility_versions_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['trial_id'], ['trials.id'], name=op.f('fk_eligibility_versions_trial_id_trials'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_versions')),
        sa.UniqueConstraint('trial_id', 'number', name=op.f('uq_eligibility_versions_trial_id_number')),
    )
    op.create_table(
        'watch_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=30), nullable=False),
        sa.Column('criterion_id', sa.String(length=30), nullable=True),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('open_site_ids', sa.JSON(), nullable=False),
        sa.Column('alerts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cleared_by_id', sa.Integer(), nullable=True),
        sa.Column('cleared_why', sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_watch_entries_centre_id_centres')),
        sa.ForeignKeyConstraint(['cleared_by_id'], ['users.id'], name=op.f('fk_watch_entries_cleared_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_watch_entries_referral_id_referrals'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_entries')),
        sa.UniqueConstraint('referral_id', name=op.f('uq_watch_entries_referral_id')),
    )
    op.create_index('ix_watch_entries_active', 'watch_entries', ['cleared_at', 'centre_id'])
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        for name, kind in SUMMARY_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
        batch_op.add_column(sa.Column('biomarker_results', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('eligibility_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prescreen_answers', sa.JSON(), server_default='{}', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_referrals_eligibility_version_id_eligibility_versions'), 'eligibility_versions', ['eligibility_version_id'], ['id'], ondelete='SET NULL')
    # In place: recreating ``trials`` (batch mode) would drop its full-text triggers.
    op.add_column('trials', sa.Column('criteria', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('trials', sa.Column('eligibility_version', sa.Integer(), server_default='0', nullable=False))
    op.add_column('trials', sa.Column('search_terms', sa.Text(), server_default='', nullable=False))
    bind = op.get_bind()
    fulltext.uninstall(bind)  # the old index read other columns
    trials = sa.table('trials', sa.column('id'), sa.column('search_terms'), *(sa.column(c) for c in OWN_FIELDS))
    for row in bind.execute(sa.select(trials)).mappings().all():
        terms = search_terms(SimpleNamespace(**row, criteria=[]))
        bind.execute(trials.update().where(trials.c.id == row['id']).values(search_terms=terms))
    fulltext.install(bind)


def downgrade():
    fulltext.uninstall(op.get_bind())
    op.execute('ALTER TABLE trials DROP COLUMN search_terms')
    fulltext.install(op.get_bind(), fulltext.V1_COLUMNS, ("simple",))  # what 0008 made
    op.execute('ALTER TABLE trials DROP COLUMN eligibility_version')
    op.execute('ALTER TABLE trials DROP COLUMN criteria')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_referrals_eligibility_version_id_eligibility_versions'), type_='foreignkey')
        for name in ('prescreen_answers', 'eligibility_version_id', 'biomarker_results'):
            batch_op.drop_column(name)
        for name, _kind in reversed(SUMMARY_COLUMNS):
            batch_op.drop_column(name)
    op.drop_index('ix_watch_entries_active', table_name='watch_entries')
    op.drop_table('watch_entries')
    op.drop_table('eligibility_versions')
