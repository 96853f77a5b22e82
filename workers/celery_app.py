"""Worker and beat entry point: ``celery -A workers.celery_app:celery worker``.

The Flask app is imported under another name: Celery's ``-A`` looks for an
attribute called ``app`` first and would find the Flask object.
"""

from wsgi import app as flask_app

celery = flask_app.extensions["celery"]
