"""What a notification says: a translated sentence built at display time.

Outbox rows store a template name and a context (reference, trial, centres,
state, reason code — never patient data). The sentence is rendered in the
reader's language when the page or the e-mail is produced, so changing one's
language changes the inbox too. Unknown templates fall back to a generic line.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from referral_app.labels import label
from referral_app.models import Notification
from referral_app.trials import news
from referral_app.workflow import reason_label

SENTENCES = {
    "referral_submit": _l("New referral %(reference)s for %(trial)s from %(referring_centre)s."),
    "referral_forward": _l(
        "Referral %(reference)s for %(trial)s was forwarded to %(receiving_centre)s."
    ),
    "referral_acknowledge": _l(
        "%(receiving_centre)s acknowledged referral %(reference)s (%(trial)s)."
    ),
    "referral_request_info": _l(
        "%(receiving_centre)s asks for more information on referral %(reference)s (%(trial)s)."
    ),
    "referral_provide_info": _l(
        "%(referring_centre)s answered the question on referral %(reference)s (%(trial)s)."
    ),
    "referral_accept": _l("%(receiving_centre)s accepted referral %(reference)s (%(trial)s)."),
    "referral_decline": _l("%(receiving_centre)s declined referral %(reference)s (%(trial)s)."),
    "referral_schedule_consult": _l(
        "A consultation is scheduled for referral %(reference)s (%(trial)s)."
    ),
    "referral_start_screening": _l("Screening started for referral %(reference)s (%(trial)s)."),
    "referral_enroll": _l("Referral %(reference)s: the patient is enrolled in %(trial)s."),
    "referral_screen_fail": _l("Referral %(reference)s (%(trial)s): screening failed."),
    "referral_withdraw": _l("Referral %(reference)s (%(trial)s) was withdrawn."),
    "referral_comment": _l("New message on referral %(reference)s (%(trial)s)."),
    "reminder_ack": _l(
        "Reminder: referral %(reference)s (%(trial)s) is waiting for acknowledgement "
        "(%(days)s business days)."
    ),
    "escalation_ack": _l(
        "Escalation: referral %(reference)s (%(trial)s) to %(receiving_centre)s is not "
        "acknowledged after %(days)s business days."
    ),
    "reminder_info": _l(
        "Reminder: %(receiving_centre)s is waiting for your answer on referral %(reference)s "
        "(%(trial)s) (%(days)s business days)."
    ),
}
GENERIC_SENTENCE = _l("Referral %(reference)s (%(trial)s) is now: %(state)s.")
REASON_LINE = _l("Reason: %(reason)s")

_PARAMS = ("reference", "trial", "referring_centre", "receiving_centre", "days")


def _params(context: dict[str, Any]) -> dict[str, Any]:
    params = {name: context.get(name, "") or "" for name in _PARAMS}
    params["state"] = label("state", context["state"]) if context.get("state") else ""
    return params


def sentence(template: str, context: dict[str, Any]) -> str:
    """The notification as one sentence in the current locale.

    Trial news, join requests and password e-mails are worded by ``trials.news``.
    """
    if news.has_own_email(template):
        return news.sentence(template, context or {})
    text = SENTENCES.get(template, GENERIC_SENTENCE)
    try:
        return str(text) % _params(context)
    except (KeyError, TypeError, ValueError):
        return str(GENERIC_SENTENCE) % _params(context)


def reason_text(context: dict[str, Any]) -> str:
    """``Reason: …`` when the event has a reason code, else an empty string."""
    code = context.get("reason_code")
    if not code:
        return ""
    text = reason_label(code, context.get("event"))
    return str(REASON_LINE) % {"reason": text}


def referral_path(referral_id: int | None) -> str | None:
    """The referral page's path (also outside a request: the worker builds e-mails)."""
    if referral_id is None:
        return None
    with current_app.test_request_context():
        return url_for("referrals.detail", referral_id=referral_id)


def public_link(path: str | None) -> str:
    if path and path.startswith(("http://", "https://")):
        return path
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + (path or "/home")


def notification_link(notification: Notification) -> str | None:
    context = notification.context or {}
    referral_id = notification.referral_id or context.get("referral_id")
    if referral_id is None and context.get("url"):
        return context["url"]
    return referral_path(referral_id)


def subject(context: dict[str, Any]) -> str:
    params = _params(context)
    if params["state"]:
        return _("Passerelle · %(reference)s · %(trial)s · %(state)s", **params)
    return _("Passerelle · %(reference)s · %(trial)s", **params)


def email_item(notification: Notification) -> dict[str, Any]:
    """What one notification contributes to an e-mail, in the current locale."""
    context = notification.context or {}
    return {
        "sentence": sentence(notification.template, context),
        "reason": reason_text(context),
        "reference": context.get("reference", ""),
        "trial": context.get("trial", ""),
        "state": label("state", context["state"]) if context.get("state") else "",
        "link": public_link(notification_link(notification)),
    }


def render_notification_email(notification: Notification) -> tuple[str, str, str]:
    """(subject, text, html) of one notification e-mail, in the recipient's language."""
    if news.has_own_email(notification.template):
        return news.render_email(notification)
    with force_locale(notification.recipient.language.value):
        item = email_item(notification)
        values = {"item": item, "preferences_link": public_link("/preferences")}
        return (
            subject(notification.context or {}),
            render_template("email/notification.txt", **values),
            render_template("email/notification.html", **values),
        )


def render_digest_email(notifications: list[Notification]) -> tuple[str, str, str]:
    """(subject, text, html) of a user's daily digest."""
    recipient = notifications[0].recipient
    with force_locale(recipient.language.value):
        items = [email_item(n) for n in notifications]
        values = {"items": items, "preferences_link": public_link("/preferences")}
        return (
            _("Passerelle · daily digest (%(count)d updates)", count=len(items)),
            render_template("email/digest.txt", **values),
            render_template("email/digest.html", **values),
        )
