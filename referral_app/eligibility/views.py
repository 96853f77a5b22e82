"""Pages of the trial finder and of a trial's eligibility criteria (issue 14).

Thin views over ``finder``, ``service`` and ``summary``. The finder posts its
summary (clinical data) in the body, never in a URL, so no access log holds it;
a result's "Refer" button posts the same summary to start a draft with it.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from referral_app import permissions
from referral_app.eligibility import criteria as criteria_module
from referral_app.eligibility import finder, service, watchlist
from referral_app.eligibility import summary as summary_module
from referral_app.eligibility.evaluate import describe, explain
from referral_app.eligibility.forms import FinderForm
from referral_app.extensions import db
from referral_app.forms import BaseForm
from referral_app.models import Referral, Region, Trial, TrialSite, WatchEntry
from referral_app.templating import add_nav_item
from referral_app.workflow.errors import WorkflowError

bp = Blueprint("eligibility", __name__)

add_nav_item(15, "eligibility.finder_page", _l("Trial finder"), permissions.can_file_referral)
add_nav_item(
    16, "eligibility.watchlist_page", _l("Watchlist"), permissions.is_clinical, menu="user"
)


@bp.app_template_global("explain")
def _explain(verdict) -> str:
    return explain(verdict)


@bp.app_template_global("describe")
def _describe(criterion) -> str:
    return describe(criterion)


def _region_choices() -> list[tuple[str, str]]:
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return [("", "—")] + [(str(r.id), f"{r.code} · {r.name}") for r in regions]


def _finder_form() -> FinderForm:
    form = FinderForm()
    form.setup_summary_choices()
    form.region_id.choices = _region_choices()
    return form


@bp.route("/finder", methods=["GET", "POST"])
@login_required
def finder_page():
    """A patient's summary in, ranked recruiting sites out, each with its reasons."""
    if not permissions.can_file_referral(current_user):
        abort(403)
    form = _finder_form()
    matches = None
    if request.method == "GET" and current_user.centre is not None:
        form.region_id.data = str(current_user.centre.region_id or "")
    if form.validate_on_submit():
        try:
            patient = summary_module.parse(form.finder_summary())
        except summary_module.SummaryInvalid as invalid:
            for key, message in form.add_summary_errors(_draft_keyed(invalid.errors)).items():
                field = getattr(form, key, None)
                if field is not None:
                    field.errors = [*list(field.errors or []), message]
                else:
                    form.form_errors.append(message)
        else:
            matches = finder.find(
                patient,
                current_user,
                query=form.q.data or "",
                include_own_centre=bool(form.include_own_centre.data),
            )
            finder.record_search(current_user, patient, matches, channel="web")
            db.session.commit()
    return render_template("eligibility/finder.html", form=form, matches=matches)


def _draft_keyed(errors: dict[str, str]) -> dict[str, str]:
    """Errors named by the summary's keys, renamed to the form's (draft) keys."""
    by_summary = {name: key for key, name in summary_module.DRAFT_KEYS.items()}
    return {by_summary.get(k, k): v for k, v in errors.items()}


@bp.route("/finder/refer/<int:site_id>", methods=["POST"])
@login_required
def start_referral(site_id: int):
    """A draft to this site with the finder's summary filled in (no identifiers yet)."""
    from referral_app.referrals import services as referral_services

    if not permissions.can_file_referral(current_user):
        abort(403)
    site = db.session.get(TrialSite, site_id)
    if site is None:
        abort(404)
    form = _finder_form()
    if not form.validate_on_submit():
        flash(_("The summary could not be read; search again."), "danger")
        return redirect(url_for("eligibility.finder_page"))
    data = {
        **form.summary_data(),
        "histology": form.histology.data or "",
        "ecog": form.ecog.data or None,
        "prior_lines": form.prior_lines.data,
        "patient_region_id": form.region_id.data or None,
    }
    try:
        referral = referral_services.create_draft(current_user, site, data)
    except WorkflowError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("eligibility.finder_page"))
    referral.origin = "finder"
    referral_id = referral.id
    db.session.commit()
    flash(_("Draft started with the summary; add the patient and submit."), "success")
    return redirect(url_for("referrals.edit", referral_id=referral_id))


