"""Forms of the referral pages. Domain rules (RAMQ format, completeness) live in the services."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from referral_app.eligibility.forms import SummaryFields
from referral_app.forms import BaseForm
from referral_app.labels import URGENCY_LABELS
from referral_app.models import Language, Referral, Urgency
from referral_app.patient_data import PatientIdentifiers
from referral_app.referrals.services import CLINICAL_DRAFT_FIELDS
from referral_app.workflow import guards


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class ReferralForm(SummaryFields, BaseForm):
    """The draft: urgency, consent, identifiers, region, clinical summary (text and data)."""

    version = HiddenField()
    urgency = SelectField(
        _l("Urgency"), choices=[(u.value, URGENCY_LABELS[u]) for u in Urgency], default="routine"
    )
    patient_consent = BooleanField(_l("The patient consents to this referral"))
    patient_name = StringField(_l("Patient name"), validators=[Optional(), Length(max=160)])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    health_insurance_number = StringField(
        _l("Health-insurance number (RAMQ)"),
        validators=[Optional(), Length(max=20)],
        render_kw={"autocomplete": "off", "placeholder": "TREM 1234 5678"},
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    patient_language = SelectField(
        _l("Patient's language"),
        choices=[(Language.FR.value, "Français"), (Language.EN.value, "English")],
        default="fr",
    )
    patient_region_id = SelectField(_l("Patient's region"), coerce=_optional_int, choices=[])
    diagnosis = StringField(_l("Diagnosis"), validators=[Optional(), Length(max=300)])
    histology = StringField(_l("Histology"), validators=[Optional(), Length(max=200)])
    stage = StringField(_l("Stage"), validators=[Optional(), Length(max=40)])
    biomarkers = StringField(_l("Biomarkers"), validators=[Optional(), Length(max=300)])
    ecog = SelectField(
        _l("ECOG performance status"),
        coerce=_optional_int,
        choices=[("", "—")] + [(str(n), str(n)) for n in range(5)],
    )
    prior_lines = IntegerField(
        _l("Prior lines of therapy"), validators=[Optional(), NumberRange(min=0, max=30)]
    )
    clinical_notes = TextAreaField(
        _l("Clinical notes"), validators=[Optional(), Length(max=10000)], render_kw={"rows": 5}
    )

    DATA_FIELDS = (
        "urgency",
        "patient_consent",
        "patient_name",
        "date_of_birth",
        "health_insurance_number",
        "phone",
        "patient_language",
        *CLINICAL_DRAFT_FIELDS,
    )

    @classmethod
    def for_draft(cls, referral: Referral, identifiers: PatientIdentifiers | None) -> ReferralForm:
        """The form showing a saved draft (``identifiers`` only when the user may see them)."""
        form = cls(obj=referral)
        if identifiers:
            form.patient_name.data = identifiers.name
            form.date_of_birth.data = identifiers.date_of_birth
            form.health_insurance_number.data = identifiers.formatted_hin
            form.phone.data = identifiers.phone
        form.urgency.data = referral.urgency.value
        form.patient_language.data = referral.patient_language.value
        form.version.data = str(referral.version)
        form.show_summary(referral)
        return form

    def data_for_service(self) -> dict:
        """What the draft service reads: the fields, the structured summary, and the
        answers to the pre-screen's open items (radios ``prescreen-<criterion id>``)."""
        answers = {
            key.removeprefix("prescreen-"): value
            for key, value in request.form.items()
            if key.startswith("prescreen-")
        }
        return {
            **{name: getattr(self, name).data for name in self.DATA_FIELDS},
            **self.summary_data(),
            "prescreen_answers": answers,
        }

    def mark_required_to_submit(self) -> None:
        """Marked from the start, not once a submit has failed (issue 16)."""
        for name in guards.SUBMIT_REQUIRED:
            getattr(self, name).flags.required = True

    def add_missing_for_submit(self) -> None:
        """The submit's own checks on what was typed, so a failed submit lists every
        problem at once (format and missing fields), each on its field."""
        values = {name: getattr(self, name).data for name in guards.SUBMIT_REQUIRED}
        values["has_identifiers"] = any(
            getattr(self, name).data
            for name in ("patient_name", "date_of_birth", "health_insurance_number", "phone")
        )
        for name, message in guards.missing_values_for_submit(values).items():
            field = getattr(self, name)
            if not field.errors:  # a field already wrong keeps its own message
                field.errors = [*list(field.errors or []), message]
        self._errors = None  # WTForms caches ``errors``

    def add_errors(self, errors: dict[str, str]) -> None:
        """Attach service errors to their fields (others to the form)."""
        for name, message in self.add_summary_errors(errors).items():
            target = getattr(self, name, None)
            if target is not None and hasattr(target, "errors"):
                target.errors = [*list(target.errors or []), message]
            else:
                self.form_errors.append(message)


class CommentForm(BaseForm):
    body = TextAreaField(
        _l("Message to the other centre"),
        validators=[DataRequired(), Length(max=5000)],
        render_kw={"rows": 3},
    )


class IdentifierReasonForm(BaseForm):
    reason = TextAreaField(
        _l("Why do you need to see this patient's identifiers?"),
        validators=[DataRequired(), Length(min=10, max=1000)],
        render_kw={"rows": 2},
    )
