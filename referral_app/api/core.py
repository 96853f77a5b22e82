"""What every API blueprint shares: bearer-token authentication, JSON errors, paging,
idempotent writes and the one commit of a request.

Errors are ``{"error": {"code", "message", "fields"?}}``: 400 invalid input (with
the fields; webargs' 422 is turned into 400), 401 missing, bad or revoked token
or deactivated user, 404 not found or not visible, 409 stale, illegal or a
broken constraint (each with its code), 503 when the database was lost during
the commit (the work may be saved: retry with the same ``Idempotency-Key``).

**Idempotency.** A write sent with an ``Idempotency-Key`` header stores its answer
with its work, in the same transaction (``commit``). The same key again, from the
same user and with the same request, within ``IDEMPOTENCY_TTL``, gets that first
answer back (``Idempotent-Replayed: true``) and does nothing; with another
request, 409 ``idempotency_key_reused``. Two identical requests at once: the
second one's commit breaks the key's unique constraint, its work is rolled back
and it answers what the first one did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Response, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from referral_app import audit, db_errors, patient_data
from referral_app.api import tokens
from referral_app.api.fields import Int
from referral_app.errors import too_large_message
from referral_app.extensions import db
from referral_app.models import IdempotencyKey, User
from referral_app.timeutil import utcnow
from referral_app.workflow import engine
from referral_app.workflow.errors import (
    ExistingReferral,
    StaleReferral,
    TransitionInputError,
    WorkflowError,
)

MAX_PER_PAGE = 100
IDEMPOTENCY_TTL = dt.timedelta(hours=24)
IDEMPOTENCY_HEADER = "Idempotency-Key"
_KEY_FORMAT = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": 100, "pattern": _KEY_FORMAT.pattern},
    "description": (
        "Any unique string (a UUID): a retry with the same key within 24 hours gets the "
        "first answer back and changes nothing (header Idempotent-Replayed: true); the "
        "same key with another request answers 409 idempotency_key_reused."
    ),
}


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
    """Invalid input is a 400, not webargs' default 422; an unknown parameter too.

    webargs ignores unknown query parameters by default: a misspelt filter
    (``stat=closed``) would silently list everything. The schemas refuse them.
    """

    DEFAULT_VALIDATION_STATUS = 400
    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }

    def load_json(self, req, schema):
        """Invalid JSON the decoder chokes on (nested 100,000 deep, an integer of
        5,000 digits) is invalid JSON too, not a 500."""
        try:
            return super().load_json(req, schema)
        except (RecursionError, ValueError) as error:
            return self._handle_invalid_json_error(error, req, schema)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()


def workflow_error(error: WorkflowError) -> ApiError:
    """The HTTP answer to a domain error: 400 for input, 409 for the rest."""
    engine.roll_back(error)
    if isinstance(error, TransitionInputError):
        # 400; a refused file 413 (too large) or 415 (type): ``DocumentRefused.status``.
        return ApiError(getattr(error, "status", 400), error.code, error.message, error.fields)
    extra = {}
    if isinstance(error, ExistingReferral):
        extra["existing_referral_id"] = error.existing.id
    if isinstance(error, StaleReferral):
        return ApiError(409, "stale", error.message)
    return ApiError(409, error.code, error.message, **extra)


def current_api_user() -> User:
    return g.api_user


# -- Idempotency and the request's one commit ----------------------------------------------


def _request_hash() -> str:
    payload = json.dumps(request.get_json(silent=True), sort_keys=True, default=str)
    if request.mimetype == "multipart/form-data":
        payload = _multipart_fingerprint()
    return hashlib.sha256(f"{request.method} {request.path} {payload}".encode()).hexdigest()


def _multipart_fingerprint() -> str:
    """An upload's fields and the SHA-256 of each file: a key reused for other files is 409."""
    files = []
    for name, storage in request.files.items(multi=True):
        digest = hashlib.sha256()
        storage.stream.seek(0)
        for piece in iter(lambda s=storage.stream: s.read(65536), b""):
            digest.update(piece)
        storage.stream.seek(0)
        files.append([name, storage.filename, digest.hexdigest()])
    fields = sorted(request.form.items(multi=True))
    return json.dumps({"form": fields, "files": files}, sort_keys=True)


def _stored_answer(user: User, key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == user.id,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at > utcnow() - IDEMPOTENCY_TTL,
        )
    )


