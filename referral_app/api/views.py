"""The JSON API (DESIGN §7): trials, referrals, transitions, comments, notifications.

The same services as the web pages; only the shapes differ. Each request is
authenticated by a personal token (``core.protect``) and commits once.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from referral_app import patient_data, permissions
from referral_app.api import schemas
from referral_app.api.core import (
    IDEMPOTENCY_PARAMETER,
    ApiError,
    Blueprint,
    commit,
    current_api_user,
    paginate,
    protect,
)
from referral_app.documents import checklist, uploads
from referral_app.documents import service as document_service
from referral_app.documents.views import download_response
from referral_app.eligibility import criteria as criteria_module
from referral_app.eligibility import finder
from referral_app.eligibility import service as eligibility
from referral_app.eligibility import summary as summary_module
from referral_app.eligibility.evaluate import Fit, explanations
from referral_app.extensions import db
from referral_app.models import (
    Notification,
    NotificationChannel,
    Phase,
    Referral,
    Trial,
    TrialSite,
    TrialStatus,
)
from referral_app.pagination import CursorError
from referral_app.referrals import services
from referral_app.timeutil import as_utc
from referral_app.trials import search
from referral_app.workflow import clocks, engine

trials_blp = protect(
    Blueprint("api_trials", __name__, url_prefix="/api/v1/trials", description="Trials")
)
referrals_blp = protect(
    Blueprint("api_referrals", __name__, url_prefix="/api/v1/referrals", description="Referrals")
)
notifications_blp = protect(
    Blueprint(
        "api_notifications",
        __name__,
        url_prefix="/api/v1/notifications",
        description="The caller's in-app notifications",
    )
)

matches_blp = protect(
    Blueprint(
        "api_matches",
        __name__,
        url_prefix="/api/v1/trial-matches",
        description="The trial finder: recruiting sites ranked for a patient's summary",
    )
)

BLUEPRINTS = (trials_blp, referrals_blp, notifications_blp, matches_blp)


IDEMPOTENT = {"parameters": [IDEMPOTENCY_PARAMETER]}


# -- Trials ---------------------------------------------------------------------


def _site_dict(site: TrialSite) -> dict[str, Any]:
    return {
        "id": site.id,
        "status": site.status.value,
        "centre": _centre(site.centre),
        "region": site.centre.region.name,
        "investigator_name": site.investigator_name,
    }


def _centre(centre) -> dict[str, Any]:
    return {"id": centre.id, "short_name": centre.short_name, "name": centre.name}


def _trial_dict(trial: Trial) -> dict[str, Any]:
    return {
        "id": trial.id,
        "nct_number": trial.nct_number,
        "acronym": trial.acronym,
        "title": trial.title,
        "phase": trial.phase.value,
        "status": trial.status.value,
        "tumour_site": trial.tumour_site,
        "biomarkers": trial.biomarkers,
        "is_niche": trial.is_niche,
        "community": trial.community.slug if trial.community_id else None,
        "eligibility_summary": trial.eligibility_summary,
        "sites": [_site_dict(s) for s in trial.sites],
    }


@trials_blp.route("")
@trials_blp.arguments(schemas.TrialQueryArgs, location="query")
@trials_blp.response(200, schemas.TrialPage)
def list_trials(args: dict):
    """Search trials: ``q``, ``community``, ``status``, ``region``, ``phase``; paginated."""
    filters = search.TrialFilters(
        q=args.get("q", ""),
        community=args.get("community"),
        status=TrialStatus(args["status"]) if args.get("status") else None,
        region_id=args.get("region"),
        phase=Phase(args["phase"]) if args.get("phase") else None,
    )
    stmt = search.trial_query(filters).options(joinedload(Trial.community))
    items, meta = paginate(stmt, args)
    return {"items": [_trial_dict(t) for t in items], "meta": meta}


@trials_blp.route("/<int:trial_id>")
@trials_blp.response(200, schemas.TrialOut)
def get_trial(trial_id: int):
    """A trial with its sites and their status."""
    return _trial_dict(_trial_or_404(trial_id))


# -- Eligibility and the trial finder ----------------------------------------------


def fit_dict(fit: Fit) -> dict[str, Any]:
    """A fit as the API shows it: counts, cohort, and each verdict explained in FR and EN."""
    return {
        "met": fit.met,
        "not_met": fit.not_met,
        "unknown": fit.unknown,
        "cohort": fit.cohort,
        "verdicts": [
            {
                "id": v.criterion.id,
                "kind": v.criterion.kind,
                "cohort": v.criterion.cohort,
                "status": v.status,
                "may_change": v.may_change,
                "answered": v.answered,
                "explanation": explanations(v),
            }
            for v in fit.verdicts
        ],
    }


def _trial_or_404(trial_id: int) -> Trial:
    trial = db.session.get(Trial, trial_id)
    if trial is None:
        raise ApiError(404, "not_found", _("No such trial."))
    return trial


def _eligibility_dict(trial: Trial) -> dict[str, Any]:
    return {
        "trial_id": trial.id,
        "version": trial.eligibility_version,
        "criteria": trial.criteria or [],
        "versions": [
            {
                "number": v.number,
                "created_at": as_utc(v.created_at).isoformat(),
                "created_by": v.created_by.name if v.created_by else None,
                "note": v.note,
            }
            for v in eligibility.versions(trial)
        ],
    }


@trials_blp.route("/<int:trial_id>/eligibility")
@trials_blp.response(200, schemas.EligibilityOut)
def get_eligibility(trial_id: int):
    """The trial's current criteria and the list of their versions."""
    return _eligibility_dict(_trial_or_404(trial_id))


