"""WSGI entry point: ``flask --app wsgi run`` and ``gunicorn wsgi:app``."""

from referral_app import create_app

app = create_app()
