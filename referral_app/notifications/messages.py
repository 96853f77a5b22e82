"""Every notification kind and what it says: the one registry (DESIGN §4).

An outbox row stores a ``kind`` and a context (references, trial acronyms,
centres, dates, codes: never patient data). What it says is worded here, per
kind: the sentence of the inbox and the e-mail, the e-mail's subject, the body
template, and where its link goes. ``render.py`` renders them in the reader's
language; ``notify.queue`` refuses a kind that is not registered, so no
notification can go out with a made-up name or a generic sentence.

The lifecycle's kinds (one per told event, the comment, each reminder and
escalation) are worded in ``referral_app.workflow`` beside the events and clocks
they belong to, and gathered here; trial news, join requests and password links
are worded below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from referral_app.auth.password_links import with_password_link
from referral_app.workflow.clocks import THRESHOLDS
from referral_app.workflow.spec import COMMENT, DOCUMENTS, SPECS, WATCH_MATCH


@dataclass(frozen=True)
class Message:
    kind: str
    sentence: Any  # lazy string with %(name)s parameters from the context
    subject: Any = None  # the subject's last part; the sentence when None
    body: str = "notification"  # templates/email/<body>.txt (and .html when it exists)
    about_referral: bool = False  # subject and link name the referral
    # Adds to the context what is made only when the e-mail is rendered.
    render_context: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None


def _referral(kind: str, sentence: Any, subject: Any) -> Message:
    return Message(kind, sentence, subject, about_referral=True)


TRIAL_BODY, SITE_BODY = "trial_news_trial", "trial_news_site"

OTHER_MESSAGES = (
    Message(
        "trial_news_trial_upcoming",
        _l("New upcoming trial in %(community_name)s: %(trial)s."),
        body=TRIAL_BODY,
    ),
    Message(
        "trial_news_trial_recruiting",
        _l("%(trial)s is now recruiting (%(community_name)s)."),
        body=TRIAL_BODY,
    ),
    Message(
        "trial_news_site_opened",
        _l("%(centre)s opened a recruiting site for %(trial)s."),
        body=SITE_BODY,
    ),
    Message(
        "trial_news_site_closed", _l("%(centre)s closed its site for %(trial)s."), body=SITE_BODY
    ),
    Message(
        "trial_news_weekly_digest",
        _l("This week's trials in %(community_name)s."),
        body="trial_news_weekly_digest",
    ),
    Message(
        "site_confirmation_request",
        _l("Is %(centre)s still recruiting for %(trial)s? Confirm in one click."),
    ),
    Message(
        "site_unverified",
        _l("%(centre)s has not confirmed its site for %(trial)s for 45 days: it is unverified."),
    ),
    Message(
        "join_request_received",
        _l("%(name)s asks to join %(community_name)s."),
        body="join_request_received",
    ),
    Message(
        "join_approved",
        _l("Welcome to %(community_name)s."),
        body="join_approved",
        render_context=with_password_link,
    ),
    Message(
        "join_declined",
        _l("Your request to join %(community_name)s was declined."),
        body="join_declined",
    ),
    Message(
        "password_reset",
        _l("Reset your Passerelle password."),
        body="password_reset",
        render_context=with_password_link,
    ),
    Message(
        "password_reset_welcome",
        _l("Your Passerelle account is ready: choose a password."),
        body="password_reset_welcome",
        render_context=with_password_link,
    ),
)

REFERRAL_MESSAGES = (
    *(_referral(spec.kind, spec.sentence, spec.subject) for spec in SPECS if spec.audience),
    _referral(COMMENT.kind, COMMENT.sentence, COMMENT.subject),
    _referral(DOCUMENTS.kind, DOCUMENTS.sentence, DOCUMENTS.subject),
    _referral(WATCH_MATCH.kind, WATCH_MATCH.sentence, WATCH_MATCH.subject),
    *(_referral(t.kind, t.sentence, t.subject) for t in THRESHOLDS),
)

REGISTRY: dict[str, Message] = {m.kind: m for m in (*REFERRAL_MESSAGES, *OTHER_MESSAGES)}
assert len(REGISTRY) == len(REFERRAL_MESSAGES) + len(OTHER_MESSAGES), "kinds are unique"


class UnknownKindError(KeyError):
    """A notification kind that no message describes: a programming error."""


def message(kind: str) -> Message:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise UnknownKindError(kind) from None
