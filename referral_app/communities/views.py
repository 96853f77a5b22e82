"""Community pages for logged-in users; members and join requests for leaders and admins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from referral_app import attention, permissions
from referral_app.communities import services
from referral_app.communities.forms import AddMemberForm
from referral_app.extensions import db
from referral_app.models import (
    Centre,
    Community,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Trial,
    TrialSite,
    TrialStatus,
    User,
)
from referral_app.templating import add_nav_item

bp = Blueprint("communities", __name__, url_prefix="/network/communities")

add_nav_item(30, "communities.index", _l("Communities"))


def _language() -> str:
    return str(get_locale() or "fr")


def member_counts_subquery():
    """Active members and their distinct centres, per community (one grouped query)."""
    return (
        select(
            Membership.community_id,
            func.count(Membership.id).label("members"),
            func.count(func.distinct(User.centre_id)).label("centres"),
        )
        .join(User, User.id == Membership.user_id)
        .where(User.active.is_(True))
        .group_by(Membership.community_id)
        .subquery()
    )


def communities_with_counts():
    counts = member_counts_subquery()
    return db.session.execute(
        select(Community, counts.c.members, counts.c.centres)
        .outerjoin(counts, counts.c.community_id == Community.id)
        .options(joinedload(Community.leader))
        .order_by(Community.launched_on.is_(None), Community.launched_on, Community.name_fr)
    ).all()


def members_by_centre(community: Community) -> list[tuple[Centre, list[tuple[User, object]]]]:
    rows = db.session.execute(
        select(User, Membership.since)
        .join(Membership, Membership.user_id == User.id)
        .join(Centre, Centre.id == User.centre_id)
        .where(Membership.community_id == community.id, User.active.is_(True))
        .order_by(Centre.name, User.name)
    ).all()
    return [
        (centre, [(row[0], row[1]) for row in group])
        for centre, group in groupby(rows, key=lambda row: row[0].centre)
    ]


def community_trials(community: Community) -> tuple[list[Trial], list[Trial]]:
    trials = list(
        db.session.scalars(
            select(Trial)
            .where(
                Trial.community_id == community.id,
                Trial.status.in_([TrialStatus.RECRUITING, TrialStatus.UPCOMING]),
            )
            .options(selectinload(Trial.sites).joinedload(TrialSite.centre))
            .order_by(Trial.acronym, Trial.nct_number)
        )
    )
    recruiting = [t for t in trials if t.status == TrialStatus.RECRUITING]
    upcoming = [t for t in trials if t.status == TrialStatus.UPCOMING]
    return recruiting, upcoming


def _load(slug: str) -> Community:
    community = db.session.scalar(
        select(Community).where(Community.slug == slug).options(joinedload(Community.leader))
    )
    if community is None:
        abort(404)
    return community


def _require_manager(community: Community) -> None:
    if not permissions.can_manage_community(current_user, community):
        abort(403)


@contextmanager
def _committed_unless_refused() -> Iterator[None]:
    """Commit the block's change, or roll it back and flash the service's refusal.

    The block flashes its success message last, so it is shown only when the
    service accepted the change.
    """
    try:
        yield
    except services.CommunityError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()


@bp.route("/")
@login_required
def index():
    return render_template("communities/index.html", rows=communities_with_counts())


@bp.route("/<slug>")
@login_required
def detail(slug: str):
    community = _load(slug)
    recruiting, upcoming = community_trials(community)
    can_manage = permissions.can_manage_community(current_user, community)
    pending = 0
    if can_manage:
        pending = db.session.scalar(
            select(func.count(JoinRequest.id)).where(
                JoinRequest.community_id == community.id,
                JoinRequest.status == JoinRequestStatus.PENDING,
            )
        )
    return render_template(
        "communities/detail.html",
        community=community,
        groups=members_by_centre(community),
        recruiting=recruiting,
        upcoming=upcoming,
        can_manage=can_manage,
        pending=pending,
        form=AddMemberForm() if can_manage else None,
    )


@bp.route("/<slug>/members", methods=["POST"])
@login_required
def add_member(slug: str):
    community = _load(slug)
    _require_manager(community)
    form = AddMemberForm()
    if not form.validate_on_submit():
        flash(_("Enter the e-mail address of an existing user."), "danger")
        return redirect(url_for("communities.detail", slug=slug))
    user = services.find_user_by_email(form.email.data)
    if user is None:
        flash(
            _(
                "No user has the address %(email)s. Ask an administrator to create the account.",
                email=form.email.data,
            ),
            "danger",
        )
        return redirect(url_for("communities.detail", slug=slug))
    with _committed_unless_refused():
        services.add_member(community, user, actor_id=current_user.id)
        flash(_("%(name)s is now a member.", name=user.name), "success")
    return redirect(url_for("communities.detail", slug=slug))


@bp.route("/<slug>/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_member(slug: str, user_id: int):
    community = _load(slug)
    _require_manager(community)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    with _committed_unless_refused():
        services.remove_member(community, user, actor_id=current_user.id)
        flash(_("%(name)s is no longer a member.", name=user.name), "success")
    return redirect(url_for("communities.detail", slug=slug))


@bp.route("/<slug>/requests")
@login_required
def requests(slug: str):
    community = _load(slug)
    _require_manager(community)
    rows = list(
        db.session.scalars(
            select(JoinRequest)
            .where(JoinRequest.community_id == community.id)
            .options(joinedload(JoinRequest.centre))
            .order_by(
                (JoinRequest.status != JoinRequestStatus.PENDING), JoinRequest.created_at.desc()
            )
            .limit(200)
        )
    )
    return render_template("communities/requests.html", community=community, rows=rows)


def _load_request(community: Community, request_id: int) -> JoinRequest:
    join_request = db.session.get(JoinRequest, request_id)
    if join_request is None or join_request.community_id != community.id:
        abort(404)
    return join_request


@bp.route("/<slug>/requests/<int:request_id>/approve", methods=["POST"])
@login_required
def approve(slug: str, request_id: int):
    community = _load(slug)
    _require_manager(community)
    join_request = _load_request(community, request_id)
    with _committed_unless_refused():
        user = services.approve_join_request(join_request, actor_id=current_user.id)
        flash(_("%(name)s joined the community and was told by e-mail.", name=user.name), "success")
    return redirect(url_for("communities.requests", slug=slug))


@bp.route("/<slug>/requests/<int:request_id>/decline", methods=["POST"])
@login_required
def decline(slug: str, request_id: int):
    community = _load(slug)
    _require_manager(community)
    join_request = _load_request(community, request_id)
    with _committed_unless_refused():
        services.decline_join_request(join_request, actor_id=current_user.id)
        flash(_("The request of %(name)s was declined.", name=join_request.name), "info")
    return redirect(url_for("communities.requests", slug=slug))


@attention.provider
def pending_join_requests(user: User) -> list[attention.AttentionItem]:
    count, community = services.pending_requests_count(user)
    if not count:
        return []
    return [
        attention.AttentionItem(
            label=_("Requests to join your community"),
            count=count,
            url=url_for("communities.requests", slug=community.slug),
            level="warning",
        )
    ]
