"""Celery tasks. Thin: they take ids, call a service, commit once, handle retries.

Delivery is idempotent (``referral_app.delivery``): a task may run twice (a
redelivery after a lost worker, a sweep) and the claim makes the second a no-op.
"""

from __future__ import annotations

from celery import shared_task

from referral_app import delivery, reminders
from referral_app.api import core as api_core
from referral_app.extensions import db


@shared_task(name="passerelle.ping")
def ping() -> str:
    """Health check used by the run command and the tests."""
    return "pong"


# ``max_retries=None`` on the task: retry for as long as the delivery says so. The
# row counts its own attempts and ends ``failed`` after ``MAIL_MAX_ATTEMPTS``; a
# per-call ``max_retries=None`` would instead mean Celery's default of 3.
@shared_task(name=delivery.DELIVER_TASK, bind=True, max_retries=None)
def deliver_notification(self, notification_id: int) -> str:
    """Deliver one outbox row; after a temporary failure, try again later."""
    outcome = delivery.deliver(notification_id)
    if outcome.retry_in is not None:
        # The row is back to "pending" with its next attempt time: if this retry
        # message is lost, the sweeper sends the row again.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="passerelle.sweep_outbox")
def sweep_outbox() -> dict:
    """Every minute: resend rows still pending, reset rows of lost workers."""
    result = delivery.sweep()
    return {"reset": len(result.reset), "requeued": len(result.requeued)}


@shared_task(name="passerelle.send_reminders")
def send_reminders() -> dict:
    """Acknowledgement reminders, escalations and information reminders."""
    counts = reminders.counts(reminders.run())
    db.session.commit()  # the new outbox rows are sent to the broker after this commit
    return counts


@shared_task(name="passerelle.send_digests")
def send_digests() -> int:
    """Daily: one digest task per user with e-mails waiting."""
    return delivery.enqueue(delivery.digest_recipients(), task_name=delivery.DIGEST_TASK)


@shared_task(name=delivery.DIGEST_TASK, bind=True, max_retries=None)
def send_digest(self, user_id: int) -> str:
    outcome = delivery.send_digest(user_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="passerelle.purge_old_sessions")
def purge_old_sessions() -> int:
    """Daily: delete login-session rows older than 30 days (long ended)."""
    from referral_app.auth.session import purge_old_sessions as purge

    count = purge()
    db.session.commit()
    return count


@shared_task(name="passerelle.purge_expired_documents")
def purge_expired_documents() -> int:
    """Daily: the documents of referrals closed longer than DOCUMENT_RETENTION_DAYS."""
    from referral_app.documents import service as documents

    return documents.purge_expired()


@shared_task(name="passerelle.sweep_document_orphans")
def sweep_document_orphans() -> int:
    """Daily: stored objects no document names, older than DOCUMENT_ORPHAN_GRACE_HOURS."""
    from referral_app.documents import service as documents

    return documents.sweep_orphans()


@shared_task(name="passerelle.check_watchlist")
def check_watchlist() -> int:
    """Hourly: watched referrals re-matched; the referrer told of newly opened sites."""
    from referral_app.eligibility import watchlist

    return watchlist.check_all()


@shared_task(name="passerelle.confirm_sites")
def confirm_sites() -> list[int]:
    """Daily: ask sites due a confirmation; tell leaders of unverified ones."""
    from referral_app.trials import confirmation

    return list(confirmation.ask_and_escalate())


@shared_task(name="passerelle.sync_registry")
def sync_registry() -> dict:
    """Weekly: the registry's studies fetched again; changes go to the review queue."""
    from referral_app.trials import registry_sync

    return registry_sync.weekly_sync()


@shared_task(name="passerelle.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Daily: forget the answers of API writes older than a day."""
    count = api_core.purge_idempotency_keys()
    db.session.commit()
    return count
