"""Password links: reset and first-password tokens (``URLSafeTimedSerializer``).

A token's salt includes the user's current password hash: once the password
changes, every earlier link stops working, so a link works once. Reset links
last ``RESET_MAX_AGE`` (1 hour); the "welcome" link of an account created by an
administrator or a join approval lasts ``WELCOME_MAX_AGE``. A working link is a
credential: it is made when its e-mail is rendered, never stored.

The token travels in the link's fragment (``/password/reset#token=…``): browsers
never send a fragment to the server, so no access log, proxy or ``Referer``
records it. The page's script (``static/js/password_reset.js``) copies it into the
form, which posts it; without JavaScript the person pastes it into a field.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from referral_app.extensions import db
from referral_app.links import absolute_url
from referral_app.models import User

RESET_MAX_AGE = 3600
WELCOME_MAX_AGE = 72 * 3600
PURPOSES = {"reset": RESET_MAX_AGE, "welcome": WELCOME_MAX_AGE}


def _serializer(user: User | None, purpose: str) -> URLSafeTimedSerializer:
    password_hash = user.password_hash if user is not None else ""
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=f"password-{purpose}:{password_hash or ''}"
    )


def make_token(user: User, purpose: str = "reset") -> str:
    return _serializer(user, purpose).dumps({"u": user.id, "p": purpose})


def user_for_token(token: str) -> User | None:
    """The user a valid, unexpired, unused token belongs to; None otherwise."""
    try:
        _valid, payload = URLSafeTimedSerializer(current_app.config["SECRET_KEY"]).loads_unsafe(
            token
        )
    except Exception:  # noqa: BLE001 (garbage in the URL)
        return None
    if not isinstance(payload, dict) or payload.get("p") not in PURPOSES:
        return None
    user_id = payload.get("u")
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    purpose = payload["p"]
    try:
        _serializer(user, purpose).loads(token, max_age=PURPOSES[purpose])
    except (SignatureExpired, BadSignature):
        return None
    return user


def reset_url(user: User, purpose: str = "reset") -> str:
    return absolute_url(f"/password/reset#token={make_token(user, purpose)}")


def with_password_link(context: dict[str, Any], recipient: User) -> dict[str, Any]:
    """The e-mail's context with its password link, made when the e-mail is rendered.

    The outbox row only says which kind of link (``password_link``): a working
    link is a credential and is never stored in the database.
    """
    purpose = context.get("password_link")
    if purpose not in PURPOSES:
        return context
    return {**context, "reset_url": reset_url(recipient, purpose)}
