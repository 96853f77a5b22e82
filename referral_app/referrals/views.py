"""Referral pages: incoming and outgoing lists, the referral form, the referral page.

Views are thin: load (404 when not visible), call a service or the workflow,
commit, flash, redirect. Workflow errors become flashes and change nothing.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from referral_app import attention, patient_data, permissions, templating
from referral_app.documents import checklist, thumbnails
from referral_app.documents import service as document_service
from referral_app.documents import uploads as document_uploads
from referral_app.eligibility import service as eligibility
from referral_app.eligibility.evaluate import describe, evaluate, readable_summary
from referral_app.eligibility.summary import PatientSummary, of_referral
from referral_app.enums import CLINICAL_ROLES, DocumentCategory
from referral_app.extensions import db
from referral_app.labels import STATE_LABELS
from referral_app.models import Community, Referral, Region, Trial, TrialSite
from referral_app.pagination import CursorError
from referral_app.referrals import services
from referral_app.referrals.forms import CommentForm, IdentifierReasonForm, ReferralForm
from referral_app.timeutil import as_utc, local_today
from referral_app.workflow import clocks, engine, guards, spec
from referral_app.workflow import redirect as redirects
from referral_app.workflow.errors import (
    ExistingReferral,
    StaleReferral,
    TransitionInputError,
    WorkflowError,
)
from referral_app.workflow.fields import reason_label, recorded_date_label
from referral_app.workflow.states import Event, ReferralState

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

templating.add_nav_item(10, "referrals.incoming", _l("Referrals"))
templating.add_nav_item(11, "referrals.new", _l("New referral"), permissions.can_file_referral)


# -- Helpers ------------------------------------------------------------------


def _load(referral_id: int) -> Referral:
    referral = services.visible_referral(referral_id, current_user)
    if referral is None:
        abort(404)
    return referral


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _version() -> int:
    value = request.form.get("version", "")
    return int(value) if value.isdigit() else -1  # a missing version is stale, never blind


def _flash_error(error: WorkflowError, fields_labels: dict[str, str] | None = None) -> None:
    engine.roll_back(error)
    if isinstance(error, ExistingReferral):
        link = url_for("referrals.detail", referral_id=error.existing.id)
        flash(
            Markup('{} <a href="{}">{}</a>').format(
                error.message, link, _("Open the existing referral")
            ),
            "danger",
        )
        return
    message = error.message
    if isinstance(error, TransitionInputError) and error.fields:
        labels = fields_labels or {}
        details = "; ".join(f"{labels.get(k, k)}: {v}" for k, v in error.fields.items())
        message = f"{message} {details}"
    flash(message, "warning" if isinstance(error, StaleReferral) else "danger")


def _regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


def _region_choices() -> list[tuple]:
    return [("", "—")] + [(r.id, r.name) for r in _regions()]


# -- Lists ----------------------------------------------------------------------


# Whole words, not "All" / "Closed": in French they agree with "références".
STATE_FILTERS = [
    ("", _l("All referrals")),
    ("open", _l("Open referrals")),
    ("closed", _l("Closed referrals")),
] + [(s.value, label) for s, label in STATE_LABELS.items()]


def _list_page(box: str):
    state = request.args.get("state", "")
    valid = {value for value, _label in STATE_FILTERS}
    if state not in valid:
        state = ""
    overdue = request.args.get("overdue") == "1"
    filters = {"state": state or None, "trial_id": _int_arg("trial"), "overdue": overdue}
    per_page = current_app.config["PER_PAGE"]
    try:
        page = services.box_page(
            current_user, box, after=request.args.get("after"), per_page=per_page, **filters
        )
    except CursorError:
        # A link from an older page, or typed: start again from the first page.
        page = services.box_page(current_user, box, after=None, per_page=per_page, **filters)
    return render_template(
        "referrals/list.html",
        box=box,
        page=page,
        state=state,
        overdue=overdue,
        state_filters=STATE_FILTERS,
        overdue_kind=clocks.overdue_kind,
        overdue_label=clocks.overdue_label,
        today=local_today(),
    )


@bp.route("/")
@bp.route("/incoming")
@login_required
def incoming():
    return _list_page("incoming")


@bp.route("/outgoing")
@login_required
def outgoing():
    return _list_page("outgoing")


# -- Filing ---------------------------------------------------------------------


@bp.route("/new")
@login_required
def new():
    """Find a recruiting site of a trial at another centre."""
    if not permissions.can_file_referral(current_user):
        abort(403)
    patient_region_id = _int_arg("patient_region")
    stmt = services.trial_search(
        current_user,
        q=request.args.get("q", "").strip()[:100],
        community=request.args.get("community") or None,
        tumour_site=request.args.get("tumour_site", "").strip()[:100] or None,
        region_id=_int_arg("region"),
    )
    page = db.paginate(stmt, page=_int_arg("page") or 1, per_page=10, error_out=False)
    draft_id = _int_arg("draft")
    draft = _load(draft_id) if draft_id else None
    if draft is not None and draft.state != ReferralState.DRAFT:
        draft = None
    communities = db.session.scalars(select(Community).order_by(Community.name_fr)).all()
    choices = {
        trial.id: services.site_choices(trial, current_user, patient_region_id)
        for trial in page.items
    }
    return render_template(
        "referrals/new.html",
        page=page,
        choices=choices,
        regions=_regions(),
        communities=communities,
        patient_region_id=patient_region_id,
        draft=draft,
    )


def _site_or_404(site_id: int) -> TrialSite:
    site = db.session.get(TrialSite, site_id)
    if site is None:
        abort(404)
    return site


def _form_context(form: ReferralForm, site: TrialSite, referral: Referral | None):
    form.mark_required_to_submit()
    region_id = form.patient_region_id.data
    choices = services.site_choices(site.trial, current_user, region_id)
    proposed = next((c for c in choices if c.in_patient_region), None)
    warnings = services.duplicate_warnings(referral, current_user) if referral else []
    db.session.commit()  # the audit row of a match at two other centres
    return {
        "form": form,
        "site": site,
        "referral": referral,
        "prescreen": _draft_prescreen(site, referral),
        "proposed": proposed,
        "duplicate_warnings": warnings,
        "refusal": guards.site_refusal(site, current_user.centre_id),
    }


def _draft_prescreen(site: TrialSite, referral: Referral | None):
    """The checklist the form shows: the saved draft's summary against the site's trial
    (a new form: every criterion still open)."""
    if referral is not None:
        return eligibility.prescreen(referral)
    return evaluate(eligibility.current_criteria(site.trial), PatientSummary())


def _save_form(form: ReferralForm, site: TrialSite, referral: Referral | None):
    """Create or update the draft; submit it when asked. Returns a response or None."""
    wants_submit = request.form.get("action") == "submit"
    try:
        if referral is None:
            referral = services.create_draft(current_user, site, form.data_for_service())
        else:
            services.save_draft(referral, current_user, form.data_for_service(), version=_version())
        if wants_submit:
            services.submit(referral, current_user, version=None)
    except TransitionInputError as error:
        db.session.rollback()
        form.add_errors(error.fields)
        if wants_submit:  # what the submit needs, with the saved draft's own problems
            form.add_missing_for_submit()
        return None  # the form's summary says it, once (no second message on top)
    except WorkflowError as error:
        _flash_error(error)
        return None
    referral_id = referral.id
    db.session.commit()
    if wants_submit:
        flash(_("Referral %(reference)s submitted.", reference=referral.reference), "success")
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    flash(_("Draft saved."), "success")
    return redirect(url_for("referrals.edit", referral_id=referral_id))


@bp.route("/new/<int:site_id>", methods=["GET", "POST"])
@login_required
def new_for_site(site_id: int):
    if not permissions.can_file_referral(current_user):
        abort(403)
    site = _site_or_404(site_id)
    form = ReferralForm()
    form.patient_region_id.choices = _region_choices()
    form.setup_summary_choices()
    if request.method == "GET":
        form.patient_region_id.data = _int_arg("patient_region")
    if form.validate_on_submit():
        response = _save_form(form, site, None)
        if response is not None:
            return response
    elif form.is_submitted():
        _all_problems_at_once(form)
    return render_template("referrals/form.html", **_form_context(form, site, None))


def _all_problems_at_once(form: ReferralForm) -> None:
    """A submit refused for a field's format also says what is missing to submit."""
    if request.form.get("action") == "submit":
        form.add_missing_for_submit()


