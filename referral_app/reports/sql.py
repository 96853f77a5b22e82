"""Small SQL building blocks that differ between PostgreSQL and SQLite.

Months are Quebec months, so timestamps (stored in UTC) are turned into Quebec
time first. PostgreSQL does it with ``timezone()``; SQLite has no time-zone
database, so a ``quebec_date()`` SQL function is added to every SQLite connection
(the same Python code as ``business_days.local_date``).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from config import QUEBEC_TIME_ZONE as QUEBEC_TZ_NAME
from referral_app.timeutil import local_date


class quebec_month(FunctionElement):  # noqa: N801 (SQL function style)
    """``YYYY-MM`` of a UTC timestamp in Quebec time."""

    type = sa.String()
    inherit_cache = True
    name = "quebec_month"


@compiles(quebec_month, "postgresql")
def _quebec_month_pg(element, compiler, **kw) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"to_char(timezone('{QUEBEC_TZ_NAME}', {arg}), 'YYYY-MM')"


@compiles(quebec_month)
def _quebec_month_sqlite(element, compiler, **kw) -> str:
    return f"substr(quebec_date({compiler.process(element.clauses, **kw)}), 1, 7)"


def _sqlite_quebec_date(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return local_date(moment).isoformat()


@sa.event.listens_for(Engine, "connect")
def _add_sqlite_functions(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("quebec_date", 1, _sqlite_quebec_date, deterministic=True)


def count_if(condition) -> sa.ColumnElement[int]:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)``: a portable conditional count."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)
