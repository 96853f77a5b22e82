"""Pages anyone can read, in French and English: what a sponsor sees of the network.

Communities (list and a page each), participating centres by region, the trial
directory (recruiting and upcoming trials, no patient data), network figures
(aggregates only, one grouped query each), and the join request form.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from referral_app.communities import queries as community_queries
from referral_app.communities import services as community_services
from referral_app.communities.forms import JoinRequestForm
from referral_app.extensions import db, limiter
from referral_app.labels import ROLE_LABELS
from referral_app.models import (
    Centre,
    Community,
    Membership,
    Referral,
    ReferralState,
    Region,
    Role,
    SiteStatus,
    Trial,
    TrialSite,
    TrialStatus,
    User,
)
from referral_app.trials import review
from referral_app.trials.search import trial_query
from referral_app.trials.views import page_number, search_form_and_filters, sites_by_region

bp = Blueprint("public", __name__)

PUBLIC_TRIAL_STATUSES = (TrialStatus.RECRUITING, TrialStatus.UPCOMING)
JOIN_RATE_LIMIT = "5 per hour"


def _language() -> str:
    return str(get_locale() or "fr")


def participating_centre():
    """A centre of the network: active (the home page counts what the centres page lists)."""
    return Centre.is_active.is_(True)


def network_totals() -> dict[str, int]:
    """Headline figures for the landing page (a few counts, each one query)."""
    return {
        "communities": db.session.scalar(select(func.count(Community.id))) or 0,
        # The centres the centres page lists (issue 16: 19 here, 22 there).
        "centres": db.session.scalar(select(func.count(Centre.id)).where(participating_centre()))
        or 0,
        "members": db.session.scalar(
            select(func.count(func.distinct(Membership.user_id)))
            .join(User, User.id == Membership.user_id)
            .where(User.active.is_(True))
        )
        or 0,
        "recruiting_trials": db.session.scalar(
            select(func.count(Trial.id)).where(Trial.status == TrialStatus.RECRUITING)
        )
        or 0,
    }


@bp.route("/")
def index():
    return render_template(
        "public/index.html",
        rows=community_queries.communities_with_counts(),
        totals=network_totals(),
    )


# ---------------------------------------------------------------------------
# Communities
# ---------------------------------------------------------------------------


@bp.route("/communities")
def communities():
    return render_template(
        "public/communities.html", rows=community_queries.communities_with_counts()
    )


def _community(slug: str) -> Community:
    community = community_queries.community_by_slug(slug)
    if community is None:
        abort(404)
    return community


@bp.route("/communities/<slug>")
def community(slug: str):
    community = _community(slug)
    members, centres = community_queries.member_counts(community)
    recruiting, upcoming = community_queries.community_trials(community)
    return render_template(
        "public/community.html",
        community=community,
        members=members,
        centres=centres,
        recruiting=recruiting,
        upcoming=upcoming,
    )


def _join_form() -> JoinRequestForm:
    form = JoinRequestForm()
    centres = db.session.scalars(
        select(Centre).where(Centre.is_active.is_(True)).order_by(Centre.name)
    )
    form.centre_id.choices = [(c.id, f"{c.name} ({c.city})") for c in centres]
    form.role.choices = [(r.value, ROLE_LABELS[r]) for r in community_services.JOIN_ROLES]
    return form


@bp.route("/communities/<slug>/join", methods=["GET", "POST"])
@limiter.limit(JOIN_RATE_LIMIT, methods=["POST"])
def join(slug: str):
    community = _community(slug)
    form = _join_form()
    if form.validate_on_submit():
        centre = db.session.get(Centre, form.centre_id.data)
        if centre is None or not centre.is_active:
            abort(400)
        community_services.submit_join_request(
            community,
            name=form.name.data,
            email=form.email.data,
            centre=centre,
            role=Role(form.role.data),
            message=form.message.data or "",
        )
        db.session.commit()
        flash(
            _(
                "Thank you. Your request was sent to the community's leader, "
                "who will answer you by e-mail."
            ),
            "success",
        )
        return redirect(url_for("public.community", slug=community.slug))
    return render_template("public/join.html", community=community, form=form)


# ---------------------------------------------------------------------------
# Centres
# ---------------------------------------------------------------------------


@bp.route("/centres")
def centres():
    recruiting = (
        select(TrialSite.centre_id, func.count(TrialSite.id).label("sites"))
        .join(Trial, Trial.id == TrialSite.trial_id)
        .where(TrialSite.status == SiteStatus.RECRUITING, Trial.status == TrialStatus.RECRUITING)
        .group_by(TrialSite.centre_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Centre, Region, func.coalesce(recruiting.c.sites, 0))
        .join(Region, Region.id == Centre.region_id)
        .outerjoin(recruiting, recruiting.c.centre_id == Centre.id)
        .where(participating_centre())
        .order_by(Region.code, Centre.name)
    ).all()
    regions: list[tuple[Region, list]] = []
    for centre, region, sites in rows:
        if not regions or regions[-1][0].id != region.id:
            regions.append((region, []))
        regions[-1][1].append((centre, sites))
    return render_template("public/centres.html", regions=regions, total=len(rows))


# ---------------------------------------------------------------------------
# Trial directory
# ---------------------------------------------------------------------------


@bp.route("/directory")
def directory():
    form, filters = search_form_and_filters(
        request.args, _language(), statuses=PUBLIC_TRIAL_STATUSES
    )
    stmt = (
        trial_query(filters)
        .where(Trial.status.in_(PUBLIC_TRIAL_STATUSES))
        .options(joinedload(Trial.community))
    )
    page = db.paginate(
        stmt, page=page_number(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    return render_template("public/directory.html", form=form, page=page)


@bp.route("/directory/<int:trial_id>")
def trial(trial_id: int):
    trial = db.session.scalar(
        select(Trial)
        .where(
            Trial.id == trial_id,
            Trial.status.in_(PUBLIC_TRIAL_STATUSES),
            review.published_clause(),
        )
        .options(
            joinedload(Trial.community), selectinload(Trial.sites).joinedload(TrialSite.centre)
        )
    )
    if trial is None:
        abort(404)
    open_sites = [s for s in trial.sites if s.status != SiteStatus.CLOSED]
    return render_template("public/trial.html", trial=trial, groups=sites_by_region(open_sites))


# ---------------------------------------------------------------------------
# Network figures
# ---------------------------------------------------------------------------


def figures_by_community() -> list[dict]:
    """Per community: centres, members, recruiting trials, referrals made (aggregates only)."""
    members = community_queries.member_counts_subquery()
    trial_rows = db.session.execute(
        select(
            Trial.community_id,
            func.count(Trial.id).filter(Trial.status == TrialStatus.RECRUITING),
            func.count(Trial.id).filter(Trial.status == TrialStatus.UPCOMING),
        ).group_by(Trial.community_id)
    ).all()
    trials = {row[0]: (row[1], row[2]) for row in trial_rows}
    referral_rows = db.session.execute(
        select(
            Trial.community_id,
            func.count(Referral.id),
            func.sum(case((Referral.state == ReferralState.ENROLLED, 1), else_=0)),
        )
        .join(Trial, Trial.id == Referral.trial_id)
        .where(Referral.state != ReferralState.DRAFT)
        .group_by(Trial.community_id)
    ).all()
    referrals = {row[0]: (row[1], row[2] or 0) for row in referral_rows}
    communities = db.session.execute(
        select(Community, members.c.members, members.c.centres)
        .outerjoin(members, members.c.community_id == Community.id)
        .order_by(Community.name_fr)
    ).all()
    return [
        {
            "community": community,
            "centres": centres or 0,
            "members": member_count or 0,
            "recruiting": trials.get(community.id, (0, 0))[0],
            "upcoming": trials.get(community.id, (0, 0))[1],
            "referrals": referrals.get(community.id, (0, 0))[0],
            "enrolled": referrals.get(community.id, (0, 0))[1],
        }
        for community, member_count, centres in communities
    ]


@bp.route("/figures")
def figures():
    rows = figures_by_community()
    totals = {
        key: sum(row[key] for row in rows)
        for key in ("recruiting", "upcoming", "referrals", "enrolled")
    }
    totals.update(network_totals())
    return render_template("public/figures.html", rows=rows, totals=totals)
