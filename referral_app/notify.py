"""Writing the notification outbox (DESIGN §4).

Services call these functions inside their transaction: rows are added to the
session and committed with the change that causes them. Delivery (after commit,
by Celery workers) lives in ``referral_app.delivery`` and its channels. Contexts
never carry patient information: references, trial acronyms, centres, states,
codes and dates of the referral's clocks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from referral_app.enums import EmailMode, NotificationChannel, NotificationStatus, Role
from referral_app.extensions import db
from referral_app.models import Comment, Notification, Referral, ReferralEvent, User
from referral_app.notifications.messages import message
from referral_app.workflow.states import Audience, Side

ALL_CHANNELS = (NotificationChannel.IN_APP, NotificationChannel.EMAIL)


# -- Who -------------------------------------------------------------------------------


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
    """The site's intake contacts; fallback: the receiving centre's coordinators."""
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


def escalation_recipients(referral: Referral) -> list[User]:
    """The receiving centre's managers and the leader of the trial's community."""
    people = active_staff(referral.receiving_centre_id, Role.MANAGER)
    community = referral.trial.community
    leader = community.leader if community else None
    if leader is not None and leader.active and all(p.id != leader.id for p in people):
        people.append(leader)
    return people


def recipients_for(
    referral: Referral, audience: Audience, actor_side: Side | None = None
) -> list[User]:
    if audience == Audience.OTHER_SIDE:
        audience = Audience.INTAKE if actor_side == Side.REFERRING else Audience.REFERRER
    if audience == Audience.INTAKE:
        return intake_recipients(referral)
    if audience == Audience.ESCALATION:
        return escalation_recipients(referral)
    return referring_recipients(referral)


# -- Writing rows ------------------------------------------------------------------------


def queue(
    recipient: User,
    kind: str,
    context: dict[str, Any],
    dedupe_key: str,
    *,
    referral_id: int | None = None,
    channels: Iterable[NotificationChannel] = ALL_CHANNELS,
) -> list[Notification]:
    """Add one outbox row per channel. ``dedupe_key`` makes a repeat a no-op.

    ``kind`` must be registered (``notifications.messages``). E-mails for users
    who chose the daily digest wait with status ``digest``.
    """
    channels = tuple(channels)
    queued = queued_keys([row_key(dedupe_key, c, recipient) for c in channels])
    return _add_rows(recipient, kind, context, dedupe_key, referral_id, channels, queued)


def row_key(dedupe_key: str, channel: NotificationChannel, recipient: User) -> str:
    """The outbox row's own key: the event's key, the channel, the recipient."""
    return f"{dedupe_key}:{channel.value}:{recipient.id}"


def _add_rows(
    recipient: User,
    kind: str,
    context: dict[str, Any],
    dedupe_key: str,
    referral_id: int | None,
    channels: tuple[NotificationChannel, ...],
    queued: set[str],
) -> list[Notification]:
    message(kind)  # UnknownKindError: nothing may go out that has no words
    rows = []
    for channel in channels:
        key = row_key(dedupe_key, channel, recipient)
        if key in queued:
            continue
        status = NotificationStatus.PENDING
        if channel == NotificationChannel.EMAIL and recipient.email_mode == EmailMode.DIGEST:
            status = NotificationStatus.DIGEST
        row = Notification(
            recipient=recipient,
            channel=channel,
            kind=kind,
            context=context,
            dedupe_key=key,
            status=status,
            referral_id=referral_id,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def already_queued(key: str) -> bool:
    return bool(queued_keys([key]))


def queued_keys(keys: Iterable[str]) -> set[str]:
    """Those of ``keys`` already in the outbox (or about to be): one query for them all.

    Without autoflush: a flush per lookup would write the rows one INSERT at a time.
    """
    keys = set(keys)
    found = {
        obj.dedupe_key
        for obj in db.session.new
        if isinstance(obj, Notification) and obj.dedupe_key in keys
    }
    rest = keys - found
    if rest:
        with db.session.no_autoflush:
            found.update(
                db.session.scalars(
                    select(Notification.dedupe_key).where(Notification.dedupe_key.in_(rest))
                )
            )
    return found


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


def tell(
    referral: Referral,
    kind: str,
    audiences: Iterable[Audience],
    context: dict[str, Any],
    *,
    dedupe_key: str,
    actor_id: int | None = None,
    actor_side: Side | None = None,
) -> list[Notification]:
    """Queue ``kind`` for everyone of ``audiences`` (once each); never to the actor.

    The same number of statements however many people are told: the recipients'
    keys are looked up together and their rows written in one flush.
    """
    people: list[User] = []
    told: set[int] = set()
    for audience in audiences:
        for user in recipients_for(referral, audience, actor_side):
            if user.id == actor_id or user.id in told:
                continue
            told.add(user.id)
            people.append(user)
    queued = queued_keys(row_key(dedupe_key, c, u) for u in people for c in ALL_CHANNELS)
    rows: list[Notification] = []
    for user in people:
        rows += _add_rows(user, kind, context, dedupe_key, referral.id, ALL_CHANNELS, queued)
    return rows


def referral_event(
    referral: Referral,
    event: ReferralEvent,
    kind: str,
    audiences: Iterable[Audience],
    actor_side: Side | None,
) -> list[Notification]:
    """Outbox rows telling ``audiences`` about ``event`` (its id names the rows)."""
    context = referral_context(
        referral, event=event.event, reason_code=event.reason_code, event_id=event.id
    )
    return tell(
        referral,
        kind,
        audiences,
        context,
        dedupe_key=f"referral-event:{event.id}",
        actor_id=event.actor_id,
        actor_side=actor_side,
    )


def referral_comment(
    referral: Referral,
    comment: Comment,
    kind: str,
    audiences: Iterable[Audience],
    actor_side: Side | None,
) -> list[Notification]:
    """Outbox rows telling of a new message (its id, never its body)."""
    return tell(
        referral,
        kind,
        audiences,
        referral_context(referral, event="comment", comment_id=comment.id),
        dedupe_key=f"referral-comment:{comment.id}",
        actor_id=comment.author_id,
        actor_side=actor_side,
    )
