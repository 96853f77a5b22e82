"""Every (state, event, side and role) of the state machine, legal and illegal.

The expectation comes from DESIGN §3 written out independently of the table in
``workflow.py``, so a wrong row in the table fails here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from referral_app.models import Notification, ReferralEvent, ReferralState
from referral_app.workflow import engine, errors, spec
from referral_app.workflow.errors import IllegalTransition, NotPermitted
from referral_app.workflow.states import Event
from tests.referrals.conftest import valid_data

S = ReferralState
OPEN = ["submitted", "acknowledged", "info_requested", "accepted", "scheduled", "screening"]

# DESIGN §3: (from, event) -> (to, side). "back" = the state before info was requested.
EXPECTED = {
    ("draft", "submit"): ("submitted", "referring"),
    ("submitted", "acknowledge"): ("acknowledged", "receiving"),
    ("submitted", "forward"): ("submitted", "receiving"),
    ("acknowledged", "forward"): ("submitted", "receiving"),
    ("submitted", "request_info"): ("info_requested", "receiving"),
    ("acknowledged", "request_info"): ("info_requested", "receiving"),
    ("accepted", "request_info"): ("info_requested", "receiving"),
    ("info_requested", "provide_info"): ("back", "referring"),
    ("submitted", "accept"): ("accepted", "receiving"),
    ("acknowledged", "accept"): ("accepted", "receiving"),
    ("submitted", "decline"): ("declined", "receiving"),
    ("acknowledged", "decline"): ("declined", "receiving"),
    ("info_requested", "decline"): ("declined", "receiving"),
    ("accepted", "schedule_consult"): ("scheduled", "receiving"),
    ("accepted", "start_screening"): ("screening", "receiving"),
    ("scheduled", "start_screening"): ("screening", "receiving"),
    ("screening", "enroll"): ("enrolled", "receiving"),
    ("screening", "screen_fail"): ("screen_failed", "receiving"),
    # Issue 9: drafts are edited by an event; a consult is rescheduled and a
    # recorded date corrected by the receiving side; a closed referral redirected.
    ("draft", "save_draft"): ("draft", "referring"),
    ("scheduled", "reschedule_consult"): ("scheduled", "receiving"),
    ("screening", "correct_date"): ("screening", "receiving"),
    ("enrolled", "correct_date"): ("enrolled", "receiving"),
    ("screen_failed", "correct_date"): ("screen_failed", "receiving"),
    ("declined", "redirect"): ("declined", "referring"),
    ("screen_failed", "redirect"): ("screen_failed", "referring"),
    ("withdrawn", "redirect"): ("withdrawn", "referring"),
}
for _state in OPEN:
    EXPECTED[(_state, "withdraw")] = ("withdrawn", "both")
# Who is told nothing: a draft is the referrer's own; a redirect drafts anew.
SILENT = {"save_draft", "redirect"}

# Who may act for a side: clinical staff; on the receiving side physicians only on the team.
ACTORS = {
    "referring": ["coordinator", "physician", "manager"],
    "receiving": ["coordinator", "nurse", "physician_on_team", "physician_off_team", "manager"],
    "outsider": ["coordinator", "admin"],
}
ALLOWED_ROLES = {
    "referring": {"coordinator", "physician"},
    "receiving": {"coordinator", "nurse", "physician_on_team"},
    "outsider": set(),
}


def _expected(state: str, event: str, side: str, role: str) -> str | None:
    """The target state if legal for this actor, else None."""
    row = EXPECTED.get((state, event))
    if row is None or side == "outsider":
        return None
    target, allowed_side = row
    if allowed_side not in (side, "both") or role not in ALLOWED_ROLES[side]:
        return None
    return target


def test_the_table_is_exactly_the_design():
    table = {(s.value, e.value, sd.value) for (s, e, sd) in spec.TRANSITIONS if s is not None}
    expected = set()
    for (state, event), (_to, side) in EXPECTED.items():
        for one in ("referring", "receiving") if side == "both" else (side,):
            expected.add((state, event, one))
    assert table == expected


@pytest.mark.parametrize(
    ("state", "event"),
    sorted(EXPECTED),
    ids=[f"{state}-{event}" for state, event in sorted(EXPECTED)],
)
def test_legal_event_for_each_side_and_role(cast, db, state, event):
    """A row of the table: every role of every side, on a fresh referral each."""
    for side, roles in ACTORS.items():
        for role in roles:
            target = _expected(state, event, side, role)
            _check_one(cast, db, state, event, getattr(cast, side)[role], target)


@pytest.mark.parametrize("state", [s.value for s in ReferralState])
def test_events_outside_the_table_are_illegal_for_everyone(cast, db, state):
    """Every (state, event) not in the table, for every side and role: refused."""
    illegal = [e.value for e in Event if (state, e.value) not in EXPECTED]
    assert illegal
    referral = cast.referral(state)  # refusals change nothing, so one referral serves all
    db.session.commit()
    version = referral.version
    events_before = db.session.scalar(select(func.count(ReferralEvent.id)))
    for event in illegal:
        data = valid_data(event, cast, referral)
        for side, roles in ACTORS.items():
            for role in roles:
                with pytest.raises(IllegalTransition) as caught:
                    engine.apply_event(
                        referral, event, getattr(cast, side)[role], version=version, data=data
                    )
                assert not isinstance(caught.value, NotPermitted)  # no row at all
    db.session.rollback()
    db.session.refresh(referral)
    assert (referral.state, referral.version) == (S(state), version)
    assert db.session.scalar(select(func.count(ReferralEvent.id))) == events_before


def test_every_state_event_pair_is_covered():
    covered = set(EXPECTED) | {
        (s.value, e.value)
        for s in ReferralState
        for e in Event
        if (s.value, e.value) not in EXPECTED
    }
    assert covered == {(s.value, e.value) for s in ReferralState for e in Event}


def _check_one(cast, db, state, event, actor, target, referral=None):
    referral = referral or cast.referral(state)
    db.session.commit()
    version = referral.version
    events_before = db.session.scalar(select(func.count(ReferralEvent.id)))
    data = valid_data(event, cast, referral)

    if target is None:
        with pytest.raises(IllegalTransition) as caught:
            engine.apply_event(referral, event, actor, version=version, data=data)
        assert isinstance(caught.value, NotPermitted) == ((state, event) in EXPECTED)
        db.session.rollback()
        db.session.refresh(referral)
        assert referral.state == S(state)
        assert referral.version == version
        assert db.session.scalar(select(func.count(ReferralEvent.id))) == events_before
        return

    row = engine.apply_event(referral, event, actor, version=version, data=data)
    db.session.commit()
    db.session.refresh(referral)
    if target == "back":
        target = "acknowledged"  # the factory's info request came from acknowledged
    assert referral.state == S(target)
    assert referral.version == version + 1
    assert (row.from_state, row.to_state, row.actor_id) == (S(state), S(target), actor.id)
    outbox = db.session.scalars(
        select(Notification).where(Notification.dedupe_key.like(f"referral-event:{row.id}:%"))
    ).all()
    assert bool(outbox) == (event not in SILENT), "every transition tells someone"
    assert all(n.status.value in ("pending", "digest") for n in outbox)
    assert actor.id not in {n.recipient_id for n in outbox}
    if target in ("declined", "enrolled", "screen_failed", "withdrawn") and state != target:
        assert referral.closed_at is not None and referral.outcome_reason
        if actor.id != referral.referring_user_id:
            assert referral.referring_user_id in {n.recipient_id for n in outbox}


@pytest.mark.parametrize(
    "transition",
    [t for t in spec.TRANSITIONS.values() if any(f.required for f in t.fields)],
    ids=lambda t: f"{t.source.value}-{t.event.value}-{t.side.value}",
)
def test_required_fields_are_required(cast, db, transition):
    referral = cast.referral(transition.source)
    db.session.commit()
    actor = getattr(cast, transition.side.value)["coordinator"]
    with pytest.raises(errors.TransitionInputError) as caught:
        engine.apply_event(referral, transition.event, actor, version=referral.version, data={})
    required = {f.name for f in transition.fields if f.required}
    assert set(caught.value.fields) == required
    db.session.rollback()
    db.session.refresh(referral)
    assert referral.state == transition.source