@bp.route("/<int:referral_id>/edit", methods=["GET", "POST"])
@login_required
def edit(referral_id: int):
    referral = _load(referral_id)
    if not engine.can(current_user, referral, Event.SAVE_DRAFT):
        return redirect(url_for("referrals.detail", referral_id=referral.id))
    if request.method == "GET":
        form = ReferralForm.for_draft(referral, patient_data.reveal(referral, current_user))
        db.session.commit()  # the audit row of the identifiers shown
    else:
        form = ReferralForm()
    form.patient_region_id.choices = _region_choices()
    form.setup_summary_choices()
    if request.method == "POST" and not form.validate_on_submit():
        _all_problems_at_once(form)
    elif request.method == "POST":
        response = _save_form(form, referral.site, referral)
        if response is not None:
            return response
        referral = _load(referral_id)
    return render_template("referrals/form.html", **_form_context(form, referral.site, referral))


@bp.route("/<int:referral_id>/retarget", methods=["POST"])
@login_required
def retarget(referral_id: int):
    referral = _load(referral_id)
    site = _site_or_404(request.form.get("site_id", type=int) or 0)
    try:
        services.save_draft(referral, current_user, {"site_id": site.id}, version=_version())
    except WorkflowError as error:
        _flash_error(error)
        return redirect(url_for("referrals.new", draft=referral_id))
    db.session.commit()
    flash(_("The draft now targets %(site)s.", site=site.centre.short_name), "success")
    return redirect(url_for("referrals.edit", referral_id=referral_id))


