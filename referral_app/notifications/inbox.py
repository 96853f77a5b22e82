"""A user's in-app notifications: the inbox, the unread count, marking as read.

In-app rows are shown as soon as their transaction commits, whatever their
outbox status: the worker only closes them. The unread count is one COUNT over
the ``ix_notifications_inbox`` index (recipient, channel, read_at).
"""

from __future__ import annotations

import datetime as dt

from flask import g
from flask_login import current_user
from sqlalchemy import func, select, update

from referral_app.extensions import db
from referral_app.models import Notification, NotificationChannel, User
from referral_app.timeutil import utcnow


def _mine(user_id: int):
    return (
        Notification.recipient_id == user_id,
        Notification.channel == NotificationChannel.IN_APP,
    )


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(*_mine(user_id), Notification.read_at.is_(None))
    )


def unread_count_for_current_user() -> int:
    """The navigation bar's badge: computed once per request, only when shown."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user.id)
    return g.unread_notifications


def inbox_query(user: User, unread_only: bool = False):
    query = select(Notification).where(*_mine(user.id))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.id.desc())


def get_own(user: User, notification_id: int) -> Notification | None:
    """The user's own in-app notification, or None (never another user's)."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, *_mine(user.id))
    )


def mark_read(notification: Notification, now: dt.datetime | None = None) -> None:
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()


def mark_all_read(user: User, now: dt.datetime | None = None) -> int:
    result = db.session.execute(
        update(Notification)
        .where(*_mine(user.id), Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
