"""The trial catalogue: search, trial pages, editing trials and sites, niche coverage."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from referral_app import permissions
from referral_app.eligibility import vocabulary
from referral_app.extensions import db
from referral_app.models import (
    Centre,
    Community,
    Phase,
    Region,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    User,
)
from referral_app.templating import add_nav_item
from referral_app.trials import (
    biomarker_proposals,
    confirmation,
    ctgov,
    held_changes,
    review,
    services,
)
from referral_app.trials import coverage as niche
from referral_app.trials.forms import (
    ImportForm,
    SiteConfirmForm,
    SiteCreateForm,
    SiteEditForm,
    TrialForm,
    TrialSearchForm,
    phase_choices,
    site_status_choices,
    trial_status_choices,
)
from referral_app.trials.search import TrialFilters, trial_query

bp = Blueprint("trials", __name__, url_prefix="/trials")


def current_language_code() -> str:
    return str(get_locale() or "fr")


add_nav_item(20, "trials.index", _l("Trials"))
add_nav_item(22, "trials.review_queue", _l("To review"), permissions.can_review_imports)


# ---------------------------------------------------------------------------
# Search and filter choices (shared with the public directory)
# ---------------------------------------------------------------------------


def community_choices(language: str) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Community.slug, Community.name_fr, Community.name_en).order_by(Community.name_fr)
    ).all()
    return [(r.slug, r.name_en if language == "en" else r.name_fr) for r in rows]


def region_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Region.id, Region.name)
        .where(select(Centre.id).where(Centre.region_id == Region.id).exists())
        .order_by(Region.code)
    ).all()
    return [(str(r.id), r.name) for r in rows]


def tumour_site_choices() -> list[tuple[str, str]]:
    values = db.session.scalars(
        select(Trial.tumour_site)
        .where(Trial.tumour_site != "")
        .distinct()
        .order_by(Trial.tumour_site)
    )
    labelled = [(value, vocabulary.tumour_site_label(value)) for value in values]
    return sorted(labelled, key=lambda choice: vocabulary.normalise(choice[1]))


def search_form_and_filters(
    args, language: str, statuses=None
) -> tuple[TrialSearchForm, TrialFilters]:
    """Read the GET filters; unknown values are ignored rather than refused."""
    form = TrialSearchForm(args)
    form.community.choices = [("", _("All communities")), *community_choices(language)]
    form.tumour_site.choices = [("", _("All tumour sites")), *tumour_site_choices()]
    form.phase.choices = phase_choices(blank=_("All phases"))
    form.status.choices = trial_status_choices(blank=_("All statuses"), statuses=statuses)
    form.region.choices = [("", _("All regions")), *region_choices()]

    def valid(f):
        return f.data if f.data in {value for value, _label in f.choices if value} else None

    status = valid(form.status)
    phase = valid(form.phase)
    region = valid(form.region)
    filters = TrialFilters(
        q=(form.q.data or "").strip()[:200],
        community=valid(form.community),
        status=TrialStatus(status) if status else None,
        phase=Phase(phase) if phase else None,
        tumour_site=valid(form.tumour_site),
        region_id=int(region) if region else None,
    )
    return form, filters


def page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def sites_by_region(sites: list[TrialSite]) -> list[tuple[str, list[TrialSite]]]:
    groups: dict[str, list[TrialSite]] = defaultdict(list)
    codes: dict[str, str] = {}
    for site in sites:
        groups[site.centre.region.name].append(site)
        codes[site.centre.region.name] = site.centre.region.code
    return [
        (name, sorted(groups[name], key=lambda s: s.centre.name))
        for name in sorted(groups, key=lambda n: codes[n])
    ]


# ---------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    form, filters = search_form_and_filters(request.args, current_language_code())
    if permissions.can_manage_trials(current_user):  # admins review what awaits
        filters = replace(filters, include_unpublished=True)
    stmt = trial_query(filters).options(joinedload(Trial.community))
    page = db.paginate(
        stmt, page=page_number(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    return render_template(
        "trials/index.html",
        form=form,
        page=page,
        can_create=permissions.can_manage_trials(current_user),
        confirmed_share=confirmation.network_share(),
    )


def _load_trial(trial_id: int) -> Trial:
    trial = db.session.scalar(
        select(Trial)
        .where(Trial.id == trial_id)
        .options(
            joinedload(Trial.community),
            selectinload(Trial.sites).joinedload(TrialSite.centre),
            selectinload(Trial.sites).selectinload(TrialSite.intake_contacts),
        )
    )
    if trial is None:
        abort(404)
    return trial


@bp.route("/<int:trial_id>")
@login_required
def detail(trial_id: int):
    trial = _load_trial(trial_id)
    centres = services.centres_user_may_open(current_user)
    site_centres = {s.centre_id for s in trial.sites}
    can_add_site = any(c.id not in site_centres for c in centres)
    return render_template(
        "trials/detail.html",
        trial=trial,
        groups=sites_by_region(trial.sites),
        can_edit=permissions.can_manage_trials(current_user),
        can_add_site=can_add_site,
        can_review=permissions.can_review_trial(current_user, trial),
        can_curate=permissions.can_edit_eligibility(current_user, trial),
    )


def _community_field_choices(form: TrialForm) -> None:
    form.community_id.choices = [
        (None, _("No community")),
        *[
            (c.id, c.name(current_language_code()))
            for c in db.session.scalars(select(Community).order_by(Community.name_fr))
        ],
    ]


def _trial_data(form: TrialForm) -> services.TrialData:
    return services.TrialData(
        nct_number=form.nct_number.data,
        title=" ".join(form.title.data.split()),
        acronym=(form.acronym.data or "").strip() or None,
        sponsor=(form.sponsor.data or "").strip(),
        phase=Phase(form.phase.data),
        community_id=form.community_id.data,
        tumour_site=(form.tumour_site.data or "").strip(),
        conditions=(form.conditions.data or "").strip(),
        eligibility_summary=(form.eligibility_summary.data or "").strip(),
        biomarkers=(form.biomarkers.data or "").strip(),
        is_niche=bool(form.is_niche.data),
        required_documents=list(form.required_documents.data or []),
        status=TrialStatus(form.status.data),
    )


def _commit_or_explain() -> bool:
    """Commit; a database constraint (the niche index, a race) becomes a clear message."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(
            _(
                "The change was refused because it conflicts with another change "
                "(for a niche trial: only one recruiting centre per region). Reload and try again."
            ),
            "danger",
        )
        return False
    return True


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not permissions.can_manage_trials(current_user):
        abort(403)
    form = TrialForm()
    _community_field_choices(form)
    if form.validate_on_submit():
        try:
            trial = services.create_trial(_trial_data(form), actor_id=current_user.id)
        except services.TrialError as error:
            flash(str(error), "danger")
        else:
            if _commit_or_explain():
                flash(_("Trial %(trial)s created.", trial=trial.label), "success")
                return redirect(url_for("trials.detail", trial_id=trial.id))
    return render_template("trials/form.html", form=form, trial=None)