# -- A trial's criteria --------------------------------------------------------------------


class CriteriaForm(BaseForm):
    criteria = TextAreaField(_l("Criteria (JSON)"), render_kw={"rows": 18, "spellcheck": "false"})
    note = StringField(
        _l("What changed (kept with the version)"), validators=[Optional(), Length(max=300)]
    )
    # The version the editor read: a save over a newer one is refused, not lost.
    based_on = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0)])


def _trial_or_404(trial_id: int) -> Trial:
    trial = db.session.get(Trial, trial_id)
    if trial is None:
        abort(404)
    return trial


@bp.route("/trials/<int:trial_id>/eligibility")
@login_required
def trial_criteria(trial_id: int):
    """The trial's criteria, readable; for editors, the form that makes a new version."""
    trial = _trial_or_404(trial_id)
    form = None
    if permissions.can_edit_eligibility(current_user, trial):
        form = CriteriaForm()
        form.criteria.data = json.dumps(trial.criteria or [], ensure_ascii=False, indent=2)
        form.based_on.data = trial.eligibility_version
    return _criteria_page(trial, form)


@bp.route("/trials/<int:trial_id>/eligibility", methods=["POST"])
@login_required
def save_trial_criteria(trial_id: int):
    trial = _trial_or_404(trial_id)
    if not permissions.can_edit_eligibility(current_user, trial):
        abort(403)
    form = CriteriaForm()
    if form.validate_on_submit():
        try:
            items = json.loads(form.criteria.data or "[]")
            version = service.set_criteria(
                trial, items, current_user, form.note.data or "", based_on=form.based_on.data
            )
        except json.JSONDecodeError as error:
            problems = {"criteria": _("Not valid JSON (line %(n)d).", n=error.lineno)}
        except criteria_module.CriteriaInvalid as invalid:
            problems = invalid.errors
        except service.StaleCriteria as stale:
            db.session.rollback()
            form.criteria.errors = [stale.message]
            # They read it on this page; the next save goes over it.
            form.based_on.raw_data, form.based_on.data = None, stale.current
            return _criteria_page(trial, form), 409
        else:
            db.session.commit()
            if version is None:
                flash(_("Nothing changed."), "info")
            else:
                flash(_("Criteria saved as version %(n)d.", n=version.number), "success")
            return redirect(url_for("eligibility.trial_criteria", trial_id=trial_id))
        db.session.rollback()
        form.criteria.errors = [
            *form.criteria.errors,
            *(_("Item %(key)s: %(message)s", key=k, message=v) for k, v in problems.items()),
        ]
    return _criteria_page(trial, form), 400


def _criteria_page(trial: Trial, form: CriteriaForm | None):
    return render_template(
        "eligibility/trial.html",
        trial=trial,
        criteria=service.current_criteria(trial),
        versions=service.versions(trial),
        form=form,
        kinds=criteria_module.KIND_LABELS,
    )


# -- The watchlist -------------------------------------------------------------------------


@bp.route("/watchlist")
@login_required
def watchlist_page():
    """The centre's watched referrals, with the sites that match them now."""
    if not permissions.is_clinical(current_user):
        abort(403)
    entries = db.session.scalars(watchlist.active_entries(current_user.centre_id)).all()
    return render_template("eligibility/watchlist.html", entries=entries, reasons=watchlist.REASONS)


@bp.route("/watchlist/<int:referral_id>/clear", methods=["POST"])
@login_required
def clear_watch(referral_id: int):
    referral = db.session.get(Referral, referral_id)
    if referral is None or not permissions.can_review_watchlist(current_user, referral):
        abort(404)
    entry = db.session.scalar(
        select(WatchEntry).where(
            WatchEntry.referral_id == referral_id, WatchEntry.cleared_at.is_(None)
        )
    )
    if entry is None:
        flash(_("This referral is not on the watchlist."), "info")
    else:
        watchlist.clear(entry, current_user)
        db.session.commit()
        flash(_("Removed from the watchlist."), "success")
    return redirect(url_for("eligibility.watchlist_page"))
