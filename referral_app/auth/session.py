"""Flask-Login wiring and the 30-minute idle timeout."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from referral_app.extensions import db, login_manager
from referral_app.models import User


def configure_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to access this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(enforce_idle_timeout)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Sessions carry ``id:nonce``; a changed nonce or a deactivated user ends them."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


def enforce_idle_timeout():
    """Log out a session left idle longer than ``IDLE_TIMEOUT_MINUTES``."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = time.time()
    limit = 60 * int(current_app.config["IDLE_TIMEOUT_MINUTES"])
    last_seen = session.get("last_seen")
    if last_seen is not None and now - float(last_seen) > limit:
        logout_user()
        session.clear()
        flash(
            _l("Your session expired after a period of inactivity. Please log in again."),
            "warning",
        )
        next_url = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=next_url))
    session["last_seen"] = now
    return None
