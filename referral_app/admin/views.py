"""Administration pages (admins only): centres, communities, users, audit log."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from referral_app import audit_labels, permissions
from referral_app.admin import services
from referral_app.admin.forms import (
    AuditFilterForm,
    CentreForm,
    CommunityForm,
    UserFilterForm,
    UserForm,
    role_choices,
)
from referral_app.extensions import db
from referral_app.models import (
    AuditLog,
    Centre,
    Community,
    Language,
    Membership,
    Region,
    Role,
    User,
)
from referral_app.templating import add_nav_item
from referral_app.trials.services import TrialError

bp = Blueprint("admin", __name__, url_prefix="/admin")

add_nav_item(90, "admin.index", _l("Administration"), visible=permissions.is_admin)


@bp.before_request
def require_admin():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not permissions.is_admin(current_user):
        abort(403)
    return None


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _commit(message: str) -> bool:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(_("The change conflicts with another record. Nothing was saved."), "danger")
        return False
    flash(message, "success")
    return True


@bp.route("/")
def index():
    counts = {
        "centres": db.session.scalar(select(func.count(Centre.id))),
        "communities": db.session.scalar(select(func.count(Community.id))),
        "users": db.session.scalar(select(func.count(User.id)).where(User.active.is_(True))),
        "inactive": db.session.scalar(select(func.count(User.id)).where(User.active.is_(False))),
    }
    return render_template("admin/index.html", counts=counts)


# ---------------------------------------------------------------------------
# Centres
# ---------------------------------------------------------------------------


@bp.route("/centres")
def centres():
    members = (
        select(User.centre_id, func.count(User.id).label("users"))
        .where(User.active.is_(True))
        .group_by(User.centre_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Centre, func.coalesce(members.c.users, 0))
        .outerjoin(members, members.c.centre_id == Centre.id)
        .join(Region, Region.id == Centre.region_id)
        .order_by(Region.code, Centre.name)
    ).all()
    return render_template("admin/centres.html", rows=rows)


def _centre_form(centre: Centre | None) -> CentreForm:
    form = CentreForm(obj=centre)
    form.region_id.choices = [
        (r.id, f"{r.code} · {r.name}")
        for r in db.session.scalars(select(Region).order_by(Region.code))
    ]
    return form


@bp.route("/centres/new", methods=["GET", "POST"])
@bp.route("/centres/<int:centre_id>/edit", methods=["GET", "POST"])
def centre_form(centre_id: int | None = None):
    centre = db.session.get(Centre, centre_id) if centre_id else None
    if centre_id and centre is None:
        abort(404)
    form = _centre_form(centre)
    if form.validate_on_submit():
        data = services.CentreData(
            name=form.name.data,
            short_name=form.short_name.data,
            city=form.city.data,
            region_id=form.region_id.data,
            intake_email=form.intake_email.data,
            is_active=bool(form.is_active.data),
        )
        try:
            saved = services.save_centre(centre, data, actor_id=current_user.id)
        except (services.AdminError, TrialError) as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if _commit(_("Centre %(name)s saved.", name=saved.short_name)):
                return redirect(url_for("admin.centres"))
    return render_template("admin/centre_form.html", form=form, centre=centre)


# ---------------------------------------------------------------------------
# Communities
# ---------------------------------------------------------------------------


@bp.route("/communities")
def communities():
    counts = (
        select(Membership.community_id, func.count(Membership.id).label("members"))
        .group_by(Membership.community_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Community, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.community_id == Community.id)
        .options(joinedload(Community.leader))
        .order_by(Community.name_fr)
    ).all()
    return render_template("admin/communities.html", rows=rows)


def _community_form(community: Community | None) -> CommunityForm:
    form = CommunityForm(obj=community)
    users = db.session.execute(
        select(User.id, User.name, Centre.short_name)
        .join(Centre, Centre.id == User.centre_id)
        .where(User.active.is_(True))
        .order_by(User.name)
    ).all()
    form.leader_id.choices = [
        (None, _("No leader yet")),
        *[(u.id, f"{u.name} ({u.short_name})") for u in users],
    ]
    return form


@bp.route("/communities/new", methods=["GET", "POST"])
@bp.route("/communities/<int:community_id>/edit", methods=["GET", "POST"])
def community_form(community_id: int | None = None):
    community = db.session.get(Community, community_id) if community_id else None
    if community_id and community is None:
        abort(404)
    form = _community_form(community)
    if form.validate_on_submit():
        data = services.CommunityData(
            slug=form.slug.data,
            name_fr=form.name_fr.data,
            name_en=form.name_en.data,
            tumour_sites=form.tumour_sites.data or "",
            launched_on=form.launched_on.data,
            partner=form.partner.data,
            description_fr=form.description_fr.data or "",
            description_en=form.description_en.data or "",
            goals_fr=form.goals_fr.data or "",
            goals_en=form.goals_en.data or "",
            leader_id=form.leader_id.data,
        )
        try:
            saved = services.save_community(community, data, actor_id=current_user.id)
        except services.AdminError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if _commit(_("Community %(name)s saved.", name=saved.slug)):
                return redirect(url_for("admin.communities"))
    return render_template("admin/community_form.html", form=form, community=community)


# ---------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------


def _centre_choices():
    return [
        (c.id, f"{c.short_name} · {c.name}")
        for c in db.session.scalars(select(Centre).order_by(Centre.short_name))
    ]


@bp.route("/users")
def users():
    form = UserFilterForm(request.args)
    centres = _centre_choices()
    form.role.choices = [("", _("All roles")), *role_choices()]
    form.centre.choices = [("", _("All centres")), *[(str(c), n) for c, n in centres]]
    form.status.choices = [
        ("", _("Active")),
        ("inactive", _("Deactivated")),
        ("all", _("All users")),
    ]
    stmt = select(User).order_by(User.name)
    if form.q.data:
        like = f"%{form.q.data.strip()}%"
        stmt = stmt.where(or_(User.name.ilike(like), User.email.ilike(like)))
    if form.role.data in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(form.role.data))
    if form.centre.data and form.centre.data.isdigit():
        stmt = stmt.where(User.centre_id == int(form.centre.data))
    if form.status.data == "inactive":
        stmt = stmt.where(User.active.is_(False))
    elif form.status.data != "all":
        stmt = stmt.where(User.active.is_(True))
    page = db.paginate(stmt, page=_page(), per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("admin/users.html", form=form, page=page)


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    if user is not None and request.method == "GET":
        form.role.data = user.role.value
        form.language.data = user.language.value
    form.centre_id.choices = _centre_choices()
    return form


def _user_data(form: UserForm) -> services.UserData:
    return services.UserData(
        email=form.email.data,
        name=form.name.data,
        role=Role(form.role.data),
        centre_id=form.centre_id.data,
        language=Language(form.language.data),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = _user_form(None)
    if form.validate_on_submit():
        try:
            user = services.create_user(_user_data(form), actor_id=current_user.id)
        except services.AdminError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if _commit(
                _(
                    "Account %(email)s created; a link to choose a password was e-mailed.",
                    email=user.email,
                )
            ):
                return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _user(user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        try:
            changes = services.update_user(user, _user_data(form), actor_id=current_user.id)
        except services.AdminError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            if not changes:
                flash(_("Nothing changed."), "info")
                return redirect(url_for("admin.user_edit", user_id=user.id))
            if _commit(_("Account %(email)s saved.", email=user.email)):
                return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user)


def _user_action(user_id: int, action, message: str):
    user = _user(user_id)
    try:
        action(user, actor_id=current_user.id)
    except services.AdminError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        _commit(message % {"email": user.email})
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def user_deactivate(user_id: int):
    return _user_action(
        user_id,
        services.deactivate_user,
        _("Account %(email)s deactivated: its sessions and API tokens no longer work."),
    )


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
def user_reactivate(user_id: int):
    return _user_action(user_id, services.reactivate_user, _("Account %(email)s reactivated."))


@bp.route("/users/<int:user_id>/password-link", methods=["POST"])
def user_password_link(user_id: int):
    return _user_action(
        user_id, services.send_password_link, _("A password link was e-mailed to %(email)s.")
    )


@bp.route("/users/<int:user_id>/mfa-reset", methods=["POST"])
def user_mfa_reset(user_id: int):
    """Clear a user's second factor (a lost phone); audited, their sessions end."""
    from referral_app.auth import mfa

    user = _user(user_id)
    try:
        mfa.admin_reset(user, actor_id=current_user.id)
    except mfa.MfaError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        _commit(_("Two-step verification of %(email)s is reset.", email=user.email))
    return redirect(url_for("admin.user_edit", user_id=user.id))


