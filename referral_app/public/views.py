"""The public landing page (more public pages arrive with the catalogue)."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from referral_app.extensions import db
from referral_app.models import Community, Membership, User

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    member_counts = (
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
    rows = db.session.execute(
        select(Community, member_counts.c.members, member_counts.c.centres)
        .outerjoin(member_counts, member_counts.c.community_id == Community.id)
        .order_by(Community.launched_on.is_(None), Community.launched_on, Community.name_fr)
    ).all()
    return render_template("public/index.html", rows=rows)
