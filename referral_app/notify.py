"""Writing the notification outbox (DESIGN §4).

Services call these functions inside their transaction: rows are added to the
session and committed with the change that causes them. Delivery (after commit,
by Celery workers) lives in ``referral_app.delivery`` and ``workers/``.
Contexts never carry patient information: references, trial acronyms, states.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from referral_app.extensions import db
from referral_app.models import (
    Comment,
    EmailMode,
    Notification,
    NotificationChannel,
    NotificationStatus,
    Referral,
    ReferralEvent,
    Role,
    User,
)

ALL_CHANNELS = (NotificationChannel.IN_APP, NotificationChannel.EMAIL)


class Audience(enum.StrEnum):
    """Who hears about a referral event."""

    INTAKE = "intake"  # the target site's intake contacts; fallback: the centre's coordinators
    RECEIVING = "receiving"  # same people as INTAKE: the receiving side of the referral
    REFERRING = "referring"  # the referring user (the referrer always learns the outcome)


def active_staff(centre_id: int, role: Role) -> list[User]:
    """The centre's active users with ``role``, in a stable order."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.centre_id == centre_id, User.role == role, User.active.is_(True))
            .order_by(User.id)
        )
    )


def intake_recipients(referral: Referral) -> list[User]:
    contacts = [u for u in referral.site.intake_contacts if u.active]
    if contacts:
        return contacts
    return active_staff(referral.receiving_centre_id, Role.COORDINATOR)


def referring_recipients(referral: Referral) -> list[User]:
    """The referrer; if their account was closed, the referring centre's coordinators.

    The referrer always learns the outcome: no referral disappears into a black hole.
    """
    user = referral.referring_user
    if user.active:
        return [user]
    return active_staff(referral.referring_centre_id, Role.COORDINATOR)


def recipients_for(referral: Referral, audience: Audience) -> list[User]:
    if audience in (Audience.INTAKE, Audience.RECEIVING):
        return intake_recipients(referral)
    return referring_recipients(referral)


def queue(
    recipient: User,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    *,
    referral_id: int | None = None,
    channels: Iterable[NotificationChannel] = ALL_CHANNELS,
) -> list[Notification]:
    """Add one outbox row per channel. ``dedupe_key`` makes a repeat a no-op.

    E-mails for users who chose the daily digest wait with status ``digest``.
    """
    rows = []
    for channel in channels:
        key = f"{dedupe_key}:{channel.value}:{recipient.id}"
        if _already_queued(key):
            continue
        status = NotificationStatus.PENDING
        if channel == NotificationChannel.EMAIL and recipient.email_mode == EmailMode.DIGEST:
            status = NotificationStatus.DIGEST
        row = Notification(
            recipient=recipient,
            channel=channel,
            template=template,
            context=context,
            dedupe_key=key,
            status=status,
            referral_id=referral_id,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def _already_queued(key: str) -> bool:
    pending = any(isinstance(obj, Notification) and obj.dedupe_key == key for obj in db.session.new)
    if pending:
        return True
    found = db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key))
    return found is not None


def referral_context(referral: Referral, **extra: Any) -> dict[str, Any]:
    """What a referral notification may say: no patient information."""
    return {
        "referral_id": referral.id,
        "reference": referral.reference,
        "trial": referral.trial.acronym or referral.trial.nct_number,
        "state": referral.state.value,
        "receiving_centre": referral.receiving_centre.short_name,
        "referring_centre": referral.referring_centre.short_name,
        **extra,
    }


def notify_referral_event(
    referral: Referral, event: ReferralEvent, audience: Audience, template: str | None = None
) -> list[Notification]:
    """Outbox rows telling ``audience`` about ``event``; the actor is not told of their own act."""
    db.session.flush()  # the event needs its id for the dedupe key
    context = referral_context(
        referral, event=event.event, reason_code=event.reason_code, event_id=event.id
    )
    return _queue_for_audience(
        referral,
        audience,
        template or f"referral_{event.event}",
        context,
        dedupe_key=f"referral-event:{event.id}",
        actor_id=event.actor_id,
    )


def notify_referral_comment(
    referral: Referral, comment: Comment, audience: Audience
) -> list[Notification]:
    """Outbox rows telling ``audience`` of a new message (its id, never its body)."""
    context = referral_context(referral, event="comment", comment_id=comment.id)
    return _queue_for_audience(
        referral,
        audience,
        "referral_comment",
        context,
        dedupe_key=f"referral-comment:{comment.id}",
        actor_id=comment.author_id,
    )


def _queue_for_audience(
    referral: Referral,
    audience: Audience,
    template: str,
    context: dict[str, Any],
    *,
    dedupe_key: str,
    actor_id: int | None,
) -> list[Notification]:
    """Queue for each recipient of ``audience`` except the actor."""
    rows: list[Notification] = []
    for user in recipients_for(referral, audience):
        if actor_id is not None and user.id == actor_id:
            continue
        rows += queue(user, template, context, dedupe_key=dedupe_key, referral_id=referral.id)
    return rows
