"""Absolute links for e-mails and notifications, built with or without a request."""

from __future__ import annotations

from flask import current_app, url_for


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def referral_path(referral_id: int) -> str:
    """The referral page's path (also outside a request: the worker builds e-mails)."""
    with current_app.test_request_context():
        return url_for("referrals.detail", referral_id=referral_id)
