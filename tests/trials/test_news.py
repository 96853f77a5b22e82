"""Trial news: outbox rows for every community member at every centre, and the digest."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from referral_app.models import (
    EmailMode,
    Notification,
    NotificationChannel,
    NotificationStatus,
    SiteStatus,
    TrialStatus,
)
from referral_app.notifications import render
from referral_app.trials import news, services
from referral_app.trials.services import SiteData, TrialData


def _rows(db, template=None):
    stmt = select(Notification).order_by(Notification.id)
    if template:
        stmt = stmt.where(Notification.kind == template)
    return list(db.session.scalars(stmt))


def test_a_new_upcoming_trial_is_told_to_every_member_in_app_and_by_email(network, db):
    services.create_trial(
        TrialData(
            nct_number="NCT01111111",
            title="T",
            acronym="NEWT",
            community_id=network.community.id,
            status=TrialStatus.UPCOMING,
        ),
        actor_id=network.admin.id,
    )
    db.session.commit()
    rows = _rows(db, "trial_news_trial_upcoming")
    members = {
        network.chum_coordinator.id,
        network.jgh_coordinator.id,
        network.chus_nurse.id,
        network.hclm_physician.id,
    }
    assert {r.recipient_id for r in rows} == members
    assert {(r.recipient_id, r.channel) for r in rows} == {
        (m, c) for m in members for c in NotificationChannel
    }
    assert network.outsider.id not in {r.recipient_id for r in rows}
    assert rows[0].context["trial"] == "NEWT"
    assert rows[0].context["url"].endswith(f"/trials/{rows[0].context['trial_id']}")


def test_a_site_opening_reaches_members_at_other_centres_not_the_actor(network, make, db):
    trial = make.trial(community=network.community, acronym="OPEN")
    db.session.commit()
    services.add_site(
        trial,
        network.chum,
        SiteData(status=SiteStatus.RECRUITING),
        actor_id=network.chum_coordinator.id,
    )
    db.session.commit()
    rows = _rows(db, "trial_news_site_opened")
    recipients = {r.recipient_id for r in rows}
    assert network.chum_coordinator.id not in recipients
    assert {
        network.jgh_coordinator.id,
        network.chus_nurse.id,
        network.hclm_physician.id,
    } == recipients
    assert rows[0].context["centre"] == "CHUM"
    assert rows[0].context["region"] == "Montréal"


def test_digest_users_get_the_email_held_for_their_digest(network, make, db):
    network.chus_nurse.email_mode = EmailMode.DIGEST
    trial = make.trial(community=network.community)
    site = services.add_site(trial, network.jgh, SiteData(status=SiteStatus.UPCOMING))
    db.session.commit()
    services.set_site_status(site, SiteStatus.RECRUITING)
    services.set_site_status(site, SiteStatus.CLOSED)
    db.session.commit()
    nurse_rows = [r for r in _rows(db) if r.recipient_id == network.chus_nurse.id]
    by_channel = {(r.kind, r.channel): r.status for r in nurse_rows}
    assert by_channel[("trial_news_site_opened", NotificationChannel.EMAIL)] == (
        NotificationStatus.DIGEST
    )
    assert by_channel[("trial_news_site_closed", NotificationChannel.IN_APP)] == (
        NotificationStatus.PENDING
    )


def test_an_upcoming_site_is_not_news_and_a_repeat_is_not_told_twice(network, make, db):
    trial = make.trial(community=network.community, status=TrialStatus.UPCOMING)
    services.add_site(trial, network.chum, SiteData(status=SiteStatus.UPCOMING))
    db.session.commit()
    assert _rows(db) == []
    services.set_trial_status(trial, TrialStatus.RECRUITING)
    db.session.commit()
    first = len(_rows(db))
    assert first == 8  # 4 members × 2 channels
    assert news.announce_trial(trial, "recruiting") == 0


def test_weekly_digest_lists_new_and_upcoming_trials_once_per_week(network, make, db):
    make.trial(community=network.community, acronym="FRESH", status=TrialStatus.RECRUITING)
    old = make.trial(community=network.community, acronym="LATER", status=TrialStatus.UPCOMING)
    old.created_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    make.trial(
        community=network.community,
        acronym="STALE",
        status=TrialStatus.RECRUITING,
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    db.session.commit()
    counts = news.send_weekly_digests()
    db.session.commit()
    assert counts == {"communities": 1, "notifications": 4}
    row = _rows(db, "trial_news_weekly_digest")[0]
    assert row.channel == NotificationChannel.EMAIL
    assert [t["trial"] for t in row.context["new_trials"]] == ["FRESH"]
    assert [t["trial"] for t in row.context["upcoming_trials"]] == ["LATER"]
    assert news.send_weekly_digests()["notifications"] == 0


def test_weekly_digest_task_runs_the_service(network, make, db):
    from workers.trial_news import weekly_digest

    make.trial(community=network.community, status=TrialStatus.UPCOMING)
    db.session.commit()
    assert weekly_digest.run()["notifications"] == 4
    assert len(_rows(db, "trial_news_weekly_digest")) == 4


def test_news_emails_render_in_the_recipient_language_without_patient_data(network, make, db):
    trial = make.trial(community=network.community, acronym="MAILME", title="Title of trial")
    services.add_site(trial, network.chus, SiteData(status=SiteStatus.RECRUITING))
    db.session.commit()
    row = next(
        r
        for r in _rows(db, "trial_news_site_opened")
        if r.channel == NotificationChannel.EMAIL and r.recipient_id == network.jgh_coordinator.id
    )
    subject, text, html = render.render_email(row)
    assert "MAILME" in subject and "CHUS" in subject
    assert "Title of trial" in text and "Sherbrooke" in text
    assert row.context["url"] in html
    assert render.sentence(row.kind, row.context) == ("CHUS opened a recruiting site for MAILME.")


def test_site_news_reaches_a_real_mailbox(network, make, db, app):
    """Through the delivery engineer's ``deliver()`` and a real SMTP server (aiosmtpd)."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    from referral_app import delivery
    from tests.services import free_port

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
            self.messages.append((envelope.rcpt_tos, envelope.content))
            return "250 OK"

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    old = (app.config["MAIL_SERVER"], app.config["MAIL_PORT"])
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        trial = make.trial(community=network.community, acronym="INBOX")
        services.add_site(
            trial,
            network.chus,
            SiteData(status=SiteStatus.RECRUITING),
            actor_id=network.chus_nurse.id,
        )
        db.session.commit()
        row = next(
            r
            for r in _rows(db, "trial_news_site_opened")
            if r.channel == NotificationChannel.EMAIL
            and r.recipient_id == network.jgh_coordinator.id
        )
        outcome = delivery.deliver(row.id)
    finally:
        app.config.update(MAIL_SERVER=old[0], MAIL_PORT=old[1])
        controller.stop()
    assert outcome.status == "sent"
    [(recipients, raw)] = inbox.messages
    assert recipients == [network.jgh_coordinator.email]
    message = message_from_bytes(raw, policy=policy.default)
    assert "INBOX" in message["Subject"] and "CHUS" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "Sherbrooke" in body and "/trials/" in body
