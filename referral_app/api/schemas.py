"""Marshmallow schemas of the JSON API (they also generate the OpenAPI document)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from referral_app.api.core import PageArgs, PageMeta
from referral_app.models import Language, Phase, ReferralState, TrialStatus, Urgency
from referral_app.workflow.states import Event


def _values(enum_cls) -> list[str]:
    return [m.value for m in enum_cls]


# -- Trials -------------------------------------------------------------------


class TrialQueryArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    community = fields.String(validate=validate.Length(max=80))
    status = fields.String(validate=validate.OneOf(_values(TrialStatus)))
    region = fields.Integer(metadata={"description": "Region id: a recruiting site there"})
    phase = fields.String(validate=validate.OneOf(_values(Phase)))


class CentreOut(ma.Schema):
    id = fields.Integer()
    short_name = fields.String()
    name = fields.String()


class SiteOut(ma.Schema):
    id = fields.Integer()
    status = fields.String()
    centre = fields.Nested(CentreOut)
    region = fields.String()
    investigator_name = fields.String()


class TrialOut(ma.Schema):
    id = fields.Integer()
    nct_number = fields.String()
    acronym = fields.String(allow_none=True)
    title = fields.String()
    phase = fields.String()
    status = fields.String()
    tumour_site = fields.String()
    biomarkers = fields.String()
    is_niche = fields.Boolean()
    community = fields.String(allow_none=True)
    eligibility_summary = fields.String()
    sites = fields.List(fields.Nested(SiteOut))


class TrialPage(ma.Schema):
    items = fields.List(fields.Nested(TrialOut))
    meta = fields.Nested(PageMeta)


# -- Referrals ------------------------------------------------------------------


class PatientIn(ma.Schema):
    name = fields.String(validate=validate.Length(max=160))
    date_of_birth = fields.Date()
    health_insurance_number = fields.String(validate=validate.Length(max=20))
    phone = fields.String(validate=validate.Length(max=40))


class ReferralIn(ma.Schema):
    site_id = fields.Integer(required=True)
    submit = fields.Boolean(load_default=False)
    redirect_from = fields.Integer(
        metadata={"description": "A closed referral to prefill from and link to"}
    )
    urgency = fields.String(validate=validate.OneOf(_values(Urgency)))
    patient_consent = fields.Boolean()
    patient = fields.Nested(PatientIn)
    patient_language = fields.String(validate=validate.OneOf(_values(Language)))
    patient_region_id = fields.Integer(allow_none=True)
    diagnosis = fields.String(validate=validate.Length(max=300))
    histology = fields.String(validate=validate.Length(max=200))
    stage = fields.String(validate=validate.Length(max=40))
    biomarkers = fields.String(validate=validate.Length(max=300))
    ecog = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=4))
    prior_lines = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=30))
    clinical_notes = fields.String(validate=validate.Length(max=10000))


class ReferralListArgs(PageArgs):
    box = fields.String(validate=validate.OneOf(["incoming", "outgoing"]))
    state = fields.String(validate=validate.OneOf([*_values(ReferralState), "open", "closed"]))
    trial = fields.Integer()
    overdue = fields.Boolean(load_default=False)


class PatientOut(ma.Schema):
    name = fields.String()
    date_of_birth = fields.Date(allow_none=True)
    health_insurance_number = fields.String()
    phone = fields.String()
    language = fields.String()


class UserRef(ma.Schema):
    id = fields.Integer()
    name = fields.String()


class TrialRef(ma.Schema):
    id = fields.Integer()
    nct_number = fields.String()
    acronym = fields.String(allow_none=True)


class ReferralOut(ma.Schema):
    id = fields.Integer()
    reference = fields.String(allow_none=True)
    state = fields.String()
    version = fields.Integer()
    urgency = fields.String()
    trial = fields.Nested(TrialRef)
    site_id = fields.Integer()
    referring_centre = fields.Nested(CentreOut)
    receiving_centre = fields.Nested(CentreOut)
    referring_user = fields.Nested(UserRef)
    previous_referral_id = fields.Integer(allow_none=True)
    patient_consent = fields.Boolean()
    patient_region_id = fields.Integer(allow_none=True)
    diagnosis = fields.String()
    histology = fields.String()
    stage = fields.String()
    biomarkers = fields.String()
    ecog = fields.Integer(allow_none=True)
    prior_lines = fields.Integer(allow_none=True)
    clinical_notes = fields.String()
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    consult_on = fields.Date(allow_none=True)
    consent_on = fields.Date(allow_none=True)
    enrolled_on = fields.Date(allow_none=True)
    study_subject_id = fields.String(allow_none=True)
    outcome_reason = fields.String(allow_none=True)
    ack_due_on = fields.Date(allow_none=True)
    decision_due_on = fields.Date(allow_none=True)
    info_due_on = fields.Date(allow_none=True)
    overdue = fields.String(
        allow_none=True,
        metadata={"description": "the first overdue clock: acknowledge, decision or information"},
    )
    available_events = fields.List(fields.String())
    patient = fields.Nested(
        PatientOut,
        allow_none=True,
        metadata={"description": "Only for clinical staff of the two centres; audited"},
    )
    duplicate_warnings = fields.List(fields.Integer())


class ReferralPage(ma.Schema):
    items = fields.List(fields.Nested(ReferralOut))
    meta = fields.Nested(PageMeta)


class TransitionIn(ma.Schema):
    """``event`` and ``version``; other keys are the event's fields."""

    class Meta:
        unknown = ma.INCLUDE

    event = fields.String(required=True, validate=validate.OneOf(_values(Event)))
    version = fields.Integer(required=True)


class EventOut(ma.Schema):
    id = fields.Integer()
    event = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    actor = fields.Nested(UserRef, allow_none=True)
    created_at = fields.DateTime()
    reason_code = fields.String(allow_none=True)
    note = fields.String()
    data = fields.Dict()


class EventList(ma.Schema):
    items = fields.List(fields.Nested(EventOut))


class CommentIn(ma.Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class CommentOut(ma.Schema):
    id = fields.Integer()
    author = fields.Nested(UserRef)
    centre = fields.String()
    body = fields.String()
    created_at = fields.DateTime()


class CommentList(ma.Schema):
    items = fields.List(fields.Nested(CommentOut))


# -- Notifications ----------------------------------------------------------------


class NotificationArgs(PageArgs):
    unread = fields.Boolean(load_default=False)


class NotificationOut(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    context = fields.Dict()
    referral_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationPage(ma.Schema):
    items = fields.List(fields.Nested(NotificationOut))
    meta = fields.Nested(PageMeta)
