"""Report figures checked against the hand-made network of ``conftest.py``.

Business days are worked out by hand below: Quebec holidays in the span are Good
Friday 2025-04-18 and Christmas 2024-12-25 (Boxing Day is not a Quebec holiday).
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from referral_app.models import ReferralState, Urgency
from referral_app.reports import queries
from referral_app.reports.scope import Filters, Scope, referral_conditions, scope_for
from tests.reports.conftest import TODAY, add_referral, at

S = ReferralState


@pytest.fixture
def admin_where(network):
    return referral_conditions(scope_for(network.admin), Filters())


def test_counts_by_state_network(admin_where):
    counts = dict(queries.state_counts(admin_where))
    # 11 submitted referrals; the draft R9 is never counted.
    assert counts == {
        S.SUBMITTED: 2,  # R5, R12
        S.ACKNOWLEDGED: 1,  # R8
        S.INFO_REQUESTED: 1,  # R7
        S.ACCEPTED: 1,  # R4
        S.SCHEDULED: 0,
        S.SCREENING: 0,
        S.ENROLLED: 2,  # R1, R11
        S.SCREEN_FAILED: 1,  # R3
        S.DECLINED: 2,  # R2, R10
        S.WITHDRAWN: 1,  # R6
    }


def test_funnel_and_rates_network(admin_where):
    totals = queries.summary(admin_where)
    # acknowledged (or decided): all but R5 and R12 -> 9
    # accepted (decided, not declined): R1, R3, R4, R11 -> 4
    # screening reached: R1, R3, R11 -> 3; enrolled: R1, R11 -> 2
    # decided: R1, R2, R3, R4, R10, R11 -> 6
    assert (totals.submitted, totals.acknowledged, totals.accepted) == (11, 9, 4)
    assert (totals.screening, totals.enrolled, totals.decided) == (3, 2, 6)
    assert totals.open == 5  # R4, R5, R7, R8, R12
    assert totals.acceptance_rate == pytest.approx(4 / 6)
    assert totals.enrollment_rate == pytest.approx(2 / 11)

    steps = queries.funnel(totals)
    assert [step.count for step in steps] == [11, 9, 4, 3, 2]
    lost = [step.lost_from_previous for step in steps]
    # lost at each step: 1 - 9/11, 1 - 4/9, 1 - 3/4, 1 - 2/3
    assert lost[0] is None
    assert lost[1:] == pytest.approx([2 / 11, 5 / 9, 1 / 4, 1 / 3])


def test_durations_in_business_days_network(admin_where):
    found = {d.key: d for d in queries.durations(admin_where)}
    # To acknowledge (first answer), business days after submission:
    #   R1 03-03→03-04 = 1, R2 03-05→03-07 (decline) = 2, R3 = 1, R4 same day = 0,
    #   R6 = 1, R7 = 1, R8 = 1, R11 = 1,
    #   R10 12-16→12-27 (decline) = 17,18,19,20,23,24,26,27 = 8 (25 is Christmas)
    #   sorted [0, 1, 1, 1, 1, 1, 1, 2, 8], n = 9
    #   median at position 0.5*8 = 4 -> 1; p90 at 0.9*8 = 7.2 -> 2 + 0.2*(8-2) = 3.2
    ack = found["acknowledge"]
    assert (ack.count, ack.median, ack.p90) == (9, 1, pytest.approx(3.2))
    # To decision, paused days excluded:
    #   R1 03-03→03-06 = 3, R2 = 2, R4 = 2, R11 01-06→01-09 = 3,
    #   R3 04-14→04-22 = 15,16,17,21,22 = 5 (Good Friday 18),
    #   R10 = 8 - 2 paused = 6
    #   sorted [2, 2, 3, 3, 5, 6]: median at 2.5 -> 3; p90 at 4.5 -> 5 + 0.5*(6-5) = 5.5
    decision = found["decision"]
    assert (decision.count, decision.median, decision.p90) == (6, 3, pytest.approx(5.5))
    # To enrollment: R1 03-03→03-14 = 9; R11 01-06→02-03 = 4+5+5+5+1 = 20
    #   median 14.5; p90 at 0.9 -> 9 + 0.9*(20-9) = 18.9
    enrollment = found["enrollment"]
    assert enrollment.count == 2
    assert (enrollment.median, enrollment.p90) == (14.5, pytest.approx(18.9))


def test_durations_without_data_are_empty(network):
    where = referral_conditions(scope_for(network.admin), Filters(date_from=dt.date(2030, 1, 1)))
    for duration in queries.durations(where):
        assert (duration.count, duration.median, duration.p90) == (0, None, None)


def test_reasons(admin_where):
    found = {(r.state, r.reason): r.count for r in queries.reasons(admin_where)}
    assert found == {
        (S.DECLINED, "not_eligible"): 1,  # R2
        (S.DECLINED, "no_capacity"): 1,  # R10
        (S.SCREEN_FAILED, "laboratory"): 1,  # R3
        (S.WITHDRAWN, "patient_declined"): 1,  # R6
    }
    with force_locale("en"):  # the msgids; French once the catalogue is filled
        labels = {r.reason: r.label for r in queries.reasons(admin_where)}
    assert labels["not_eligible"] == "Not eligible"


def test_flow_matrix(network, admin_where):
    matrix = queries.flow_matrix(admin_where)
    c = {key: centre.id for key, centre in network.centres.items()}
    assert [centre.short_name for centre in matrix.referring] == ["A", "B", "C", "D"]
    assert [centre.short_name for centre in matrix.receiving] == ["A", "B", "C", "D"]
    assert matrix.count(c["A"], c["B"]) == 2  # R1, R12
    assert matrix.count(c["B"], c["A"]) == 1  # R5
    assert matrix.count(c["A"], c["D"]) == 0
    assert matrix.maximum == 2
    # heat: 0 when empty; else ceil(5 * n / max): 2 -> 5, 1 -> 3
    assert matrix.heat(c["A"], c["B"]) == 5
    assert matrix.heat(c["C"], c["D"]) == 3  # R6
    assert matrix.heat(c["A"], c["D"]) == 0
    assert matrix.row_total(c["A"]) == 3  # R1, R2, R12
    assert matrix.column_total(c["B"]) == 4  # R1, R3, R4, R12
    assert matrix.enrolled[(c["A"], c["B"])] == 1


def test_monthly_trend_fills_empty_months(admin_where):
    trend = queries.monthly_trend(admin_where)
    assert [(m.month, m.submitted, m.accepted, m.enrolled) for m in trend] == [
        ("2024-12", 1, 0, 0),  # R10
        ("2025-01", 1, 1, 1),  # R11
        ("2025-02", 0, 0, 0),
        ("2025-03", 2, 1, 1),  # R1, R2
        ("2025-04", 1, 1, 0),  # R3
        ("2025-05", 2, 1, 0),  # R4, R6
        ("2025-06", 4, 0, 0),  # R5, R7, R8, R12
    ]


def test_per_trial_and_per_community(admin_where):
    trials = {row.name: row for row in queries.by_trial(admin_where)}
    # T1: R1 enrolled, R3 screen failed, R8, R12 open
    t1 = trials["T1"]
    assert (t1.submitted, t1.accepted, t1.enrolled, t1.declined, t1.open) == (4, 2, 1, 0, 2)
    # T2: R2 declined, R5 open, R11 enrolled
    t2 = trials["T2"]
    assert (t2.submitted, t2.accepted, t2.enrolled, t2.declined, t2.open) == (3, 1, 1, 1, 1)
    assert t2.acceptance_rate == pytest.approx(1 / 2)
    assert [row.name for row in queries.by_trial(admin_where, limit=1)] == ["T1"]

    communities = {row.detail: row for row in queries.by_community(admin_where, "en")}
    lung, breast = communities["lung"], communities["breast"]
    # lung = T1 + T3 (R4 accepted, R6 withdrawn, R10 declined)
    assert (lung.name, lung.submitted, lung.accepted, lung.enrolled) == ("Lung", 7, 3, 1)
    assert (lung.declined, lung.open) == (1, 3)
    # breast = T2 + T4 (R7 open)
    assert (breast.submitted, breast.accepted, breast.enrolled, breast.open) == (4, 1, 1, 2)


def test_overdue_now(admin_where):
    found = queries.overdue(admin_where, today=TODAY)
    # R5 submitted 06-02: acknowledgement due by 06-04 -> late.
    # R8 acknowledged, submitted 06-04: decision due by 06-13 -> late.
    # R12 submitted 06-12: acknowledgement due by 06-16, not late on 06-16.
    # R7 waits for an answer due by 06-18; R4 is accepted.
    assert found.total == 2
    assert [(clock.name, n) for clock, n in found.by_clock] == [
        ("acknowledge", 1),
        ("decision", 1),
        ("information", 0),
    ]
    rows = {row.reference: row for row in found.rows}
    assert rows["REF-2025-000005"].kind == "acknowledge"
    assert rows["REF-2025-000008"].kind == "decision"
    assert rows["REF-2025-000005"].due_on == dt.date(2025, 6, 4)
    assert rows["REF-2025-000008"].due_on == dt.date(2025, 6, 13)
    # business days late: R5 after 06-04 to 06-16 = 8, R8 after 06-13 = 1
    assert rows["REF-2025-000005"].business_days_late == 8
    assert rows["REF-2025-000008"].business_days_late == 1
    assert [row.reference for row in found.rows] == ["REF-2025-000005", "REF-2025-000008"]


def test_niche_coverage_by_region(network, admin_where):
    rows = {row.region: row for row in queries.niche_coverage(
        scope_for(network.admin), Filters(), admin_where
    )}  # fmt: skip
    # Recruiting niche trials: T3 (sites B in Montréal, D in Capitale-Nationale), T4 (C, Estrie)
    assert {name: row.niche_trials_here for name, row in rows.items()} == {
        "Capitale-Nationale": 1,
        "Estrie": 1,
        "Montréal": 1,
    }
    assert rows["Estrie"].coverage == pytest.approx(1 / 2)
    # Referrals to niche trials by the referring centre's region, all to another region:
    #   Montréal: R7 (B→C), R10 (B→D); Estrie: R6 (C→D); Capitale-Nationale: R4 (D→B)
    assert (rows["Montréal"].referrals, rows["Montréal"].referred_out) == (2, 2)
    assert (rows["Estrie"].referrals, rows["Capitale-Nationale"].referrals) == (1, 1)


def test_credit_to_referring_centres(admin_where):
    rows = queries.referrer_credit(admin_where)
    # A: R1, R2, R12 (1 enrolled); C: R3, R6, R11 (1 enrolled, 2 accepted);
    # B: R5, R7, R10; D: R4, R8 -- ordered by enrolled, then sent, then name
    assert [(r.name, r.submitted, r.accepted, r.enrolled) for r in rows] == [
        ("A", 3, 1, 1),
        ("C", 3, 2, 1),
        ("B", 3, 0, 0),
        ("D", 2, 1, 0),
    ]


def test_manager_figures(network):
    where = referral_conditions(scope_for(network.manager), Filters())
    totals = queries.summary(where)
    # Centre A on either side: R1, R2, R12 (sent), R5, R11 (received)
    assert (totals.submitted, totals.acknowledged, totals.accepted, totals.enrolled) == (
        5,
        3,  # R1, R2 (decided), R11
        2,  # R1, R11
        2,
    )
    ack = queries.durations(where)[0]
    # R1 = 1, R2 = 2, R11 = 1 -> sorted [1, 1, 2]: median 1, p90 at 1.8 -> 1 + 0.8 = 1.8
    assert (ack.count, ack.median, ack.p90) == (3, 1, pytest.approx(1.8))


def test_filters_narrow_the_figures(network):
    admin = scope_for(network.admin)

    def submitted(**kw) -> int:
        return queries.summary(referral_conditions(admin, Filters(**kw))).submitted

    # submitted from March to May 2025: R1, R2, R3, R4, R6
    assert submitted(date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 5, 31)) == 5
    assert submitted(urgency=Urgency.URGENT) == 2  # R1, R4
    assert submitted(centre_id=network.centres["D"].id) == 4  # R4, R6, R8, R10
    assert submitted(trial_id=network.trials["T2"].id) == 3  # R2, R5, R11
    assert submitted(community_id=network.breast.id) == 4  # T2 + T4


def test_quebec_dates_not_utc_dates(network, db):
    """A referral sent at 23:30 in Quebec on May 31 (03:30 UTC on June 1) is May's."""
    add_referral(
        db.session,
        site=network.sites[("T2", "C")],
        referrer=network.coordinators["A"],
        state=S.SUBMITTED,
        submitted=at("2025-06-01", 3) + dt.timedelta(minutes=30),
    )
    db.session.commit()
    scope = Scope("network")
    may = referral_conditions(
        scope, Filters(date_from=dt.date(2025, 5, 31), date_to=dt.date(2025, 5, 31))
    )
    assert queries.summary(may).submitted == 1
    months = {
        m.month: m.submitted for m in queries.monthly_trend(referral_conditions(scope, Filters()))
    }
    assert months["2025-05"] == 3  # R4, R6 and this one
    assert months["2025-06"] == 4


