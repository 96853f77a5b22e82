"""Server-side login sessions and the second factor's recovery codes.

The session cookie carries a random token; only its SHA-256 is stored here. A
session ends on the server (``ended_at``): logout, idle timeout, absolute
lifetime, password change or deactivation. A cookie replayed after that finds an
ended row and is refused.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from referral_app.extensions import db
from referral_app.timeutil import utcnow


class UserSession(db.Model):
    __tablename__ = "user_sessions"
    __table_args__ = (sa.Index("ix_user_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # When the second factor was last checked in this session (None: not yet).
    mfa_verified_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # logout, idle, lifetime, password, deactivated, everywhere
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator; only a hash is kept."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
