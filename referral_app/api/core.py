"""What every API blueprint shares: bearer-token authentication, JSON errors, paging.

Errors are ``{"error": {"code", "message", "fields"?}}``: 400 invalid input (with
the fields; webargs' 422 is turned into 400), 401 missing, bad or revoked token
or deactivated user, 404 not found or not visible, 409 stale or illegal.
"""

from __future__ import annotations

from typing import Any

import flask_smorest
import marshmallow as ma
from flask import g, jsonify, request
from flask_babel import gettext as _
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from referral_app.api import tokens
from referral_app.extensions import db
from referral_app.models import User
from referral_app.workflow.errors import (
    ExistingReferral,
    StaleReferral,
    TransitionInputError,
    WorkflowError,
)

MAX_PER_PAGE = 100


class ApiError(Exception):
    """Raised by API views; rendered as the JSON error shape."""

    def __init__(
        self, status: int, code: str, message: str, fields: dict | None = None, **extra: Any
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.fields, self.extra = (
            status,
            code,
            message,
            fields,
            extra,
        )


def error_response(status: int, code: str, message: str, fields=None, **extra):
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="passerelle"'
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, str]:
    """webargs/marshmallow messages → ``{"field.sub": "message"}``."""
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                flat.update(flatten_messages(value, name))
            elif isinstance(value, list | tuple):
                flat[name] = " ".join(str(v) for v in value if not isinstance(v, dict))
            else:
                flat[name] = str(value)
    elif messages:
        flat[prefix or "_"] = str(messages)
    return flat


class Parser(FlaskParser):
    """Invalid input is a 400, not webargs' default 422."""

    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()


def workflow_error(error: WorkflowError) -> ApiError:
    """The HTTP answer to a domain error: 400 for input, 409 for the rest."""
    db.session.rollback()
    if isinstance(error, TransitionInputError):
        return ApiError(400, "invalid", error.message, error.fields)
    extra = {}
    if isinstance(error, ExistingReferral):
        extra["existing_referral_id"] = error.existing.id
    if isinstance(error, StaleReferral):
        return ApiError(409, "stale", error.message)
    return ApiError(409, error.code, error.message, **extra)


def current_api_user() -> User:
    return g.api_user


def _authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return error_response(
            401, "unauthorized", _("Send a personal token: Authorization: Bearer …")
        )
    user = tokens.authenticate(value.strip())
    if user is None:
        return error_response(
            401, "unauthorized", _("The token is invalid, revoked or its user is deactivated.")
        )
    g.api_user = user
    return None


def _handle_http_exception(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    if status == 422:
        status = 400
    if status == 400 and "messages" in data:
        fields = {}
        for _location, messages in data["messages"].items():
            fields.update(flatten_messages(messages))
        return error_response(400, "invalid", _("The request has invalid fields."), fields)
    code = (error.name or "error").lower().replace(" ", "_")
    return error_response(status, code, data.get("message") or error.description or code)


def _handle_api_error(error: ApiError):
    return error_response(error.status, error.code, error.message, error.fields, **error.extra)


def _handle_workflow_error(error: WorkflowError):
    return _handle_api_error(workflow_error(error))


def protect(blp: Blueprint) -> Blueprint:
    """Token authentication and JSON errors for every view of ``blp``."""
    blp.before_request(_authenticate)
    blp.register_error_handler(HTTPException, _handle_http_exception)
    blp.register_error_handler(ApiError, _handle_api_error)
    blp.register_error_handler(WorkflowError, _handle_workflow_error)
    return blp


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(
        load_default=25, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE)
    )


class PageMeta(ma.Schema):
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
    pages = ma.fields.Integer()


def paginate(stmt, args: dict) -> tuple[list, dict]:
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    meta = {"page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}
    return list(page.items), meta
