"""Pages: the in-app inbox, the outbox for admins, the development mailbox.

Three blueprints, so that the navigation highlights the right entry:
``notifications`` (every logged-in user), ``outbox`` (admins: failed and stalled
e-mails, retry) and ``dev_mailbox`` (embedded default only: the e-mails the
local SMTP server caught, each user seeing those addressed to them).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required

from referral_app import delivery, permissions, templating
from referral_app.extensions import db
from referral_app.models import Notification
from referral_app.notifications import devmail, inbox, render

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
outbox_bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
mailbox_bp = Blueprint("dev_mailbox", __name__, url_prefix="/dev/mailbox")


@bp.record_once
def _register_helpers(state) -> None:
    state.app.jinja_env.globals["unread_notification_count"] = inbox.unread_count_for_current_user
    state.app.jinja_env.globals["notification_sentence"] = render.sentence
    state.app.jinja_env.globals["notification_reason"] = render.reason_text


# Once per process (the module is imported once), whatever the number of apps.
templating.add_nav_item(30, "outbox.index", _l("Outbox"), permissions.is_admin, menu="user")
templating.add_nav_item(
    95,
    "dev_mailbox.index",
    _l("Mailbox (development)"),
    lambda user: bool(current_app.config.get("SHOW_DEV_MAILBOX")),
    menu="user",
)


# --- the inbox ----------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    unread_only = request.args.get("show") == "unread"
    page = db.paginate(
        inbox.inbox_query(current_user, unread_only=unread_only),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "notifications/index.html",
        page=page,
        unread_only=unread_only,
        links={n.id: render.link(n) for n in page.items},
    )


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    notification = inbox.get_own(current_user, notification_id) or abort(404)
    inbox.mark_read(notification)
    db.session.commit()
    return redirect(url_for(".index", show=request.form.get("show") or None))


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_(notification_id: int):
    """Mark as read and go to what the notification is about."""
    notification = inbox.get_own(current_user, notification_id) or abort(404)
    inbox.mark_read(notification)
    db.session.commit()
    return redirect(render.link(notification) or url_for(".index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    count = inbox.mark_all_read(current_user)
    db.session.commit()
    flash(
        ngettext(
            "%(num)d notification marked as read.", "%(num)d notifications marked as read.", count
        ),
        "success",
    )
    return redirect(url_for(".index"))


# --- the outbox (admins) --------------------------------------------------------------


def _require_admin() -> None:
    if not permissions.is_admin(current_user):
        abort(403)


@outbox_bp.route("/", endpoint="index")
@login_required
def outbox_index():
    _require_admin()
    page = db.paginate(
        delivery.stalled_rows_query(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("notifications/outbox.html", page=page)


@outbox_bp.route("/<int:notification_id>/retry", methods=["POST"])
@login_required
def retry(notification_id: int):
    _require_admin()
    notification = db.session.get(Notification, notification_id) or abort(404)
    if delivery.retry_now(notification, current_user):
        db.session.commit()
        flash(_("Notification %(id)d will be sent again.", id=notification_id), "success")
    else:
        flash(_("This notification is no longer waiting: nothing to retry."), "warning")
    return redirect(url_for(".index"))


# --- the development mailbox ------------------------------------------------------------


def _mailbox_dir() -> Path:
    if not current_app.config.get("SHOW_DEV_MAILBOX"):
        abort(404)
    return Path(current_app.config["MAILBOX_DIR"])


def _mailbox_owner() -> str | None:
    """Admins see every message; others those addressed to them, as in a real mailbox."""
    return None if permissions.is_admin(current_user) else current_user.email


@mailbox_bp.route("/", endpoint="index")
@login_required
def mailbox_index():
    messages = devmail.list_messages(_mailbox_dir(), recipient=_mailbox_owner())
    return render_template("notifications/mailbox.html", messages=messages)


def _load_visible_message(name: str):
    """The stored message ``name``, or 404 when missing or addressed to someone else."""
    found = devmail.load_message(_mailbox_dir(), name)
    owner = _mailbox_owner()
    if found is None or (owner and not devmail.addressed_to(found, owner)):
        abort(404)
    return found


@mailbox_bp.route("/<name>")
@login_required
def message(name: str):
    found = _load_visible_message(name)
    return render_template(
        "notifications/mailbox_message.html",
        name=name,
        message=found,
        sent_at=devmail.sent_at(found),
        text=devmail.body_of(found, "plain"),
        has_html=bool(devmail.body_of(found, "html")),
    )


@mailbox_bp.route("/<name>/html")
@login_required
def message_html(name: str):
    """The HTML part alone, sandboxed: no script, no request to anywhere."""
    found = _load_visible_message(name)
    response = current_app.response_class(devmail.body_of(found, "html"), mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    )
    return response
