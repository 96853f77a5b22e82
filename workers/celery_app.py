"""Worker and beat entry point: ``celery -A workers.celery_app worker``."""

from wsgi import app

celery = app.extensions["celery"]
