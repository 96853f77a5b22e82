"""One registry of every notification kind (issue 9): each is worded in French and
English, renders without a missing word, and an unknown kind cannot be queued."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from referral_app import notify
from referral_app.enums import Language, NotificationChannel
from referral_app.models import Notification
from referral_app.notifications import messages, render
from referral_app.notifications.channels import CHANNELS
from referral_app.workflow.clocks import THRESHOLDS
from referral_app.workflow.spec import COMMENT, EVENTS

CONTEXT = {
    "referral_id": 1,
    "reference": "REF-2025-000001",
    "trial": "KEYNOTE-999",
    "state": "declined",
    "reason_code": "not_eligible",
    "receiving_centre": "CHUM",
    "referring_centre": "CHUS",
    "due_on": "2025-03-12",
    "community_name_fr": "Poumon",
    "community_name_en": "Lung",
    "centre": "CHUS",
    "name": "Jeanne Roy",
    "url": "http://localhost/x",
}


def test_every_told_event_comment_reminder_and_escalation_has_a_message():
    told = {spec.kind for spec in EVENTS.values() if spec.audience}
    assert told | {COMMENT.kind} | {t.kind for t in THRESHOLDS} <= set(messages.REGISTRY)


def test_an_unknown_kind_cannot_be_queued(db, world):
    with pytest.raises(messages.UnknownKindError):
        notify.queue(world.intake, "referral_teleport", {}, "k")


@pytest.mark.parametrize("kind", sorted(messages.REGISTRY))
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_kind_renders_whole_in_both_languages(world, db, kind, language):
    world.intake.language = Language(language)
    row = Notification(
        recipient=world.intake,
        channel=NotificationChannel.EMAIL,
        kind=kind,
        context=dict(CONTEXT),
        dedupe_key=f"{kind}-{language}",
    )
    subject, text, _html = render.render_email(row)
    with force_locale(language):
        line = render.sentence(kind, CONTEXT)
    for words in (subject, line, text):
        assert "%(" not in words and "None" not in words, words
    assert re.search(r"\w", line)
    if language == "fr" and messages.REGISTRY[kind].about_referral:
        assert "REF-2025-000001" in subject


def test_a_comment_email_does_not_repeat_the_subject_of_the_state_email(world, db):
    """Regression: the message after an acceptance had the acceptance's subject."""
    with force_locale("en"):
        accepted = render.subject("referral_accept", CONTEXT)
        comment = render.subject("referral_comment", CONTEXT)
    assert accepted != comment
    assert comment.endswith("New message")


def test_sentences_speak_the_readers_language(world, db):
    with force_locale("fr"):
        french = render.sentence("reminder_decision", CONTEXT)
    with force_locale("en"):
        english = render.sentence("reminder_decision", CONTEXT)
    assert "12 mars 2025" in french and "Mar 12, 2025" in english


def test_every_channel_has_its_class():
    assert set(CHANNELS) == set(NotificationChannel)


def test_delivery_goes_through_the_channel_interface(db, world, monkeypatch):
    """A new channel is one class: delivery only knows ``Channel.send``."""
    from referral_app import delivery

    sent = []

    class Recorder(CHANNELS[NotificationChannel.EMAIL].__class__):
        def send(self, notification):
            sent.append(notification.id)

    monkeypatch.setitem(CHANNELS, NotificationChannel.EMAIL, Recorder())
    referral = world.settled_referral()
    (row,) = notify.queue(
        world.intake,
        "referral_submit",
        notify.referral_context(referral),
        "channel",
        channels=[NotificationChannel.EMAIL],
    )
    db.session.commit()
    assert delivery.deliver(row.id).status == "sent"
    assert sent == [row.id]
