"""Dates that make sense: the consult, study consent and enrollment dates of a referral.

Checked against each other and against the referral's milestones, in Quebec
dates, whenever one is recorded, rescheduled or corrected:

- none before the submission;
- the study consent not before the acceptance, the enrollment not before the consent;
- none in the future but the consult, which is at most ``MAX_CONSULT_AHEAD`` away.

``problems`` returns a message per field, so a form can show every one at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from flask_babel import gettext as _

from referral_app import i18n
from referral_app.models import Referral
from referral_app.timeutil import local_date
from referral_app.workflow.fields import RecordedDate

MAX_CONSULT_AHEAD = dt.timedelta(days=366)

CONSULT, CONSENT, ENROLLED = RecordedDate


def recorded(referral: Referral) -> dict[RecordedDate, dt.date | None]:
    return {name: getattr(referral, name.value) for name in RecordedDate}


def problems(
    referral: Referral, proposed: Mapping[RecordedDate, dt.date], today: dt.date
) -> dict[str, str]:
    """Field name → message for each date of ``proposed`` that does not fit.

    ``proposed`` holds the new values; the referral's other recorded dates and its
    milestones are what they are compared with.
    """
    dates = {**recorded(referral), **proposed}
    submitted = local_date(referral.submitted_at) if referral.submitted_at else None
    accepted = local_date(referral.decided_at) if referral.decided_at else None
    errors: dict[str, str] = {}
    for name, value in proposed.items():
        message = _problem(name, value, dates, submitted, accepted, today)
        if message:
            errors[name.value] = message
    return errors


def _problem(name, value, dates, submitted, accepted, today) -> str | None:
    shown = i18n.format_date  # in the reader's language
    if submitted and value < submitted:
        return _(
            "This date is before the referral was submitted (%(date)s).", date=shown(submitted)
        )
    if name == CONSULT:
        if value > today + MAX_CONSULT_AHEAD:
            return _("A consult more than a year ahead is not plausible; check the year.")
        return None
    if value > today:
        return _("This date cannot be in the future.")
    if name == CONSENT:
        if accepted and value < accepted:
            return _(
                "The study consent cannot precede the acceptance (%(date)s).",
                date=shown(accepted),
            )
        if dates[ENROLLED] and value > dates[ENROLLED]:
            return _(
                "The study consent cannot follow the enrollment (%(date)s).",
                date=shown(dates[ENROLLED]),
            )
    if name == ENROLLED and dates[CONSENT] and value < dates[CONSENT]:
        return _(
            "The enrollment cannot precede the study consent (%(date)s).",
            date=shown(dates[CONSENT]),
        )
    return None
