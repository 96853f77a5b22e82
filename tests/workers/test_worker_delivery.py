"""End to end with real parts: a ``celery worker`` process on Redis, a real SMTP server.

The referral is submitted through the real workflow in the test process; the
worker (another process, same database) delivers the outbox rows.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from flask import current_app
from sqlalchemy import func, select

from referral_app import delivery
from referral_app.models import (
    Notification,
    NotificationChannel,
    NotificationStatus,
    Referral,
    ReferralState,
)
from referral_app.notifications import channels
from referral_app.timeutil import utcnow
from referral_app.workflow import engine
from tests.notifications.world import PATIENT_HIN, PATIENT_NAME, build_world
from tests.services import free_port
from tests.workers.support import publisher_app, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


@pytest.fixture
def world(make):
    return build_world(make)


def _submit(db, world) -> Referral:
    """Submit through the real state machine, as the web view would (in a request)."""
    referral = world.referral(state=ReferralState.DRAFT)
    db.session.commit()
    with current_app.test_request_context():
        engine.apply_event(referral.id, "submit", world.referrer, version=None)
    db.session.commit()
    return referral


def _rows(db, channel: NotificationChannel) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(Notification.channel == channel).order_by(Notification.id)
        )
    )


def _assert_one_in_app_notification(db, user) -> None:
    count = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.recipient_id == user.id,
            Notification.channel == NotificationChannel.IN_APP,
        )
    )
    assert count == 1


def _no_patient_data(message) -> None:
    raw = message.as_string()
    assert PATIENT_NAME not in raw and "Tremblay" not in raw
    assert PATIENT_HIN not in raw


def _wait_sent(db, row_id: int, timeout: float = 20) -> Notification:
    def sent():
        db.session.expire_all()
        row = db.session.get(Notification, row_id)
        return row if row.status == NotificationStatus.SENT else None

    return wait_for(sent, timeout=timeout, message=f"notification {row_id} sent")


def test_submitted_referral_mail_reaches_the_intake_contact_in_seconds(
    db, world, worker, smtp_sink
):
    started = time.monotonic()
    referral = _submit(db, world)

    message = wait_for(lambda: smtp_sink.to(world.intake.email), timeout=15)[0]
    latency = time.monotonic() - started

    assert latency < 5, f"took {latency:.2f}s"
    assert message["Content-Language"] == "en"  # the intake contact reads English
    assert referral.reference in message["Subject"] and "New referral" in message["Subject"]
    assert "KEYNOTE-999" in message.get_body(("plain",)).get_content()
    _no_patient_data(message)
    assert smtp_sink.to(world.referrer.email) == []  # the actor is not told of their own act
    (email,) = _rows(db, NotificationChannel.EMAIL)
    _wait_sent(db, email.id)
    (in_app,) = _rows(db, NotificationChannel.IN_APP)
    _wait_sent(db, in_app.id)
    assert message["Message-ID"] == channels.message_id(email)


def test_broker_down_at_commit_then_the_sweeper_delivers(
    app, db, world, worker, smtp_sink, monkeypatch
):
    dead = publisher_app(f"redis://127.0.0.1:{free_port()}/0", "nowhere")
    monkeypatch.setitem(app.extensions, "celery", dead)
    referral = _submit(db, world)  # the commit succeeds although the broker is down
    dead.close()

    db.session.expire_all()
    assert db.session.get(Referral, referral.id).state == ReferralState.SUBMITTED
    assert {r.status for r in _rows(db, NotificationChannel.EMAIL)} == {NotificationStatus.PENDING}
    time.sleep(1)
    assert smtp_sink.messages == []

    monkeypatch.setitem(app.extensions, "celery", worker.publisher)  # the broker is back
    later = utcnow() + dt.timedelta(seconds=app.config["OUTBOX_SWEEP_AFTER_SECONDS"] + 1)
    result = delivery.sweep(now=later)

    assert result.enqueued == 2
    wait_for(lambda: smtp_sink.to(world.intake.email), timeout=15)
    time.sleep(0.5)
    assert len(smtp_sink.messages) == 1
    _assert_one_in_app_notification(db, world.intake)


def test_worker_killed_during_delivery_still_delivers_once(db, world, worker, smtp_sink):
    smtp_sink.hold_next()  # the first SMTP conversation hangs before the message is accepted
    _submit(db, world)
    wait_for(smtp_sink.held.is_set, timeout=15, message="the delivery to start")
    (email,) = _rows(db, NotificationChannel.EMAIL)
    assert email.status == NotificationStatus.SENDING

    killed = worker.kill_pool_child()
    started = time.monotonic()
    smtp_sink.release()
    wait_for(lambda: worker.pool_children() and killed not in worker.pool_children(), timeout=15)

    # The redelivered task finds the row claimed; the beat sweeper resets it once
    # the sending timeout has passed (3 s for this worker) and sends it again.
    def delivered():
        worker.send("passerelle.sweep_outbox")
        return smtp_sink.to(world.intake.email)

    wait_for(delivered, timeout=120, interval=1.0, message="the e-mail after the kill")
    after = time.monotonic() - started
    time.sleep(1.5)
    assert len(smtp_sink.to(world.intake.email)) == 1
    stored = _wait_sent(db, email.id)
    assert stored.attempts == 2
    print(f"killed worker: 1 e-mail delivered once {after:.1f} s after the kill, 1 in-app row")
    _assert_one_in_app_notification(db, world.intake)


def test_smtp_refusing_for_a_while_is_retried_then_delivered(db, world, worker, smtp_sink):
    """Regression: ``retry(max_retries=None)`` meant Celery's default of 3 retries, so
    the task gave up after the fourth attempt and left the e-mail to the sweeper."""
    smtp_sink.refuse_next(5)
    _submit(db, world)

    message = wait_for(lambda: smtp_sink.to(world.intake.email), timeout=30)[0]

    assert smtp_sink.refused == 5
    _no_patient_data(message)
    (email,) = _rows(db, NotificationChannel.EMAIL)
    stored = _wait_sent(db, email.id)
    assert stored.attempts == 6
    assert "MaxRetriesExceeded" not in worker.log()
    assert len(smtp_sink.messages) == 1
    _assert_one_in_app_notification(db, world.intake)


def test_smtp_refusing_too_long_fails_visibly(db, world, worker, smtp_sink):
    smtp_sink.refuse_next(100)
    _submit(db, world)
    (email,) = _rows(db, NotificationChannel.EMAIL)

    def failed():
        db.session.expire_all()
        row = db.session.get(Notification, email.id)
        return row if row.status == NotificationStatus.FAILED else None

    row = wait_for(failed, timeout=30, message="the row to fail")

    assert row.attempts == 7 == smtp_sink.refused  # MAIL_MAX_ATTEMPTS for this worker
    assert row.last_error.startswith("SMTP 451")
    assert PATIENT_NAME not in row.last_error and PATIENT_HIN not in row.last_error
    assert smtp_sink.messages == []
    failed_ids = [n.id for n in db.session.scalars(delivery.stalled_rows_query())]
    assert failed_ids == [email.id]


def test_reminders_and_escalation_reach_people_through_the_worker(db, world, worker, smtp_sink):
    # Long overdue: both clocks past their due and escalation dates.
    referral = world.settled_referral(submitted_at=utcnow() - dt.timedelta(days=14))
    db.session.commit()

    worker.send("passerelle.send_reminders")

    wait_for(
        lambda: (
            smtp_sink.to(world.intake.email)
            and smtp_sink.to(world.manager.email)
            and smtp_sink.to(world.leader.email)
        ),
        timeout=20,
        message="reminder and escalations",
    )
    wait_for(lambda: len(smtp_sink.messages) == 6, timeout=20, message="all six")
    to_intake = [m["Subject"] for m in smtp_sink.to(world.intake.email)]
    assert sorted(to_intake) == sorted(
        f"Passerelle · {referral.reference} · KEYNOTE-999 · {what}"
        for what in ("Acknowledgement overdue", "Decision overdue")
    )
    escalation = smtp_sink.to(world.manager.email)[0].get_body(("plain",)).get_content()
    assert "Escalation" in escalation or "escalade" in escalation.lower()
    for message in smtp_sink.messages:  # manager and leader: both escalations
        _no_patient_data(message)

    worker.send("passerelle.send_reminders")  # once per threshold
    time.sleep(1.5)
    assert len(smtp_sink.messages) == 6


def test_a_slow_send_keeps_its_claim(app, db, world, worker, smtp_sink, monkeypatch):
    """The claim is a short lease renewed while sending: a conversation longer than the
    lease is not taken back by the sweeper, so no second worker sends it."""
    monkeypatch.setitem(app.config, "OUTBOX_SENDING_TIMEOUT_SECONDS", 3)  # as the worker's
    smtp_sink.hold_next()
    _submit(db, world)
    wait_for(smtp_sink.held.is_set, timeout=15, message="the delivery to start")
    (email,) = _rows(db, NotificationChannel.EMAIL)
    deadline = time.monotonic() + 7  # more than twice the lease
    while time.monotonic() < deadline:
        assert delivery.sweep().reset == []
        time.sleep(0.5)
    assert _rows(db, NotificationChannel.EMAIL)[0].status == NotificationStatus.SENDING
    smtp_sink.release()  # the held conversation ends in a 451: retried once, then sent
    _wait_sent(db, email.id)
    time.sleep(1.5)
    assert len(smtp_sink.to(world.intake.email)) == 1


def test_a_killed_workers_rows_are_back_within_a_minute_by_default(app):
    """Regression: rows of a killed worker waited the full 300 s "sending" timeout
    (p99 6 min). Now the lease (renewed while sending) and the sweep period add up
    to less than a minute."""
    from config import Config
    from workers.schedule import beat_schedule

    sweep = beat_schedule(app)["sweep-outbox"]["schedule"]
    assert Config.OUTBOX_SENDING_TIMEOUT_SECONDS + sweep < 60
    assert Config.MAIL_RETRY_MAX_SECONDS <= 60  # a send resumes within a minute of SMTP
