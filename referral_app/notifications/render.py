"""Rendering notifications in the reader's language: the one place that does it.

The inbox, the e-mails and the digest all go through ``sentence`` and
``render_email``, which read the kind's ``Message`` (``messages.py``). Sentences
are built when they are shown, so a user who changes language sees the inbox in
the new one. Dates in a context are ISO strings and are formatted here, with
Babel, in the reader's locale.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateNotFound

from referral_app import i18n
from referral_app.labels import label
from referral_app.links import absolute_url, referral_path
from referral_app.models import Notification
from referral_app.notifications.messages import Message, message
from referral_app.workflow.spec import outcome_reason_label
from referral_app.workflow.states import ReferralState

REASON_LINE = _l("Reason: %(reason)s")
DATE_PARAMS = ("due_on",)


class _Params(dict):
    """Missing parameters read as empty rather than failing the whole sentence."""

    def __missing__(self, key: str) -> str:
        return ""


def _language() -> str:
    return str(get_locale() or "fr")


def params(context: dict[str, Any]) -> _Params:
    """The context as sentence parameters, in the current locale."""
    values = _Params({k: ("" if v is None else v) for k, v in (context or {}).items()})
    if context.get("state"):
        values["state"] = label("state", context["state"])
    values["community_name"] = context.get(f"community_name_{_language()}") or context.get(
        "community_name_fr", ""
    )
    for name in DATE_PARAMS:
        if context.get(name):
            values[name] = i18n.format_date(context[name])
    return values


def sentence(kind: str, context: dict[str, Any]) -> str:
    return str(message(kind).sentence) % params(context or {})


def reason_text(context: dict[str, Any]) -> str:
    """``Reason: …`` when the context carries an outcome's reason code, else ''."""
    code = context.get("reason_code")
    try:
        state = ReferralState(context.get("state"))
    except ValueError:
        return ""
    text = outcome_reason_label(state, code) if code else ""
    return str(REASON_LINE) % {"reason": text} if text else ""


def subject(kind: str, context: dict[str, Any]) -> str:
    msg = message(kind)
    if msg.about_referral:
        values = params(context)
        return _(
            "Passerelle · %(reference)s · %(trial)s · %(what)s",
            reference=values["reference"],
            trial=values["trial"],
            what=str(msg.subject) % values,
        )
    return "Passerelle · " + str(msg.subject or msg.sentence) % params(context)


def link(notification: Notification) -> str | None:
    """Where the notification leads: its referral, else the page its context names."""
    context = notification.context or {}
    referral_id = notification.referral_id or context.get("referral_id")
    if referral_id is not None:
        return referral_path(referral_id)
    return context.get("url")


def item(notification: Notification) -> dict[str, Any]:
    """What one notification contributes to an e-mail, in the current locale."""
    context = notification.context or {}
    return {
        "sentence": sentence(notification.kind, context),
        "reason": reason_text(context),
        "reference": context.get("reference", ""),
        "trial": context.get("trial", ""),
        "state": label("state", context["state"]) if context.get("state") else "",
        "link": absolute_url(link(notification) or "/home"),
    }


def _values(notification: Notification, msg: Message) -> dict[str, Any]:
    recipient = notification.recipient
    context = notification.context or {}
    if msg.render_context:
        context = msg.render_context(context, recipient)
    return {
        "item": item(notification),
        "context": context,
        "recipient": recipient,
        "lang": recipient.language.value,
        "preferences_link": absolute_url("/preferences"),
    }


def render_email(notification: Notification) -> tuple[str, str, str | None]:
    """(subject, text, html) of one notification e-mail, in the recipient's language."""
    msg = message(notification.kind)
    with force_locale(notification.recipient.language.value):
        values = _values(notification, msg)
        text = render_template(f"email/{msg.body}.txt", **values)
        try:
            html = render_template(f"email/{msg.body}.html", **values)
        except TemplateNotFound:
            html = None
        return subject(notification.kind, notification.context or {}), text, html


def render_digest(notifications: list[Notification]) -> tuple[str, str, str]:
    """(subject, text, html) of a user's daily digest."""
    recipient = notifications[0].recipient
    with force_locale(recipient.language.value):
        items = [item(n) for n in notifications]
        values = {"items": items, "preferences_link": absolute_url("/preferences")}
        return (
            ngettext(
                "Passerelle · daily digest (%(num)d update)",
                "Passerelle · daily digest (%(num)d updates)",
                len(items),
            ),
            render_template("email/digest.txt", **values),
            render_template("email/digest.html", **values),
        )
