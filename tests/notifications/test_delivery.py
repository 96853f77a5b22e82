"""Claim, deliver, retry and sweep, in-process against a real SMTP server."""

from __future__ import annotations

import datetime as dt
import logging
import random
import time

import pytest
from sqlalchemy import select

from config import Config
from referral_app import delivery, notify
from referral_app.models import (
    EmailMode,
    Notification,
    NotificationChannel,
    NotificationStatus,
)
from referral_app.notifications import channels
from referral_app.timeutil import utcnow
from tests.notifications.world import PATIENT_HIN, PATIENT_NAME
from tests.services import free_port
from tests.workers.support import publisher_app


def _email_row(db, world, user=None, key="k1") -> Notification:
    referral = world.settled_referral()
    rows = notify.queue(
        user or world.intake,
        "referral_submit",
        notify.referral_context(referral),
        dedupe_key=key,
        referral_id=referral.id,
        channels=[NotificationChannel.EMAIL],
    )
    db.session.commit()
    return rows[0]


def _status(db, row_id: int) -> Notification:
    db.session.expire_all()
    return db.session.get(Notification, row_id)


def test_claim_is_taken_once(db, world):
    row = _email_row(db, world)
    assert delivery.claim(row.id) == 1
    assert delivery.claim(row.id) is None
    assert _status(db, row.id).status == NotificationStatus.SENDING


def test_email_is_sent_once_with_a_stable_message_id(db, world, mail_sink):
    row = _email_row(db, world)

    assert delivery.deliver(row.id).status == "sent"
    assert delivery.deliver(row.id).status == "skipped"  # a sent row is never sent again

    assert len(mail_sink.messages) == 1
    message = mail_sink.messages[0]
    stored = _status(db, row.id)
    assert stored.status == NotificationStatus.SENT and stored.sent_at is not None
    assert message["Message-ID"] == channels.message_id(stored)
    assert message["Message-ID"].startswith(f"<notification-{row.id}-")
    assert message["To"] == world.intake.email


def test_email_speaks_the_recipient_language_and_carries_no_patient_data(db, world, mail_sink):
    english = _email_row(db, world, world.intake, key="en")
    french = _email_row(db, world, world.referrer, key="fr")
    delivery.deliver(english.id)
    delivery.deliver(french.id)

    by_language = {m["Content-Language"]: m for m in mail_sink.messages}
    assert set(by_language) == {"en", "fr"}
    en_text = by_language["en"].get_body(("plain",)).get_content()
    fr_text = by_language["fr"].get_body(("plain",)).get_content()
    assert "New referral" in by_language["en"]["Subject"]
    assert "Nouvelle référence" in by_language["fr"]["Subject"]
    assert "KEYNOTE-999" in en_text and "REF-20" in en_text
    assert "http://localhost/referrals/" in en_text
    for message in mail_sink.messages:
        raw = message.as_string()
        assert PATIENT_NAME not in raw and "Tremblay" not in raw
        assert PATIENT_HIN not in raw and "TREG" not in raw
    assert fr_text != en_text


def test_temporary_refusal_is_retried_later_then_sent(db, world, mail_sink):
    row = _email_row(db, world)
    mail_sink.refuse_next(1)
    now = utcnow()

    outcome = delivery.deliver(row.id, now=now)

    assert outcome.status == "retry"
    base = Config.MAIL_RETRY_BASE_SECONDS
    assert base / 2 <= outcome.retry_in <= base
    stored = _status(db, row.id)
    assert stored.status == NotificationStatus.PENDING
    assert stored.attempts == 1
    assert "451" in stored.last_error
    assert stored.next_attempt_at is not None

    assert delivery.deliver(row.id).status == "sent"
    assert _status(db, row.id).attempts == 2
    assert len(mail_sink.messages) == 1