def test_dashboard_builds_every_figure(network):
    board = queries.dashboard(scope_for(network.leader), Filters(), today=TODAY, language="en")
    # Lung's leader: T1 and T3 only -> R1, R3, R4, R6, R8, R10, R12
    assert board.summary.submitted == 7
    assert {row.name for row in board.trials} == {"T1", "T3"}
    assert board.overdue.total == 1  # R8 (R5 is a breast referral)
    # niche coverage limited to the leader's trials: T3 only
    assert {row.niche_trials_total for row in board.coverage} == {1}


@pytest.mark.parametrize(
    "values",
    [[7], [0, 1, 1, 1, 1, 1, 1, 2, 8], [2, 2, 3, 3, 5, 6], [9, 20], list(range(37)) + [90] * 5],
)
def test_percentiles_from_counts_match_percentile_cont(values):
    """Counts per value give the interpolated percentiles of the sorted values."""

    def percentile_cont(fraction):  # the SQL definition, on the sorted list itself
        ordered = sorted(values)
        position = fraction * (len(ordered) - 1)
        lower = int(position)
        upper = min(lower + 1, len(ordered) - 1)
        return ordered[lower] + (position - lower) * (ordered[upper] - ordered[lower])

    counts = {value: values.count(value) for value in set(values)}
    expected = [percentile_cont(f) for f in (0.5, 0.9, 0.0, 1.0)]
    assert queries.percentiles(counts, (0.5, 0.9, 0.0, 1.0)) == pytest.approx(expected)
    assert queries.percentiles({}) == [None, None]


def test_the_flow_grid_is_the_matrix_cell_by_cell(network, admin_where):
    """The page renders ``grid()``; it must say what ``count``, ``heat`` and the
    totals say, cell by cell."""
    matrix = queries.flow_matrix(admin_where)
    grid = matrix.grid()
    assert [row.centre for row in grid.rows] == matrix.referring
    for row in grid.rows:
        assert row.cells == [
            (matrix.count(row.centre.id, c.id), matrix.heat(row.centre.id, c.id))
            for c in matrix.receiving
        ]
        assert row.total == matrix.row_total(row.centre.id)
    assert grid.column_totals == [matrix.column_total(c.id) for c in matrix.receiving]
    assert grid.total == sum(matrix.cells.values()) > 0
