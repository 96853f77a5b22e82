"""The daily digest: a user's waiting e-mails grouped into one message."""

from __future__ import annotations

from sqlalchemy import select

from referral_app import delivery, notify
from referral_app.models import EmailMode, Notification, NotificationChannel, NotificationStatus


def _queue_for(db, world, user, count: int) -> None:
    for n in range(count):
        referral = world.settled_referral()
        notify.queue(
            user,
            "referral_submit",
            notify.referral_context(referral),
            f"k{n}",
            referral_id=referral.id,
        )
    db.session.commit()


def _statuses(db, user, channel) -> list[NotificationStatus]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification.status).where(
                Notification.recipient_id == user.id,
                Notification.channel == channel,
                Notification.dedupe_key.like("k%"),  # the rows of the test, not its referrals'
            )
        )
    )


def test_digest_users_emails_wait_and_in_app_stays_immediate(db, world, broker):
    world.intake.email_mode = EmailMode.DIGEST
    _queue_for(db, world, world.intake, 2)
    assert _statuses(db, world.intake, NotificationChannel.EMAIL) == [NotificationStatus.DIGEST] * 2
    assert [args for _task, args in broker.published()] == [
        [n.id]
        for n in db.session.scalars(
            select(Notification).where(
                Notification.channel == NotificationChannel.IN_APP,
                Notification.dedupe_key.like("k%"),
            )
        )
    ]


def test_digest_groups_a_users_rows_into_one_email(db, world, mail_sink, broker):
    world.intake.email_mode = EmailMode.DIGEST
    world.referrer.email_mode = EmailMode.DIGEST
    _queue_for(db, world, world.intake, 3)
    _queue_for(db, world, world.referrer, 1)
    assert delivery.digest_recipients() == sorted([world.intake.id, world.referrer.id])

    assert delivery.send_digest(world.intake.id).status == "sent"

    (message,) = mail_sink.messages
    assert message["To"] == world.intake.email
    assert "3" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert text.count("KEYNOTE-999") == 3
    assert _statuses(db, world.intake, NotificationChannel.EMAIL) == [NotificationStatus.SENT] * 3
    assert _statuses(db, world.referrer, NotificationChannel.EMAIL) == [NotificationStatus.DIGEST]
    assert delivery.send_digest(world.intake.id).status == "skipped"
    assert delivery.digest_recipients() == [world.referrer.id]


def test_digest_refused_waits_for_a_retry(db, world, mail_sink, broker):
    world.intake.email_mode = EmailMode.DIGEST
    _queue_for(db, world, world.intake, 2)
    mail_sink.refuse_next(1)

    outcome = delivery.send_digest(world.intake.id)

    assert outcome.status == "retry" and outcome.retry_in > 0
    assert _statuses(db, world.intake, NotificationChannel.EMAIL) == [NotificationStatus.DIGEST] * 2
    assert delivery.send_digest(world.intake.id).status == "sent"
    assert len(mail_sink.messages) == 1


def test_daily_task_enqueues_one_digest_per_user(app, db, world, broker):
    from workers.tasks import send_digests

    world.intake.email_mode = EmailMode.DIGEST
    _queue_for(db, world, world.intake, 2)
    broker.published()
    assert send_digests.run() == 1
    assert broker.published() == [(delivery.DIGEST_TASK, [world.intake.id])]
