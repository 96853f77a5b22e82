"""People who log in, and their personal API tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_app.enums import EmailMode, Language, Role
from referral_app.extensions import db
from referral_app.models.columns import enum_column
from referral_app.timeutil import utcnow

if TYPE_CHECKING:
    from referral_app.models.community import Membership
    from referral_app.models.network import Centre


def new_session_nonce() -> str:
    return secrets.token_hex(8)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"), index=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"), index=True)
    language: Mapped[Language] = mapped_column(
        enum_column(Language, "user_language"), default=Language.FR, server_default="fr"
    )
    email_mode: Mapped[EmailMode] = mapped_column(
        enum_column(EmailMode, "user_email_mode"),
        default=EmailMode.IMMEDIATE,
        server_default="immediate",
    )
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Unused since server-side sessions (``UserSession``) end sessions; kept for
    # the schema's history.
    session_nonce: Mapped[str] = mapped_column(sa.String(32), default=new_session_nonce)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # TOTP second factor: the secret is encrypted like patient data
    # (``patient_data.seal``); ``mfa_enabled_at`` is set once a code confirmed it.
    mfa_secret_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    mfa_enabled_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The last TOTP time step accepted, so a code is never accepted twice.
    mfa_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    centre: Mapped[Centre] = relationship(back_populates="users", lazy="joined")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def mfa_required(self) -> bool:
        """Managers and administrators must use a second factor."""
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(12))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="api_tokens")
