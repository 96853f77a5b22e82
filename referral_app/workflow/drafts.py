"""Saving a draft (the ``save_draft`` event): the referral form's fields, and creation.

A draft is created by ``create_draft`` (the table's row from no state) and edited
by ``apply_event(referral, "save_draft", …)``; both read the form's data with
``parse_draft`` and write a ``save_draft`` event, so ``version`` always counts
the referral's events. Patient identifiers are stored encrypted
(``patient_data``) as one set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from referral_app import audit, patient_data
from referral_app.eligibility import summary
from referral_app.eligibility.evaluate import ANSWERS
from referral_app.enums import Language, Urgency
from referral_app.extensions import db
from referral_app.inputs import MAX_ID, has_control_characters
from referral_app.models import Referral, Region, TrialSite, User
from referral_app.timeutil import local_today, utcnow
from referral_app.workflow import history
from referral_app.workflow.errors import NotPermitted, TransitionInputError, TransitionRefused
from referral_app.workflow.guards import site_refusal
from referral_app.workflow.states import INITIAL_STATE, ROWS, Event, Side

# The draft's plain columns and their maximum lengths.
TEXT_FIELDS = {
    "diagnosis": 300,
    "histology": 200,
    "stage": 40,
    "biomarkers": 300,
    "clinical_notes": 10000,
}
MULTILINE_FIELDS = ("clinical_notes",)
IDENTIFIER_FIELDS = ("patient_name", "date_of_birth", "health_insurance_number", "phone")
# What a redirect copies from the closed referral onto the new draft.
COPIED_FIELDS = (
    "urgency",
    "patient_consent",
    "patient_region_id",
    "patient_language",
    "ecog",
    "prior_lines",
    *TEXT_FIELDS,
    *summary.DRAFT_KEYS,
    "identifiers_encrypted",
    "patient_key",
)


@dataclass
class DraftChanges:
    """Parsed form data: columns to set, and identifiers when any was given."""

    columns: dict[str, Any] = field(default_factory=dict)
    identifiers: patient_data.PatientIdentifiers | None = None
    site: TrialSite | None = None


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _parse_int(value: Any, low: int, high: int, errors: dict, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[name] = _("Enter a whole number.")
        return None
    if not low <= number <= high:
        errors[name] = _("Enter a number from %(low)d to %(high)d.", low=low, high=high)
        return None
    return number


def _parse_birth_date(value: Any, errors: dict, name: str, today: dt.date) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        parsed = value
    else:
        try:
            parsed = dt.date.fromisoformat(str(value))
        except ValueError:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
            return None
    if parsed > today or parsed.year < 1900:
        errors[name] = _("Enter a plausible date of birth.")
        return None
    return parsed


def _enum(data, name, kind, errors, changes) -> None:
    if name in data and data[name] not in (None, ""):
        try:
            changes[name] = kind(data[name])
        except ValueError:
            errors[name] = _("Choose one of the listed values.")


def parse_draft(
    referral: Referral | None, data: Mapping[str, Any], now: dt.datetime
) -> DraftChanges:
    """The changes ``data`` asks for, or TransitionInputError naming every bad field.

    Keys: urgency, patient_consent, patient_name, date_of_birth,
    health_insurance_number, phone, patient_language, patient_region_id,
    diagnosis, histology, stage, biomarkers, ecog, prior_lines, clinical_notes,
    the structured summary (``eligibility.summary.DRAFT_KEYS``), prescreen_answers,
    and site_id (to point the draft at another site). Absent keys change nothing.
    """
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, *IDENTIFIER_FIELDS):
        value = data.get(name)
        if isinstance(value, str) and has_control_characters(
            value, multiline=name in MULTILINE_FIELDS
        ):
            errors[name] = _("This field contains a character that is not allowed.")
    _enum(data, "urgency", Urgency, errors, changes)
    _enum(data, "patient_language", Language, errors, changes)
    if "patient_consent" in data:
        changes["patient_consent"] = bool(data["patient_consent"])
    if "patient_region_id" in data:
        region_id = _parse_int(data["patient_region_id"], 1, MAX_ID, errors, "patient_region_id")
        if region_id is not None and db.session.get(Region, region_id) is None:
            errors["patient_region_id"] = _("Choose one of the listed values.")
        changes["patient_region_id"] = region_id
    for name, limit in TEXT_FIELDS.items():
        if name in data:
            text = _clean(data[name]) or ""
            if len(text) > limit:
                errors[name] = _("At most %(n)d characters.", n=limit)
            changes[name] = text
    if "ecog" in data:
        changes["ecog"] = _parse_int(data["ecog"], 0, 4, errors, "ecog")
    if "prior_lines" in data:
        changes["prior_lines"] = _parse_int(data["prior_lines"], 0, 30, errors, "prior_lines")
    structured, problems = summary.draft_changes(data)
    changes.update(structured)
    errors.update(problems)
    if "prescreen_answers" in data:
        changes["prescreen_answers"] = _prescreen_answers(data["prescreen_answers"], errors)
    site = None
    if data.get("site_id") not in (None, ""):
        site_id = _parse_int(data["site_id"], 1, MAX_ID, errors, "site_id")
        site = db.session.get(TrialSite, site_id) if site_id else None
        if site is None and "site_id" not in errors:
            errors["site_id"] = _("Choose one of the listed values.")
    identifiers = _identifiers_from(data, referral, errors, local_today(now))
    if errors:
        raise TransitionInputError(errors)
    return DraftChanges(changes, identifiers, site)


def _prescreen_answers(value: Any, errors: dict[str, str]) -> dict[str, str]:
    """The referrer's answers to pre-screen items: ``{criterion id: "met"|"not_met"}``.

    An empty answer leaves the item to the receiving site; ids that are not the
    trial's criteria are dropped when the pre-screen is recorded at submission.
    """
    if not isinstance(value, Mapping):
        errors["prescreen_answers"] = _("Answers are an object of criterion ids.")
        return {}
    answers = {}
    for key, answer in value.items():
        if answer in (None, ""):
            continue
        if not isinstance(key, str) or len(key) > 30 or answer not in ANSWERS:
            errors["prescreen_answers"] = _("Each answer is met or not_met.")
            return {}
        answers[key] = answer
    return answers


def _identifiers_from(
    data: Mapping[str, Any], referral: Referral | None, errors: dict[str, str], today: dt.date
) -> patient_data.PatientIdentifiers | None:
    """New identifiers when any identifier key is in ``data`` (others kept), else None."""
    if not any(name in data for name in IDENTIFIER_FIELDS):
        return None
    current = patient_data.load(referral) if referral is not None else None
    name = _clean(data.get("patient_name", current.name if current else "")) or ""
    dob = (
        _parse_birth_date(data.get("date_of_birth"), errors, "date_of_birth", today)
        if "date_of_birth" in data
        else (current.date_of_birth if current else None)
    )
    hin = _clean(
        data.get("health_insurance_number", current.health_insurance_number if current else "")
    )
    phone = _clean(data.get("phone", current.phone if current else "")) or ""
    if len(name) > 160:
        errors["patient_name"] = _("At most %(n)d characters.", n=160)
    if len(phone) > 40:
        errors["phone"] = _("At most %(n)d characters.", n=40)
    if hin:
        problem = patient_data.hin_error(hin, dob)
        if problem:
            errors["health_insurance_number"] = problem
    if not (name or dob or hin or phone):
        return None
    return patient_data.PatientIdentifiers(
        name=name, date_of_birth=dob, health_insurance_number=hin or "", phone=phone
    )


def apply_changes(referral: Referral, changes: DraftChanges) -> dict[str, Any]:
    """Write parsed changes onto the draft; returns what the event records (the site).

    A refused site changes nothing: it is checked before anything is written.
    """
    moves = changes.site is not None and changes.site.id != referral.site_id
    if moves:
        refusal = site_refusal(changes.site, referral.referring_centre_id)
        if refusal:
            raise TransitionRefused(refusal)
    for name, value in changes.columns.items():
        setattr(referral, name, value)
    if changes.identifiers is not None:
        patient_data.store(referral, changes.identifiers)
    if moves:
        point_at(referral, changes.site)
        return {"site_id": changes.site}
    return {}


_CREATED_KEY = "referrals_created"  # session.info: (transaction, ids of the rows it inserted)


def _note_created(referral: Referral) -> None:
    transaction = db.session().get_transaction()
    noted = db.session.info.get(_CREATED_KEY)
    if noted is None or noted[0] is not transaction:
        noted = db.session.info[_CREATED_KEY] = (transaction, set())
    noted[1].add(referral.id)


def created_in_this_transaction(referral_id: int) -> bool:
    """Whether the current transaction inserted this referral (``create_draft``): until
    it commits, no other transaction can see the row, nor lock or change it."""
    noted = db.session.info.get(_CREATED_KEY)
    if noted is None or noted[0] is not db.session().get_transaction():
        return False
    return referral_id in noted[1]


def point_at(referral: Referral, site: TrialSite) -> None:
    referral.site = site
    referral.site_id = site.id
    referral.trial_id = site.trial_id
    referral.receiving_centre_id = site.centre_id


def create_draft(
    actor: User,
    site: TrialSite,
    data: Mapping[str, Any],
    *,
    previous: Referral | None = None,
    now: dt.datetime | None = None,
) -> Referral:
    """A new draft from ``actor`` to ``site`` (from ``previous`` when redirected)."""
    row = ROWS[(None, Event.SAVE_DRAFT, Side.REFERRING)]
    if not (actor.is_authenticated and actor.active and actor.role in row.roles):
        raise NotPermitted(_("Only coordinators, nurses and physicians file referrals."))
    refusal = site_refusal(site, actor.centre_id)
    if refusal:
        raise TransitionRefused(refusal)
    now = now or utcnow()
    changes = parse_draft(None, data, now)
    referral = Referral(
        state=INITIAL_STATE,
        version=1,
        referring_centre_id=actor.centre_id,
        referring_user_id=actor.id,
        previous_referral_id=previous.id if previous else None,
        created_at=now,
        updated_at=now,
    )
    point_at(referral, site)
    if previous is not None:
        for name in COPIED_FIELDS:
            setattr(referral, name, getattr(previous, name))
    changes.site = None
    apply_changes(referral, changes)
    db.session.add(referral)
    db.session.flush()
    _note_created(referral)
    history.record(
        referral,
        Event.SAVE_DRAFT,
        actor,
        from_state=None,
        to_state=INITIAL_STATE,
        now=now,
        data={"previous_referral_id": previous.id} if previous else {},
    )
    audit.record("create", "referral", referral.id, user_id=actor.id)
    return referral