@trials_blp.route("/<int:trial_id>/eligibility", methods=["PUT"])
@trials_blp.arguments(schemas.CriteriaIn)
@trials_blp.response(200, schemas.EligibilityOut)
@trials_blp.alt_response(403, schema=schemas.ErrorSchema, description="Not an editor")
@trials_blp.alt_response(409, schema=schemas.ErrorSchema, description="Another version saved since")
def put_eligibility(args: dict, trial_id: int):
    """Replace the criteria: a new version (none when nothing changes).

    Editors: admins, the community's leader, coordinators and nurses of a site.
    """
    trial = _trial_or_404(trial_id)
    user = current_api_user()
    if not permissions.can_edit_eligibility(user, trial):
        raise ApiError(403, "forbidden", _("You may not edit this trial's criteria."))
    try:
        eligibility.set_criteria(
            trial, args["criteria"], user, args.get("note", ""), based_on=args.get("version")
        )
    except criteria_module.CriteriaInvalid as invalid:
        raise ApiError(400, "invalid", _("Invalid criteria."), invalid.errors) from None
    except eligibility.StaleCriteria as stale:
        raise ApiError(409, "stale", stale.message, current_version=stale.current) from None
    answer = _eligibility_dict(trial)
    commit()
    return answer


@matches_blp.route("", methods=["POST"])
@matches_blp.arguments(schemas.MatchQuery)
@matches_blp.response(200, schemas.MatchList)
def trial_matches(args: dict):
    """Rank the recruiting sites of the network for a patient's summary (no identifiers).

    Hard filters: trial and site recruiting, not the caller's centre (unless
    ``include_own_centre``); then fewest criteria not met, most met, fewest unknown;
    the patient's region first. Each item says why, criterion by criterion.
    """
    user = current_api_user()
    if not permissions.can_file_referral(user):
        raise ApiError(403, "forbidden", _("Only clinical staff search trials for a patient."))
    options = {k: args.pop(k) for k in ("q", "include_own_centre", "limit")}
    try:
        patient = summary_module.parse(args)
    except summary_module.SummaryInvalid as invalid:
        raise ApiError(400, "invalid", _("Invalid fields."), invalid.errors) from None
    matches = finder.find(
        patient,
        user,
        query=options["q"],
        include_own_centre=options["include_own_centre"],
        limit=options["limit"],
    )
    finder.record_search(user, patient, matches, channel="api")
    answer = {"items": [_match_dict(m) for m in matches]}
    commit()
    return answer


def _match_dict(match: finder.Match) -> dict[str, Any]:
    trial, site = match.trial, match.site
    start = (
        url_for("referrals.new_for_site", site_id=site.id, _external=True)
        if match.referable
        else None
    )
    return {
        **fit_dict(match.fit),
        "trial": {
            "id": trial.id,
            "nct_number": trial.nct_number,
            "acronym": trial.acronym,
            "title": trial.title,
            "eligibility_version": trial.eligibility_version,
        },
        "site": {"id": site.id, "centre": _centre(site.centre), "region_id": site.region_id},
        "in_region": match.in_region,
        "referable": match.referable,
        "start_referral_url": start,
    }


# -- Referrals ------------------------------------------------------------------


