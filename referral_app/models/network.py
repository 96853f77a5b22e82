"""Regions of Quebec and the hospital centres in them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_app.extensions import db

if TYPE_CHECKING:
    from referral_app.models.user import User


class Region(db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(4), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)

    centres: Mapped[list[Centre]] = relationship(back_populates="region", order_by="Centre.name")

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class Centre(db.Model):
    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    city: Mapped[str] = mapped_column(sa.String(120))
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    intake_email: Mapped[str | None] = mapped_column(sa.String(254))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    region: Mapped[Region] = relationship(back_populates="centres", lazy="joined")
    users: Mapped[list[User]] = relationship(back_populates="centre")

    def __repr__(self) -> str:
        return f"<Centre {self.short_name}>"