@bp.route("/<int:referral_id>/delete", methods=["POST"])
@login_required
def delete(referral_id: int):
    referral = _load(referral_id)
    try:
        services.delete_draft(referral, current_user, version=_version())
    except WorkflowError as error:
        _flash_error(error)
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    db.session.commit()
    flash(_("Draft deleted."), "success")
    return redirect(url_for("referrals.outgoing"))


@bp.route("/<int:referral_id>/redirect")
@login_required
def redirect_page(referral_id: int):
    """Choose where a declined, screen-failed or withdrawn referral goes next."""
    old = _load(referral_id)
    if not engine.can(current_user, old, Event.REDIRECT):
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    suggestion = redirects.suggestion(old)
    trial_id = _int_arg("trial")
    trial = db.session.get(Trial, trial_id) if trial_id else None
    trial = trial or suggestion.trial or old.trial
    q = request.args.get("q", "").strip()[:100]
    found = (
        db.session.scalars(services.trial_search(current_user, q=q).limit(20)).all() if q else []
    )
    return render_template(
        "referrals/redirect.html",
        old=old,
        trial=trial,
        suggestion=suggestion,
        options=services.redirect_options(old, trial),
        q=q,
        found=found,
    )


@bp.route("/<int:referral_id>/redirect", methods=["POST"])
@login_required
def redirect_to_new(referral_id: int):
    old = _load(referral_id)
    site = _site_or_404(request.form.get("site_id", type=int) or 0)
    try:
        draft = services.redirect_referral(old, current_user, site, version=_version())
    except WorkflowError as error:
        _flash_error(error, spec.field_labels(Event.REDIRECT))
        return redirect(url_for("referrals.redirect_page", referral_id=referral_id))
    draft_id = draft.id
    db.session.commit()
    flash(
        _("A new draft to %(site)s was created from this referral.", site=site.centre.short_name),
        "success",
    )
    return redirect(url_for("referrals.edit", referral_id=draft_id))


# -- The referral page ------------------------------------------------------------


def _action_choices(
    referral: Referral, actions: list[spec.Transition]
) -> dict[tuple[Event, str], list[tuple[str, str]]]:
    """Options of the actions' choice, site and trial fields; each list is queried once.

    Forward and decline both offer sites: they share one list.
    """
    loaders = {
        "site": lambda: [
            (str(s.id), f"{s.centre.short_name} — {s.centre.name}")
            for s in services.other_recruiting_sites(referral)
        ],
        "trial": lambda: [(str(t.id), t.label) for t in services.alternative_trials(referral)],
        "criterion": lambda: [(c.id, describe(c)) for c in eligibility.referral_criteria(referral)],
    }
    loaded: dict[str, list[tuple[str, str]]] = {}
    choices = {}
    for t in actions:
        for f in t.fields:
            if f.kind == "choice":
                choices[(t.event, f.name)] = _recorded_only(referral, t, f.choice_pairs())
            elif f.kind in loaders:
                if f.kind not in loaded:
                    loaded[f.kind] = loaders[f.kind]()
                choices[(t.event, f.name)] = loaded[f.kind]
    return choices


