"""Error pages (HTML) and JSON errors for the API, never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from referral_app.extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _json_error(code: str, message: str, status: int, **extra):
    body = {"error": {"code": code, "message": message, **extra}}
    return jsonify(body), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if _wants_json():
            return _json_error("csrf", error.description, 400)
        message = _("The form expired or was sent from elsewhere. Please try again.")
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if _wants_json():
            description = too_large_message() if status == 413 else error.description
            return _json_error(error.name.lower().replace(" ", "_"), description, status)
        message = too_large_message() if status == 413 else _message(status)
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(OperationalError)
    def database_unreachable(error: OperationalError):
        """A lost or restarting database: 503, and no claim about what was saved."""
        db.session.rollback()
        log_unhandled(app, error)
        message = _(
            "The database could not be reached. Your last change may not have been saved: "
            "check the page before doing it again."
        )
        if _wants_json():
            return _json_error("unavailable", message, 503)
        return render_template("errors/error.html", status=503, message=message), 503

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        log_unhandled(app, error)
        if _wants_json():
            return _json_error("server_error", "Internal error.", 500)
        return render_template("errors/error.html", status=500, message=_message(500)), 500


def log_unhandled(app: Flask, error: Exception) -> None:
    """Log an unexpected error; database errors without their text.

    A PostgreSQL error's DETAIL quotes the failing row, which may hold clinical
    notes or encrypted identifiers: only its class and SQLSTATE are logged.
    """
    if isinstance(error, DBAPIError):
        app.logger.error(
            "Database error %s (SQLSTATE %s) on %s %s",
            type(error.orig).__name__,
            getattr(error.orig, "sqlstate", None) or "?",
            request.method,
            request.path,
        )
        return
    app.logger.exception("Unhandled error on %s %s", request.method, request.path)


def too_large_message() -> str:
    """What was too large, and the limit (``inputs``: forms are refused unread)."""
    if request.mimetype == "application/x-www-form-urlencoded" and request.max_form_memory_size:
        return _(
            "The form is too large: at most %(kilobytes)d KB of text.",
            kilobytes=request.max_form_memory_size // 1024,
        )
    limit = request.max_content_length or 0
    return _(
        "What you sent is too large: at most %(megabytes)d MB.",
        megabytes=max(1, limit // (1024 * 1024)),
    )


def _message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist or you do not have access to it."),
        405: _("This action is not allowed here."),
        409: _("This record changed since you opened it. Reload the page and try again."),
        413: _("The file is too large."),
        429: _("Too many requests. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Nothing was saved; please try again."),
    }
    return messages.get(status, _("An error occurred."))
