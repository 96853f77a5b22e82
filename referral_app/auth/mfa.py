"""Second factor: TOTP (authenticator app) and single-use recovery codes.

Managers and administrators must enrol: until they have, every page but
enrolment (and logout) sends them there; once enrolled, a new session must pass
the code step before anything else. Other users may enable it from their
preferences, with the same code step afterwards.

- The TOTP secret is stored encrypted (``patient_data.seal``); a pending secret
  (``mfa_enabled_at`` still empty) is confirmed by a first code.
- A code is never accepted twice: ``User.mfa_last_step`` is raised by a
  conditional UPDATE, so two requests racing with one code cannot both pass.
- Ten recovery codes are shown once at enrolment and stored as keyed hashes;
  each works once.
- Failed codes are limited per user (``MFA_FAILURES_PER_USER``, through
  ``auth.ratelimit``'s shared storage and its in-process fallback).
- ``recently_verified()`` says whether this session passed a code in the last
  ``MFA_RECENT_MINUTES``: revealing identifiers as an administrator needs it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import delete, or_, update
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from referral_app import audit, patient_data
from referral_app.auth import ratelimit
from referral_app.auth.session import end_user_sessions, live_session
from referral_app.auth.views import _safe_next, bp
from referral_app.extensions import db
from referral_app.forms import BaseForm
from referral_app.models import User
from referral_app.models.session import RecoveryCode
from referral_app.timeutil import as_utc, utcnow

ISSUER = "Passerelle"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
# Where a logged-in user who still owes the second factor may go.
OPEN_ENDPOINTS = {
    "static",
    "auth.mfa_verify",
    "auth.mfa_setup",
    "auth.logout",
    "auth.set_language",
}


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------


class MfaError(ValueError):
    """Refused; ``str(error)`` is a message for people."""


def secret_of(user: User) -> str | None:
    if not user.mfa_secret_encrypted:
        return None
    return patient_data.unseal(user.mfa_secret_encrypted)["totp"]


def begin_enrolment(user: User) -> str:
    """The pending secret of ``user`` (made if missing); the caller commits."""
    if user.mfa_enabled:
        raise MfaError(_("Two-step verification is already on."))
    secret = secret_of(user)
    if secret is None:
        secret = pyotp.random_base32()
        user.mfa_secret_encrypted = patient_data.seal({"totp": secret})
        user.mfa_last_step = None
        db.session.flush()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG: nothing is loaded from elsewhere (CSP ``img-src``)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=_("QR code for your authenticator app")
    )
    return Markup(svg)  # noqa: S704 (segno's own markup, from our data)


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was: atomic."""
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.mfa_last_step.is_(None), User.mfa_last_step < step))
        .values(mfa_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        user.mfa_last_step = step
        return True
    return False


def check_totp(user: User, code: str) -> bool:
    """A current code (one step of clock drift either way), never one used before."""
    secret = secret_of(user)
    code = "".join(ch for ch in code if ch.isdigit())
    if secret is None or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    current = int(time.time()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return _claim_step(user, step)
    return False


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _recovery_hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, _normalise_recovery(code).encode(), hashlib.sha256).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones, returned once in clear."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)))
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    if len(_normalise_recovery(code)) != 10:
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def remaining_recovery_codes(user: User) -> int:
    from sqlalchemy import func, select

    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Turn the second factor on if ``code`` matches the pending secret; the codes."""
    if user.mfa_enabled or not check_totp(user, code):
        return None
    user.mfa_enabled_at = utcnow()
    audit.record("mfa_enable", "user", user.id, user_id=user.id)
    return new_recovery_codes(user)


def enable_with_secret(user: User, secret: str) -> list[str]:
    """Enrol with a known secret (demo seed); the caller commits."""
    user.mfa_secret_encrypted = patient_data.seal({"totp": secret})
    user.mfa_enabled_at = utcnow()
    user.mfa_last_step = None
    audit.record("mfa_enable", "user", user.id, user_id=user.id)
    return new_recovery_codes(user)


def turn_off(user: User, *, actor_id: int, action: str) -> None:
    user.mfa_secret_encrypted = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(action, "user", user.id, user_id=actor_id)
    db.session.flush()


def admin_reset(user: User, *, actor_id: int) -> None:
    """An administrator clears another user's second factor (lost phone); audited.

    The user's sessions end; a manager or administrator enrols again at next login.
    """
    if user.id == actor_id:
        raise MfaError(_("You cannot reset your own two-step verification."))
    if user.mfa_secret_encrypted is None:
        raise MfaError(_("This account has no two-step verification to reset."))
    turn_off(user, actor_id=actor_id, action="mfa_reset")
    end_user_sessions(user.id, "mfa_reset")


def mark_verified() -> None:
    row = live_session()
    if row is not None:
        row.mfa_verified_at = utcnow()


def recently_verified(minutes: int | None = None) -> bool:
    """This session passed a second-factor check within ``MFA_RECENT_MINUTES``."""
    row = live_session()
    if row is None or row.mfa_verified_at is None:
        return False
    limit = dt.timedelta(minutes=minutes or int(current_app.config["MFA_RECENT_MINUTES"]))
    return utcnow() - as_utc(row.mfa_verified_at) <= limit


def reverify_redirect(next_url: str):
    """Send the user to confirm a code, then back to ``next_url``."""
    flash(_("Confirm it is you with a code from your authenticator app."), "info")
    return redirect(url_for("auth.mfa_verify", next=next_url, again=1))


# ---------------------------------------------------------------------------
# The gate: before every request
# ---------------------------------------------------------------------------


@bp.before_app_request
def enforce_second_factor():
    if (
        request.endpoint in OPEN_ENDPOINTS
        or request.endpoint is None
        or request.blueprint == "public"
        or request.path.startswith("/api/")
        or not current_user.is_authenticated
    ):
        return None
    next_url = request.full_path.rstrip("?") if request.method == "GET" else None
    if current_user.mfa_enabled:
        row = live_session()
        if row is not None and row.mfa_verified_at is None:
            return redirect(url_for("auth.mfa_verify", next=next_url))
        return None
    if current_user.mfa_required:
        return redirect(url_for("auth.mfa_setup", next=next_url))
    return None


# ---------------------------------------------------------------------------
# Forms and views
# ---------------------------------------------------------------------------


class CodeForm(BaseForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("The 6 digits shown by your authenticator app."),
    )
    submit = SubmitField(_l("Confirm"))


class VerifyForm(CodeForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l(
            "The 6 digits shown by your authenticator app, or one of your recovery codes."
        ),
    )


def _blocked(user: User) -> bool:
    wait = ratelimit.mfa_blocked_for_seconds(user.id)
    if wait:
        flash(
            _(
                "Too many wrong codes. Try again in %(minutes)d minute(s).",
                minutes=max(1, round(wait / 60)),
            ),
            "danger",
        )
    return bool(wait)


def _next_or_home() -> str:
    return _safe_next(request.args.get("next")) or url_for("main.home")


@bp.route("/mfa/verify", methods=["GET", "POST"])
@login_required
def mfa_verify():
    user = db.session.get(User, current_user.id)
    if not user.mfa_enabled:
        if user.mfa_required:
            return redirect(url_for("auth.mfa_setup", next=request.args.get("next")))
        return redirect(_next_or_home())
    form = VerifyForm()
    again = request.args.get("again") == "1"
    if form.validate_on_submit():
        if _blocked(user):
            return render_template("auth/mfa_verify.html", form=form, again=again), 429
        code = form.code.data.strip()
        used_recovery = False
        ok = check_totp(user, code)
        if not ok and use_recovery_code(user, code):
            ok = used_recovery = True
        if ok:
            mark_verified()
            ratelimit.clear_mfa(user.id)
            if used_recovery:
                audit.record("mfa_recovery_code_used", "user", user.id, user_id=user.id)
            db.session.commit()
            if used_recovery:
                flash(
                    ngettext(
                        "Recovery code accepted; %(num)d code left. Ask an administrator for "
                        "a reset if you lost your authenticator.",
                        "Recovery code accepted; %(num)d codes left. Ask an administrator for "
                        "a reset if you lost your authenticator.",
                        remaining_recovery_codes(user),
                    ),
                    "warning",
                )
            return redirect(_next_or_home())
        db.session.rollback()
        ratelimit.record_mfa_failure(user.id)
        form.code.errors.append(_("This code is not valid, or was already used."))
    return render_template("auth/mfa_verify.html", form=form, again=again)


@bp.route("/mfa/setup", methods=["GET", "POST"])
@login_required
def mfa_setup():
    user = db.session.get(User, current_user.id)
    if user.mfa_enabled:
        flash(_("Two-step verification is already on."), "info")
        return redirect(url_for("auth.preferences"))
    secret = begin_enrolment(user)
    db.session.commit()
    form = CodeForm()
    if form.validate_on_submit():
        if _blocked(user):
            status = 429
        else:
            codes = confirm_enrolment(user, form.code.data.strip())
            if codes is not None:
                mark_verified()
                ratelimit.clear_mfa(user.id)
                db.session.commit()
                return render_template(
                    "auth/mfa_recovery_codes.html", codes=codes, next_url=_next_or_home()
                )
            db.session.rollback()
            ratelimit.record_mfa_failure(user.id)
            form.code.errors.append(_("This code is not valid, or was already used."))
            status = 200
    else:
        status = 200
    uri = provisioning_uri(user, secret)
    return render_template(
        "auth/mfa_setup.html", form=form, qr=qr_svg(uri), secret=secret, required=user.mfa_required
    ), status


@bp.route("/mfa/disable", methods=["POST"])
@login_required
def mfa_disable():
    """Users who may go without it turn it off with a current code."""
    user = db.session.get(User, current_user.id)
    form = CodeForm()
    if user.mfa_required:
        flash(_("Your role requires two-step verification."), "danger")
    elif not user.mfa_enabled:
        flash(_("Two-step verification is already off."), "info")
    elif form.validate_on_submit() and not _blocked(user):
        if check_totp(user, form.code.data.strip()):
            turn_off(user, actor_id=user.id, action="mfa_disable")
            db.session.commit()
            flash(_("Two-step verification is off."), "success")
        else:
            db.session.rollback()
            ratelimit.record_mfa_failure(user.id)
            flash(_("This code is not valid, or was already used."), "danger")
    return redirect(url_for("auth.preferences"))
