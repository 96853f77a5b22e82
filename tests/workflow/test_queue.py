"""The inbox order: one rule in Python and its SQL rendering agree on every pair."""

from __future__ import annotations

import sqlalchemy as sa

from referral_app.enums import Urgency
from referral_app.workflow.queue import queue_rank, queue_rank_sql
from referral_app.workflow.states import OPEN_STATES, ReferralState


def test_open_referrals_come_first_most_urgent_first():
    open_state, closed_state = next(iter(OPEN_STATES)), ReferralState.DECLINED
    ranks = [
        queue_rank(open_state, Urgency.URGENT),
        queue_rank(open_state, Urgency.PRIORITY),
        queue_rank(open_state, Urgency.ROUTINE),
        queue_rank(closed_state, Urgency.URGENT),
        queue_rank(closed_state, Urgency.ROUTINE),
    ]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


def test_the_sql_rank_is_the_python_rank(db):
    state, urgency = (
        sa.bindparam("state", type_=sa.String),
        sa.bindparam("urgency", type_=sa.String),
    )
    expression = sa.select(queue_rank_sql(state, urgency))
    for s in ReferralState:
        for u in Urgency:
            got = db.session.scalar(expression, {"state": s.value, "urgency": u.value})
            assert got == queue_rank(s, u), (s, u)
