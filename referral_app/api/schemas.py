"""Marshmallow schemas of the JSON API (they also generate the OpenAPI document)."""

from __future__ import annotations

import copy

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from referral_app.api.core import MAX_PER_PAGE, PageArgs, PageMeta
from referral_app.api.fields import Id, Int, Text
from referral_app.eligibility.criteria import KINDS, STAGES
from referral_app.eligibility.evaluate import STATUSES as VERDICTS
from referral_app.inputs import MAX_ID
from referral_app.models import (
    DocumentCategory,
    Language,
    Phase,
    ReferralState,
    TrialStatus,
    Urgency,
)
from referral_app.workflow.drafts import TEXT_FIELDS
from referral_app.workflow.fields import CRITERION_ID
from referral_app.workflow.fields import Field as WorkflowField
from referral_app.workflow.spec import SPECS, EventSpec
from referral_app.workflow.states import Event


def _values(enum_cls) -> list[str]:
    return [m.value for m in enum_cls]


# -- Errors ----------------------------------------------------------------------


class ErrorBody(ma.Schema):
    code = ma.fields.String()
    message = ma.fields.String()
    fields = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": "Invalid fields and their messages"},
    )
    existing_referral_id = ma.fields.Integer(
        metadata={"description": "existing_referral, duplicate: the referral already open"}
    )
    current_version = ma.fields.Integer(
        metadata={"description": "stale criteria: the trial's version now"}
    )


class ErrorSchema(ma.Schema):
    """``{"error": {"code", "message", "fields"?}}`` (documentation only)."""

    error = ma.fields.Nested(ErrorBody)


# -- Trials -------------------------------------------------------------------


class TrialQueryArgs(PageArgs):
    q = Text(load_default="", max_length=100)
    community = Text(max_length=80)
    status = fields.String(validate=validate.OneOf(_values(TrialStatus)))
    region = Id(query=True, metadata={"description": "Region id: a recruiting site there"})
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
    name = Text(max_length=160)
    date_of_birth = fields.Date()
    health_insurance_number = Text(max_length=20)
    phone = Text(max_length=40)


class BiomarkerResultIn(ma.Schema):
    gene = Text(required=True, max_length=20, metadata={"description": "EGFR, ERBB2 (HER2)…"})
    alteration = Text(
        allow_none=True, max_length=30, metadata={"description": "EX19DEL, G12C…; null: the gene"}
    )
    status = fields.String(
        validate=validate.OneOf(["positive", "negative"]), load_default="positive"
    )
    percent = fields.Float(allow_none=True, validate=validate.Range(min=0, max=100))


class SummaryFields(ma.Schema):
    """The structured summary (``eligibility.summary``); null or absent: not given."""

    tumour_code = Text(allow_none=True, max_length=20, metadata={"description": "OncoTree code"})
    stage_group = fields.String(allow_none=True, validate=validate.OneOf(STAGES))
    biomarker_results = fields.List(
        fields.Nested(BiomarkerResultIn), validate=validate.Length(max=30)
    )
    patient_age = Int(allow_none=True, low=0, high=120)
    prior_therapies = fields.List(
        Text(max_length=40),
        allow_none=True,
        validate=validate.Length(max=60),
        metadata={"description": "drug-class codes; [] = none; null = not given"},
    )
    brain_metastases = fields.Boolean(allow_none=True)
    measurable_disease = fields.Boolean(allow_none=True)


class ReferralIn(SummaryFields):
    site_id = Id(required=True)
    submit = fields.Boolean(load_default=False)
    redirect_from = Id(metadata={"description": "A closed referral to prefill from and link to"})
    urgency = fields.String(validate=validate.OneOf(_values(Urgency)))
    patient_consent = fields.Boolean()
    patient = fields.Nested(PatientIn)
    patient_language = fields.String(validate=validate.OneOf(_values(Language)))
    patient_region_id = Id(allow_none=True)
    diagnosis = Text(max_length=TEXT_FIELDS["diagnosis"])
    histology = Text(max_length=TEXT_FIELDS["histology"])
    stage = Text(max_length=TEXT_FIELDS["stage"])
    biomarkers = Text(max_length=TEXT_FIELDS["biomarkers"])
    ecog = Int(allow_none=True, low=0, high=4)
    prior_lines = Int(allow_none=True, low=0, high=30)
    clinical_notes = Text(multiline=True, max_length=TEXT_FIELDS["clinical_notes"])
    prescreen_answers = fields.Dict(
        keys=Text(max_length=30),
        values=fields.String(validate=validate.OneOf(["met", "not_met", ""])),
        metadata={"description": "answers to pre-screen items the summary leaves open"},
    )