def _visible(referral_id: int) -> Referral:
    referral = services.visible_referral(referral_id, current_api_user())
    if referral is None:
        raise ApiError(404, "not_found", _("No such referral, or it is not visible to you."))
    return referral


def _referral_dict(referral: Referral, *, with_patient: bool = False) -> dict[str, Any]:
    user = current_api_user()
    data: dict[str, Any] = {
        "id": referral.id,
        "reference": referral.reference,
        "state": referral.state.value,
        "version": referral.version,
        "urgency": referral.urgency.value,
        "trial": {
            "id": referral.trial.id,
            "nct_number": referral.trial.nct_number,
            "acronym": referral.trial.acronym,
        },
        "site_id": referral.site_id,
        "referring_centre": _centre(referral.referring_centre),
        "receiving_centre": _centre(referral.receiving_centre),
        "referring_user": {"id": referral.referring_user.id, "name": referral.referring_user.name},
        "overdue": clocks.overdue_kind(referral),
    }
    for name in (
        "previous_referral_id",
        "patient_consent",
        "consult_on",
        "consent_on",
        "enrolled_on",
        "outcome_reason",
        "ack_due_on",
        "decision_due_on",
        "info_due_on",
    ):
        data[name] = getattr(referral, name)
    # The minimum necessary: a manager's or admin's body has no clinical content.
    if permissions.can_see_patient_data(user, referral):
        for name in services.CLINICAL_FIELDS:
            data[name] = getattr(referral, name)
        data["prescreen"] = {
            **fit_dict(eligibility.prescreen(referral)),
            "eligibility_version": (
                referral.eligibility_checked.number if referral.eligibility_checked else None
            ),
        }
    for name in ("created_at", "submitted_at", "acknowledged_at", "decided_at", "closed_at"):
        data[name] = as_utc(getattr(referral, name))
    if with_patient:
        data["available_events"] = [
            t.event.value for t in engine.available_transitions(referral, user)
        ]
        identifiers = patient_data.reveal(referral, user, channel="api")
        data["patient"] = (
            {
                "name": identifiers.name,
                "date_of_birth": identifiers.date_of_birth,
                "health_insurance_number": identifiers.health_insurance_number,
                "phone": identifiers.phone,
                "language": referral.patient_language.value,
            }
            if identifiers
            else None
        )
        data["duplicate_warnings"] = (
            [r.id for r in services.duplicate_warnings(referral, user)] if identifiers else []
        )
    return data


def _draft_data(args: dict) -> dict[str, Any]:
    skip = ("site_id", "submit", "patient", "redirect_from")
    data = {k: v for k, v in args.items() if k not in skip}
    patient = args.get("patient")
    if patient is not None:
        mapping = {"name": "patient_name"}
        for key, value in patient.items():
            data[mapping.get(key, key)] = value
    return data


@referrals_blp.route("")
@referrals_blp.arguments(schemas.ReferralListArgs, location="query")
@referrals_blp.response(200, schemas.ReferralPage)
def list_referrals(args: dict):
    """``box=incoming|outgoing`` (both when absent), ``state``, ``trial``, ``overdue``.

    Keyset pages: ``meta.next`` is the ``after`` of the next page.
    """
    try:
        page = services.box_page(
            current_api_user(),
            args.get("box"),
            after=args.get("after"),
            per_page=args["per_page"],
            state=args.get("state"),
            trial_id=args.get("trial"),
            overdue=args["overdue"],
        )
    except CursorError:
        raise ApiError(
            400, "invalid", _("Invalid fields."), {"after": _("Not a page of this list.")}
        ) from None
    meta = {
        "per_page": args["per_page"],
        "next": page.next_cursor,
        "count": page.count,
        "count_capped": page.count_capped,
    }
    return {"items": [_referral_dict(r) for r in page.items], "meta": meta}


@referrals_blp.route("", methods=["POST"])
@referrals_blp.arguments(schemas.ReferralIn)
@referrals_blp.response(201, schemas.ReferralOut)
@referrals_blp.alt_response(403, schema=schemas.ErrorSchema, description="Not clinical staff")
@referrals_blp.doc(**IDEMPOTENT)
def create_referral(args: dict):
    """Create a draft, or submit it at once with ``"submit": true``.

    ``redirect_from``: the id of a declined, screen-failed or withdrawn referral; the
    new draft is prefilled from it and linked to it.
    """
    user = current_api_user()
    if not permissions.can_file_referral(user):
        raise ApiError(403, "forbidden", _("Only clinical staff file referrals."))
    # With its trial: the guards read its status (one statement, not two).
    site = db.session.get(TrialSite, args["site_id"], options=[joinedload(TrialSite.trial)])
    if site is None:
        raise ApiError(400, "invalid", _("Invalid fields."), {"site_id": _("No such trial site.")})
    data = _draft_data(args)
    if args.get("redirect_from"):
        # Redirect (DESIGN §3): a new draft prefilled from a closed referral, linked to it.
        old = _visible(args["redirect_from"])
        referral = services.redirect_referral(old, user, site, version=None, data=data)
    else:
        referral = services.create_draft(user, site, data)
    if args.get("submit"):
        services.submit(referral, user, version=None)
    return _answer(referral.id, 201)


