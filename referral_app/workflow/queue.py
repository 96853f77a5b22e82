"""A receiving centre's inbox order, stored on each referral so an index serves it.

Open referrals first, most urgent first; then the closed ones; oldest submission
first within each rank. ``queue_rank`` is the rule; ``engine.apply_event`` stores
it at every event (the only way a state or urgency changes), and
``queue_rank_sql`` is the same rule for SQL (the migration's backfill and the
benchmark generator), built from the same tables so the two cannot drift.
"""

from __future__ import annotations

import sqlalchemy as sa

from referral_app.enums import Urgency
from referral_app.workflow.states import OPEN_STATES, ReferralState

URGENCY_RANK = {Urgency.URGENT: 0, Urgency.PRIORITY: 1, Urgency.ROUTINE: 2}
CLOSED_OFFSET = len(URGENCY_RANK)


def queue_rank(state: ReferralState, urgency: Urgency) -> int:
    return (0 if state in OPEN_STATES else CLOSED_OFFSET) + URGENCY_RANK[Urgency(urgency)]


def queue_rank_sql(state: sa.ColumnElement, urgency: sa.ColumnElement) -> sa.ColumnElement:
    """``queue_rank`` as a SQL CASE over the ``state`` and ``urgency`` columns."""
    return sa.case(
        *(
            ((state == s.value) & (urgency == u.value), queue_rank(s, u))
            for s in ReferralState
            for u in Urgency
        ),
        else_=CLOSED_OFFSET + max(URGENCY_RANK.values()),
    )