@bp.route("/<int:trial_id>/edit", methods=["GET", "POST"])
@login_required
def edit(trial_id: int):
    if not permissions.can_manage_trials(current_user):
        abort(403)
    trial = _load_trial(trial_id)
    form = TrialForm(obj=trial)
    if request.method == "GET":
        form.phase.data = trial.phase.value
        form.status.data = trial.status.value
    _community_field_choices(form)
    allowed = {trial.status, *services.TRIAL_TRANSITIONS[trial.status]}
    form.status.choices = trial_status_choices(statuses=[s for s in TrialStatus if s in allowed])
    if form.validate_on_submit():
        try:
            changes = services.update_trial(trial, _trial_data(form), actor_id=current_user.id)
        except services.TrialError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if _commit_or_explain():
                if changes:
                    flash(_("Trial %(trial)s saved.", trial=trial.label), "success")
                else:
                    flash(_("Nothing changed."), "info")
                return redirect(url_for("trials.detail", trial_id=trial.id))
    return render_template("trials/form.html", form=form, trial=trial)


# ---------------------------------------------------------------------------
# Sites
# ---------------------------------------------------------------------------


@bp.route("/<int:trial_id>/sites/new", methods=["GET", "POST"])
@login_required
def add_site(trial_id: int):
    trial = _load_trial(trial_id)
    may_open = services.centres_user_may_open(current_user)
    if not may_open:
        abort(403)
    taken = {s.centre_id for s in trial.sites}
    centres = [c for c in may_open if c.id not in taken]
    if not centres:
        flash(_("Your centre is already a site of this trial."), "info")
        return redirect(url_for("trials.detail", trial_id=trial.id))
    form = SiteCreateForm()
    form.centre_id.choices = [(c.id, f"{c.name} ({c.region.name})") for c in centres]
    if len(centres) == 1 and request.method == "GET":
        form.centre_id.data = centres[0].id
    if form.validate_on_submit():
        centre = db.session.get(Centre, form.centre_id.data)
        if centre is None or not services.can_add_site_at(current_user, centre):
            abort(403)
        data = services.SiteData(
            status=SiteStatus(form.status.data), investigator_name=form.investigator_name.data or ""
        )
        try:
            site = services.add_site(trial, centre, data, actor_id=current_user.id)
        except services.TrialError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if _commit_or_explain():
                flash(_("%(centre)s added as a site.", centre=centre.short_name), "success")
                return redirect(url_for("trials.edit_site", site_id=site.id))
    return render_template("trials/site_new.html", form=form, trial=trial)