def _answer(referral_id: int, status: int) -> dict[str, Any]:
    """The referral as it now is, built before the commit: the identifiers it shows
    are audited in the same transaction as the change (and its idempotent answer)."""
    db.session.flush()
    data = _referral_dict(_visible(referral_id), with_patient=True)
    commit(data, status=status, schema=schemas.ReferralOut)
    return data


@referrals_blp.route("/<int:referral_id>")
@referrals_blp.response(200, schemas.ReferralOut)
def get_referral(referral_id: int):
    """One referral; identifiers only for the two centres' clinical staff (audited)."""
    data = _referral_dict(_visible(referral_id), with_patient=True)
    commit()  # the audit row of the identifiers read
    return data


@referrals_blp.route("/<int:referral_id>/transitions", methods=["POST"])
@referrals_blp.arguments(schemas.TransitionIn)
@referrals_blp.response(200, schemas.ReferralOut)
@referrals_blp.doc(**IDEMPOTENT, requestBody=schemas.transition_request_body())
def transition(args: dict, referral_id: int):
    """Apply an event: ``{"event": …, "version": n, …fields the event requires}``.

    One body schema per event (``TransitionAccept``…, chosen by ``event``), with the
    fields that event requires; ``available_events`` of a referral says which apply.
    """
    referral = _visible(referral_id)
    fields = {k: v for k, v in args.items() if k not in ("event", "version")}
    engine.apply_event(
        referral, args["event"], current_api_user(), version=args["version"], data=fields
    )
    return _answer(referral_id, 200)


def _event_dict(event) -> dict[str, Any]:
    return {
        "id": event.id,
        "event": event.event,
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value,
        "actor": {"id": event.actor.id, "name": event.actor.name} if event.actor else None,
        "created_at": as_utc(event.created_at),
        "reason_code": event.reason_code,
        "note": event.note,
        "data": event.data or {},
    }


@referrals_blp.route("/<int:referral_id>/events")
@referrals_blp.response(200, schemas.EventList)
def list_events(referral_id: int):
    """The timeline."""
    referral = _visible(referral_id)
    clinical = permissions.can_see_patient_data(current_api_user(), referral)
    return {"items": [_event_dict(e) for e in services.timeline(referral, clinical=clinical)]}


def _comment_dict(comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "author": {"id": comment.author.id, "name": comment.author.name},
        "centre": comment.author.centre.short_name,
        "body": comment.body,
        "created_at": as_utc(comment.created_at),
    }


@referrals_blp.route("/<int:referral_id>/comments")
@referrals_blp.response(200, schemas.CommentList)
@referrals_blp.alt_response(403, schema=schemas.ErrorSchema, description="Not clinical staff")
def list_comments(referral_id: int):
    """Messages between the two centres: clinical staff of the two centres only."""
    referral = _visible(referral_id)
    if not permissions.can_see_patient_data(current_api_user(), referral):
        raise ApiError(
            403,
            "forbidden",
            _("Messages are shown only to clinical staff of the referring and receiving centres."),
        )
    return {"items": [_comment_dict(c) for c in services.comments(referral)]}


@referrals_blp.route("/<int:referral_id>/comments", methods=["POST"])
@referrals_blp.arguments(schemas.CommentIn)
@referrals_blp.response(201, schemas.CommentOut)
@referrals_blp.doc(**IDEMPOTENT)
def add_comment(args: dict, referral_id: int):
    """A message to the other centre (it is notified)."""
    referral = _visible(referral_id)
    comment = engine.add_comment(referral, current_api_user(), args["body"])
    data = _comment_dict(comment)
    commit(data, status=201, schema=schemas.CommentOut)
    return data


# -- Documents ------------------------------------------------------------------------


