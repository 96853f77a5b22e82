"""The beat schedule: periodic tasks (outbox sweeper, reminders, digests)."""

from __future__ import annotations

from flask import Flask


def beat_schedule(app: Flask) -> dict:
    return {}