def _load_site(site_id: int) -> TrialSite:
    site = db.session.scalar(
        select(TrialSite)
        .where(TrialSite.id == site_id)
        .options(joinedload(TrialSite.trial), selectinload(TrialSite.intake_contacts))
    )
    if site is None:
        abort(404)
    return site


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"])
@login_required
def edit_site(site_id: int):
    site = _load_site(site_id)
    if not permissions.can_manage_site(current_user, site):
        abort(403)
    form = SiteEditForm()
    allowed = {site.status, *services.SITE_TRANSITIONS[site.status]}
    form.status.choices = site_status_choices([s for s in SiteStatus if s in allowed])
    staff = list(
        db.session.scalars(
            select(User)
            .where(User.centre_id == site.centre_id, User.active.is_(True))
            .order_by(User.name)
        )
    )
    form.intake_contacts.choices = [(u.id, f"{u.name} ({u.email})") for u in staff]
    if request.method == "GET":
        form.status.data = site.status.value
        form.investigator_name.data = site.investigator_name
        form.intake_contacts.data = [u.id for u in site.intake_contacts]
    if form.validate_on_submit():
        data = services.SiteData(
            status=SiteStatus(form.status.data),
            investigator_name=form.investigator_name.data or "",
            intake_contact_ids=list(form.intake_contacts.data or []),
        )
        try:
            changes = services.update_site(site, data, actor_id=current_user.id)
        except services.TrialError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if _commit_or_explain():
                flash(
                    _("Site saved.") if changes else _("Nothing changed."),
                    "success" if changes else "info",
                )
                return redirect(url_for("trials.detail", trial_id=site.trial_id))
    return render_template("trials/site_edit.html", form=form, site=site)


# ---------------------------------------------------------------------------
# Niche coverage
# ---------------------------------------------------------------------------


@bp.route("/<int:trial_id>/biomarker-proposals", methods=["POST"])
@login_required
def biomarker_proposal(trial_id: int):
    """Accept or dismiss a biomarker the registry names (the trial's curators)."""
    trial = _load_trial(trial_id)
    if not permissions.can_edit_eligibility(current_user, trial):
        abort(403)
    name = (request.form.get("name") or "").strip()
    decision = request.form.get("decision")
    try:
        if decision == "accept":
            biomarker_proposals.accept(trial, name, current_user)
        elif decision == "dismiss":
            biomarker_proposals.dismiss(trial, name, current_user)
        else:
            raise biomarker_proposals.ProposalError(_("Choose to add or to dismiss it."))
    except biomarker_proposals.ProposalError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(
            _("%(name)s added to the trial's biomarkers.", name=name)
            if decision == "accept"
            else _("%(name)s dismissed: it is no longer proposed.", name=name),
            "success",
        )
    return redirect(url_for("trials.detail", trial_id=trial_id) + "#registry-record")


# ---------------------------------------------------------------------------
# Review before publish (trials.review)
# ---------------------------------------------------------------------------


@bp.route("/review")
@login_required
def review_queue():
    """New studies and registry changes waiting for this reviewer."""
    if not permissions.can_review_imports(current_user):
        abort(403)
    waiting = review.queue(current_user)
    return render_template("trials/review_queue.html", trials=waiting)


