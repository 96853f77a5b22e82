"""How an outbox row reaches its recipient: one class per channel.

``delivery.deliver`` claims a row, then hands it to its channel's ``send``. A
channel raises ``mailer.TransientMailError`` (try again later) or
``mailer.PermanentMailError`` (give up); anything else is a bug, retried like a
transient failure. A new channel (SMS, say) is one class here, one value of
``NotificationChannel`` and a migration for its CHECK constraint.
"""

from __future__ import annotations

import hashlib

from referral_app import mailer
from referral_app.enums import NotificationChannel
from referral_app.models import Notification
from referral_app.notifications.render import render_email


def message_id(notification: Notification) -> str:
    """A Message-ID that is the same for every attempt at the same row."""
    digest = hashlib.sha256(notification.dedupe_key.encode()).hexdigest()[:16]
    return f"<notification-{notification.id}-{digest}@passerelle>"


class Channel:
    name: NotificationChannel
    needs_active_recipient = True

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class InAppChannel(Channel):
    """The inbox shows the row as soon as it is committed; delivery only closes it."""

    name = NotificationChannel.IN_APP
    needs_active_recipient = False

    def send(self, notification: Notification) -> None:
        return None


class EmailChannel(Channel):
    name = NotificationChannel.EMAIL

    def send(self, notification: Notification) -> None:
        recipient = notification.recipient
        subject, text, html = render_email(notification)
        mailer.send_email(
            recipient.email,
            subject,
            text,
            html,
            message_id(notification),
            language=recipient.language.value,
        )


CHANNELS: dict[NotificationChannel, Channel] = {
    channel.name: channel for channel in (InAppChannel(), EmailChannel())
}
assert set(CHANNELS) == set(NotificationChannel), "every channel has its class"
