"""The monthly summaries give exactly the figures of the raw-table queries.

The network of ``conftest.py`` is built through the workflow engine, so the
summaries were kept up to date event by event (``engine.apply_event`` →
``aggregates.record``). Every dashboard figure is computed twice, from the
summaries and from the referrals (``queries.dashboard``, the
reference), for the admin, a manager and a community leader under several
filters, before and after further transitions; and the summaries kept by the
engine equal a rebuild from scratch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from referral_app.extensions import db
from referral_app.models import ReferralState, Urgency
from referral_app.reports import aggregates, queries
from referral_app.reports.scope import CENTRE, COMMUNITY, NETWORK, Filters, Scope
from referral_app.workflow.builder import Builder, receiving_actor
from tests.reports.conftest import TODAY, add_referral, at

S = ReferralState
D = dt.date

WHOLE_MONTHS = [
    Filters(),
    Filters(date_from=D(2025, 3, 1), date_to=D(2025, 5, 31)),
    Filters(date_from=D(2025, 1, 1)),
    Filters(date_to=D(2025, 4, 30)),
    Filters(date_from=D(2025, 7, 1)),  # nothing yet
]
FALLBACK = [  # served by the raw table: the same figures by construction
    Filters(date_from=D(2025, 3, 4), date_to=D(2025, 6, 10)),  # cuts a month
    Filters(urgency=Urgency.URGENT),
]


def _tables() -> dict[str, list[tuple]]:
    return {
        table.name: sorted(tuple(row) for row in db.session.execute(sa.select(table)))
        for table in aggregates.TABLES
    }


def _cases(network):
    a, c = network.centres["A"].id, network.centres["C"].id
    lung, breast = network.lung.id, network.breast.id
    t1 = network.trials["T1"].id
    served = [(Scope(NETWORK), f) for f in WHOLE_MONTHS]
    served += [(Scope(CENTRE, centre_id=a), f) for f in WHOLE_MONTHS]
    served += [(Scope(NETWORK), Filters(centre_id=c)), (Scope(CENTRE, centre_id=c), Filters())]
    raw = [(scope, f) for scope, _f in served[:1] + served[5:6] for f in FALLBACK]
    raw += [
        (Scope(COMMUNITY, community_ids=(lung,)), Filters()),
        (Scope(COMMUNITY, community_ids=(lung, breast)), WHOLE_MONTHS[1]),
        (Scope(NETWORK), Filters(community_id=breast)),
        (Scope(NETWORK), Filters(trial_id=t1)),
        (Scope(CENTRE, centre_id=a), Filters(trial_id=t1, date_from=D(2025, 1, 1))),
        (Scope(CENTRE, centre_id=a), Filters(centre_id=c)),  # another centre: raw
    ]
    return served, raw


def _assert_same(scope, filters):
    fast = aggregates.dashboard(scope, filters, today=TODAY, language="en")
    slow = queries.dashboard(scope, filters, today=TODAY, language="en")
    for name in (f.name for f in dataclasses.fields(queries.Dashboard)):
        assert getattr(fast, name) == getattr(slow, name), (scope, filters, name)


def _assert_all(network):
    served, raw = _cases(network)
    for scope, filters in served:
        assert aggregates.covers(scope, filters), (scope, filters)
        _assert_same(scope, filters)
    for scope, filters in raw:
        assert not aggregates.covers(scope, filters), (scope, filters)
        _assert_same(scope, filters)


def _assert_rebuild_agrees():
    kept = _tables()
    aggregates.rebuild()
    assert _tables() == kept


def test_the_network_as_built(network):
    board = aggregates.dashboard(Scope(NETWORK), Filters(), today=TODAY)
    assert board.summary.submitted == 11  # the summaries are not empty
    _assert_all(network)
    _assert_rebuild_agrees()


def test_after_further_transitions(network, db):
    r = network.referrals
    coordinators = network.coordinators
    story = Builder(now=at("2025-06-13"))
    story.apply(r["R8"], "accept", receiving_actor(r["R8"]))  # acknowledged → accepted
    story.advance(days=1).apply(r["R4"], "start_screening", receiving_actor(r["R4"]))
    story.advance(days=3).apply(r["R4"], "enroll", receiving_actor(r["R4"]))
    story.apply(r["R12"], "decline", receiving_actor(r["R12"]), reason_code="no_capacity")
    story.apply(r["R5"], "acknowledge", receiving_actor(r["R5"]))
    story.advance(hours=2).apply(r["R5"], "withdraw", coordinators["B"])
    story.apply(r["R7"], "provide_info", coordinators["B"])  # back to acknowledged
    story.apply(r["R7"], "accept", receiving_actor(r["R7"]))
    # A forward moves a referral to another site (another receiving centre).
    fresh = add_referral(
        db.session,
        site=network.sites[("T1", "B")],
        referrer=coordinators["D"],
        state=S.ACKNOWLEDGED,
        submitted=at("2025-06-16"),
        acknowledged=at("2025-06-16", 16),
        urgency=Urgency.PRIORITY,
    )
    story.at(at("2025-06-17")).apply(
        fresh, "forward", receiving_actor(fresh), target_site_id=network.sites[("T1", "C")].id
    )
    # One draft submitted later (a new month), still a draft for another.
    July = add_referral(  # noqa: N806
        db.session,
        site=network.sites[("T2", "A")],
        referrer=coordinators["C"],
        state=S.SUBMITTED,
        submitted=at("2025-07-02"),
    )
    db.session.commit()
    assert fresh.receiving_centre_id == network.centres["C"].id and July.state == S.SUBMITTED
    board = aggregates.dashboard(Scope(NETWORK), Filters(), today=TODAY)
    assert board.summary.submitted == 13
    _assert_all(network)
    _assert_rebuild_agrees()


def test_a_refused_event_changes_no_summary(network):
    from referral_app.workflow.errors import WorkflowError

    kept = _tables()
    with pytest.raises(WorkflowError):
        Builder(now=at("2025-06-13")).apply(
            network.referrals["R1"], "accept", receiving_actor(network.referrals["R1"])
        )
    db.session.rollback()
    assert _tables() == kept


def test_rebuild_command_recomputes_from_scratch(network, runner):
    kept = _tables()
    db.session.execute(aggregates.TABLES[0].delete())
    db.session.commit()
    result = runner.invoke(args=["reports", "rebuild-aggregates"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the report summaries" in result.output
    db.session.expire_all()
    assert _tables() == kept
