"""Trial news tasks: the weekly digest per community (Celery beat, Monday morning)."""

from __future__ import annotations

from celery import shared_task

from referral_app.extensions import db
from referral_app.trials import news


@shared_task(name="passerelle.trial_news.weekly_digest")
def weekly_digest() -> dict[str, int]:
    """Queue this week's trial digest for every member of every community with news."""
    counts = news.send_weekly_digests()
    db.session.commit()
    return counts
