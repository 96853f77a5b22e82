"""Writing a trial's criteria (a new version each time) and the pre-screen of a referral.

The rules that views, the API, the seed and the workers share: who may edit
(``permissions.can_edit_eligibility``), one version per change with the trial's
current copy beside it, and the pre-screen a referral shows, which replays the
version it was checked against with the referrer's answers.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from referral_app import audit
from referral_app.eligibility import criteria as criteria_module
from referral_app.eligibility import summary as summary_module
from referral_app.eligibility.criteria import Criterion
from referral_app.eligibility.evaluate import ANSWERS, Fit, evaluate
from referral_app.extensions import db
from referral_app.models import EligibilityVersion, Referral, Trial, User


def current_criteria(trial: Trial) -> list[Criterion]:
    """The trial's current criteria (stored checked; an unreadable list reads as none)."""
    try:
        return criteria_module.parse(trial.criteria or [])
    except criteria_module.CriteriaInvalid:
        return []


class StaleCriteria(Exception):  # noqa: N818 (the edit's state)
    """Someone saved another version since the editor's copy was read."""

    def __init__(self, current: int):
        super().__init__(current)
        self.current = current
        self.message = _(
            "Version %(n)d of the criteria was saved while you were editing: read it above, "
            "then save yours again (your text is kept).",
            n=current,
        )


def set_criteria(
    trial: Trial,
    items: Any,
    actor: User | None,
    note: str = "",
    *,
    based_on: int | None = None,
) -> EligibilityVersion | None:
    """Check ``items`` and store them as the trial's next version; the caller commits.

    Raises ``CriteriaInvalid`` (nothing changes). Returns None when the criteria are
    those of the current version: no new version for a save that changes nothing.
    ``based_on`` is the version the editor read (the form and the API send it): a
    newer one saved meanwhile raises ``StaleCriteria`` rather than being overwritten
    unseen; two saves at the same moment are told apart by ``_claim_next_version``.
    """
    parsed = criteria_module.parse(items)
    stored = [c.as_json() for c in parsed]
    expected = trial.eligibility_version or 0
    if based_on is not None and based_on != expected:
        raise StaleCriteria(expected)
    if stored == (trial.criteria or []) and trial.eligibility_version:
        return None
    number = expected + 1
    _claim_next_version(trial, expected, number, stored)
    version = EligibilityVersion(
        trial=trial,
        number=number,
        criteria=stored,
        note=note[:300],
        created_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        "update_eligibility",
        "trial",
        trial.id,
        user_id=actor.id if actor else None,
        version=number,
        criteria=len(stored),
    )
    return version


def _claim_next_version(trial: Trial, expected: int, number: int, stored: list) -> None:
    """Move the trial from version ``expected`` to ``number`` in one conditional UPDATE:
    the second of two simultaneous saves waits for the first and matches no row."""
    claimed = db.session.execute(
        update(Trial)
        .where(Trial.id == trial.id, Trial.eligibility_version == expected)
        .values(eligibility_version=number)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(trial, ["eligibility_version"])
        raise StaleCriteria(trial.eligibility_version)
    set_committed_value(trial, "eligibility_version", number)
    trial.criteria = stored  # through the ORM: its flush keeps the search terms


def current_version(trial: Trial) -> EligibilityVersion | None:
    if not trial.eligibility_version:
        return None
    return db.session.scalar(
        select(EligibilityVersion).where(
            EligibilityVersion.trial_id == trial.id,
            EligibilityVersion.number == trial.eligibility_version,
        )
    )


def versions(trial: Trial) -> list[EligibilityVersion]:
    return list(
        db.session.scalars(
            select(EligibilityVersion)
            .where(EligibilityVersion.trial_id == trial.id)
            .order_by(EligibilityVersion.number.desc())
        )
    )


def clean_answers(criteria: list[Criterion], answers: dict[str, Any]) -> dict[str, str]:
    """Only answers to these criteria, and only "met" or "not_met" (the rest: left open)."""
    ids = {c.id for c in criteria}
    return {k: v for k, v in (answers or {}).items() if k in ids and v in ANSWERS}


def referral_criteria(referral: Referral) -> list[Criterion]:
    """The version the referral was checked against, else the trial's current one."""
    version = referral.eligibility_checked
    if version is not None:
        try:
            return criteria_module.parse(version.criteria)
        except criteria_module.CriteriaInvalid:
            return []
    return current_criteria(referral.trial)


def prescreen(referral: Referral) -> Fit:
    """The referral's pre-screen, as its pages and the API show it."""
    return evaluate(
        referral_criteria(referral),
        summary_module.of_referral(referral),
        referral.prescreen_answers or {},
    )


def record_prescreen(referral: Referral, answers: dict[str, Any] | None) -> Fit:
    """At submission: pin the current version and keep the referrer's answers."""
    referral.eligibility_checked = current_version(referral.trial)
    criteria = referral_criteria(referral)
    referral.prescreen_answers = clean_answers(criteria, answers or {})
    return prescreen(referral)
