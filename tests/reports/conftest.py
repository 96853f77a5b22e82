"""A small hand-made network of referrals whose report figures are worked out by hand.

Each referral is driven through the workflow engine (``workflow.builder``), one
event at each milestone of the table below, so what the reports read (states,
milestones, stored durations and due dates) is what the product writes. Ids
follow the names (R1 is referral 1), hence the references: ``REF-`` + the Quebec
year of submission + the id (R10, submitted in 2024, is ``REF-2024-000010``).

Centres: A and B in Montréal, C in Estrie, D in Capitale-Nationale.
Trials: T1 (lung; sites B, C), T2 (breast; sites A, C), T3 (lung, niche; sites B, D),
T4 (breast, niche; site C). Lung's leader works at D; ``manager`` manages A.

=====  =====  =====  ==============  ===========  ===========================================
ref    from   to     trial           state        milestones (2024-12 .. 2025-06, 14:00 UTC)
=====  =====  =====  ==============  ===========  ===========================================
R1     A      B      T1 (urgent)     enrolled     sub 03-03, ack 03-04, acc 03-06, scr 03-10,
                                                  enrolled on 03-14
R2     A      C      T2              declined     sub 03-05, declined 03-07 (not_eligible)
R3     C      B      T1              screen fail  sub 04-14, ack 04-15, acc 04-22, scr 04-28
                                                  (laboratory)
R4     D      B      T3 (urgent)     accepted     sub 05-05, ack 05-05, acc 05-07
R5     B      A      T2              submitted    sub 06-02 (acknowledgement overdue on 06-16)
R6     C      D      T3              withdrawn    sub 05-12, ack 05-13, closed 05-20
                                                  (patient_declined)
R7     B      C      T4              info req.    sub 06-09, ack 06-10, info requested 06-11
R8     D      C      T1              acknowl.     sub 06-04, ack 06-05 (decision overdue on 06-16)
R9     A      B      T1              draft        (never counted)
R10    B      D      T3              declined     sub 2024-12-16, declined 12-27 (no_capacity),
                                                  2 business days paused for information
R11    C      A      T2              enrolled     sub 01-06, ack 01-07, acc 01-09, scr 01-13,
                                                  enrolled on 02-03
R12    A      B      T1              submitted    sub 06-12 (not overdue on 06-16)
=====  =====  =====  ==============  ===========  ===========================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from referral_app.business_days import add_business_days
from referral_app.models import (
    Centre,
    Community,
    Language,
    Referral,
    ReferralState,
    Role,
    Trial,
    TrialSite,
    Urgency,
    User,
)
from referral_app.workflow.builder import Builder, receiving_actor

S = ReferralState
TODAY = dt.date(2025, 6, 16)  # a Monday: "now" for the overdue figures


def at(day: str, hour: int = 14) -> dt.datetime:
    """``"2025-03-03"`` → 2025-03-03 14:00 UTC (10:00 in Quebec: the same calendar day)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)


def add_referral(
    session,
    *,
    site: TrialSite,
    referrer: User,
    state: ReferralState,
    submitted: dt.datetime | None = None,
    acknowledged: dt.datetime | None = None,
    info_requested: dt.datetime | None = None,
    decided: dt.datetime | None = None,
    screening: dt.datetime | None = None,
    enrolled_on: dt.date | None = None,
    closed: dt.datetime | None = None,
    reason: str | None = None,
    paused: int = 0,
    urgency: Urgency = Urgency.ROUTINE,
    identifiers=True,
) -> Referral:
    """A referral taken to ``state`` through the workflow engine, one event per
    milestone given, each at its moment (``workflow.builder``).

    ``paused``: a question asked the day after the submission and answered that
    many business days later, before the decision.
    """
    story = Builder(now=(submitted or at("2025-06-01")) - dt.timedelta(hours=2))
    referral = story.draft(
        referrer,
        site,
        {"urgency": urgency.value, "diagnosis": "NSCLC adenocarcinoma", "stage": "IV"},
        identifiers=identifiers,
    )
    receiver = receiving_actor(referral)
    steps = _steps(
        state, submitted, acknowledged, info_requested, decided, screening, enrolled_on, closed
    )
    for event, moment, fields in steps:
        if event == "decline" and paused:
            asked = submitted + dt.timedelta(days=1)
            story.at(asked).apply(referral, "request_info", receiver)
            answered = dt.datetime.combine(add_business_days(asked, paused), asked.timetz())
            story.at(answered).apply(referral, "provide_info", referrer)
        if reason and event in ("decline", "screen_fail", "withdraw"):
            fields = {**fields, "reason_code": reason}
        actor = referrer if event in ("submit", "withdraw", "provide_info") else receiver
        story.at(moment).apply(referral, event, actor, **fields)
    assert referral.state == state, (referral.state, state)
    session.flush()
    return referral


def _steps(state, submitted, acknowledged, info_requested, decided, screening, enrolled_on, closed):
    """(event, moment, fields) of each milestone given, in time order."""
    if submitted is None:
        return []
    steps = [("submit", submitted, {})]
    if acknowledged:
        steps.append(("acknowledge", acknowledged, {}))
    if info_requested:
        steps.append(("request_info", info_requested, {}))
    if decided:
        steps.append(("decline" if state == S.DECLINED else "accept", decided, {}))
    if screening:
        steps.append(("start_screening", screening, {"consent_on": screening.date()}))
    if state == S.ENROLLED:
        steps.append(("enroll", at(enrolled_on.isoformat()), {"enrolled_on": enrolled_on}))
    elif state in (S.SCREEN_FAILED, S.WITHDRAWN):
        steps.append(("screen_fail" if state == S.SCREEN_FAILED else "withdraw", closed, {}))
    return steps


