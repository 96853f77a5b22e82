"""Password hashing (argon2id) and HTTP security headers."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Response, request

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters

MIN_PASSWORD_LENGTH = 10
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def hash_password(plain: str) -> str:
    return _hasher.hash(plain)


_dummy_hash: str | None = None


def verify_password(stored_hash: str | None, plain: str) -> bool:
    """Check ``plain`` against ``stored_hash``; without a hash, the same work for nothing.

    An unknown account (or one without a password yet) is checked against a
    dummy argon2 hash with the same parameters, so timing does not tell them apart.
    """
    global _dummy_hash
    if not stored_hash:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash("passerelle-dummy-password")
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_dummy_hash, plain)
        return False
    try:
        return _hasher.verify(stored_hash, plain)
    except (VerificationError, InvalidHashError):
        return False


def register_headers(app: Flask) -> None:
    """Headers on every answer, errors included (``after_request`` runs for them too).

    ``no-store`` on everything but static files: pages and API bodies carry patient
    data or clinical summaries, and a list that does not today may tomorrow.
    HSTS only where the app is served over HTTPS (``HSTS_SECONDS``, production).
    """
    hsts_seconds = int(app.config.get("HSTS_SECONDS") or 0)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
            headers.pop("ETag", None)
        if hsts_seconds:
            headers.setdefault(
                "Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains"
            )
        return response
