"""Demo referrals, so the report pages of the demo network have something to show.

``flask --app wsgi seed-demo-referrals [--count N]`` adds N referrals (after
``seed-demo``) between the demo centres over the last fourteen months. Each one
is driven through the workflow engine (``workflow.builder``) at plausible
working-hours moments: only recruiting sites, never from a centre to itself,
business-day delays. Patients are fictional ("Patient fictif N").
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from referral_app.business_days import add_business_days
from referral_app.documents import service as document_service
from referral_app.documents.samplefiles import simple_pdf
from referral_app.documents.uploads import Upload
from referral_app.enums import CLINICAL_ROLES, INTAKE_ROLES
from referral_app.extensions import db
from referral_app.models import (
    Referral,
    ReferralEvent,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    Urgency,
    User,
)
from referral_app.timeutil import local_date, local_today, quebec_moment
from referral_app.workflow.builder import Builder, fictional_identifiers
from referral_app.workflow.fields import DeclineReason, ScreenFailCategory, WithdrawReason
from referral_app.workflow.states import Event

# The demo network speaks French; the notes people write do too.
DECLINE_NOTE = "Critères d'admissibilité non remplis après revue du dossier."
SCREEN_FAIL_NOTE = "Critère d'exclusion constaté à la présélection."
PATHOLOGY_ANSWER = "Rapport de pathologie joint (document fictif de démonstration)."
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
# The same patients as structured summaries (issue 14), in DIAGNOSES' order: the
# OncoTree code, the stage group, and the biomarker results the text names.
STRUCTURED = [
    ("LUAD", "IV", [{"gene": "EGFR", "alteration": "EX19DEL", "status": "positive"}]),
    ("LUSC", "IIIB", [{"gene": "PD-L1", "alteration": "TPS", "status": "positive", "percent": 60}]),
    ("IDC", "IV", [{"gene": "ERBB2", "alteration": "LOW", "status": "positive"}]),
    ("ILC", "II", [{"gene": "ESR", "alteration": "POSITIVE", "status": "positive"}]),
    ("COAD", "IV", [{"gene": "KRAS", "alteration": "G12C", "status": "positive"}]),
    ("PRAD", "IV", [{"gene": "BRCA2", "alteration": "MUTATION", "status": "positive"}]),
    ("HGSOC", "IIIC", [{"gene": "BRCA1", "alteration": "MUTATION", "status": "positive"}]),
    ("SKCM", "IV", [{"gene": "BRAF", "alteration": "V600E", "status": "positive"}]),
]


@dataclass
class _Moments:
    """Working-hours moments after one another; None once they would be in the future."""

    rng: random.Random
    now: dt.datetime
    moment: dt.datetime

    def after(self, low: int, high: int) -> dt.datetime | None:
        """A moment ``low``..``high`` business days later, or None if it is future."""
        day = add_business_days(self.moment, self.rng.randint(low, high))
        moment = quebec_moment(day, dt.time(self.rng.randint(8, 16), self.rng.randint(0, 59)))
        moment = max(moment, self.moment + dt.timedelta(minutes=5))
        if moment >= self.now:
            return None
        self.moment = moment
        return moment


def seed_demo_referrals(count: int = 400, seed: int = 2026) -> int:
    """Add ``count`` demo referrals; returns how many were created. The caller commits."""
    existing = _existing()
    rng = random.Random(seed + existing)
    sites = _recruiting_sites()
    staff = _clinical_staff()
    if not sites or len(staff) < 2:
        raise ValueError("Load the demo network first: flask --app wsgi seed-demo")
    now = dt.datetime.now(dt.UTC)
    first_day = local_today(now) - dt.timedelta(days=420)
    created = 0
    for index in range(count):
        site = rng.choice(sites)
        referring = [c for c in staff if c != site.centre_id]
        receivers = [u for u in staff.get(site.centre_id, []) if u.role in INTAKE_ROLES]
        if not referring or not receivers:
            continue
        referrer = rng.choice(staff[rng.choice(referring)])
        submitted = _submission(rng, first_day, now)
        _create(rng, site, referrer, rng.choice(receivers), submitted, now, existing + index)
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
    return staff


def _submission(rng: random.Random, first_day: dt.date, now: dt.datetime) -> dt.datetime:
    span = (now.date() - first_day).days
    # more referrals in recent months: the network is growing
    day = first_day + dt.timedelta(days=int(span * rng.random() ** 0.7))
    day = add_business_days(day - dt.timedelta(days=1), 1)
    local = quebec_moment(day, dt.time(rng.randint(8, 16), rng.randint(0, 59)))
    return min(local, now - dt.timedelta(hours=1))


def _create(rng, site, referrer: User, receiver: User, submitted, now, n: int) -> Referral:
    index = rng.randrange(len(DIAGNOSES))
    diagnosis, histology, stage, biomarkers = DIAGNOSES[index]
    tumour_code, stage_group, results = STRUCTURED[index]
    story = Builder(now=submitted - dt.timedelta(minutes=rng.randint(5, 600)))
    referral = story.draft(
        referrer,
        site,
        {
            "urgency": rng.choices(list(Urgency), weights=[75, 18, 7])[0].value,
            "diagnosis": diagnosis,
            "histology": histology,
            "stage": stage,
            "biomarkers": biomarkers,
            "ecog": rng.choice([0, 0, 1, 1, 2]),
            "prior_lines": rng.choice([0, 1, 1, 2, 3]),
            "tumour_code": tumour_code,
            "stage_group": stage_group,
            "biomarker_results": results,
            "patient_age": rng.randint(38, 82),
            "brain_metastases": rng.random() < 0.15,
        },
        identifiers=fictional_identifiers(100_000 + n),
    )
    story.at(submitted).apply(referral, Event.SUBMIT, referrer)
    _progress(rng, referral, story, referrer, receiver, _Moments(rng, now, submitted))
    return referral


def _progress(rng, referral: Referral, story: Builder, referrer, receiver, moments) -> None:
    """Walk the referral through the workflow until an outcome or today."""

    def step(low: int, high: int, event: Event, actor: User, **fields) -> ReferralEvent | None:
        moment = moments.after(low, high)
        if moment is None:
            return None
        return story.at(moment).apply(referral, event, actor, **fields)

    if rng.random() < 0.05:
        step(1, 6, Event.WITHDRAW, referrer, reason_code=_withdraw(rng))
        return
    if rng.random() < 0.9:
        if not step(0, 3, Event.ACKNOWLEDGE, receiver):
            return
    elif rng.random() < 0.5:
        return  # still waiting for an answer
    if rng.random() < 0.15:
        asked = step(0, 2, Event.REQUEST_INFO, receiver, requested_documents=["pathology"])
        if not asked:
            return
        answer = step(1, 5, Event.PROVIDE_INFO, referrer, note=PATHOLOGY_ANSWER)
        if answer is None:
            return
        _attach_pathology_report(referral, referrer, answer, story.now)
    if rng.random() < 0.22:
        step(1, 7, Event.DECLINE, receiver, reason_code=_decline(rng), note=DECLINE_NOTE)
        return
    if not step(1, 7, Event.ACCEPT, receiver):
        return
    if rng.random() < 0.5:
        moment = moments.after(2, 6)
        if moment is None:
            return
        story.at(moment).apply(
            referral, Event.SCHEDULE_CONSULT, receiver, consult_on=local_date(moment)
        )
    if rng.random() < 0.08:
        step(1, 8, Event.WITHDRAW, referrer, reason_code=_withdraw(rng))
        return
    if not step(3, 10, Event.START_SCREENING, receiver):
        return
    if rng.random() < 0.65:
        subject_id = f"{referral.trial_id:03d}-{referral.id:05d}"
        step(5, 20, Event.ENROLL, receiver, study_subject_id=subject_id)
    else:
        category = rng.choice(list(ScreenFailCategory)).value
        step(5, 20, Event.SCREEN_FAIL, receiver, reason_code=category, note=SCREEN_FAIL_NOTE)


def _attach_pathology_report(referral, referrer: User, answer, now: dt.datetime) -> None:
    """The answer brings the asked-for report: a fictional PDF, sealed like any upload."""
    report = simple_pdf(f"Rapport de pathologie fictif - {referral.reference}")
    upload = Upload(io.BytesIO(report), "pathologie.pdf", "pathology", None)
    document_service.attach(referral, referrer, [upload], event=answer, now=now)


def _decline(rng: random.Random) -> str:
    reasons = list(DeclineReason)
    return rng.choices(reasons, weights=[40, 15, 12, 13, 12, 8])[0].value


def _withdraw(rng: random.Random) -> str:
    reasons = list(WithdrawReason)
    return rng.choices(reasons, weights=[35, 15, 8, 25, 10, 7])[0].value
