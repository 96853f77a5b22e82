"""Demo referrals, so the report pages of the demo network have something to show.

``flask --app wsgi seed-demo-referrals [--count N]`` adds N referrals (after
``seed-demo``) between the demo centres over the last fourteen months, each with
the milestones and the event history it would have had through the workflow:
only recruiting sites, the referring centre never the receiving one, business-day
delays, and no patient identifiers at all (demo rows carry none).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from referral_app import workflow
from referral_app.business_days import QUEBEC_TZ, add_business_days, today
from referral_app.extensions import db
from referral_app.models import (
    Referral,
    ReferralEvent,
    ReferralState,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    Urgency,
    User,
)
from referral_app.permissions import CLINICAL_ROLES, INTAKE_ROLES
from referral_app.workflow import DeclineReason, ScreenFailCategory, WithdrawReason

S = ReferralState
DIAGNOSES = [
    ("Non-small cell lung cancer", "Adenocarcinoma", "IV", "EGFR exon 19 deletion"),
    ("Non-small cell lung cancer", "Squamous cell carcinoma", "IIIB", "PD-L1 60%"),
    ("Breast cancer", "Invasive ductal carcinoma", "IV", "HER2-low"),
    ("Breast cancer", "Invasive lobular carcinoma", "II", "ER+/PR+, HER2-"),
    ("Colorectal cancer", "Adenocarcinoma", "IV", "KRAS G12C"),
    ("Prostate cancer", "Adenocarcinoma", "IV", "BRCA2"),
    ("Ovarian cancer", "High-grade serous carcinoma", "IIIC", "BRCA1"),
    ("Melanoma", "Cutaneous melanoma", "IV", "BRAF V600E"),
]


@dataclass
class _Clock:
    """The moment a referral reached each milestone; stops at today."""

    rng: random.Random
    now: dt.datetime
    moment: dt.datetime

    def after(self, low: int, high: int) -> dt.datetime | None:
        """A working-hours moment ``low``..``high`` business days later, or None if future."""
        day = add_business_days(self.moment, self.rng.randint(low, high))
        local = dt.datetime.combine(day, dt.time(self.rng.randint(8, 16), self.rng.randint(0, 59)))
        moment = local.replace(tzinfo=QUEBEC_TZ).astimezone(dt.UTC)
        moment = max(moment, self.moment + dt.timedelta(minutes=5))
        if moment >= self.now:
            return None
        self.moment = moment
        return moment


def seed_demo_referrals(count: int = 400, seed: int = 2026) -> int:
    """Add ``count`` demo referrals; returns how many were created. The caller commits."""
    rng = random.Random(seed + _existing())
    sites = _recruiting_sites()
    staff = _clinical_staff()
    if not sites or len(staff) < 2:
        raise ValueError("Load the demo network first: flask --app wsgi seed-demo")
    now = dt.datetime.now(dt.UTC)
    first_day = today() - dt.timedelta(days=420)
    created = 0
    for _ in range(count):
        site = rng.choice(sites)
        referring = [c for c in staff if c != site.centre_id]
        if not referring:
            continue
        centre_id = rng.choice(referring)
        referrer = rng.choice(staff[centre_id])
        receiver = rng.choice(staff.get(site.centre_id) or [referrer])
        submitted = _submission(rng, first_day, now)
        _create(rng, site, referrer, receiver, submitted, now)
        created += 1
    db.session.flush()
    return created


def _existing() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) or 0


def _recruiting_sites() -> list[TrialSite]:
    return list(
        db.session.scalars(
            sa.select(TrialSite)
            .join(Trial, Trial.id == TrialSite.trial_id)
            .where(
                TrialSite.status == SiteStatus.RECRUITING, Trial.status == TrialStatus.RECRUITING
            )
            .options(selectinload(TrialSite.trial))
            .order_by(TrialSite.id)
        )
    )


def _clinical_staff() -> dict[int, list[User]]:
    staff: dict[int, list[User]] = {}
    users = db.session.scalars(
        sa.select(User).where(User.role.in_(sorted(CLINICAL_ROLES)), User.active).order_by(User.id)
    )
    for user in users:
        staff.setdefault(user.centre_id, []).append(user)
    # intake roles first: they are the ones who answer incoming referrals
    for people in staff.values():
        people.sort(key=lambda u: (u.role not in INTAKE_ROLES, u.id))
    return staff


def _submission(rng: random.Random, first_day: dt.date, now: dt.datetime) -> dt.datetime:
    span = (now.date() - first_day).days
    # more referrals in recent months: the network is growing
    day = first_day + dt.timedelta(days=int(span * rng.random() ** 0.7))
    day = add_business_days(day - dt.timedelta(days=1), 1)
    local = dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randint(0, 59)))
    return min(local.replace(tzinfo=QUEBEC_TZ).astimezone(dt.UTC), now - dt.timedelta(hours=1))


def _create(rng, site: TrialSite, referrer: User, receiver: User, submitted, now) -> Referral:
    diagnosis, histology, stage, biomarkers = rng.choice(DIAGNOSES)
    referral = Referral(
        state=S.SUBMITTED,
        urgency=rng.choices(list(Urgency), weights=[75, 18, 7])[0],
        trial_id=site.trial_id,
        site_id=site.id,
        referring_centre_id=referrer.centre_id,
        receiving_centre_id=site.centre_id,
        referring_user_id=referrer.id,
        patient_consent=True,
        diagnosis=diagnosis,
        histology=histology,
        stage=stage,
        biomarkers=biomarkers,
        ecog=rng.choice([0, 0, 1, 1, 2]),
        prior_lines=rng.choice([0, 1, 1, 2, 3]),
        created_at=submitted - dt.timedelta(minutes=rng.randint(5, 600)),
        submitted_at=submitted,
    )
    workflow.start_clocks(referral, submitted)
    db.session.add(referral)
    db.session.flush()
    referral.reference = workflow.reference_for(referral)
    history = _History(referral, referrer, receiver)
    history.add("submit", S.DRAFT, S.SUBMITTED, submitted, referrer)
    _progress(rng, referral, history, _Clock(rng, now, submitted))
    workflow.record_durations(referral)
    db.session.add_all(history.events)
    return referral


@dataclass
class _History:
    referral: Referral
    referrer: User
    receiver: User

    def __post_init__(self) -> None:
        self.events: list[ReferralEvent] = []

    def add(self, event, from_state, to_state, moment, actor, reason=None) -> None:
        self.events.append(
            ReferralEvent(
                referral_id=self.referral.id,
                event=event,
                from_state=from_state,
                to_state=to_state,
                actor_id=actor.id,
                created_at=moment,
                reason_code=reason,
            )
        )
        self.referral.state = to_state


def _close(referral: Referral, history: _History, event, state, moment, actor, reason) -> None:
    history.add(event, referral.state, state, moment, actor, reason)
    referral.closed_at = moment
    referral.outcome_reason = reason


def _progress(rng: random.Random, referral: Referral, history: _History, clock: _Clock) -> None:
    """Walk the referral through the workflow until an outcome or today."""
    receiver, referrer = history.receiver, history.referrer
    if rng.random() < 0.05:
        moment = clock.after(1, 6)
        if moment:
            _close(referral, history, "withdraw", S.WITHDRAWN, moment, referrer, _withdraw(rng))
        return
    acknowledged = clock.after(0, 3) if rng.random() < 0.9 else None
    if acknowledged:
        referral.acknowledged_at = acknowledged
        history.add("acknowledge", S.SUBMITTED, S.ACKNOWLEDGED, acknowledged, receiver)
    elif clock.moment == referral.submitted_at and rng.random() < 0.5:
        return  # still waiting for an answer
    if rng.random() < 0.15:
        asked = clock.after(0, 2)
        if not asked:
            return
        before = referral.state
        referral.info_requested_at = asked
        referral.state_before_info = before
        history.add("request_info", before, S.INFO_REQUESTED, asked, receiver)
        answered = clock.after(1, 5)
        if not answered:
            return
        referral.paused_business_days = workflow.business_days.business_days_between(
            asked, answered
        )
        referral.state_before_info = None
        history.add("provide_info", S.INFO_REQUESTED, before, answered, referrer)
        workflow.start_clocks(referral, referral.submitted_at)
    decided = clock.after(1, 7)
    if not decided:
        return
    referral.decided_at = decided
    if rng.random() < 0.22:
        _close(referral, history, "decline", S.DECLINED, decided, receiver, _decline(rng))
        return
    history.add("accept", referral.state, S.ACCEPTED, decided, receiver)
    if rng.random() < 0.5:
        consult = clock.after(2, 6)
        if not consult:
            return
        referral.consult_on = consult.date()
        history.add("schedule_consult", S.ACCEPTED, S.SCHEDULED, consult, receiver)
    if rng.random() < 0.08:
        moment = clock.after(1, 8)
        if moment:
            _close(referral, history, "withdraw", S.WITHDRAWN, moment, referrer, _withdraw(rng))
        return
    screening = clock.after(3, 10)
    if not screening:
        return
    referral.screening_at = screening
    referral.consent_on = screening.date()
    history.add("start_screening", referral.state, S.SCREENING, screening, receiver)
    outcome = clock.after(5, 20)
    if not outcome:
        return
    if rng.random() < 0.65:
        referral.enrolled_on = outcome.date()
        referral.enrolled_at = outcome
        referral.study_subject_id = f"{referral.trial_id:03d}-{referral.id:05d}"
        _close(referral, history, "enroll", S.ENROLLED, outcome, receiver, S.ENROLLED.value)
    else:
        category = rng.choice(list(ScreenFailCategory)).value
        _close(referral, history, "screen_fail", S.SCREEN_FAILED, outcome, receiver, category)


def _decline(rng: random.Random) -> str:
    reasons = list(DeclineReason)
    return rng.choices(reasons, weights=[40, 15, 12, 13, 12, 8])[0].value


def _withdraw(rng: random.Random) -> str:
    reasons = list(WithdrawReason)
    return rng.choices(reasons, weights=[35, 15, 8, 25, 10, 7])[0].value