def _recorded_only(referral: Referral, t: spec.Transition, pairs):
    """A date correction offers only the dates already recorded."""
    if t.event != Event.CORRECT_DATE:
        return pairs
    return [(value, text) for value, text in pairs if getattr(referral, value) is not None]


def _document_context(referral: Referral, clinical: bool, reason: str | None) -> dict:
    """What the documents card shows; nothing at all to who may not read them."""
    if not clinical:
        return {"documents": [], "show_documents": False}
    documents = checklist.documents_of(referral)
    config = current_app.config
    return {
        "show_documents": True,
        "documents": documents,
        "checklist_items": checklist.checklist(referral, documents),
        "can_add_documents": permissions.can_add_documents(current_user, referral),
        "document_limits": {
            "file": document_service.megabytes(config["DOCUMENT_MAX_BYTES"]),
            "referral": document_service.megabytes(config["REFERRAL_DOCUMENTS_MAX_BYTES"]),
        },
        "document_categories": [(c.value, checklist.category_label(c)) for c in DocumentCategory],
        "document_reason": reason
        if permissions.admin_needs_reason(current_user, referral)
        else None,
        "thumbnails": thumbnails.available(),
        "my_side": permissions.side_of(current_user, referral),
        "size_text": document_service.megabytes,
    }


def _timeline(referral: Referral, clinical: bool, documents) -> list:
    """The events, with the documents' arrivals (clinical readers) and purges, by time."""
    entries = [
        *services.timeline(referral, clinical=clinical),
        *checklist.timeline_entries(documents, clinical=clinical),
    ]
    return sorted(entries, key=lambda e: (as_utc(e.created_at), e.kind != "event"))


def _render_detail(
    referral: Referral,
    *,
    reason: str | None = None,
    reason_form=None,
    failed: tuple[str, dict[str, str], dict] | None = None,
):
    """The referral's page; ``failed``: an action refused for its fields (its event,
    the message of each field, what was typed), shown open with its errors inline."""
    identifiers = patient_data.reveal(referral, current_user, reason=reason)
    clinical = permissions.can_see_patient_data(current_user, referral, reason=reason)
    document_context = _document_context(referral, clinical, reason)
    actions = engine.page_actions(referral, current_user)
    other_trials = services.duplicate_warnings(referral, current_user) if identifiers else []
    previous_of = db.session.scalars(
        select(Referral.id).where(Referral.previous_referral_id == referral.id)
    ).all()
    response = render_template(
        "referrals/detail.html",
        referral=referral,
        identifiers=identifiers,
        clinical=clinical,
        admin_needs_reason=permissions.admin_needs_reason(current_user, referral) and not clinical,
        reason_form=reason_form or IdentifierReasonForm(),
        actions=actions,
        choices=_action_choices(referral, actions),
        events=_timeline(referral, clinical, document_context["documents"]),
        **document_context,
        comments=services.comments(referral) if clinical else [],
        comment_form=CommentForm(),
        can_comment=engine.can_comment(current_user, referral),
        can_edit=engine.can(current_user, referral, Event.SAVE_DRAFT),
        can_redirect=engine.can(current_user, referral, Event.REDIRECT),
        overdue=clocks.overdue_kind(referral),
        overdue_label=clocks.overdue_label,
        other_trials=other_trials,
        follow_ups=previous_of,
        reason_label=reason_label,
        date_label=recorded_date_label,
        outcome_reason_label=spec.outcome_reason_label,
        done_label=spec.done_label,
        running_clocks=clocks.running(referral),
        prescreen=eligibility.prescreen(referral) if clinical else None,
        structured_summary=readable_summary(of_referral(referral)) if clinical else None,
        failed_event=failed[0] if failed else request.args.get("failed"),
        failed_errors=failed[1] if failed else {},
        failed_values=failed[2] if failed else {},
    )
    db.session.commit()  # the audit row of the identifiers shown
    return response


@bp.route("/<int:referral_id>")
@login_required
def detail(referral_id: int):
    return _render_detail(_load(referral_id))