class ReferralListArgs(ma.Schema):
    after = fields.String(
        validate=[validate.Regexp(r"^[A-Za-z0-9_-]{1,400}$"), validate.Length(max=400)],
        metadata={"description": "``meta.next`` of the previous page (keyset pagination)"},
    )
    per_page = Int(load_default=25, low=1, high=MAX_PER_PAGE, query=True)
    box = fields.String(validate=validate.OneOf(["incoming", "outgoing"]))
    state = fields.String(validate=validate.OneOf([*_values(ReferralState), "open", "closed"]))
    trial = Id(query=True)
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


class ExplanationOut(ma.Schema):
    fr = fields.String()
    en = fields.String()


class VerdictOut(ma.Schema):
    id = fields.String()
    kind = fields.String(validate=validate.OneOf(KINDS))
    cohort = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(VERDICTS))
    may_change = fields.Boolean()
    answered = fields.Boolean(metadata={"description": "decided by the referrer's answer"})
    explanation = fields.Nested(ExplanationOut)


class FitOut(ma.Schema):
    met = fields.Integer()
    not_met = fields.Integer()
    unknown = fields.Integer()
    cohort = fields.String(allow_none=True)
    verdicts = fields.List(fields.Nested(VerdictOut))


class PrescreenOut(FitOut):
    eligibility_version = fields.Integer(
        allow_none=True, metadata={"description": "the criteria version checked; null: current"}
    )


class BiomarkerResultOut(ma.Schema):
    gene = fields.String()
    alteration = fields.String(allow_none=True)
    status = fields.String()
    percent = fields.Float(allow_none=True)


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
    tumour_code = fields.String(allow_none=True)
    stage_group = fields.String(allow_none=True)
    biomarker_results = fields.List(fields.Nested(BiomarkerResultOut))
    patient_age = fields.Integer(allow_none=True)
    prior_therapies = fields.List(fields.String(), allow_none=True)
    brain_metastases = fields.Boolean(allow_none=True)
    measurable_disease = fields.Boolean(allow_none=True)
    prescreen = fields.Nested(
        PrescreenOut,
        allow_none=True,
        metadata={"description": "the trial's criteria against the summary (clinical staff)"},
    )
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


class KeysetMeta(ma.Schema):
    per_page = fields.Integer()
    next = fields.String(
        allow_none=True,
        metadata={"description": "Pass as ``after`` for the next page; null on the last"},
    )
    count = fields.Integer(metadata={"description": "Rows in the list, counted up to 1000"})
    count_capped = fields.Boolean(metadata={"description": "More rows than ``count``"})


class ReferralPage(ma.Schema):
    items = fields.List(fields.Nested(ReferralOut))
    meta = fields.Nested(KeysetMeta)


# -- Transitions: one body schema per event, generated from the workflow's specs ----------


def _event_field(f: WorkflowField) -> fields.Field:
    """The API field of an event's input (``workflow.fields.Field``)."""
    options = {"required": f.required, "metadata": {"description": str(f.label)}}
    if not f.required:
        options["allow_none"] = True
    if f.kind in ("text", "textarea"):
        return Text(
            multiline=f.kind == "textarea",
            nonblank=f.required,
            max_length=f.max_length,
            **options,
        )
    if f.kind == "date":
        return fields.Date(**options)
    if f.kind == "choice":
        return fields.String(validate=validate.OneOf([c.value for c in f.choices]), **options)
    if f.kind == "choices":
        choice = fields.String(validate=validate.OneOf([c.value for c in f.choices]))
        return fields.List(choice, validate=validate.Length(max=len(f.choices)), **options)
    if f.kind in ("site", "trial"):
        return Id(**options)
    if f.kind == "criterion":
        options["metadata"]["description"] += " (an id of the referral's prescreen verdicts)"
        return fields.String(validate=validate.Regexp(CRITERION_ID.pattern), **options)
    raise ValueError(f"no API field for the kind {f.kind!r}")


