"""Where report queries read: the ``reports`` bind when ``REPORTS_DATABASE_URL`` is set.

A network outgrows one database server by sending its reports to a read-only
replica. The report figures (``queries``, the summaries' reader in
``aggregates``) execute through these functions, which route the statement to the
``reports`` engine (SQLAlchemy binds) when the app has one and to the default
engine otherwise. Writes (the engine's summary updates, exports' jobs) never go
here. A replica lags its primary by a moment: a report read there may miss the
last second's events, never half of one (a transaction replicates whole).
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from referral_app.extensions import db

BIND = "reports"


def bind_arguments() -> dict[str, Any] | None:
    if BIND in (current_app.config.get("SQLALCHEMY_BINDS") or {}):
        return {"bind": db.engines[BIND]}
    return None


def execute(statement):
    return db.session.execute(statement, bind_arguments=bind_arguments())


def scalars(statement):
    return db.session.scalars(statement, bind_arguments=bind_arguments())


def scalar(statement):
    return db.session.scalar(statement, bind_arguments=bind_arguments())