def _replay(stored: IdempotencyKey) -> Response:
    """The kept answer again; identifiers it shows are a display, audited anew."""
    if stored.request_hash != _request_hash():
        return error_response(
            409,
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for another request."),
        )
    body = patient_data.unseal(stored.answer_encrypted)
    if body.get("patient") and body.get("id"):
        audit.record(
            "view_identifiers", "referral", body["id"], user_id=g.api_user.id, channel="api"
        )
        db.session.commit()
    response = jsonify(body)
    response.status_code = stored.status
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotency():
    """Before a write: answer a repeated key from its stored answer."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None or request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    if not _KEY_FORMAT.match(key):
        return error_response(
            400,
            "invalid",
            _("An Idempotency-Key is 1 to 100 letters, digits or . _ : -"),
            {IDEMPOTENCY_HEADER: _("Invalid format.")},
        )
    stored = _stored_answer(g.api_user, key)
    if stored is not None:
        db.session.rollback()
        return _replay(stored)
    g.idempotency_key = key
    return None


class IdempotentReplay(Exception):  # noqa: N818 (a response, not a failure)
    """Raised by ``commit`` when a concurrent twin committed first: answer as it did."""

    def __init__(self, response: Response):
        super().__init__("replayed")
        self.response = response


def commit(body: dict[str, Any] | None = None, *, status: int = 200, schema=None) -> None:
    """Commit the request's work, and its answer under its ``Idempotency-Key``.

    ``body`` is the answer (dumped with ``schema``), built before the commit so that
    what it reveals is audited in the same transaction.
    """
    key = g.pop("idempotency_key", None)
    if key is not None and body is not None:
        db.session.add(
            IdempotencyKey(
                user_id=g.api_user.id,
                key=key,
                request_hash=_request_hash(),
                status=status,
                answer_encrypted=patient_data.seal(
                    json.loads(json.dumps(schema().dump(body) if schema else body, default=str))
                ),
            )
        )
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ApiError(409, "stale", StaleReferral().message) from None
    except IntegrityError as error:
        db.session.rollback()
        if key is not None and db_errors.is_idempotency_conflict(error):
            stored = _stored_answer(g.api_user, key)
            if stored is not None:
                raise IdempotentReplay(_replay(stored)) from None
        described = db_errors.describe(error)
        raise ApiError(409, described.code, described.message) from None
    except DBAPIError:
        db.session.rollback()
        raise database_unavailable() from None


def database_unavailable() -> ApiError:
    return ApiError(
        503,
        "unavailable",
        _(
            "The connection to the database was lost; a change may have been saved. Send "
            "the same request again with the same Idempotency-Key."
        ),
    )


def _handle_database_error(_error: OperationalError):
    """A lost database anywhere in a request is a 503 that says to retry, never a 500."""
    db.session.rollback()
    return _handle_api_error(database_unavailable())


def purge_idempotency_keys(now: dt.datetime | None = None) -> int:
    """Forget answers older than ``IDEMPOTENCY_TTL`` (beat, daily); the caller commits."""
    result = db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.created_at < (now or utcnow()) - IDEMPOTENCY_TTL
        )
    )
    return result.rowcount


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
    if status == 413:
        return error_response(status, code, too_large_message())
    return error_response(status, code, data.get("message") or error.description or code)


def _handle_api_error(error: ApiError):
    return error_response(error.status, error.code, error.message, error.fields, **error.extra)


def _handle_workflow_error(error: WorkflowError):
    return _handle_api_error(workflow_error(error))


def protect(blp: Blueprint) -> Blueprint:
    """Token authentication, idempotent writes and JSON errors for every view of ``blp``."""
    blp.before_request(_authenticate)
    blp.before_request(_idempotency)
    blp.register_error_handler(HTTPException, _handle_http_exception)
    blp.register_error_handler(ApiError, _handle_api_error)
    blp.register_error_handler(WorkflowError, _handle_workflow_error)
    blp.register_error_handler(IdempotentReplay, lambda replay: replay.response)
    blp.register_error_handler(OperationalError, _handle_database_error)
    return blp


class PageArgs(ma.Schema):
    page = Int(load_default=1, low=1, high=100000, query=True)
    per_page = Int(load_default=25, low=1, high=MAX_PER_PAGE, query=True)


class PageMeta(ma.Schema):
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
    pages = ma.fields.Integer()


def paginate(stmt, args: dict) -> tuple[list, dict]:
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)
    meta = {"page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}
    return list(page.items), meta
