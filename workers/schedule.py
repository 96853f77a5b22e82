"""The beat schedule: periodic tasks (outbox sweeper, reminders, digests).

Times are in the Celery time zone (Quebec time, ``config.QUEBEC_TIME_ZONE``).
"""

from __future__ import annotations

from celery.schedules import crontab
from flask import Flask


def beat_schedule(app: Flask) -> dict:
    return {
        # Pending rows of a broker outage and rows of a killed worker, within a minute.
        "sweep-outbox": {"task": "passerelle.sweep_outbox", "schedule": 20.0},
        "sweep-export-jobs": {"task": "passerelle.sweep_export_jobs", "schedule": 60.0},
        # Reminders go once per threshold (dedupe keys): running often is harmless.
        "send-reminders": {"task": "passerelle.send_reminders", "schedule": crontab(minute="*/15")},
        "send-digests": {
            "task": "passerelle.send_digests",
            "schedule": crontab(hour=app.config.get("DIGEST_HOUR", 7), minute=0),
        },
        "purge-idempotency-keys": {
            "task": "passerelle.purge_idempotency_keys",
            "schedule": crontab(hour=3, minute=10),
        },
        "purge-old-sessions": {
            "task": "passerelle.purge_old_sessions",
            "schedule": crontab(hour=3, minute=20),
        },
        # Documents past their retention (``DOCUMENT_RETENTION_DAYS``): bytes go, a tombstone stays.
        "purge-expired-documents": {
            "task": "passerelle.purge_expired_documents",
            "schedule": crontab(hour=3, minute=40),
        },
        # Sealed objects no document row names, left by a process killed mid-upload.
        "sweep-document-orphans": {
            "task": "passerelle.sweep_document_orphans",
            "schedule": crontab(hour=3, minute=50),
        },
        # The watchlist: hourly, so a site that opens is told well within a business day.
        "check-watchlist": {
            "task": "passerelle.check_watchlist",
            "schedule": crontab(minute=25),
        },
        # Site status someone vouches for: ask every 30 days, unverified after 45.
        "confirm-sites": {
            "task": "passerelle.confirm_sites",
            "schedule": crontab(hour=8, minute=15),
        },
        # The registry's studies again (issue 15): changes wait in the review queue.
        "sync-registry-weekly": {
            "task": "passerelle.sync_registry",
            "schedule": crontab(day_of_week="sun", hour=5, minute=0),
        },
        # Trial news: one digest per community, Monday morning (idempotent per ISO week).
        "trial-news-weekly-digest": {
            "task": "passerelle.trial_news.weekly_digest",
            "schedule": crontab(day_of_week="mon", hour=7, minute=30),
        },
    }
