"""Celery bound to the Flask app (Flask's ``celery_init_app`` pattern).

Task modules are listed in ``TASK_MODULES`` so that the worker registers them.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from config import Config

TASK_MODULES = [
    "workers.tasks",
    "workers.exports",
    "workers.trial_news",
]


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask, include=TASK_MODULES)
    broker_url = app.config.get("CELERY_BROKER_URL") or app.config["REDIS_URL"]
    celery_app.conf.update(Config.celery_settings(broker_url))
    celery_app.conf.update(app.config.get("CELERY_OVERRIDES", {}))

    from workers.schedule import beat_schedule

    celery_app.conf.beat_schedule = beat_schedule(app)
    celery_app.set_default()
    app.extensions["celery"] = celery_app

    from referral_app.delivery import install_dispatch

    install_dispatch()  # outbox rows are sent to this broker after each commit
    return celery_app