# ---------------------------------------------------------------------------
# Audit log
# ---------------------------------------------------------------------------


@bp.route("/audit")
def audit_log():
    form = AuditFilterForm(request.args)
    object_types = list(
        db.session.scalars(select(AuditLog.object_type).distinct().order_by(AuditLog.object_type))
    )
    actions = list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
    form.object_type.choices = [
        ("", _("All objects")),
        *[(t, audit_labels.object_label(t)) for t in object_types],
    ]
    form.action.choices = [
        ("", _("All actions")),
        *sorted(((a, audit_labels.action_label(a)) for a in actions), key=lambda c: c[1]),
    ]
    stmt = select(AuditLog).order_by(AuditLog.id.desc())
    if form.user.data:
        like = f"%{form.user.data.strip()}%"
        stmt = stmt.join(User, User.id == AuditLog.user_id).where(
            or_(User.email.ilike(like), User.name.ilike(like))
        )
    if form.object_type.data in object_types:
        stmt = stmt.where(AuditLog.object_type == form.object_type.data)
    if (form.object_id.data or "").strip().isdigit():
        stmt = stmt.where(AuditLog.object_id == int(form.object_id.data.strip()))
    if form.action.data in actions:
        stmt = stmt.where(AuditLog.action == form.action.data)
    page = db.paginate(stmt, page=_page(), per_page=50, error_out=False)
    user_ids = {row.user_id for row in page.items if row.user_id}
    people = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    return render_template(
        "admin/audit.html", form=form, page=page, people=people, labels=audit_labels
    )
