"""Worker entry point for the tests: ``celery -A tests.workers.celery_entry worker``.

Builds the app from environment variables set by ``tests.workers.support``: the
test's database (``DATABASE_URL``), broker and queue, the patient keys (random
per process in TestingConfig, so passed explicitly), mail and outbox settings.
"""

from __future__ import annotations

import os

from config import TestingConfig, _env_list
from referral_app import create_app


class WorkerTestConfig(TestingConfig):
    SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
    PATIENT_DATA_KEYS = _env_list("PATIENT_DATA_KEYS") or TestingConfig.PATIENT_DATA_KEYS
    PATIENT_HASH_KEY = os.environ.get("PATIENT_HASH_KEY", TestingConfig.PATIENT_HASH_KEY)
    CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
    CELERY_OVERRIDES = {"task_default_queue": os.environ["CELERY_QUEUE"]}


app = create_app(WorkerTestConfig())
celery = app.extensions["celery"]
