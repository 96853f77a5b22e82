"""Celery tasks. Thin: they take ids, call a service, commit once."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="passerelle.ping")
def ping() -> str:
    """Health check used by the run command and the tests."""
    return "pong"
