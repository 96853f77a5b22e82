"""What events take as input: reason codes (DESIGN §3) and typed fields.

``parse_fields`` turns raw form or JSON values into clean values or one
``TransitionInputError`` naming every bad field at once. Dates are only checked
for their form here; whether they make sense for the referral (after its
submission, not in the future…) is ``dates.py``'s business.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from referral_app.extensions import db
from referral_app.inputs import MAX_ID, has_control_characters
from referral_app.labels import DOCUMENT_CATEGORY_LABELS
from referral_app.models import Trial, TrialSite
from referral_app.workflow.errors import TransitionInputError


class DeclineReason(enum.StrEnum):
    NOT_ELIGIBLE = "not_eligible"
    TRIAL_CLOSED_OR_FULL = "trial_closed_or_full"
    NO_CAPACITY = "no_capacity"
    BETTER_SERVED_ELSEWHERE = "better_served_elsewhere"
    INCOMPLETE_INFORMATION = "incomplete_information"
    OTHER = "other"


class ScreenFailCategory(enum.StrEnum):
    INCLUSION_NOT_MET = "inclusion_not_met"
    EXCLUSION_MET = "exclusion_met"
    LABORATORY = "laboratory"
    IMAGING = "imaging"
    PERFORMANCE_STATUS = "performance_status"
    PATIENT_DECISION = "patient_decision"
    OTHER = "other"


class WithdrawReason(enum.StrEnum):
    PATIENT_DECLINED = "patient_declined"
    PATIENT_UNREACHABLE = "patient_unreachable"
    PATIENT_DECEASED = "patient_deceased"
    CHOSE_STANDARD_OF_CARE = "chose_standard_of_care"
    REFERRED_IN_ERROR = "referred_in_error"
    OTHER = "other"


class RecordedDate(enum.StrEnum):
    """The dates the receiving side records, and may correct later."""

    CONSULT_ON = "consult_on"
    CONSENT_ON = "consent_on"
    ENROLLED_ON = "enrolled_on"


# The receiving side withdraws only when the patient declines or cannot be reached.
RECEIVING_WITHDRAW = (
    WithdrawReason.PATIENT_DECLINED,
    WithdrawReason.PATIENT_UNREACHABLE,
    WithdrawReason.PATIENT_DECEASED,
)

REASON_LABELS: dict[enum.StrEnum, Any] = {
    DeclineReason.NOT_ELIGIBLE: _l("Not eligible"),
    DeclineReason.TRIAL_CLOSED_OR_FULL: _l("Trial closed or full"),
    DeclineReason.NO_CAPACITY: _l("No capacity"),
    DeclineReason.BETTER_SERVED_ELSEWHERE: _l("Better served at another site"),
    DeclineReason.INCOMPLETE_INFORMATION: _l("Incomplete information"),
    DeclineReason.OTHER: _l("Other"),
    ScreenFailCategory.INCLUSION_NOT_MET: _l("Inclusion criterion not met"),
    ScreenFailCategory.EXCLUSION_MET: _l("Exclusion criterion met"),
    ScreenFailCategory.LABORATORY: _l("Laboratory values"),
    ScreenFailCategory.IMAGING: _l("Imaging"),
    ScreenFailCategory.PERFORMANCE_STATUS: _l("Performance status"),
    ScreenFailCategory.PATIENT_DECISION: _l("Patient decision"),
    ScreenFailCategory.OTHER: _l("Other"),
    WithdrawReason.PATIENT_DECLINED: _l("Patient declined"),
    WithdrawReason.PATIENT_UNREACHABLE: _l("Patient unreachable"),
    WithdrawReason.PATIENT_DECEASED: _l("Patient deceased"),
    WithdrawReason.CHOSE_STANDARD_OF_CARE: _l("Chose standard of care"),
    WithdrawReason.REFERRED_IN_ERROR: _l("Referred in error"),
    WithdrawReason.OTHER: _l("Other"),
    RecordedDate.CONSULT_ON: _l("Consult date"),
    RecordedDate.CONSENT_ON: _l("Study consent date"),
    RecordedDate.ENROLLED_ON: _l("Enrollment date"),
    **DOCUMENT_CATEGORY_LABELS,
}
REASON_KINDS: tuple[type[enum.StrEnum], ...] = (DeclineReason, ScreenFailCategory, WithdrawReason)


def reason_label(code: str | None, kind: type[enum.StrEnum] | None = None) -> str:
    """The translated label of a stored reason code ('' when none)."""
    if not code:
        return ""
    for candidate in (kind,) if kind else REASON_KINDS:
        try:
            return str(REASON_LABELS[candidate(code)])
        except ValueError:
            continue
    return code


def recorded_date_label(name: str) -> str:
    try:
        return str(REASON_LABELS[RecordedDate(name)])
    except ValueError:
        return name


CRITERION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")


@dataclass(frozen=True)
class Field:
    """An input an event takes: ``kind`` is text, textarea, date, choice, site or trial,
    ``choices``: several of ``choices`` (a list; the information request's document
    categories), or ``criterion``: the id of one of the referral's eligibility
    criteria (checked against them by the event's guard)."""

    name: str
    kind: str
    label: Any
    required: bool = True
    choices: tuple[enum.StrEnum, ...] = ()
    max_length: int = 2000

    def choice_pairs(self) -> list[tuple[str, str]]:
        return [(c.value, str(REASON_LABELS[c])) for c in self.choices]

    @property
    def reason_kind(self) -> type[enum.StrEnum] | None:
        return type(self.choices[0]) if self.choices else None


def note(label: Any, required: bool = True) -> Field:
    return Field("note", "textarea", label, required=required)


def reason(label: Any, choices) -> Field:
    return Field("reason_code", "choice", label, choices=tuple(choices))


def parse_fields(fields: tuple[Field, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    """Clean values for ``fields`` (None when absent), or TransitionInputError."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        raw = data.get(f.name)
        if isinstance(raw, str):
            raw = raw.strip()
        if raw in (None, ""):
            if f.required:
                errors[f.name] = _("This field is required.")
            values[f.name] = None
            continue
        try:
            values[f.name] = _parse_value(f, raw)
        except ValueError as error:
            errors[f.name] = str(error)
    if errors:
        raise TransitionInputError(errors)
    return values


def _parse_value(f: Field, raw: Any) -> Any:
    if f.kind in ("text", "textarea"):
        text = str(raw)
        if has_control_characters(text, multiline=f.kind == "textarea"):
            raise ValueError(_("This field contains a character that is not allowed."))
        if len(text) > f.max_length:
            raise ValueError(_("At most %(n)d characters.", n=f.max_length))
        return text
    if f.kind == "date":
        return parse_date(raw)
    if f.kind == "choice":
        allowed = {c.value: c for c in f.choices}
        if str(raw) not in allowed:
            raise ValueError(_("Choose one of the listed values."))
        return allowed[str(raw)]
    if f.kind == "choices":
        return _parse_choices(f, raw)
    if f.kind in ("site", "trial"):
        return _load(TrialSite if f.kind == "site" else Trial, raw)
    if f.kind == "criterion":
        if not isinstance(raw, str) or not CRITERION_ID.fullmatch(raw):
            raise ValueError(_("Choose one of the listed values."))
        return raw
    raise ValueError(f"unknown field kind {f.kind}")


def _parse_choices(f: Field, raw: Any) -> list[enum.StrEnum]:
    """A list of distinct listed values, in the order of ``f.choices``."""
    allowed = {c.value: c for c in f.choices}
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list | tuple) or any(str(v) not in allowed for v in values):
        raise ValueError(_("Choose among the listed values."))
    chosen = {str(v) for v in values}
    return [c for c in f.choices if c.value in chosen]


def parse_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None


def _load(model, raw: Any):
    try:
        ident = int(raw)
    except (TypeError, ValueError):
        raise ValueError(_("Choose one of the listed values.")) from None
    obj = db.session.get(model, ident) if 0 < ident <= MAX_ID else None
    if obj is None:
        raise ValueError(_("Choose one of the listed values."))
    return obj