def _draft_fields() -> dict[str, fields.Field]:
    """``save_draft``'s inputs (``drafts.parse_draft``): the draft's own fields, flat."""
    draft = ReferralIn().fields
    names = ("urgency", "patient_consent", "patient_language", "patient_region_id", "ecog")
    result: dict[str, fields.Field] = {name: copy.deepcopy(draft[name]) for name in names}
    result["prior_lines"] = copy.deepcopy(draft["prior_lines"])
    result.update({name: copy.deepcopy(draft[name]) for name in TEXT_FIELDS})
    patient = PatientIn().fields
    result["patient_name"] = copy.deepcopy(patient["name"])
    for name in ("date_of_birth", "health_insurance_number", "phone"):
        result[name] = copy.deepcopy(patient[name])
    result["site_id"] = Id(metadata={"description": "Point the draft at another site"})
    return result


def _schema_name(event: Event) -> str:
    return "Transition" + "".join(part.title() for part in event.value.split("_"))


def _transition_schema(spec: EventSpec) -> type[ma.Schema]:
    """``{"event": <this event>, "version": n, …its fields}``; unknown keys refused."""
    attrs: dict[str, object] = {
        "event": fields.String(required=True, validate=validate.OneOf([spec.event.value])),
        "version": Int(
            required=True,
            low=0,
            high=MAX_ID,
            metadata={"description": "The referral's version, as read (stale: 409)"},
        ),
    }
    if spec.event == Event.SAVE_DRAFT:
        attrs.update(_draft_fields())
    else:
        attrs.update({f.name: _event_field(f) for f in spec.all_fields()})
    schema = ma.Schema.from_dict(attrs, name=_schema_name(spec.event))
    schema.__doc__ = f"{spec.label}: the fields of the ``{spec.event.value}`` event."
    return schema


TRANSITION_SCHEMAS: dict[str, type[ma.Schema]] = {
    spec.event.value: _transition_schema(spec) for spec in SPECS
}


class TransitionIn(ma.Schema):
    """The body of a transition: the schema of its ``event`` (``TRANSITION_SCHEMAS``)."""

    def load(self, data, *, many=None, partial=None, unknown=None):
        if not isinstance(data, dict):
            raise ma.ValidationError({"_schema": [_("Send a JSON object.")]})
        schema = TRANSITION_SCHEMAS.get(data.get("event"))
        if schema is None:
            errors = _EventAndVersion().validate(data)
            errors["event"] = [_("Choose one of the events of the workflow.")]
            raise ma.ValidationError(errors)
        return schema().load(data, partial=partial)


class _EventAndVersion(ma.Schema):
    """What every transition has: the errors to name when the event is unknown."""

    class Meta:
        unknown = ma.EXCLUDE

    event = fields.String(required=True)
    version = Int(required=True, low=0, high=MAX_ID)


def transition_request_body() -> dict:
    """The OpenAPI request body of a transition: one schema per event, by ``event``."""
    refs = {
        event: f"#/components/schemas/{schema.__name__}"
        for event, schema in TRANSITION_SCHEMAS.items()
    }
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [{"$ref": ref} for ref in refs.values()],
                    "discriminator": {"propertyName": "event", "mapping": refs},
                }
            }
        },
    }


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
    body = Text(multiline=True, required=True, validate=validate.Length(min=1, max=5000))


class CommentOut(ma.Schema):
    id = fields.Integer()
    author = fields.Nested(UserRef)
    centre = fields.String()
    body = fields.String()
    created_at = fields.DateTime()


class CommentList(ma.Schema):
    items = fields.List(fields.Nested(CommentOut))


# -- Documents ----------------------------------------------------------------------


class DocumentOut(ma.Schema):
    id = fields.Integer()
    category = fields.String(validate=validate.OneOf(_values(DocumentCategory)))
    title = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    version = fields.Integer()
    replaces_id = fields.Integer(allow_none=True)
    current = fields.Boolean()
    superseded_at = fields.DateTime(allow_none=True)
    purged_at = fields.DateTime(allow_none=True)
    uploaded_at = fields.DateTime()
    uploaded_by = fields.Nested(UserRef)
    side = fields.String(validate=validate.OneOf(["referring", "receiving"]))
    answer_event_id = fields.Integer(
        allow_none=True,
        metadata={"description": "The answer to an information request it came with"},
    )
    download_url = fields.String(allow_none=True, metadata={"description": "null once purged"})