@bp.route("/<int:trial_id>/review")
@login_required
def review_study(trial_id: int):
    """One study: why it may not belong, what the registry changes, the sites found."""
    trial = _load_trial(trial_id)
    if not permissions.can_review_trial(current_user, trial):
        abort(403)
    matcher = ctgov.centre_matcher()
    held = trial.pending_record is not None
    try:
        record = ctgov.parse_study(trial.pending_record) if held else None
    except ctgov.StudyError as error:  # a record held before a reader changed
        record = None
        flash(
            _("The registry's new version cannot be read: %(error)s", error=error.describe()),
            "danger",
        )
    return render_template(
        "trials/review.html",
        trial=trial,
        changes=ctgov.registry_diff(trial, record, matcher) if record else [],
        locations=(
            ctgov.quebec_locations(record.locations, record.status, matcher)
            if record
            else ctgov.kept_location_plans(trial, matcher)
        ),
        raised=review.flags(trial),
        centres=_active_centres(),
    )


def _back_to_review(trial: Trial):
    return redirect(url_for("trials.review_study", trial_id=trial.id))


@bp.route("/<int:trial_id>/publish", methods=["POST"])
@login_required
def publish(trial_id: int):
    """Publish an imported study after review (admins, the community's leader)."""
    trial = _load_trial(trial_id)
    if not permissions.can_review_trial(current_user, trial):
        abort(403)
    if trial.is_published:
        flash(_("This trial is already published."), "info")
        return redirect(url_for("trials.detail", trial_id=trial_id))
    try:
        review.publish(trial, current_user, override=request.form.get("override") == "yes")
    except review.FlagsNotOverridden:
        flash(_("Tick the box to publish despite the warnings shown."), "danger")
        return redirect(url_for("trials.detail", trial_id=trial_id))
    except review.AlreadyDecided:
        flash(_("This trial is already published."), "info")
        return redirect(url_for("trials.detail", trial_id=trial_id))
    db.session.commit()
    flash(_("Published: the trial is announced, listed and open to referrals."), "success")
    return redirect(url_for("trials.detail", trial_id=trial_id))


@bp.route("/<int:trial_id>/reject", methods=["POST"])
@login_required
def reject(trial_id: int):
    """Turn down an imported study: it stays unpublished and leaves the queue."""
    trial = _load_trial(trial_id)
    if not permissions.can_review_trial(current_user, trial):
        abort(403)
    try:
        review.reject(trial, current_user)
    except review.AlreadyDecided:
        flash(_("This study was already decided by someone else; nothing changed."), "info")
        return _back_to_review(trial)
    db.session.commit()
    flash(_("Rejected: the study stays out of the catalogue."), "success")
    return redirect(url_for("trials.review_queue"))


@bp.route("/<int:trial_id>/registry-change", methods=["POST"])
@login_required
def decide_change(trial_id: int):
    """Apply or reject the registry's new version of a published trial."""
    trial = _load_trial(trial_id)
    if not permissions.can_review_trial(current_user, trial):
        abort(403)
    decision = request.form.get("decision")
    digest = request.form.get("digest") or ""
    if decision not in ("apply", "reject"):
        flash(_("Choose to apply or to reject the changes."), "danger")
        return _back_to_review(trial)
    try:
        if decision == "apply":
            report = held_changes.apply_change(trial, current_user, digest)
        else:
            held_changes.reject_change(trial, current_user, digest)
    except review.AlreadyDecided:
        flash(
            _(
                "These changes were already decided, or the registry sent a newer version: "
                "review the page again. Nothing changed."
            ),
            "warning",
        )
        return _back_to_review(trial)
    except services.TrialError as error:
        db.session.rollback()
        flash(_("The changes could not be applied: %(error)s", error=str(error)), "danger")
        return _back_to_review(trial)
    if not _commit_or_explain():
        return _back_to_review(trial)
    if decision == "apply":
        for warning in report.warnings:
            flash(warning, "warning")
        flash(_("Applied: the trial now shows what the registry says."), "success")
    else:
        flash(_("Rejected: the trial stays as it was published."), "success")
    return redirect(url_for("trials.review_queue"))