def _clinical(referral_id: int) -> Referral:
    """The referral, for readers of its clinical content; 404 to everyone else."""
    referral = _visible(referral_id)
    if not permissions.can_see_patient_data(current_api_user(), referral):
        raise ApiError(404, "not_found", _("No such referral, or it is not visible to you."))
    return referral


def _document_dict(document) -> dict[str, Any]:
    return {
        "id": document.id,
        "category": document.category.value,
        "title": document.title,
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
        "sha256": document.sha256,
        "version": document.version,
        "replaces_id": document.replaces_id,
        "current": document.is_current,
        "superseded_at": as_utc(document.superseded_at),
        "purged_at": as_utc(document.purged_at),
        "uploaded_at": as_utc(document.uploaded_at),
        "uploaded_by": {"id": document.uploaded_by.id, "name": document.uploaded_by.name},
        "side": document.uploader_side.value,
        "answer_event_id": document.event_id,
        "download_url": None
        if document.purged_at
        else url_for(
            "api_referrals.download_document",
            referral_id=document.referral_id,
            document_id=document.id,
        ),
    }


@referrals_blp.route("/<int:referral_id>/documents")
@referrals_blp.response(200, schemas.DocumentList)
def list_documents(referral_id: int):
    """Every version of the referral's documents, and the checklist of those expected."""
    referral = _clinical(referral_id)
    documents = checklist.documents_of(referral)
    return {
        "items": [_document_dict(d) for d in documents],
        "checklist": [
            {"category": i.category.value, "why": i.why, "satisfied": i.satisfied}
            for i in checklist.checklist(referral, documents)
        ],
    }


def _replaced(referral: Referral):
    raw = request.form.get("replaces")
    if raw in (None, ""):
        return None
    document = document_service.find(referral, int(raw)) if raw.isdigit() else None
    if document is None:
        raise ApiError(
            400,
            "invalid",
            _("Please correct the fields marked below."),
            {"replaces": _("No such document on this referral.")},
        )
    return document


@referrals_blp.route("/<int:referral_id>/documents", methods=["POST"])
@referrals_blp.response(201, schemas.DocumentsAdded)
@referrals_blp.alt_response(413, schema=schemas.ErrorSchema, description="Too large")
@referrals_blp.alt_response(415, schema=schemas.ErrorSchema, description="Type not accepted")
@referrals_blp.doc(**IDEMPOTENT, requestBody=schemas.document_upload_body())
def upload_documents(referral_id: int):
    """Attach files (multipart ``files``): sealed at rest; the other centre is told how many."""
    referral = _clinical(referral_id)
    added = document_service.attach(
        referral,
        current_api_user(),
        uploads.uploads_from_form(),
        replaces=_replaced(referral),
        channel="api",
    )
    db.session.flush()
    data = {"items": [_document_dict(d) for d in added]}
    commit(data, status=201, schema=schemas.DocumentsAdded)
    return data


@referrals_blp.route("/<int:referral_id>/documents/<int:document_id>")
@referrals_blp.doc(responses=schemas.document_download_responses())
def download_document(referral_id: int, document_id: int):
    """The file's bytes as an attachment; each download is in the audit trail."""
    referral = _clinical(referral_id)
    document = document_service.find(referral, document_id)
    if document is None:
        raise ApiError(404, "not_found", _("No such document on this referral."))
    try:
        chunks = document_service.open_plaintext(document, current_api_user(), channel="api")
    except document_service.DocumentGone:
        raise ApiError(
            410, "purged", _("This document was purged under the retention policy.")
        ) from None
    db.session.commit()
    return download_response(document, chunks)


# -- Notifications ----------------------------------------------------------------


@notifications_blp.route("")
@notifications_blp.arguments(schemas.NotificationArgs, location="query")
@notifications_blp.response(200, schemas.NotificationPage)
def list_notifications(args: dict):
    """The caller's in-app notifications, newest first."""
    stmt = select(Notification).where(
        Notification.recipient_id == current_api_user().id,
        Notification.channel == NotificationChannel.IN_APP,
    )
    if args["unread"]:
        stmt = stmt.where(Notification.read_at.is_(None))
    items, meta = paginate(stmt.order_by(Notification.id.desc()), args)
    return {
        "items": [
            {
                "id": n.id,
                "kind": n.kind,
                "context": n.context or {},
                "referral_id": n.referral_id,
                "created_at": as_utc(n.created_at),
                "read_at": as_utc(n.read_at),
            }
            for n in items
        ],
        "meta": meta,
    }