@bp.route("/<int:referral_id>/identifiers", methods=["POST"])
@login_required
def identifiers_with_reason(referral_id: int):
    """An admin states a reason; it is recorded with the identifiers and clinical content."""
    referral = _load(referral_id)
    if not permissions.admin_needs_reason(current_user, referral):
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    from referral_app.auth import mfa  # a second-factor check within 15 minutes first

    if not mfa.recently_verified():
        return mfa.reverify_redirect(url_for("referrals.detail", referral_id=referral_id))
    form = IdentifierReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason of at least 10 characters."), "danger")
        return _render_detail(referral, reason_form=form)
    return _render_detail(referral, reason=form.reason.data.strip())


def _event_data(event: str) -> dict:
    """The form's values; a field of several choices keeps all of them."""
    data = request.form.to_dict()
    event_spec = spec.EVENTS.get(Event(event)) if event in set(Event) else None
    for f in event_spec.all_fields() if event_spec else ():
        if f.kind == "choices":
            data[f.name] = request.form.getlist(f.name)
    return data


def _attach_to_answer(referral: Referral, answer) -> None:
    """Files sent with the answer to an information request join it (all or nothing)."""
    files = document_uploads.uploads_from_form()
    if files:
        document_service.attach(referral, current_user, files, event=answer)


@bp.route("/<int:referral_id>/events/<event>", methods=["POST"])
@login_required
def transition(referral_id: int, event: str):
    return document_uploads.for_script(_transition(referral_id, event))


def _transition(referral_id: int, event: str):
    referral = _load(referral_id)
    try:
        applied = engine.apply_event(
            referral, event, current_user, version=_version(), data=_event_data(event)
        )
        if applied.event == Event.PROVIDE_INFO and request.files:
            _attach_to_answer(referral, applied)
    except TransitionInputError as error:
        if not error.fields:
            _flash_error(error)
            return redirect(url_for("referrals.detail", referral_id=referral_id, failed=event))
        # The page again, the action open with each error on its field and what was
        # typed kept (nothing lost); 422, as the API answers.
        engine.roll_back(error)
        failed = (event, error.fields, request.form.to_dict())
        return make_response(_render_detail(_load(referral_id), failed=failed), 422)
    except WorkflowError as error:
        _flash_error(error, spec.field_labels(event))
        return redirect(url_for("referrals.detail", referral_id=referral_id, failed=event))
    done = spec.done_label(applied.event)
    db.session.commit()
    flash(_("%(what)s: the referral is up to date.", what=done), "success")
    if event == Event.FORWARD:
        # The referral left this centre: it is no longer ours to open.
        return redirect(url_for("referrals.incoming"))
    return redirect(url_for("referrals.detail", referral_id=referral_id))


@bp.route("/<int:referral_id>/comments", methods=["POST"])
@login_required
def comment(referral_id: int):
    referral = _load(referral_id)
    form = CommentForm()
    if not form.validate_on_submit():
        # The message that matches the rule broken (an empty message was told "at
        # most 5000 characters").
        if not (form.body.data or "").strip():
            problem = _("Write your message before sending it.")
        else:
            problem = next(iter(form.body.errors), None) or _("The message cannot be sent.")
        flash(problem, "danger")
        return redirect(url_for("referrals.detail", referral_id=referral_id) + "#comments")
    try:
        engine.add_comment(referral, current_user, form.body.data)
    except WorkflowError as error:
        _flash_error(error)
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    db.session.commit()
    flash(_("Message sent."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral_id) + "#comments")


# -- Home page attention ----------------------------------------------------------


@attention.provider
def referral_attention(user) -> list[attention.AttentionItem]:
    items: list[attention.AttentionItem] = []
    if user.role in CLINICAL_ROLES:
        counts = services.attention_counts(user)
        items += [
            attention.AttentionItem(
                str(_l("New referrals to acknowledge")),
                counts.to_acknowledge,
                url_for("referrals.incoming", state="submitted"),
            ),
            attention.AttentionItem(
                str(_l("Overdue referrals")),
                counts.overdue,
                url_for("referrals.incoming", overdue=1),
                "danger",
            ),
            attention.AttentionItem(
                str(_l("Information requested from you")),
                counts.info_requested,
                url_for("referrals.outgoing", state="info_requested"),
                "warning",
            ),
        ]
    return items
