"""Sending one e-mail over SMTP (Python's smtplib), with the settings ``MAIL_*``.

Used by the notification delivery (``referral_app.delivery``) and by any feature
that sends mail (e.g. the trial-news digest). It never retries by itself: it
raises ``TransientMailError`` (try again later) or ``PermanentMailError`` (the
server refused for good) and the caller decides. Error texts carry the SMTP
code and reply, never the message body.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from flask import current_app


class MailError(Exception):
    """Sending failed; ``str(error)`` is safe to store (no message content)."""


class TransientMailError(MailError):
    """Connection problem or 4xx reply: worth retrying later."""


class PermanentMailError(MailError):
    """5xx reply (unknown mailbox, rejected message): retrying will not help."""


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    *,
    sender: str | None = None,
    language: str | None = None,
) -> EmailMessage:
    """A text e-mail with an optional HTML alternative and a stable Message-ID."""
    message = EmailMessage()
    message["From"] = sender or current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    if language:  # after set_content, which clears the Content-* headers
        message["Content-Language"] = language
    return message


def send_email(
    to: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    *,
    language: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> None:
    """Send one e-mail; raise ``TransientMailError`` or ``PermanentMailError`` on failure.

    ``message_id`` must be stable for a given piece of news (e.g. derived from the
    outbox row), so that a rare second delivery is recognisable as a duplicate.
    """
    settings = config or current_app.config
    message = build_message(
        to,
        subject,
        text,
        html,
        message_id,
        sender=settings["MAIL_DEFAULT_SENDER"],
        language=language,
    )
    try:
        with _connect(settings) as smtp:
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _reply in error.recipients.values()]
        text_ = "recipient refused: " + ", ".join(str(code) for code in codes)
        if codes and all(code >= 500 for code in codes):
            raise PermanentMailError(text_) from None
        raise TransientMailError(text_) from None
    except smtplib.SMTPResponseException as error:
        reply = _reply_text(error.smtp_error)
        text_ = f"SMTP {error.smtp_code}: {reply}"
        if error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError):
            raise PermanentMailError(text_) from None
        raise TransientMailError(text_) from None
    except (smtplib.SMTPException, OSError) as error:
        raise TransientMailError(f"{type(error).__name__}: {_reply_text(str(error))}") from None


def _connect(settings: Mapping[str, Any]) -> smtplib.SMTP:
    host, port = settings["MAIL_SERVER"], int(settings["MAIL_PORT"])
    timeout = settings.get("MAIL_TIMEOUT", 10)
    if settings.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if settings.get("MAIL_USE_TLS") and not settings.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if settings.get("MAIL_USERNAME"):
            smtp.login(settings["MAIL_USERNAME"], settings.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reply_text(reply: bytes | str, limit: int = 200) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return " ".join(reply.split())[:limit]