@dataclass
class Network:
    centres: dict[str, Centre]
    trials: dict[str, Trial]
    sites: dict[tuple[str, str], TrialSite]
    lung: Community
    breast: Community
    manager: User  # manager of A
    admin: User
    leader: User  # leader of lung, at D
    coordinators: dict[str, User]
    referrals: dict[str, Referral]


@pytest.fixture
def network(make, db) -> Network:
    montreal = make.region(code="MTL", name="Montréal")
    estrie = make.region(code="EST", name="Estrie")
    quebec = make.region(code="QC", name="Capitale-Nationale")
    centres = {
        "A": make.centre(montreal, short_name="A", name="Centre A"),
        "B": make.centre(montreal, short_name="B", name="Centre B"),
        "C": make.centre(estrie, short_name="C", name="Centre C"),
        "D": make.centre(quebec, short_name="D", name="Centre D"),
    }
    en = Language.EN  # English pages: the tests read the labels' msgids
    coordinators = {key: make.user(centre, language=en) for key, centre in centres.items()}
    manager = make.user(centres["A"], role=Role.MANAGER, language=en)
    admin = make.user(centres["B"], role=Role.ADMIN, language=en)
    leader = make.user(centres["D"], role=Role.PHYSICIAN, language=en)
    lung = make.community(slug="lung", name_fr="Poumon", name_en="Lung", leader_id=leader.id)
    breast = make.community(slug="breast", name_fr="Sein", name_en="Breast")
    trials = {
        "T1": make.trial(lung, acronym="T1"),
        "T2": make.trial(breast, acronym="T2"),
        "T3": make.trial(lung, acronym="T3", is_niche=True),
        "T4": make.trial(breast, acronym="T4", is_niche=True),
    }
    sites = {
        (trial, centre): make.site(trials[trial], centres[centre])
        for trial, centre in [
            ("T1", "B"),
            ("T1", "C"),
            ("T2", "A"),
            ("T2", "C"),
            ("T3", "B"),
            ("T3", "D"),
            ("T4", "C"),
        ]
    }

    def add(name, trial, to, by, state, **kw):
        return add_referral(
            db.session,
            site=sites[(trial, to)],
            referrer=coordinators[by],
            state=state,
            **kw,
        )

    referrals = {
        "R1": add(
            "R1", "T1", "B", "A", S.ENROLLED,
            submitted=at("2025-03-03"), acknowledged=at("2025-03-04"),
            decided=at("2025-03-06"), screening=at("2025-03-10"),
            enrolled_on=dt.date(2025, 3, 14), closed=at("2025-03-14"),
            reason="enrolled", urgency=Urgency.URGENT,
        ),
        "R2": add(
            "R2", "T2", "C", "A", S.DECLINED,
            submitted=at("2025-03-05"), decided=at("2025-03-07"), closed=at("2025-03-07"),
            reason="not_eligible",
        ),
        "R3": add(
            "R3", "T1", "B", "C", S.SCREEN_FAILED,
            submitted=at("2025-04-14"), acknowledged=at("2025-04-15"),
            decided=at("2025-04-22"), screening=at("2025-04-28"), closed=at("2025-05-02"),
            reason="laboratory",
        ),
        "R4": add(
            "R4", "T3", "B", "D", S.ACCEPTED,
            submitted=at("2025-05-05"), acknowledged=at("2025-05-05", 18),
            decided=at("2025-05-07"), urgency=Urgency.URGENT,
        ),
        "R5": add("R5", "T2", "A", "B", S.SUBMITTED, submitted=at("2025-06-02")),
        "R6": add(
            "R6", "T3", "D", "C", S.WITHDRAWN,
            submitted=at("2025-05-12"), acknowledged=at("2025-05-13"), closed=at("2025-05-20"),
            reason="patient_declined",
        ),
        "R7": add(
            "R7", "T4", "C", "B", S.INFO_REQUESTED,
            submitted=at("2025-06-09"), acknowledged=at("2025-06-10"),
            info_requested=at("2025-06-11"),
        ),
        "R8": add(
            "R8", "T1", "C", "D", S.ACKNOWLEDGED,
            submitted=at("2025-06-04"), acknowledged=at("2025-06-05"),
        ),
        "R9": add("R9", "T1", "B", "A", S.DRAFT),
        "R10": add(
            "R10", "T3", "D", "B", S.DECLINED,
            submitted=at("2024-12-16"), decided=at("2024-12-27"), closed=at("2024-12-27"),
            reason="no_capacity", paused=2,
        ),
        "R11": add(
            "R11", "T2", "A", "C", S.ENROLLED,
            submitted=at("2025-01-06"), acknowledged=at("2025-01-07"),
            decided=at("2025-01-09"), screening=at("2025-01-13"),
            enrolled_on=dt.date(2025, 2, 3), closed=at("2025-02-03"), reason="enrolled",
        ),
        "R12": add("R12", "T1", "B", "A", S.SUBMITTED, submitted=at("2025-06-12")),
    }  # fmt: skip
    db.session.commit()
    return Network(
        centres=centres,
        trials=trials,
        sites=sites,
        lung=lung,
        breast=breast,
        manager=manager,
        admin=admin,
        leader=leader,
        coordinators=coordinators,
        referrals=referrals,
    )
