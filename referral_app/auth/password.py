"""Forgotten passwords, first passwords of new accounts, and password changes.

The links themselves are made in ``password_links``. The "forgot password" page
answers the same whatever the address, and is rate limited per client address.

Every password change ends the user's other server-side sessions.
E-mails go through the outbox (``notify.queue``) and are sent at once even for
users who chose the digest: they are not news.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from referral_app import audit, notify
from referral_app.auth import ratelimit
from referral_app.auth.password_links import RESET_MAX_AGE, WELCOME_MAX_AGE, user_for_token
from referral_app.auth.session import current_session, end_user_sessions
from referral_app.auth.views import bp
from referral_app.extensions import db, limiter
from referral_app.forms import BaseForm
from referral_app.models import (
    Notification,
    NotificationChannel,
    NotificationStatus,
    User,
)
from referral_app.models.session import UserSession
from referral_app.security import MIN_PASSWORD_LENGTH, hash_password, verify_password
from referral_app.templating import add_nav_item

FORGOT_RATE_LIMIT = "5 per hour"


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------


def queue_email_now(
    user: User, template: str, context: dict[str, Any], dedupe_key: str
) -> list[Notification]:
    """An e-mail through the outbox that does not wait for the user's digest."""
    rows = notify.queue(user, template, context, dedupe_key, channels=(NotificationChannel.EMAIL,))
    for row in rows:
        row.status = NotificationStatus.PENDING
    return rows


def send_reset_link(user: User) -> None:
    queue_email_now(
        user,
        "password_reset",
        {"password_link": "reset", "valid_minutes": RESET_MAX_AGE // 60},
        f"password-reset:{user.id}:{secrets.token_hex(8)}",
    )


def send_welcome_link(user: User) -> None:
    """The first-password e-mail of an account created by an administrator."""
    queue_email_now(
        user,
        "password_reset_welcome",
        {"password_link": "welcome", "valid_hours": WELCOME_MAX_AGE // 3600},
        f"password-welcome:{user.id}:{secrets.token_hex(8)}",
    )


def set_password(
    user: User,
    plain: str,
    *,
    actor_id: int | None = None,
    action="password_change",
    keep: UserSession | None = None,
):
    """Store a new password and end every session of the user but ``keep``."""
    user.password_hash = hash_password(plain)
    end_user_sessions(user.id, "password", keep=keep)
    audit.record(action, "user", user.id, user_id=actor_id or user.id)
    db.session.flush()


def find_active_user(email: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    return user if user is not None and user.active else None


# ---------------------------------------------------------------------------
# Forms
# ---------------------------------------------------------------------------


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=256,
                message=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Save the password"))


class ResetPasswordForm(NewPasswordForm):
    """The token comes from the link's fragment (script) or is pasted (no script)."""

    token = StringField(
        _l("Code of the link"),
        validators=[DataRequired(), Length(max=512)],
        description=_l("The text after “#token=” in the link of your e-mail."),
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])


# ---------------------------------------------------------------------------
# Views (on the ``auth`` blueprint)
# ---------------------------------------------------------------------------


add_nav_item(5, "auth.change_password", _l("Change password"), menu="user")


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(FORGOT_RATE_LIMIT, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_active_user(form.email.data)
        if user is not None:
            send_reset_link(user)
            audit.record("password_reset_requested", "user", user.id, user_id=user.id)
            db.session.commit()
        # The same answer whether or not the address exists.
        flash(
            _(
                "If an active account uses this address, a link to choose a new password "
                "was sent to it. It is valid for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/password_forgot.html", form=form)


@bp.route("/password/reset", methods=["GET", "POST"])
def reset_password():
    """The link's token arrives in the form, never in the URL (access logs)."""
    form = ResetPasswordForm()
    if request.method == "POST":
        user = user_for_token((form.token.data or "").strip())
        if user is None:
            flash(_("This link is invalid, expired or already used. Ask for a new one."), "danger")
            return redirect(url_for("auth.forgot_password"))
        if form.validate():
            set_password(user, form.password.data, action="password_reset")
            db.session.commit()
            ratelimit.clear_account(user.email)
            flash(_("Your password is saved. You can log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/password_reset.html", form=form)


@bp.route("/password/change", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is not correct."))
        else:
            user = db.session.get(User, current_user.id)
            set_password(user, form.password.data, keep=current_session())
            db.session.commit()
            flash(_("Your password is changed. Your other sessions are closed."), "success")
            return redirect(url_for("auth.preferences"))
    return render_template("auth/password_change.html", form=form)
