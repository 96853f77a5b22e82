"""Forms of the trial catalogue: search, trial, site, import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    Form,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from referral_app.forms import BaseForm
from referral_app.labels import (
    DOCUMENT_CATEGORY_LABELS,
    PHASE_LABELS,
    SITE_STATUS_LABELS,
    TRIAL_STATUS_LABELS,
)
from referral_app.models import Phase, SiteStatus, TrialStatus
from referral_app.validators import NctNumber, int_or_none


def phase_choices(blank=None):
    choices = [(p.value, PHASE_LABELS[p]) for p in Phase]
    return [("", blank), *choices] if blank is not None else choices


def trial_status_choices(blank=None, statuses=None):
    choices = [(s.value, TRIAL_STATUS_LABELS[s]) for s in statuses or TrialStatus]
    return [("", blank), *choices] if blank is not None else choices


def site_status_choices(statuses=None):
    return [(s.value, SITE_STATUS_LABELS[s]) for s in statuses or SiteStatus]


class TrialSearchForm(Form):
    """GET filters of the catalogue; bad values are dropped, never an error page."""

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    community = SelectField(_l("Community"), validate_choice=False)
    tumour_site = SelectField(_l("Tumour site"), validate_choice=False)
    phase = SelectField(_l("Phase"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    region = SelectField(_l("Region with a recruiting site"), validate_choice=False)


class TrialForm(BaseForm):
    nct_number = StringField(
        _l("NCT number"), validators=[DataRequired(), NctNumber(), Length(max=11)]
    )
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=60)])
    title = TextAreaField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    sponsor = StringField(_l("Sponsor"), validators=[Optional(), Length(max=200)])
    phase = SelectField(_l("Phase"), choices=phase_choices(), default=Phase.NA.value)
    community_id = SelectField(_l("Community"), coerce=int_or_none)
    tumour_site = StringField(_l("Tumour site"), validators=[Optional(), Length(max=120)])
    biomarkers = StringField(_l("Biomarkers"), validators=[Optional(), Length(max=300)])
    conditions = TextAreaField(_l("Conditions"), validators=[Optional(), Length(max=5000)])
    eligibility_summary = TextAreaField(
        _l("Eligibility criteria"), validators=[Optional(), Length(max=20_000)]
    )
    is_niche = BooleanField(_l("Niche trial (one recruiting centre per region)"))
    required_documents = SelectMultipleField(
        _l("Documents required to submit a referral"),
        choices=[(c.value, text) for c, text in DOCUMENT_CATEGORY_LABELS.items()],
        validate_choice=True,
    )
    status = SelectField(
        _l("Status"), choices=trial_status_choices(), default=TrialStatus.UPCOMING.value
    )
    submit = SubmitField(_l("Save"))


class SiteCreateForm(BaseForm):
    centre_id = SelectField(_l("Centre"), coerce=int_or_none, validators=[DataRequired()])
    status = SelectField(
        _l("Site status"),
        choices=site_status_choices([SiteStatus.UPCOMING, SiteStatus.RECRUITING]),
        default=SiteStatus.UPCOMING.value,
    )
    investigator_name = StringField(
        _l("Site investigator"), validators=[Optional(), Length(max=160)]
    )
    submit = SubmitField(_l("Add the site"))


class SiteEditForm(BaseForm):
    status = SelectField(_l("Site status"), choices=site_status_choices())
    investigator_name = StringField(
        _l("Site investigator"), validators=[Optional(), Length(max=160)]
    )
    intake_contacts = SelectMultipleField(_l("Intake contacts"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Save"))


class SiteConfirmForm(BaseForm):
    """One click: the site still recruits (places left, if known), or it closed."""

    answer = SelectField(
        _l("This site"),
        choices=[
            ("recruiting", _l("Still recruiting")),
            ("closed", _l("Closed to accrual")),
        ],
    )
    slots_left = IntegerField(
        _l("Places left (if known)"), validators=[Optional(), NumberRange(min=0, max=999)]
    )
    submit = SubmitField(_l("Confirm"))


class ImportForm(BaseForm):
    file = FileField(
        _l("ClinicalTrials.gov export (JSON)"),
        validators=[FileRequired(), FileAllowed(["json"], _l("A .json file, please."))],
    )
    community = SelectField(_l("Community of new trials"), validate_choice=False)
    submit = SubmitField(_l("Import"))
