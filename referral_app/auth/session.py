"""Server-side login sessions (``UserSession``) and their limits.

The signed session cookie carries a random token (``session["sid"]``); only its
SHA-256 is stored, in ``user_sessions``. Every request looks the row up: an
ended row, an idle row (``IDLE_TIMEOUT_MINUTES`` since ``last_seen_at``) or an
old one (``SESSION_ABSOLUTE_HOURS`` since ``created_at``) logs the browser out,
whatever the cookie says. Logout, password changes, deactivation and "log out
everywhere" end rows, so a cookie captured before is refused afterwards.
``last_seen_at`` is written at most once a minute (``TOUCH_EVERY``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import delete, select, update

from referral_app.extensions import db, login_manager
from referral_app.models import User
from referral_app.models.session import UserSession
from referral_app.timeutil import as_utc, utcnow

TOUCH_EVERY = dt.timedelta(minutes=1)
# Rows are kept this long after login (who was logged in when), then purged daily.
KEEP_ROWS = dt.timedelta(days=30)
SESSION_KEY = "sid"
_NOT_LOADED = object()
EXPIRED_MESSAGES = {
    "idle": _l("Your session expired after a period of inactivity. Please log in again."),
    "lifetime": _l("Your session reached its maximum length. Please log in again."),
}


def configure_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to access this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(enforce_session_limits)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> UserSession:
    """Log ``user`` in with a new server-side session; the cookie is rotated."""
    session.clear()
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=_hash(token))
    db.session.add(row)
    db.session.flush()
    session[SESSION_KEY] = token
    login_user(user)
    g.user_session = row
    return row


def end_session(reason: str = "logout") -> None:
    """End this browser's session on the server and forget the cookie."""
    row = current_session()
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason
    logout_user()
    session.clear()
    g.user_session = None


def end_user_sessions(user_id: int, reason: str, *, keep: UserSession | None = None) -> int:
    """End every open session of a user (but ``keep``); the caller commits."""
    query = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return db.session.execute(query).rowcount


def purge_old_sessions(now: dt.datetime | None = None) -> int:
    """Delete rows created more than ``KEEP_ROWS`` ago (all long ended); the caller commits."""
    result = db.session.execute(
        delete(UserSession).where(UserSession.created_at < (now or utcnow()) - KEEP_ROWS)
    )
    return result.rowcount


def _load_row() -> UserSession | None:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))


def current_session() -> UserSession | None:
    """This request's session row (ended or not), looked up once per request."""
    row = g.get("user_session", _NOT_LOADED)
    if row is _NOT_LOADED:
        row = _load_row()
        g.user_session = row
    return row


def _expiry_reason(row: UserSession, now: dt.datetime) -> str | None:
    config = current_app.config
    if now - as_utc(row.created_at) > dt.timedelta(hours=int(config["SESSION_ABSOLUTE_HOURS"])):
        return "lifetime"
    if now - as_utc(row.last_seen_at) > dt.timedelta(minutes=int(config["IDLE_TIMEOUT_MINUTES"])):
        return "idle"
    return None


def live_session() -> UserSession | None:
    """The row if it is open and within its limits; an expired row is ended here."""
    row = current_session()
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    reason = _expiry_reason(row, now)
    if reason:
        row.ended_at = now
        row.end_reason = reason
        db.session.commit()
        return None
    return row


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of this browser's open server-side session, if any and active."""
    row = live_session()
    if row is None or not user_id.isdigit() or row.user_id != int(user_id):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user


def _forget_login() -> None:
    """A refused session: the login goes, the language chosen stays."""
    logout_user()
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def enforce_session_limits():
    """Refuse ended or expired sessions; tell why when a limit ended one."""
    if request.endpoint == "static" or SESSION_KEY not in session:
        if "_user_id" in session and SESSION_KEY not in session:
            _forget_login()  # a cookie from before server-side sessions
        return None
    row = current_session()
    was_open = row is not None and row.ended_at is None
    live = live_session()
    if live is None:
        _forget_login()
        if was_open and row.end_reason in ("idle", "lifetime"):
            flash(EXPIRED_MESSAGES[row.end_reason], "warning")
            next_url = request.full_path if request.method == "GET" else None
            return redirect(url_for("auth.login", next=next_url))
        return None
    now = utcnow()
    if now - as_utc(live.last_seen_at) >= TOUCH_EVERY:
        live.last_seen_at = now
        db.session.commit()
    return None
