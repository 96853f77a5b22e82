"""What must hold before an event is applied, beyond the table and the fields.

Each guard takes the locked referral, the actor and the parsed values, and
raises a ``WorkflowError`` subclass with a message for people. Guards change
nothing.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from referral_app import patient_data, permissions
from referral_app.documents import checklist
from referral_app.models import Referral, SiteStatus, TrialSite, TrialStatus, User
from referral_app.timeutil import local_today
from referral_app.workflow import dates
from referral_app.workflow.errors import (
    DuplicateReferral,
    HiddenDuplicateReferral,
    TransitionInputError,
    TransitionRefused,
)
from referral_app.workflow.fields import RecordedDate

Values = dict[str, Any]


def site_refusal(site: TrialSite, referring_centre_id: int) -> str | None:
    """Why a referral cannot target ``site`` now, or None."""
    if site.centre_id == referring_centre_id:
        return _("This site is at your own centre: refer only to another centre.")
    if not site.trial.is_published:
        return _("This trial awaits review before it can take referrals.")
    if site.trial.status != TrialStatus.RECRUITING:
        return _("This trial is not recruiting.")
    if site.status != SiteStatus.RECRUITING:
        return _("This site is not recruiting.")
    return None


# The fields a referral needs before it is submitted: the form marks them from the
# start, and checks them with their format in one pass (``missing_values_for_submit``).
SUBMIT_REQUIRED = (
    "patient_consent",
    "patient_name",
    "patient_region_id",
    "diagnosis",
    "stage",
    "ecog",
    "prior_lines",
)


def missing_values_for_submit(values: Values) -> dict[str, str]:
    """``SUBMIT_REQUIRED``'s rule on plain values (a saved draft's, or a form's not
    yet saved), each message on its own field."""
    required = _("This field is required.")
    errors: dict[str, str] = {}
    if not values.get("patient_consent"):
        errors["patient_consent"] = _("The patient must consent to the referral.")
    if not values.get("has_identifiers"):
        errors["patient_name"] = _(
            "Enter the patient's identifiers: at least the name and the date of birth."
        )
    if not values.get("patient_region_id"):
        errors["patient_region_id"] = required
    for name in ("diagnosis", "stage"):
        if not (values.get(name) or "").strip():
            errors[name] = required
    for name in ("ecog", "prior_lines"):
        if values.get(name) is None:
            errors[name] = required
    return errors


def missing_for_submit(referral: Referral) -> dict[str, str]:
    """Fields a referral must have before it is submitted (empty when complete)."""
    values = {name: getattr(referral, name, None) for name in SUBMIT_REQUIRED}
    values["has_identifiers"] = bool(referral.identifiers_encrypted)
    errors = missing_values_for_submit(values)
    missing = checklist.missing_for_submit(referral)
    if missing:
        errors["documents"] = _(
            "This trial requires these documents before submission: %(names)s.",
            names=", ".join(checklist.category_label(c) for c in missing),
        )
    return errors


def submit(referral: Referral, actor: User, values: Values, now) -> None:
    errors = missing_for_submit(referral)
    if errors:
        raise TransitionInputError(errors, _("The referral is not complete yet."))
    refusal = site_refusal(referral.site, referral.referring_centre_id)
    if refusal:
        raise TransitionRefused(refusal)
    for other in patient_data.open_referrals_of_patient(referral):
        if other.trial_id == referral.trial_id:
            if permissions.side_of(actor, other) is None:
                raise HiddenDuplicateReferral(referral.id, other.id)
            raise DuplicateReferral(other)


def forward(referral: Referral, actor: User, values: Values, now) -> None:
    site: TrialSite = values["target_site_id"]
    if site.trial_id != referral.trial_id:
        raise TransitionInputError({"target_site_id": _("Choose a site of the same trial.")})
    if site.id == referral.site_id:
        raise TransitionInputError({"target_site_id": _("The referral is already at this site.")})
    refusal = site_refusal(site, referral.referring_centre_id)
    if refusal:
        raise TransitionInputError({"target_site_id": refusal})


def named_criterion(referral: Referral, actor: User, values: Values, now) -> None:
    """A decline or a screen failure may name a criterion: one of the referral's own."""
    from referral_app.eligibility.service import referral_criteria

    named = values.get("criterion_id")
    if named and named not in {c.id for c in referral_criteria(referral)}:
        raise TransitionInputError({"criterion_id": _("Choose one of the listed values.")})


def decline(referral: Referral, actor: User, values: Values, now) -> None:
    named_criterion(referral, actor, values, now)
    site = values.get("suggested_site_id")
    if site is None:
        return
    if site.id == referral.site_id:
        raise TransitionInputError(
            {"suggested_site_id": _("Suggest another site than the one declining.")}
        )
    refusal = site_refusal(site, referral.referring_centre_id)
    if refusal:
        raise TransitionInputError({"suggested_site_id": refusal})


def recorded_dates(*names: RecordedDate):
    """A guard checking the dates an event records (``dates.problems``)."""

    def guard(referral: Referral, actor: User, values: Values, now) -> None:
        proposed = {name: values[name.value] for name in names if values.get(name.value)}
        errors = dates.problems(referral, proposed, local_today(now))
        if errors:
            raise TransitionInputError(errors)

    return guard


def correct_date(referral: Referral, actor: User, values: Values, now) -> None:
    field: RecordedDate = values["date_field"]
    if getattr(referral, field.value) is None:
        raise TransitionInputError({"date_field": _("This date is not recorded yet.")})
    errors = dates.problems(referral, {field: values["new_date"]}, local_today(now))
    if errors:
        raise TransitionInputError({"new_date": errors[field.value]})
