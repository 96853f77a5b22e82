"""Community pages for logged-in users; members and join requests for leaders and admins."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from referral_app import attention, permissions
from referral_app.communities import queries, services
from referral_app.communities.forms import AddMemberForm
from referral_app.extensions import db
from referral_app.models import Community, JoinRequest, User
from referral_app.templating import add_nav_item

bp = Blueprint("communities", __name__, url_prefix="/network/communities")

add_nav_item(30, "communities.index", _l("Communities"))


def _load(slug: str) -> Community:
    community = queries.community_by_slug(slug)
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
    return render_template("communities/index.html", rows=queries.communities_with_counts())


@bp.route("/<slug>")
@login_required
def detail(slug: str):
    community = _load(slug)
    recruiting, upcoming = queries.community_trials(community)
    can_manage = permissions.can_manage_community(current_user, community)
    pending = queries.pending_request_count(community) if can_manage else 0
    return render_template(
        "communities/detail.html",
        community=community,
        groups=queries.members_by_centre(community),
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
    rows = queries.join_requests(community)
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
