"""Referral histories built by driving ``apply_event`` with a clock you move.

The one way to make a referral in a given state for the demo seed, the tests and
the benchmark's samples: every referral it makes has gone through the engine, so
its milestones, stored due dates, durations, version, events and outbox rows
are what the product itself would have written.

    story = Builder(now=moment)
    referral = story.referral("accepted", site=site, referrer=alice)
    story.advance(days=2)
    story.apply(referral, "schedule_consult", bob, consult_on="2025-03-12")

``referral(state)`` follows the usual path to ``state`` (``path_to``), one
``step`` apart, with plausible values for each event's fields; give ``path`` to
take another way. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from referral_app import patient_data
from referral_app.enums import INTAKE_ROLES, Role
from referral_app.extensions import db
from referral_app.models import Referral, ReferralEvent, TrialSite, User
from referral_app.timeutil import local_date, utcnow
from referral_app.workflow import drafts, engine
from referral_app.workflow.states import (
    INITIAL_STATE,
    TABLE,
    Event,
    ReferralState,
    Side,
)

# Events that do not move a referral along its path.
_NOT_ON_PATHS = frozenset(
    {Event.SAVE_DRAFT, Event.REDIRECT, Event.CORRECT_DATE, Event.FORWARD, Event.RESCHEDULE_CONSULT}
)


def _shortest(start: ReferralState, goal: ReferralState) -> list[Event] | None:
    """The shortest list of events from ``start`` to ``goal`` (table order breaks ties)."""
    seen, queue = {start}, deque([(start, [])])
    while queue:
        state, events = queue.popleft()
        if state == goal:
            return events
        for row in TABLE:
            if row.source != state or row.event in _NOT_ON_PATHS or row.target is None:
                continue
            if row.target not in seen:
                seen.add(row.target)
                queue.append((row.target, [*events, row.event]))
    return None


def path_to(state: ReferralState | str) -> list[Event]:
    """The usual way to ``state``: submitted, then acknowledged when it can be."""
    state = ReferralState(state)
    if state == INITIAL_STATE:
        return []
    through_ack = _shortest(ReferralState.ACKNOWLEDGED, state)
    if through_ack is not None:
        return [Event.SUBMIT, Event.ACKNOWLEDGE, *through_ack]
    return _shortest(INITIAL_STATE, state) or []


_patients = itertools.count(1)


def fictional_identifiers(n: int | None = None) -> patient_data.PatientIdentifiers:
    """A made-up patient whose health-insurance number fits its date of birth."""
    n = next(_patients) if n is None else n
    born = dt.date(1930 + n % 67, 1 + n % 12, 1 + n % 28)
    hin = f"FICT{born:%y%m%d}{(n // 2100) % 100:02d}"
    return patient_data.PatientIdentifiers(
        name=f"Patient fictif {n}", date_of_birth=born, health_insurance_number=hin
    )


def complete_summary(region_id: int | None) -> dict[str, Any]:
    """Draft data a submission accepts (consent, region, summary)."""
    return {
        "urgency": "routine",
        "patient_consent": True,
        "patient_region_id": region_id,
        "diagnosis": "Non-small cell lung cancer",
        "histology": "Adenocarcinoma",
        "stage": "IV",
        "biomarkers": "EGFR exon 19 deletion",
        "ecog": 1,
        "prior_lines": 1,
    }


def api_referral_body(site_id: int, region_id: int | None, n: int, **changes: Any) -> dict:
    """A ``POST /api/v1/referrals`` body that creates and submits a referral of the
    fictional patient ``n`` (the benchmarks' and the tests' one write)."""
    patient = fictional_identifiers(n)
    return {
        "site_id": site_id,
        **complete_summary(region_id),
        "patient": {
            "name": patient.name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "health_insurance_number": patient.health_insurance_number,
            "phone": "514-555-0199",
        },
        "submit": True,
        **changes,
    }


def identifier_data(identifiers: patient_data.PatientIdentifiers) -> dict[str, Any]:
    return {
        "patient_name": identifiers.name,
        "date_of_birth": identifiers.date_of_birth,
        "health_insurance_number": identifiers.health_insurance_number,
        "phone": identifiers.phone,
    }


class Builder:
    """Apply events at moments you choose; ``now`` is the builder's clock."""

    def __init__(self, now: dt.datetime | None = None):
        self.now = now or utcnow()

    # -- the clock
    def at(self, moment: dt.datetime) -> Builder:
        self.now = moment
        return self

    def advance(self, delta: dt.timedelta | None = None, **kw: float) -> Builder:
        self.now += delta or dt.timedelta(**kw)
        return self

    # -- one step
    def draft(
        self,
        referrer: User,
        site: TrialSite,
        data: Mapping[str, Any] | None = None,
        *,
        identifiers: patient_data.PatientIdentifiers | bool = True,
    ) -> Referral:
        """A draft with a complete summary (and a fictional patient unless told)."""
        values = complete_summary(referrer.centre.region_id)
        if identifiers is True:
            identifiers = fictional_identifiers()
        if identifiers:
            values.update(identifier_data(identifiers))
        values.update(data or {})
        return drafts.create_draft(referrer, site, values, now=self.now)

    def apply(
        self, referral: Referral, event: Event | str, actor: User, **fields: Any
    ) -> ReferralEvent:
        """Fire ``event`` now, with plausible values for the fields not given."""
        event = Event(event)
        values = {**self.default_fields(referral, event), **fields}
        return engine.apply_event(
            referral, event, actor, version=referral.version, data=values, now=self.now
        )

    def default_fields(self, referral: Referral, event: Event) -> dict[str, Any]:
        today = local_date(self.now)
        return {
            Event.FORWARD: {"note": "Closer to the patient's home."},
            Event.REQUEST_INFO: {"note": "Latest CT report?"},
            Event.PROVIDE_INFO: {"note": "Sent through the chart."},
            Event.DECLINE: {"reason_code": "not_eligible", "note": "EGFR negative."},
            Event.SCHEDULE_CONSULT: {"consult_on": today + dt.timedelta(days=3)},
            Event.RESCHEDULE_CONSULT: {
                "consult_on": today + dt.timedelta(days=7),
                "note": "The patient asked for a later date.",
            },
            Event.START_SCREENING: {"consent_on": today},
            Event.ENROLL: {"enrolled_on": today, "study_subject_id": f"S-{referral.id:05d}"},
            Event.SCREEN_FAIL: {"reason_code": "inclusion_not_met", "note": "Prior therapy."},
            Event.WITHDRAW: {"reason_code": "patient_declined"},
        }.get(event, {})

    # -- a whole history
    def referral(
        self,
        state: ReferralState | str = ReferralState.SUBMITTED,
        *,
        site: TrialSite,
        referrer: User,
        receiver: User | None = None,
        submitted_at: dt.datetime | None = None,
        step: dt.timedelta = dt.timedelta(days=1),
        path: Iterable[Event | str] | None = None,
        data: Mapping[str, Any] | None = None,
        identifiers: patient_data.PatientIdentifiers | bool = True,
        fields: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Referral:
        """A referral taken to ``state`` through the engine.

        The draft is saved one ``step`` before ``submitted_at`` (default: now);
        each later event is one ``step`` after the one before, and the builder's
        clock is left at the last one. ``fields`` gives an event's values by name.
        """
        if submitted_at is not None:
            self.now = submitted_at - step
        referral = self.draft(referrer, site, data, identifiers=identifiers)
        receiver = receiver or receiving_actor(referral)
        events = [Event(e) for e in path] if path is not None else path_to(state)
        for index, event in enumerate(events):
            if index or submitted_at is not None:
                self.advance(step)
            actor = _actor_for(referral, event, referrer, receiver)
            self.apply(referral, event, actor, **(fields or {}).get(event.value, {}))
        if path is None and referral.state != ReferralState(state):
            raise AssertionError(f"the usual path led to {referral.state}, not {state}")
        return referral


def _actor_for(referral: Referral, event: Event, referrer: User, receiver: User) -> User:
    sides = {r.side for r in TABLE if r.event == event and r.source == referral.state}
    return receiver if sides == {Side.RECEIVING} else referrer


def receiving_actor(referral: Referral) -> User:
    """Someone who may act for the receiving side: an intake contact, else a coordinator."""
    for user in referral.site.intake_contacts:
        if user.active:
            return user
    user = db.session.scalar(
        select(User)
        .where(
            User.centre_id == referral.receiving_centre_id,
            User.role.in_(sorted(INTAKE_ROLES)),
            User.active.is_(True),
        )
        .order_by(User.role != Role.COORDINATOR, User.id)
        .limit(1)
    )
    if user is None:
        raise LookupError(f"nobody at centre {referral.receiving_centre_id} answers referrals")
    return user
