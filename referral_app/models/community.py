"""Communities of practice, their members and join requests."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_app.enums import JoinRequestStatus, Role
from referral_app.extensions import db
from referral_app.models.columns import enum_column
from referral_app.timeutil import utcnow

if TYPE_CHECKING:
    from referral_app.models.network import Centre
    from referral_app.models.user import User


class Community(db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_fr: Mapped[str] = mapped_column(sa.String(160))
    name_en: Mapped[str] = mapped_column(sa.String(160))
    tumour_sites: Mapped[str] = mapped_column(sa.String(300), default="")
    launched_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    partner: Mapped[str | None] = mapped_column(sa.String(160))
    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    goals_fr: Mapped[str] = mapped_column(sa.Text, default="")
    goals_en: Mapped[str] = mapped_column(sa.Text, default="")
    leader_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    leader: Mapped[User | None] = relationship(foreign_keys=[leader_id])
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="community", cascade="all, delete-orphan"
    )

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_fr

    def description(self, language: str) -> str:
        return self.description_en if language == "en" else self.description_fr

    def goals(self, language: str) -> list[str]:
        text = self.goals_en if language == "en" else self.goals_fr
        return [line.strip() for line in text.splitlines() if line.strip()]


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    since: Mapped[dt.date] = mapped_column(sa.Date, default=lambda: utcnow().date())

    user: Mapped[User] = relationship(back_populates="memberships")
    community: Mapped[Community] = relationship(back_populates="memberships")


class JoinRequest(db.Model):
    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        sa.ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(160))
    email: Mapped[str] = mapped_column(sa.String(254))
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centres.id"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "join_request_role"))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[JoinRequestStatus] = mapped_column(
        enum_column(JoinRequestStatus, "join_request_status"),
        default=JoinRequestStatus.PENDING,
        index=True,
    )
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    community: Mapped[Community] = relationship()
    centre: Mapped[Centre] = relationship()