def test_gives_up_after_max_attempts(app, db, world, mail_sink, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    row = _email_row(db, world)
    mail_sink.refuse_next(10)

    outcomes = [delivery.deliver(row.id).status for _ in range(4)]

    assert outcomes == ["retry", "retry", "failed", "skipped"]
    stored = _status(db, row.id)
    assert stored.status == NotificationStatus.FAILED
    assert stored.attempts == 3
    assert stored.last_error.startswith("SMTP 451")
    assert mail_sink.messages == []


def test_unreachable_smtp_server_is_a_temporary_failure(app, db, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    row = _email_row(db, world)
    outcome = delivery.deliver(row.id)
    assert outcome.status == "retry"
    assert "ConnectionRefusedError" in _status(db, row.id).last_error


def test_in_app_rows_are_closed_without_mail(db, world, mail_sink):
    referral = world.referral()
    rows = notify.queue(world.intake, "referral_submit", notify.referral_context(referral), "k")
    db.session.commit()
    in_app = next(r for r in rows if r.channel == NotificationChannel.IN_APP)
    assert delivery.deliver(in_app.id).status == "sent"
    assert mail_sink.messages == []


@pytest.mark.parametrize("attempt", range(1, 12))
def test_backoff_grows_exponentially_with_jitter_within_bounds(attempt):
    rng = random.Random(attempt)
    delays = [delivery.retry_delay(attempt, 30, 3600, rng) for _ in range(200)]
    ceiling = min(3600, 30 * 2 ** (attempt - 1))
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len({round(d, 6) for d in delays}) > 100  # jitter: attempts spread out


def test_no_retry_waits_longer_than_the_broker_visibility_timeout():
    settings = Config.celery_settings("redis://x")
    assert settings["task_acks_late"] and settings["task_reject_on_worker_lost"]
    assert settings["worker_prefetch_multiplier"] == 1
    longest = delivery.retry_delay(
        100, Config.MAIL_RETRY_BASE_SECONDS, Config.MAIL_RETRY_MAX_SECONDS
    )
    assert settings["broker_transport_options"]["visibility_timeout"] > longest


# --- dispatch after commit -------------------------------------------------------------


def test_new_rows_are_published_after_commit_only(db, world, broker):
    referral = world.referral()
    db.session.commit()
    broker.published()  # the submission's own rows
    rows = notify.queue(world.intake, "referral_submit", notify.referral_context(referral), "k")
    db.session.flush()
    assert broker.published() == []  # nothing before the commit

    db.session.commit()

    published = broker.published()
    assert sorted(published) == sorted((delivery.DELIVER_TASK, [r.id]) for r in rows)


def test_rolled_back_rows_are_never_published(db, world, broker):
    referral = world.referral()
    db.session.commit()
    broker.published()  # the submission's own rows
    notify.queue(world.intake, "referral_submit", notify.referral_context(referral), "k")
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert broker.published() == []


def test_digest_rows_are_not_published(db, world, broker):
    referral = world.referral()
    db.session.commit()
    broker.published()  # the submission's own rows
    world.intake.email_mode = EmailMode.DIGEST
    rows = notify.queue(world.intake, "referral_submit", notify.referral_context(referral), "k")
    db.session.commit()
    in_app = [r.id for r in rows if r.channel == NotificationChannel.IN_APP]
    assert broker.published() == [(delivery.DELIVER_TASK, in_app)]


def test_broker_down_at_commit_keeps_the_change_and_logs(app, db, world, monkeypatch, caplog):
    dead = publisher_app(f"redis://127.0.0.1:{free_port()}/0", "nowhere")
    monkeypatch.setitem(app.extensions, "celery", dead)
    referral = world.referral()
    notify.queue(world.intake, "referral_submit", notify.referral_context(referral), "k")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="passerelle.delivery"):
        db.session.commit()  # does not raise
    elapsed = time.monotonic() - started
    dead.close()

    assert elapsed < 5
    assert "left to the sweeper" in caplog.text
    db.session.expire_all()
    statuses = db.session.scalars(
        select(Notification.status).where(Notification.dedupe_key.like("k:%"))
    ).all()
    assert statuses == [NotificationStatus.PENDING, NotificationStatus.PENDING]


# --- the sweeper ------------------------------------------------------------------------


def test_sweeper_resends_old_pending_rows_once_per_period(app, db, world, broker):
    row = _email_row(db, world)
    broker.published()  # the dispatch after commit
    now = utcnow()

    assert delivery.sweep(now=now).requeued == []  # too recent
    later = now + dt.timedelta(seconds=app.config["OUTBOX_SWEEP_AFTER_SECONDS"] + 1)
    assert delivery.sweep(now=later).requeued == [row.id]
    assert broker.published() == [(delivery.DELIVER_TASK, [row.id])]
    assert delivery.sweep(now=later + dt.timedelta(seconds=1)).requeued == []


def test_sweeper_waits_for_the_retry_time(app, db, world, broker, mail_sink):
    row = _email_row(db, world)
    mail_sink.refuse_next(1)
    now = utcnow()
    outcome = delivery.deliver(row.id, now=now)
    sweep_after = app.config["OUTBOX_SWEEP_AFTER_SECONDS"]

    assert delivery.sweep(now=now + dt.timedelta(seconds=1)).requeued == []
    due = now + dt.timedelta(seconds=outcome.retry_in + sweep_after + 1)
    assert delivery.sweep(now=due).requeued == [row.id]


def test_sweeper_resets_rows_of_a_lost_worker(app, db, world, broker):
    row = _email_row(db, world)
    now = utcnow()
    delivery.claim(row.id, now=now)  # a worker took it, then died

    assert delivery.sweep(now=now + dt.timedelta(seconds=10)).reset == []
    timeout = app.config["OUTBOX_SENDING_TIMEOUT_SECONDS"]
    result = delivery.sweep(now=now + dt.timedelta(seconds=timeout + 1))

    assert result.reset == [row.id]
    stored = _status(db, row.id)
    assert stored.status == NotificationStatus.PENDING
    assert stored.last_error == "worker lost during delivery"
    assert (delivery.DELIVER_TASK, [row.id]) in broker.published()
    assert delivery.claim(row.id) == 2


def test_lost_row_out_of_attempts_fails(app, db, world, broker, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    row = _email_row(db, world)
    now = utcnow()
    delivery.claim(row.id, now=now)
    later = now + dt.timedelta(seconds=app.config["OUTBOX_SENDING_TIMEOUT_SECONDS"] + 1)
    assert delivery.sweep(now=later).reset == []
    assert _status(db, row.id).status == NotificationStatus.FAILED


def test_a_late_worker_cannot_overwrite_a_reclaimed_row(app, db, world, broker, mail_sink):
    """The attempt number fences the claim: the first, slow worker's result is ignored."""
    row = _email_row(db, world)
    now = utcnow()
    first = delivery.claim(row.id, now=now)
    later = now + dt.timedelta(seconds=app.config["OUTBOX_SENDING_TIMEOUT_SECONDS"] + 1)
    delivery.sweep(now=later)
    second = delivery.claim(row.id, now=later)
    assert (first, second) == (1, 2)

    delivery._failed_attempt(row.id, first, later, "late")  # the first worker wakes up
    assert _status(db, row.id).status == NotificationStatus.SENDING


def test_features_with_their_own_email_are_delivered_with_it(db, world, make, mail_sink):
    """Trial news has its own e-mail bodies (``notifications.messages``); delivery sends them."""
    from referral_app.trials import news

    make.member(world.intake, world.trial.community)
    news.announce_trial(world.trial, "recruiting")
    db.session.commit()
    email = db.session.scalar(
        select(Notification).where(
            Notification.recipient_id == world.intake.id,
            Notification.channel == NotificationChannel.EMAIL,
        )
    )

    assert delivery.deliver(email.id).status == "sent"

    (message,) = mail_sink.messages
    assert "KEYNOTE-999" in message["Subject"]
    assert message["Message-ID"] == channels.message_id(email)


def test_concurrent_claims_have_one_winner(app, db, world):
    import threading

    row_id = _email_row(db, world).id
    results: list[int | None] = []
    barrier = threading.Barrier(6)

    def claim_in_own_session():
        with app.app_context():
            barrier.wait()
            results.append(delivery.claim(row_id))

    threads = [threading.Thread(target=claim_in_own_session) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results, key=lambda r: r is None) == [1] + [None] * 5


def test_a_lost_connection_before_the_final_status_is_waited_out(app, db, world, monkeypatch):
    """Regression: the "sent" update hit a dead connection, the row stayed "sending"
    and the sweeper sent the e-mail a second time. The database really loses the
    worker's connection here (PostgreSQL terminates its backend) mid-send."""
    import os

    import sqlalchemy as sa

    from referral_app.enums import NotificationChannel as Channel
    from referral_app.notifications.channels import CHANNELS

    if os.environ.get("TEST_DB", "sqlite") != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (TEST_DB=postgresql)")
    row = _email_row(db, world)
    admin = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    sent = []

    class SendsThenLosesTheDatabase(CHANNELS[Channel.EMAIL].__class__):
        def send(self, notification):
            pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
            sent.append(notification.id)
            with admin.connect() as conn:
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    monkeypatch.setitem(CHANNELS, Channel.EMAIL, SendsThenLosesTheDatabase())
    assert delivery.deliver(row.id).status == "sent"
    admin.dispose()
    assert sent == [row.id]
    assert _status(db, row.id).status == NotificationStatus.SENT