class ChecklistItemOut(ma.Schema):
    category = fields.String(validate=validate.OneOf(_values(DocumentCategory)))
    why = fields.String(
        validate=validate.OneOf(["trial", "request"]),
        metadata={"description": "trial: required to submit; request: asked for by the site"},
    )
    satisfied = fields.Boolean()


class DocumentList(ma.Schema):
    items = fields.List(fields.Nested(DocumentOut))
    checklist = fields.List(fields.Nested(ChecklistItemOut))


class DocumentsAdded(ma.Schema):
    items = fields.List(fields.Nested(DocumentOut))


def document_upload_body() -> dict:
    """The OpenAPI request body of an upload: multipart, one or more ``files``."""
    categories = _values(DocumentCategory)
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "PDF, JPEG, PNG, TIFF or plain text (by content)",
                        },
                        "category": {
                            "type": "string",
                            "enum": categories,
                            "description": "The kind of every file without its own",
                        },
                        "title": {"type": "string", "maxLength": 200},
                        "replaces": {
                            "type": "integer",
                            "description": "A current document this file is a new version of",
                        },
                    },
                    "additionalProperties": {
                        "type": "string",
                        "description": "category-<n>, title-<n>: the n-th file's own",
                    },
                },
                "encoding": {"files": {"contentType": ", ".join(DOWNLOAD_TYPES)}},
            }
        },
    }


DOWNLOAD_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/tiff", "text/plain")


def document_download_responses() -> dict:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "200": {
            "description": "The file, as an attachment (Content-Disposition)",
            "content": dict.fromkeys(DOWNLOAD_TYPES, binary),
        }
    }


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


# -- Eligibility and the trial finder ---------------------------------------------------


class CriteriaIn(ma.Schema):
    criteria = fields.List(
        fields.Dict(),
        required=True,
        validate=validate.Length(max=60),
        metadata={"description": "typed criteria: see eligibility.criteria for the kinds"},
    )
    note = Text(max_length=300, load_default="")
    version = Int(
        low=0,
        high=MAX_ID,
        load_default=None,
        metadata={
            "description": "the version these criteria were edited from (GET's `version`): "
            "when another was saved since, 409 `stale` and nothing changes"
        },
    )


class EligibilityOut(ma.Schema):
    trial_id = fields.Integer()
    version = fields.Integer(metadata={"description": "0: no criteria yet"})
    criteria = fields.List(fields.Dict())
    versions = fields.List(fields.Dict(), metadata={"description": "number, date, author, note"})


class MatchQuery(ma.Schema):
    """A patient's summary, without identifiers, and how to search."""

    tumour_code = Text(allow_none=True, max_length=20)
    histology = Text(allow_none=True, max_length=200)
    stage = fields.String(allow_none=True, validate=validate.OneOf(STAGES))
    biomarkers = fields.List(fields.Nested(BiomarkerResultIn), validate=validate.Length(max=30))
    ecog = Int(allow_none=True, low=0, high=4)
    age = Int(allow_none=True, low=0, high=120)
    prior_lines = Int(allow_none=True, low=0, high=20)
    prior_therapies = fields.List(
        Text(max_length=40), allow_none=True, validate=validate.Length(max=60)
    )
    brain_metastases = fields.Boolean(allow_none=True)
    measurable_disease = fields.Boolean(allow_none=True)
    region_id = Id(allow_none=True, metadata={"description": "the patient's region: ranked first"})
    q = Text(max_length=200, load_default="", metadata={"description": "free text, FR or EN"})
    include_own_centre = fields.Boolean(load_default=False)
    limit = Int(load_default=25, low=1, high=200)


class MatchTrialOut(ma.Schema):
    id = fields.Integer()
    nct_number = fields.String()
    acronym = fields.String(allow_none=True)
    title = fields.String()
    eligibility_version = fields.Integer()


class MatchSiteOut(ma.Schema):
    id = fields.Integer()
    centre = fields.Nested(CentreOut)
    region_id = fields.Integer()


class MatchOut(FitOut):
    trial = fields.Nested(MatchTrialOut)
    site = fields.Nested(MatchSiteOut)
    in_region = fields.Boolean()
    referable = fields.Boolean(metadata={"description": "false: a site of the caller's centre"})
    start_referral_url = fields.String(allow_none=True)


class MatchList(ma.Schema):
    items = fields.List(fields.Nested(MatchOut))