@bp.route("/sites/<int:site_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm_site(site_id: int):
    """The monthly question to a site's intake contacts, answered in one click."""
    site = _load_site(site_id)
    if not permissions.can_manage_site(current_user, site):
        abort(403)
    form = SiteConfirmForm()
    if form.validate_on_submit():
        try:
            if form.answer.data == "closed" and site.status != SiteStatus.CLOSED:
                services.set_site_status(site, SiteStatus.CLOSED, actor_id=current_user.id)
            elif form.answer.data == "recruiting":
                if site.status != SiteStatus.RECRUITING:
                    services.set_site_status(site, SiteStatus.RECRUITING, actor_id=current_user.id)
                confirmation.vouch(site, current_user, slots_left=form.slots_left.data)
        except services.TrialError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            flash(_("Thank you: the site's status is confirmed."), "success")
            return redirect(url_for("trials.detail", trial_id=site.trial_id))
    return render_template(
        "trials/confirm_site.html",
        site=site,
        form=form,
        unverified=confirmation.is_unverified(site),
    )


@bp.route("/coverage")
@login_required
def coverage():
    slugs = dict(community_choices(current_language_code()))
    community = request.args.get("community") or None
    if community not in slugs:
        community = None
    page = db.paginate(
        niche.niche_trials_stmt(community), page=page_number(), per_page=50, error_out=False
    )
    regions, rows = niche.niche_coverage(list(page.items))
    return render_template(
        "trials/coverage.html",
        regions=regions,
        rows=rows,
        page=page,
        communities=slugs,
        community=community,
    )


# ---------------------------------------------------------------------------
# Import from ClinicalTrials.gov (the same service as ``flask import-ctgov``)
# ---------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_ctgov():
    if not permissions.can_manage_trials(current_user):
        abort(403)
    form = ImportForm()
    form.community.choices = [("", _("None")), *community_choices(current_language_code())]
    report = None
    if form.validate_on_submit():
        slug = form.community.data or None
        try:
            report = ctgov.import_studies(
                form.file.data.read(), community_slug=slug, actor_id=current_user.id
            )
        except (ctgov.ImportFileError, services.TrialError) as error:
            db.session.rollback()
            flash(_("The file could not be imported: %(error)s", error=str(error)), "danger")
        else:
            if _commit_or_explain():
                flash(_("Import done: %(counts)s.", counts="; ".join(report.counts())), "success")
            else:
                report = None
    return render_template(
        "trials/import.html", form=form, report=report, centres=_active_centres()
    )


def _active_centres() -> list[Centre]:
    return list(
        db.session.scalars(select(Centre).where(Centre.is_active.is_(True)).order_by(Centre.name))
    )


@bp.route("/import/aliases", methods=["POST"])
@login_required
def map_facility():
    """One click from the import report or a review page: this facility name is this
    centre, from now on. From the review of a new study, its sites are matched again
    at once."""
    if not permissions.can_manage_trials(current_user):
        abort(403)
    trial = db.session.get(Trial, request.form.get("trial_id", type=int) or 0)
    back = (
        url_for("trials.review_study", trial_id=trial.id)
        if trial
        else url_for("trials.import_ctgov")
    )
    facility = (request.form.get("facility") or "").strip()[:300]
    centre = db.session.get(Centre, request.form.get("centre_id", type=int) or 0)
    if centre is None or not facility:
        flash(_("Choose a centre for the facility."), "danger")
        return redirect(back)
    ctgov.remember_alias(facility, centre, current_user.id)
    added = ctgov.match_kept_locations(trial, current_user.id).sites_added if trial else 0
    if not _commit_or_explain():
        return redirect(back)
    flash(_mapped_message(facility, centre, trial, added), "success")
    return redirect(back)


def _mapped_message(facility: str, centre: Centre, trial: Trial | None, added: int) -> str:
    if trial is None:
        return _(
            "%(facility)s is %(centre)s from now on; import the file again to add the site.",
            facility=facility,
            centre=centre.short_name,
        )
    if trial.is_published:
        return _(
            "%(facility)s is %(centre)s from now on; the registry's changes now show its site.",
            facility=facility,
            centre=centre.short_name,
        )
    return ngettext(
        "%(facility)s is %(centre)s from now on; %(num)d site added to this study.",
        "%(facility)s is %(centre)s from now on; %(num)d sites added to this study.",
        added,
        facility=facility,
        centre=centre.short_name,
    )
