"""The notification outbox (DESIGN §4): rows written with the change that causes them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral_app.enums import NotificationChannel, NotificationStatus
from referral_app.extensions import db
from referral_app.models.columns import enum_column
from referral_app.timeutil import utcnow

if TYPE_CHECKING:
    from referral_app.models.user import User


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_inbox", "recipient_id", "channel", "read_at"),
        sa.Index("ix_notifications_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[NotificationChannel] = mapped_column(
        enum_column(NotificationChannel, "notification_channel")
    )
    # What it says: a key of ``notifications.messages.REGISTRY``.
    kind: Mapped[str] = mapped_column(sa.String(60))
    # Never patient data: references, trial acronyms, states, links.
    context: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus, "notification_status"),
        default=NotificationStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    referral_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    read_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    recipient: Mapped[User] = relationship()
