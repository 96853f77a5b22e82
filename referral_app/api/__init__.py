"""The JSON API under ``/api/v1`` (flask-smorest), authenticated by personal tokens."""

from __future__ import annotations

import hashlib

import flask_smorest
from flask import Flask, current_app, request

from referral_app.api.core import ApiError
from referral_app.api.schemas import ErrorSchema
from referral_app.extensions import limiter


class Api(flask_smorest.Api):
    """flask-smorest's Api without its app-wide HTTPException handler.

    The app's own handlers (``referral_app.errors``) keep the HTML pages; the API
    blueprints render their errors as ``{"error": {...}}`` (``core.protect``).
    """

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        return None


def _api_rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _api_rate_key() -> str:
    """Per token (hashed, never the token itself), or per address without one."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "unknown")


def init_api(app: Flask) -> Api:
    from referral_app.api.schemas import TRANSITION_SCHEMAS
    from referral_app.api.views import BLUEPRINTS
    from referral_app.extensions import csrf
    from referral_app.inputs import MAX_ID, IdConverter

    api = Api(
        app,
        spec_kwargs={
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
        },
    )
    # Ids in paths are bounded like the converter (``inputs.IdConverter``).
    api.register_converter(
        IdConverter, lambda _converter: {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    )
    for schema in TRANSITION_SCHEMAS.values():  # the transition body's oneOf
        api.spec.components.schema(schema.__name__, schema=schema)
    for blp in BLUEPRINTS:
        csrf.exempt(blp)  # bearer tokens, no cookies: nothing to forge
        limiter.limit(_api_rate_limit, key_func=_api_rate_key)(blp)
        api.register_blueprint(blp)
    app.extensions["passerelle_api"] = api
    return api


__all__ = ["Api", "ApiError", "init_api"]
