"""The lifecycle as one specification: every clock's dates stored, events checked,
notification kinds, Quebec time as America/Montreal.

- referrals: ``ack_escalation_on``, ``decision_escalation_on`` and ``info_due_on``,
  filled for existing rows from the dates already stored (business days, with the
  configured thresholds); ``version`` set to the number of events, which it now is;
- referral_events: a CHECK constraint naming every event of the lifecycle;
- notifications: ``template`` becomes ``kind`` (a key of the messages registry);
- PostgreSQL: the monthly trend's statistics on the America/Montreal month.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from referral_app.business_days import add_business_days

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

EVENTS = (
    "accept, acknowledge, correct_date, decline, enroll, forward, provide_info, redirect, "
    "request_info, reschedule_consult, save_draft, schedule_consult, screen_fail, "
    "start_screening, submit, withdraw"
)
BATCH = 5000


def upgrade():
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("ack_escalation_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("decision_escalation_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("info_due_on", sa.Date(), nullable=True))
    with op.batch_alter_table("referral_events") as batch:
        values = ", ".join(f"'{e.strip()}'" for e in EVENTS.split(","))
        batch.create_check_constraint(
            op.f("ck_referral_events_event_known"), f"event IN ({values})"
        )
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("template", new_column_name="kind", existing_type=sa.String(60))
    _fill_clock_dates()
    op.execute(
        "UPDATE referrals SET version = (SELECT count(*) FROM referral_events e "
        "WHERE e.referral_id = referrals.id) "
        "WHERE EXISTS (SELECT 1 FROM referral_events e WHERE e.referral_id = referrals.id)"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_referrals_submitted_month")
        op.execute(
            "CREATE STATISTICS st_referrals_submitted_month "
            "ON (to_char(timezone('America/Montreal', submitted_at), 'YYYY-MM')) FROM referrals"
        )


def _fill_clock_dates():
    """The new dates from the stored ones, with the thresholds configured now."""
    config = current_app.config
    ack_gap = config["ACK_ESCALATION_BUSINESS_DAYS"] - config["ACK_REMINDER_BUSINESS_DAYS"]
    bind = op.get_bind()
    referrals = sa.table(
        "referrals",
        sa.column("id", sa.Integer),
        sa.column("ack_due_on", sa.Date),
        sa.column("decision_due_on", sa.Date),
        sa.column("info_requested_at", sa.DateTime(timezone=True)),
        sa.column("ack_escalation_on", sa.Date),
        sa.column("decision_escalation_on", sa.Date),
        sa.column("info_due_on", sa.Date),
    )
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(
                referrals.c.id,
                referrals.c.ack_due_on,
                referrals.c.decision_due_on,
                referrals.c.info_requested_at,
            )
            .where(referrals.c.id > last_id, referrals.c.ack_due_on.is_not(None))
            .order_by(referrals.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        updates = [
            {
                "row_id": row.id,
                "ack_escalation_on": add_business_days(row.ack_due_on, max(0, ack_gap)),
                "decision_escalation_on": add_business_days(
                    row.decision_due_on, config["DECISION_ESCALATION_BUSINESS_DAYS"]
                )
                if row.decision_due_on
                else None,
                # The last question's due date stays once it is answered, as the
                # workflow keeps it.
                "info_due_on": add_business_days(
                    row.info_requested_at, config["INFO_REMINDER_BUSINESS_DAYS"]
                )
                if row.info_requested_at
                else None,
            }
            for row in rows
        ]
        bind.execute(
            referrals.update()
            .where(referrals.c.id == sa.bindparam("row_id"))
            .values(
                ack_escalation_on=sa.bindparam("ack_escalation_on"),
                decision_escalation_on=sa.bindparam("decision_escalation_on"),
                info_due_on=sa.bindparam("info_due_on"),
            ),
            updates,
        )
        last_id = rows[-1].id


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_referrals_submitted_month")
        op.execute(
            "CREATE STATISTICS st_referrals_submitted_month "
            "ON (to_char(timezone('America/Toronto', submitted_at), 'YYYY-MM')) FROM referrals"
        )
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("kind", new_column_name="template", existing_type=sa.String(60))
    with op.batch_alter_table("referral_events") as batch:
        batch.drop_constraint(op.f("ck_referral_events_event_known"), type_="check")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("info_due_on")
        batch.drop_column("decision_escalation_on")
        batch.drop_column("ack_escalation_on")
