"""Personal API tokens: created and revoked by their owner, stored as SHA-256 only.

A token is ``secrets.token_urlsafe(32)`` (256 bits, so a plain SHA-256 is enough:
nothing to brute-force). Its first characters are kept as a visible prefix so
that people can tell their tokens apart. A revoked token, or any token of a
deactivated user, stops working at once: every request looks it up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update

from referral_app import audit
from referral_app.extensions import db
from referral_app.models import ApiToken, User
from referral_app.timeutil import as_utc, utcnow

PREFIX_LENGTH = 8
MAX_TOKENS_PER_USER = 20
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be created or revoked; the message is for people."""


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row and the plain token, shown once."""
    name = (name or "").strip() or _("API token")
    if len(name) > 80:
        raise TokenError(_("At most %(n)d characters.", n=80))
    active = db.session.scalar(
        select(db.func.count(ApiToken.id)).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )
    )
    if active >= MAX_TOKENS_PER_USER:
        raise TokenError(
            ngettext(
                "You already have %(num)d active token.",
                "You already have %(num)d active tokens.",
                MAX_TOKENS_PER_USER,
            )
        )
    plain = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=plain[:PREFIX_LENGTH],
        token_hash=hash_token(plain),
        created_at=utcnow(),
    )
    db.session.add(token)
    db.session.flush()
    audit.record("create", "api_token", token.id, user_id=user.id)
    return token, plain


def user_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise TokenError(_("This token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("revoke", "api_token", token.id, user_id=user.id)
    return token


def authenticate(plain: str) -> User | None:
    """The active user owning this unrevoked token, or None."""
    if not plain or len(plain) > 200:
        return None
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(plain), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    token, user = row
    if not user.active:
        return None
    now = utcnow()
    last = as_utc(token.last_used_at)
    if last is None or now - last > LAST_USED_RESOLUTION:
        # Its own short transaction, so a later rollback of the request keeps it.
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return user
