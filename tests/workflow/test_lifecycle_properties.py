"""The lifecycle as a whole, by Hypothesis: random programs of events, clock jumps,
questions, forwards, comments and reminder runs, from both sides and every role.

After every step, for every referral:

- the state follows the table (``states.TABLE``) and refusals change nothing;
- ``version`` equals the number of the referral's events;
- every stored due date equals a recomputation from scratch, from the history;
- the list flag, the list filter, the reminders job and the report agree on who
  is overdue, and on which clock;
- recorded dates are ordered (and never in the future but the consult);
- no outbox row about a referral without an event, a comment or a reminder.

Each example works inside a savepoint that is rolled back, each step inside one
of its own, so refused steps leave nothing behind. CI settings: 100 programs
of 50 steps per database pass, in two halves, the same programs on SQLite and on
PostgreSQL (``HYPOTHESIS_PROFILE=quick`` for a fast local run, ``long`` for 500).
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from referral_app import reminders
from referral_app.business_days import add_business_days, business_days_between
from referral_app.enums import Role
from referral_app.models import Comment, Notification, Referral, ReferralEvent
from referral_app.referrals import services
from referral_app.reports import queries
from referral_app.reports.scope import Filters, Scope, referral_conditions
from referral_app.timeutil import QUEBEC_TZ, local_date
from referral_app.workflow import clocks
from referral_app.workflow.builder import Builder
from referral_app.workflow.errors import (
    IllegalTransition,
    NotPermitted,
    TransitionInputError,
    TransitionRefused,
)
from referral_app.workflow.states import ROWS, Event, ReferralState, Side

S, E = ReferralState, Event

# Programs per half and steps per program. ``ci``: two halves of 50 programs
# (different starting moments), so that both test processes share the 100, the
# same ones every run.
PROFILES = {"ci": (50, 50), "quick": (20, 30), "long": (250, 50)}
for _name, (_programs, _steps) in PROFILES.items():
    settings.register_profile(
        _name,
        max_examples=_programs,
        stateful_step_count=_steps,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=_name == "ci",
    )
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

# Quebec moments on the eve of weekends, holidays and clock changes.
STARTS = [
    dt.datetime(2024, 6, 21, 16),  # Friday before the Fête nationale (Monday 24)
    dt.datetime(2024, 6, 28, 23, 30),  # Friday night before Canada Day, already Saturday in UTC
    dt.datetime(2024, 8, 30, 9),  # before Labour Day
    dt.datetime(2024, 10, 10, 14),  # before Thanksgiving
    dt.datetime(2024, 12, 20, 11),  # before Christmas and New Year's Day
    dt.datetime(2025, 3, 7, 15),  # before the change to daylight time
    dt.datetime(2025, 4, 16, 10),  # before Good Friday and Easter Monday
    dt.datetime(2025, 5, 15, 8),  # before the Journée nationale des patriotes
    dt.datetime(2025, 10, 31, 17),  # before the change back to standard time
]
JUMPS_HOURS = [1, 5, 13, 24, 49, 72, 24 * 5, 24 * 9]
# A date is a day near a milestone (the boundaries of the rules) or far off.
ANCHORS = ["today", "today", "submitted", "decided", "consent", "enrolled"]
DATE_OFFSETS = [-400, -1, 0, 0, 1, 20, 400]
ACTORS = [
    "ref_coordinator",
    "ref_nurse",
    "ref_physician",
    "ref_manager",
    "rec_coordinator",
    "rec_nurse",
    "rec_physician_team",
    "rec_physician_off",
    "rec_manager",
    "fwd_coordinator",
    "outsider",
    "admin",
]
DATED = {
    E.SCHEDULE_CONSULT: "consult_on",
    E.RESCHEDULE_CONSULT: "consult_on",
    E.START_SCREENING: "consent_on",
    E.ENROLL: "enrolled_on",
}
ENDINGS = {E.DECLINE, E.WITHDRAW, E.SCREEN_FAIL}
SIMPLE = {E.ACKNOWLEDGE, E.ACCEPT, E.REQUEST_INFO, E.PROVIDE_INFO, E.SCREEN_FAIL, E.DECLINE}


class Cast:
    """Two receiving sites of one trial, a referring centre, outsiders, a leader."""

    def __init__(self, make, db):
        region = make.region()
        ref, rec, fwd, third = (make.centre(region) for _ in range(4))
        self.people = {
            "ref_coordinator": make.user(ref, Role.COORDINATOR),
            "ref_nurse": make.user(ref, Role.NURSE),
            "ref_physician": make.user(ref, Role.PHYSICIAN),
            "ref_manager": make.user(ref, Role.MANAGER),
            "rec_coordinator": make.user(rec, Role.COORDINATOR),
            "rec_nurse": make.user(rec, Role.NURSE),
            "rec_physician_team": make.user(rec, Role.PHYSICIAN),
            "rec_physician_off": make.user(rec, Role.PHYSICIAN),
            "rec_manager": make.user(rec, Role.MANAGER),
            "fwd_coordinator": make.user(fwd, Role.COORDINATOR),
            "fwd_manager": make.user(fwd, Role.MANAGER),
            "outsider": make.user(third, Role.COORDINATOR),
            "admin": make.user(third, Role.ADMIN),
        }
        leader = make.user(third, Role.PHYSICIAN)
        trial = make.trial(community=make.community(leader=leader))
        self.site = make.site(trial, rec)
        self.site.intake_contacts = [
            self.people["rec_coordinator"],
            self.people["rec_physician_team"],
        ]
        self.other_site = make.site(trial, fwd)
        self.third_site = make.site(trial, third)
        db.session.commit()
        # Plain values, read once: the checks below must not reload the cast.
        self.ids = {name: user.id for name, user in self.people.items()}
        self.roles = {name: user.role for name, user in self.people.items()}
        self.centre_of = {user.id: user.centre_id for user in self.people.values()}
        self.team_of = {
            site.id: {u.id for u in site.intake_contacts}
            for site in (self.site, self.other_site, self.third_site)
        }


class Lifecycle(RuleBasedStateMachine):
    starts = STARTS

    def __init__(self, cast: Cast, db, config):
        super().__init__()
        self.cast, self.db, self.config = cast, db, config
        self.example = db.session.begin_nested()
        self.ids: list[int] = []
        self.story = Builder()
        # Bumped by every step that writes; an invariant whose inputs (this and the
        # day) did not change since it last held is not recomputed.
        self.revision = 0
        self.checked: dict[str, tuple] = {}

    # -- helpers ---------------------------------------------------------------------

    @property
    def today(self) -> dt.date:
        return local_date(self.story.now)

    def referral(self, index: int) -> Referral:
        return self.db.session.get(Referral, self.ids[index % len(self.ids)])

    def step(self, action):
        """Run ``action`` in a savepoint; a domain refusal rolls it back and is returned."""
        nested = self.db.session.begin_nested()
        try:
            result = action()
        except (IllegalTransition, TransitionInputError, TransitionRefused) as error:
            nested.rollback()  # expires what the savepoint changed
            return error
        nested.commit()
        self.revision += 1
        return result

    def side(self, user, referral: Referral) -> Side | None:
        centre_id = self.cast.centre_of[user.id]
        if centre_id == referral.referring_centre_id:
            return Side.REFERRING
        if centre_id == referral.receiving_centre_id:
            return Side.RECEIVING
        return None

    def may_act(self, name: str, referral: Referral, side: Side) -> bool:
        """DESIGN §1, independently of ``permissions``: clinical staff of the side;
        physicians for the receiving side only on the site's team."""
        user_id, role = self.cast.ids[name], self.cast.roles[name]
        if role not in (Role.COORDINATOR, Role.NURSE, Role.PHYSICIAN):
            return False
        if side == Side.RECEIVING and role == Role.PHYSICIAN:
            return user_id in self.cast.team_of[referral.site_id]
        return True

    # -- rules -----------------------------------------------------------------------

    @initialize(choice=st.integers(0, 100))
    def first_draft(self, choice):
        start = self.starts[choice % len(self.starts)]
        self.story.at(start.replace(tzinfo=QUEBEC_TZ).astimezone(dt.UTC))
        self.new_draft()

    @precondition(lambda self: len(self.ids) < 4)
    @rule()
    def new_draft(self):
        referral = self.story.draft(self.cast.people["ref_coordinator"], self.cast.site)
        self.ids.append(referral.id)
        self.revision += 1

    @rule(hours=st.sampled_from(JUMPS_HOURS))
    def time_passes(self, hours):
        self.story.advance(hours=hours)

    @rule(
        index=st.integers(0, 3),
        event=st.sampled_from(list(Event)),
        actor=st.sampled_from(ACTORS),
        offset=st.tuples(st.sampled_from(ANCHORS), st.sampled_from(DATE_OFFSETS)),
        where=st.sampled_from(["other", "same", "third"]),
    )
    def fire(self, index, event, actor, offset, where):
        """Any event by anyone: mostly refusals, which must change nothing."""
        self.attempt(self.referral(index), event, actor, offset, where)

    LEGAL = {
        "index": st.integers(0, 3),
        "choices": st.lists(st.integers(0, 1000), min_size=1, max_size=4),
        "offset": st.tuples(st.sampled_from(ANCHORS), st.sampled_from([-1, 0, 0, 1, 3])),
        "where": st.sampled_from(["other", "other", "third", "same"]),
        "hours": st.sampled_from([0, 1, 4, 20, 49, 73]),
    }

    # Rules are drawn evenly: legal moves are three rules so that programs go deep.
    @rule(**LEGAL)
    def act(self, **kw):
        self.legal_moves(**kw)

    @rule(**LEGAL)
    def act_again(self, **kw):
        self.legal_moves(**kw)

    @rule(**LEGAL)
    def act_once_more(self, **kw):
        self.legal_moves(**kw)

    def legal_moves(self, index, choices, offset, where, hours):
        """A few events the table allows, each by someone who may fire it."""
        for choice in choices:
            referral = self.referral(index)
            legal = {
                event: [
                    name
                    for name in ACTORS
                    if self.side(self.cast.people[name], referral) == side
                    and self.may_act(name, referral, side)
                ]
                for (state, event, side) in ROWS
                if state == referral.state
            }
            # Moves that keep the referral going weigh three times the ones that end it.
            events = [
                e
                for e in sorted(e for e, names in legal.items() if names)
                for _ in range(1 if e in ENDINGS else 3)
            ]
            if not events:
                return
            event = events[choice % len(events)]
            names = legal[event]
            self.attempt(referral, event, names[choice // len(events) % len(names)], offset, where)
            self.story.advance(hours=hours)

    def attempt(self, referral, event, actor, offset, where):
        before = (referral.state, referral.version, len(referral.events))
        user = self.cast.people[actor]
        side = self.side(user, referral)
        row = ROWS.get((referral.state, event, side)) if side else None
        allowed = row is not None and self.may_act(actor, referral, side)
        fields = self.fields_for(referral, event, side, offset, where)
        expected = row.target if row else None
        if row is not None and row.target is None:
            expected = referral.state_before_info
        outcome = self.step(lambda: self.story.apply(referral, event, user, **fields))

        if isinstance(outcome, Exception):
            hypothesis_event(f"{event.value}: refused ({type(outcome).__name__})")
            assert (referral.state, referral.version, len(referral.events)) == before
            if not allowed:
                assert isinstance(outcome, IllegalTransition), outcome
                assert isinstance(outcome, NotPermitted) == (
                    any(s == before[0] and e == event for (s, e, _sd) in ROWS)
                ), outcome
            else:
                assert not self.must_succeed(referral, event, side, fields), outcome
            return
        assert allowed, f"{event} by {actor} in {before[0]} should be refused"
        assert referral.state == expected
        hypothesis_event(f"{event.value}: applied, now {referral.state.value}")
        if event == E.REDIRECT:
            self.ids.append(outcome.data["new_referral_id"])

    @rule(index=st.integers(0, 3), actor=st.sampled_from(ACTORS))
    def comment(self, index, actor):
        referral = self.referral(index)
        user = self.cast.people[actor]
        from referral_app.workflow import engine

        self.step(lambda: engine.add_comment(referral, user, "Vu.", now=self.story.now))

    @rule()
    def reminders_run(self):
        reminders.run(now=self.story.now)
        self.revision += 1

    # -- what the rules need -------------------------------------------------------------

    def anchor_date(self, referral, anchor: str) -> dt.date:
        moments = {
            "submitted": referral.submitted_at,
            "decided": referral.decided_at,
            "consent": referral.consent_on,
            "enrolled": referral.enrolled_on,
        }
        moment = moments.get(anchor)
        return local_date(moment) if moment is not None else self.today

    def fields_for(self, referral, event, side, offset, target) -> dict:
        anchor, days = offset
        day = (self.anchor_date(referral, anchor) + dt.timedelta(days=days)).isoformat()
        sites = {
            "other": self.cast.other_site
            if referral.site_id == self.cast.site.id
            else self.cast.site,
            "same": referral.site,
            "third": self.cast.third_site,
        }
        if event in DATED:
            return {DATED[event]: day, "note": "Raison."}
        if event == E.CORRECT_DATE:
            recorded = [
                n for n in ("consent_on", "enrolled_on", "consult_on") if getattr(referral, n)
            ]
            return {
                "date_field": recorded[days % len(recorded)] if recorded else "consent_on",
                "new_date": day,
                "note": "Erreur de saisie.",
            }
        if event == E.FORWARD:
            return {"target_site_id": sites[target].id}
        if event == E.REDIRECT:
            return {"site_id": sites[target].id}
        if event == E.WITHDRAW and side == Side.RECEIVING:
            return {"reason_code": "patient_unreachable"}
        return {}

    def must_succeed(self, referral, event, side, fields) -> bool:
        """For events whose only guards are the date rules (or none), whether the
        test's own reading of the rules says the engine had to accept."""
        if event in SIMPLE or event == E.WITHDRAW or event == E.SAVE_DRAFT:
            return True
        if event in DATED:
            name = DATED[event]
            return self.date_is_sensible(referral, name, dt.date.fromisoformat(fields[name]))
        if event == E.CORRECT_DATE:
            name = fields["date_field"]
            return getattr(referral, name) is not None and self.date_is_sensible(
                referral, name, dt.date.fromisoformat(fields["new_date"])
            )
        return False  # guards of their own (submit, forward, redirect)

    def date_is_sensible(self, referral, name, value) -> bool:
        submitted = local_date(referral.submitted_at)
        if value < submitted:
            return False
        if name == "consult_on":
            return value <= self.today + dt.timedelta(days=366)
        if value > self.today:
            return False
        if name == "consent_on":
            decided = local_date(referral.decided_at)
            return value >= decided and not (referral.enrolled_on and value > referral.enrolled_on)
        return not referral.consent_on or value >= referral.consent_on

    # -- invariants ------------------------------------------------------------------------

    def unchanged(self, name: str, *, by_day: bool = False) -> bool:
        """True when ``name`` already held for the same data (and day)."""
        key = (self.revision, self.today if by_day else None)
        if self.checked.get(name) == key:
            return True
        self.checked[name] = key
        return False

    def referrals(self) -> list[Referral]:
        return [self.db.session.get(Referral, i) for i in self.ids]

    @invariant()
    def version_counts_events(self):
        if self.unchanged("version_counts_events"):
            return
        for referral in self.referrals():
            assert referral.version == len(referral.events), referral.id

    @invariant()
    def stored_dates_equal_a_recomputation(self):
        if self.unchanged("stored_dates_equal_a_recomputation"):
            return
        for referral in self.referrals():
            assert _dates(referral) == _recomputed(referral.events, self.config), referral.id

    @invariant()
    def everyone_agrees_on_who_is_overdue(self):
        if self.unchanged("everyone_agrees_on_who_is_overdue", by_day=True):
            return
        today = self.today
        for r in self.referrals():
            if clocks.overdue_kind(r, today):
                hypothesis_event(f"overdue: {clocks.overdue_kind(r, today)}")
        referrals = [r for r in self.referrals() if r.state != S.DRAFT]
        flagged = {r.id: {c.name for c in clocks.overdue_clocks(r, today)} for r in referrals}
        first = {r.id: clocks.overdue_kind(r, today) for r in referrals}
        reminded = {
            (d.referral.id, d.clock.name)
            for d in reminders.past_thresholds(today, for_sending=False)
            if d.threshold is d.clock.reminder
        }
        assert reminded == {(i, name) for i, names in flagged.items() for name in names}
        report = queries.overdue(referral_conditions(Scope("network"), Filters()), today, None)
        assert {(row.referral_id, row.kind) for row in report.rows} == {
            (i, kind) for i, kind in first.items() if kind
        }
        assert report.total == sum(1 for kind in first.values() if kind)
        incoming = set()  # a coordinator of each site's centre (redirects go to the third)
        for user in (
            self.cast.people[n] for n in ("rec_coordinator", "fwd_coordinator", "outsider")
        ):
            incoming |= set(
                self.db.session.scalars(
                    services.incoming_query(user, overdue=True, today=today).with_only_columns(
                        Referral.id
                    )
                )
            )
        receiving = {c.name for c in clocks.CLOCKS if c.owner == Side.RECEIVING}
        assert incoming == {i for i, names in flagged.items() if names & receiving}

    @invariant()
    def dates_are_ordered(self):
        if self.unchanged("dates_are_ordered", by_day=True):
            return
        for r in self.referrals():
            if r.state == S.DRAFT:
                continue
            submitted = local_date(r.submitted_at)
            for name in ("consult_on", "consent_on", "enrolled_on"):
                value = getattr(r, name)
                assert value is None or value >= submitted, (r.id, name)
            if r.consent_on:
                assert r.consent_on >= local_date(r.decided_at) and r.consent_on <= self.today
            if r.enrolled_on:
                assert r.enrolled_on >= r.consent_on and r.enrolled_on <= self.today

    @invariant()
    def no_outbox_row_without_a_cause(self):
        if self.unchanged("no_outbox_row_without_a_cause"):
            return
        rows = self.db.session.scalars(
            sa.select(Notification).where(Notification.referral_id.in_(self.ids))
        )
        kinds = {t.kind for t in clocks.THRESHOLDS}
        for row in rows:
            context = row.context
            if "event_id" in context:
                event = self.db.session.get(ReferralEvent, context["event_id"])
                assert event is not None and event.referral_id == row.referral_id
            elif "comment_id" in context:
                assert self.db.session.get(Comment, context["comment_id"]) is not None
            else:
                assert row.kind in kinds and context.get("due_on"), row.kind

    def teardown(self):
        self.example.rollback()
        self.db.session.expire_all()  # nothing of this example may linger


def _dates(referral: Referral) -> dict:
    names = (
        "ack_due_on",
        "ack_escalation_on",
        "decision_due_on",
        "decision_escalation_on",
        "info_due_on",
        "paused_business_days",
    )
    return {n: getattr(referral, n) for n in names}


def _recomputed(events: list[ReferralEvent], config) -> dict:
    """Every clock's dates from the history alone (DESIGN §3), not from ``clocks``.

    Receiving clocks count from the last submission or forward, plus the business
    days waited for answers since then; the answer clock from the last question.
    """
    start, asked, paused_since_start, paused_total = None, None, 0, 0
    for event in sorted(events, key=lambda e: e.id):
        entering = event.to_state == S.INFO_REQUESTED and event.from_state != S.INFO_REQUESTED
        leaving = event.from_state == S.INFO_REQUESTED and event.to_state != S.INFO_REQUESTED
        if leaving:
            waited = business_days_between(asked, event.created_at)
            paused_since_start += waited
            paused_total += waited
        if entering:
            asked = event.created_at
        if event.event in (E.SUBMIT.value, E.FORWARD.value):
            start, paused_since_start = event.created_at, 0
    if start is None:
        return dict.fromkeys(
            (
                "ack_due_on",
                "ack_escalation_on",
                "decision_due_on",
                "decision_escalation_on",
                "info_due_on",
            ),
            None,
        ) | {"paused_business_days": 0}

    def after(days):
        return add_business_days(start, days + paused_since_start)

    return {
        "ack_due_on": after(config["ACK_REMINDER_BUSINESS_DAYS"]),
        "ack_escalation_on": after(config["ACK_ESCALATION_BUSINESS_DAYS"]),
        "decision_due_on": after(config["DECISION_TARGET_BUSINESS_DAYS"]),
        "decision_escalation_on": after(
            config["DECISION_TARGET_BUSINESS_DAYS"] + config["DECISION_ESCALATION_BUSINESS_DAYS"]
        ),
        "info_due_on": add_business_days(asked, config["INFO_REMINDER_BUSINESS_DAYS"])
        if asked
        else None,
        "paused_business_days": paused_total,
    }


@pytest.mark.parametrize("half", [0, 1])
def test_the_lifecycle_holds_under_random_programs(app, db, make, half):
    cast = Cast(make, db)

    class Half(Lifecycle):
        starts = STARTS[half::2]

    run_state_machine_as_test(
        lambda: Half(cast, db, app.config), settings=settings.get_profile(PROFILE)
    )
