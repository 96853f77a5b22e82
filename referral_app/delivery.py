"""Delivering the notification outbox (DESIGN §4): claim, send, retry, sweep, digest.

The life of a row: ``pending`` (or ``digest`` for e-mails of digest users) →
``sending`` (claimed by one worker) → ``sent``, or back to ``pending`` with a
later ``next_attempt_at`` after a temporary failure, or ``failed`` after
``MAIL_MAX_ATTEMPTS`` tries or a permanent refusal.

- **Dispatch after commit.** ``install_dispatch()`` hooks the SQLAlchemy session:
  new pending rows are collected at flush and one Celery task per row is sent
  after the transaction commits, all of a commit's tasks in one round trip to the
  broker (``enqueue``). If the broker is down then, the error is logged and
  swallowed: the row is in the database and the sweeper sends it later.
- **Send.** A claimed row goes to its channel (``notifications.channels``:
  in-app, e-mail), which renders it (``notifications.render``).
- **Claim.** ``UPDATE … SET status='sending' WHERE id=? AND status='pending'``:
  of two workers holding the same task, only one gets rowcount 1. A ``sent`` row
  is never claimed again. ``attempts`` is also the fencing token of the claim.
- **Sweep.** Rows pending for longer than ``OUTBOX_SWEEP_AFTER_SECONDS`` are sent
  to the broker again; rows ``sending`` for longer than
  ``OUTBOX_SENDING_TIMEOUT_SECONDS`` belong to a dead worker and are reset.

Delivery commits by itself (unlike other services): the claim must be durable
before the e-mail leaves, and no transaction may stay open during an SMTP
conversation. Error texts kept in ``last_error`` come from ``mailer`` and hold
SMTP codes, never message content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from referral_app import audit, mailer
from referral_app.enums import EmailMode, NotificationChannel, NotificationStatus
from referral_app.extensions import db
from referral_app.models import Notification, User
from referral_app.notifications.channels import CHANNELS
from referral_app.notifications.render import render_digest
from referral_app.timeutil import utcnow

log = logging.getLogger("passerelle.delivery")

DELIVER_TASK = "passerelle.deliver_notification"
DIGEST_TASK = "passerelle.send_digest"
OUTBOX_DISPATCH_KEY = "outbox_dispatch_ids"  # session.info: rows to publish at commit
SWEEP_BATCH = 500
# Publishing from a web request must not hang when the broker is down.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


@dataclass(frozen=True)
class Outcome:
    """What a delivery attempt did; ``retry_in`` seconds when it should be tried again."""

    status: str  # "sent", "skipped", "retry", "failed"
    retry_in: float | None = None
    error: str | None = None


@dataclass
class SweepResult:
    reset: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    enqueued: int = 0


# --- dispatch after commit ----------------------------------------------------------


def install_dispatch() -> None:
    """Hook every Flask-SQLAlchemy session: enqueue new outbox rows after commit."""
    target = db.session
    if event.contains(target, "after_flush", _collect_new_rows):
        return
    event.listen(target, "after_flush", _collect_new_rows)
    event.listen(target, "after_commit", _dispatch_after_commit)
    event.listen(target, "after_soft_rollback", _forget_on_rollback)


def dispatch_after_commit(ids: Iterable[int]) -> None:
    """Ask for these rows to be sent to the broker once the current transaction commits."""
    db.session.info.setdefault(OUTBOX_DISPATCH_KEY, set()).update(ids)


def _collect_new_rows(session: Session, _flush_context) -> None:
    ids = [
        obj.id
        for obj in session.new
        if isinstance(obj, Notification) and obj.status == NotificationStatus.PENDING
    ]
    if ids:
        session.info.setdefault(OUTBOX_DISPATCH_KEY, set()).update(ids)


def _dispatch_after_commit(session: Session) -> None:
    ids = session.info.pop(OUTBOX_DISPATCH_KEY, None)
    if ids:
        enqueue(sorted(ids))


def _forget_on_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(OUTBOX_DISPATCH_KEY, None)


def enqueue(ids: Iterable[int], task_name: str = DELIVER_TASK) -> int:
    """Send one task per id to the broker; on a broker error log it and stop.

    Returns how many were sent. Never raises: the rows wait in the database
    and the sweeper sends them when the broker is back.

    The tasks go out together: one producer from Celery's pool (a connection kept
    open, not one per publish) and, on Redis, one pipelined round trip for them all
    (kombu's ``Producer.batch``). If that fails they are sent again one at a time
    with the publish retry policy; a task sent twice is harmless (the claim).
    """
    celery = current_app.extensions["celery"]
    ids = list(ids)
    if not ids:
        return 0
    try:
        with celery.producer_or_acquire() as producer, producer.batch():
            for notification_id in ids:
                celery.send_task(task_name, args=[notification_id], producer=producer)
    except Exception as error:  # noqa: BLE001 (any broker failure: one at a time, then the sweeper)
        log.info("Batched publish failed (%s); one at a time.", type(error).__name__)
        return _enqueue_one_by_one(celery, ids, task_name)
    return len(ids)


def _enqueue_one_by_one(celery, ids: list[int], task_name: str) -> int:
    sent = 0
    for notification_id in ids:
        try:
            celery.send_task(
                task_name, args=[notification_id], retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
        except Exception as error:  # noqa: BLE001 (any broker failure: the sweeper recovers)
            log.warning(
                "Broker unavailable (%s); %d outbox task(s) left to the sweeper.",
                type(error).__name__,
                len(ids) - sent,
            )
            break
        sent += 1
    return sent


# --- claim and deliver --------------------------------------------------------------


def claim(notification_id: int, now: dt.datetime | None = None) -> int | None:
    """Atomically take a pending row; returns the attempt number, or None if not ours."""
    now = now or utcnow()
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id, Notification.status == NotificationStatus.PENDING
        )
        .values(
            status=NotificationStatus.SENDING,
            attempts=Notification.attempts + 1,
            claimed_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return None
    attempt = db.session.scalar(
        select(Notification.attempts).where(Notification.id == notification_id)
    )
    db.session.commit()
    return attempt


def deliver(notification_id: int, now: dt.datetime | None = None) -> Outcome:
    """Deliver one outbox row through its channel if it is still pending; commit."""
    attempt = claim(notification_id, now)
    if attempt is None:
        return Outcome("skipped")
    notification = db.session.get(Notification, notification_id)
    channel = CHANNELS[notification.channel]
    if channel.needs_active_recipient and not notification.recipient.active:
        return _finish(
            notification_id, attempt, NotificationStatus.FAILED, now, "recipient inactive"
        )
    try:
        with ClaimLease(db.engine, notification_id, attempt):
            channel.send(notification)
    except mailer.PermanentMailError as error:
        return _finish(notification_id, attempt, NotificationStatus.FAILED, now, str(error))
    except mailer.TransientMailError as error:
        return _failed_attempt(notification_id, attempt, now, str(error))
    except Exception as error:  # a bug must not leave the row in "sending" for ever
        log.exception("Delivery of notification %s failed unexpectedly", notification_id)
        return _failed_attempt(notification_id, attempt, now, type(error).__name__)
    return _finish(notification_id, attempt, NotificationStatus.SENT, now)


class ClaimLease:
    """Keeps a claim alive while its row is being sent.

    A claimed row whose ``claimed_at`` is older than ``OUTBOX_SENDING_TIMEOUT_SECONDS``
    belongs to a dead worker and the sweeper takes it back. A live worker renews
    ``claimed_at`` every third of that time from a thread of its own (its own
    connection), so a short timeout finds killed workers fast while a slow SMTP
    conversation is never taken from the worker still holding it.
    """

    def __init__(self, engine, notification_id: int, attempt: int):
        self.engine, self.notification_id, self.attempt = engine, notification_id, attempt
        self.period = current_app.config["OUTBOX_SENDING_TIMEOUT_SECONDS"] / 3
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew, daemon=True)

    def __enter__(self) -> ClaimLease:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.period + 5)

    def _renew(self) -> None:
        while not self.stopped.wait(self.period):
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        _fenced(self.notification_id, self.attempt).values(claimed_at=utcnow())
                    )
            except sa.exc.DBAPIError as error:  # the sweeper may take it back: logged, not fatal
                log.warning(
                    "Could not renew the claim of notification %s (%s).",
                    self.notification_id,
                    type(error.orig).__name__,
                )


def retry_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: between half and all of ``min(cap, base·2^(n-1))``."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def _failed_attempt(
    notification_id: int, attempt: int, now: dt.datetime | None, error: str
) -> Outcome:
    config = current_app.config
    if attempt >= config["MAIL_MAX_ATTEMPTS"]:
        log.warning(
            "Notification %s: attempt %d failed (%s); giving up.", notification_id, attempt, error
        )
        return _finish(notification_id, attempt, NotificationStatus.FAILED, now, error)
    delay = retry_delay(
        attempt, config["MAIL_RETRY_BASE_SECONDS"], config["MAIL_RETRY_MAX_SECONDS"]
    )
    log.warning(
        "Notification %s: attempt %d failed (%s); next attempt in %.0f s.",
        notification_id,
        attempt,
        error,
        delay,
    )
    _write_status(
        _fenced(notification_id, attempt).values(
            status=NotificationStatus.PENDING,
            next_attempt_at=(now or utcnow()) + dt.timedelta(seconds=delay),
            last_error=error[:500],
        )
    )
    return Outcome("retry", retry_in=delay, error=error)


STATUS_WRITE_PAUSES = (0.1, 0.5, 1, 2, 4)  # seconds between tries of a final status write


def _write_status(statement) -> None:
    """Write the outcome of an attempt, trying again on a lost connection.

    The e-mail may be gone already: a status left ``sending`` would make the sweeper
    send it a second time, so a dropped connection or a restarting database is
    waited out for a few seconds before giving up.
    """
    for pause in (*STATUS_WRITE_PAUSES, None):
        try:
            db.session.rollback()  # nothing of the rendering may linger; a dead link goes
            db.session.execute(statement)
            db.session.commit()
            return
        except sa.exc.DBAPIError as error:
            if pause is None or not _is_disconnect(error):
                raise
            log.warning(
                "Lost the database while recording a delivery (%s); trying again.",
                type(error.orig).__name__,
            )
            time.sleep(pause)


def _is_disconnect(error: sa.exc.DBAPIError) -> bool:
    return error.connection_invalidated or isinstance(error, sa.exc.OperationalError)


def _finish(
    notification_id: int,
    attempt: int,
    status: NotificationStatus,
    now: dt.datetime | None,
    error: str | None = None,
) -> Outcome:
    values: dict = {"status": status, "last_error": error[:500] if error else None}
    if status == NotificationStatus.SENT:
        values["sent_at"] = now or utcnow()
    _write_status(_fenced(notification_id, attempt).values(**values))
    return Outcome(status.value, error=error)


def _fenced(notification_id: int, attempt: int):
    """An UPDATE of our claim only: a row reset by the sweeper and re-claimed is not ours."""
    return (
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == NotificationStatus.SENDING,
            Notification.attempts == attempt,
        )
        .execution_options(synchronize_session=False)
    )


# --- the sweeper --------------------------------------------------------------------


def sweep(now: dt.datetime | None = None) -> SweepResult:
    """Reset rows of dead workers and send rows still pending after a while again."""
    now = now or utcnow()
    config = current_app.config
    result = SweepResult()
    result.reset = _reset_stuck_rows(
        now - dt.timedelta(seconds=config["OUTBOX_SENDING_TIMEOUT_SECONDS"])
    )
    overdue = now - dt.timedelta(seconds=config["OUTBOX_SWEEP_AFTER_SECONDS"])
    due_at = sa.func.coalesce(Notification.next_attempt_at, Notification.created_at)
    stale = list(
        db.session.scalars(
            select(Notification.id)
            .where(Notification.status == NotificationStatus.PENDING, due_at <= overdue)
            .order_by(Notification.id)
            .limit(SWEEP_BATCH)
        )
    )
    if stale:
        # Not swept again for another period, even if the broker is slow to deliver.
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(stale), Notification.status == NotificationStatus.PENDING)
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    result.requeued = stale
    result.enqueued = enqueue(sorted(set(result.reset) | set(stale)))
    return result


def _reset_stuck_rows(claimed_before: dt.datetime) -> list[int]:
    stuck = list(
        db.session.execute(
            select(Notification.id, Notification.attempts, Notification.channel, User.email_mode)
            .join(User, User.id == Notification.recipient_id)
            .where(
                Notification.status == NotificationStatus.SENDING,
                Notification.claimed_at < claimed_before,
            )
            .limit(SWEEP_BATCH)
        )
    )
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    reset: list[int] = []
    for row_id, attempts, channel, email_mode in stuck:
        if attempts >= max_attempts:
            status = NotificationStatus.FAILED
        elif channel == NotificationChannel.EMAIL and email_mode == EmailMode.DIGEST:
            status = NotificationStatus.DIGEST
        else:
            status = NotificationStatus.PENDING
        db.session.execute(
            _fenced(row_id, attempts).values(
                status=status, last_error="worker lost during delivery", next_attempt_at=None
            )
        )
        if status == NotificationStatus.PENDING:
            reset.append(row_id)
    if stuck:
        log.warning("Outbox sweeper reset %d row(s) left by a lost worker.", len(stuck))
    return reset


# --- admin: failed and old pending rows ------------------------------------------------


def stalled_rows_query(now: dt.datetime | None = None):
    """Failed rows and rows pending longer than the sweep period, newest first."""
    now = now or utcnow()
    overdue = now - dt.timedelta(seconds=current_app.config["OUTBOX_SWEEP_AFTER_SECONDS"])
    return (
        select(Notification)
        .where(
            sa.or_(
                Notification.status == NotificationStatus.FAILED,
                sa.and_(
                    Notification.status.in_(
                        [NotificationStatus.PENDING, NotificationStatus.SENDING]
                    ),
                    Notification.created_at <= overdue,
                ),
            )
        )
        .order_by(Notification.id.desc())
    )


def retry_now(notification: Notification, actor: User) -> bool:
    """An admin asks for one more round of attempts; audited; sent after commit."""
    if notification.status not in (NotificationStatus.FAILED, NotificationStatus.PENDING):
        return False
    previous = notification.status.value
    notification.status = NotificationStatus.PENDING
    notification.attempts = 0
    notification.next_attempt_at = None
    notification.claimed_at = None
    audit.record(
        "retry_notification", "notification", notification.id, user_id=actor.id, previous=previous
    )
    db.session.flush()
    dispatch_after_commit([notification.id])
    return True


# --- daily digest -------------------------------------------------------------------


def digest_recipients() -> list[int]:
    """Users with e-mails waiting for their digest."""
    return list(
        db.session.scalars(
            select(Notification.recipient_id)
            .where(
                Notification.status == NotificationStatus.DIGEST,
                Notification.channel == NotificationChannel.EMAIL,
            )
            .distinct()
            .order_by(Notification.recipient_id)
        )
    )


def send_digest(user_id: int, now: dt.datetime | None = None) -> Outcome:
    """Group a user's waiting e-mails into one message; mark them sent."""
    now = now or utcnow()
    claimed = _claim_digest_rows(user_id, now)
    if not claimed:
        return Outcome("skipped")
    rows = list(
        db.session.scalars(
            select(Notification).where(Notification.id.in_(claimed)).order_by(Notification.id)
        )
    )
    recipient = rows[0].recipient
    attempt = max(row.attempts for row in rows)
    try:
        subject, text, html = render_digest(rows)
        mailer.send_email(
            recipient.email,
            subject,
            text,
            html,
            digest_message_id(user_id, claimed),
            language=recipient.language.value,
        )
    except mailer.MailError as error:
        return _digest_failed(
            claimed, attempt, str(error), permanent=isinstance(error, mailer.PermanentMailError)
        )
    except Exception as error:
        log.exception("Digest for user %s failed unexpectedly", user_id)
        return _digest_failed(claimed, attempt, type(error).__name__, permanent=False)
    db.session.rollback()
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(claimed), Notification.status == NotificationStatus.SENDING)
        .values(status=NotificationStatus.SENT, sent_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return Outcome("sent")


def digest_message_id(user_id: int, ids: list[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()[:16]
    return f"<digest-{user_id}-{digest}@passerelle>"


def _claim_digest_rows(user_id: int, now: dt.datetime) -> list[int]:
    candidates = list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.recipient_id == user_id,
                Notification.channel == NotificationChannel.EMAIL,
                Notification.status == NotificationStatus.DIGEST,
            )
            .order_by(Notification.id)
        )
    )
    claimed = []
    for row_id in candidates:
        result = db.session.execute(
            update(Notification)
            .where(Notification.id == row_id, Notification.status == NotificationStatus.DIGEST)
            .values(
                status=NotificationStatus.SENDING,
                attempts=Notification.attempts + 1,
                claimed_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(row_id)
    db.session.commit()
    return claimed


def _digest_failed(ids: list[int], attempt: int, error: str, *, permanent: bool) -> Outcome:
    config = current_app.config
    give_up = permanent or attempt >= config["MAIL_MAX_ATTEMPTS"]
    db.session.rollback()
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.status == NotificationStatus.SENDING)
        .values(
            status=NotificationStatus.FAILED if give_up else NotificationStatus.DIGEST,
            last_error=error[:500],
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if give_up:
        return Outcome("failed", error=error)
    delay = retry_delay(
        attempt, config["MAIL_RETRY_BASE_SECONDS"], config["MAIL_RETRY_MAX_SECONDS"]
    )
    return Outcome("retry", retry_in=delay, error=error)
