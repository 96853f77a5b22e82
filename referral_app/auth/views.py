"""Login, logout, language and preferences."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from referral_app.auth import ratelimit
from referral_app.auth.forms import LoginForm, PreferencesForm
from referral_app.auth.session import end_session, end_user_sessions, start_session
from referral_app.extensions import db
from referral_app.models import EmailMode, Language, User
from referral_app.security import verify_password
from referral_app.timeutil import utcnow

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so the login page is no open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        ip = request.remote_addr or ""
        wait = ratelimit.blocked_for_seconds(email, ip)
        if wait:
            minutes = max(1, round(wait / 60))
            flash(
                _(
                    "Too many failed attempts. Try again in %(minutes)d minute(s).",
                    minutes=minutes,
                ),
                "danger",
            )
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        # Always one argon2 check, so an unknown address takes as long as a known one.
        password_ok = verify_password(user.password_hash if user else None, form.password.data)
        if user is None or not password_ok:
            ratelimit.record_failure(email, ip)
            flash(_("Incorrect e-mail or password."), "danger")
            return render_template("auth/login.html", form=form), 200
        if not user.active:
            flash(_("This account is deactivated. Contact your network administrator."), "danger")
            return render_template("auth/login.html", form=form), 200
        ratelimit.clear_account(email, ip)
        start_session(user)
        session["language"] = user.language.value
        user.last_login_at = utcnow()
        db.session.commit()
        next_url = _safe_next(request.args.get("next"))
        if user.mfa_enabled or user.mfa_required:
            return redirect(url_for("auth.mfa_verify", next=next_url))
        return redirect(next_url or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    end_session("logout")
    db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("public.index"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of this user, on every device, this one included."""
    end_user_sessions(current_user.id, "everywhere")
    end_session("everywhere")
    db.session.commit()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the interface language; logged-in users keep it as their preference."""
    if code not in current_app.config["LANGUAGES"]:
        flash(_("Unknown language."), "danger")
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    session["language"] = code
    if current_user.is_authenticated and current_user.language.value != code:
        current_user.language = Language(code)
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")) or url_for("public.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferencesForm(
        language=current_user.language.value, email_mode=current_user.email_mode.value
    )
    if form.validate_on_submit():
        current_user.language = Language(form.language.data)
        current_user.email_mode = EmailMode(form.email_mode.data)
        session["language"] = form.language.data
        db.session.commit()
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("auth.preferences"))
    return render_template("auth/preferences.html", form=form)
