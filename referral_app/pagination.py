"""Keyset ("next page") pagination and capped counts, for lists that grow without end.

An offset page makes the database walk every row before it, and a full count
reads them all: at a million referrals, an inbox's page 1 cost a second. Here a
page is "the rows after this one" in an order an index serves, and the count
stops at ``COUNT_CAP`` (the page says "1,000+").

The cursor is the last row's sort values, as URL-safe base64 JSON. It is not a
secret nor a permission: the statement it continues is already scoped to the
reader, so a forged cursor only moves within what they may see.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Select, func, select

from referral_app.extensions import db

COUNT_CAP = 1000


class CursorError(ValueError):
    """The ``after`` value is not a cursor this list made."""


@dataclass(frozen=True)
class Order:
    """A list's order: columns (all ascending or all descending) ending in a unique one."""

    columns: tuple[sa.ColumnElement, ...]
    descending: bool = False

    def clauses(self) -> list[sa.ColumnElement]:
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def after(self, values: list[Any]) -> sa.ColumnElement[bool]:
        """Rows strictly after ``values`` in this order (a row-value comparison)."""
        row, there = sa.tuple_(*self.columns), sa.tuple_(*values)
        return row < there if self.descending else row > there

    def key_of(self, item: Any) -> list[Any]:
        return [getattr(item, column.key) for column in self.columns]


@dataclass(frozen=True)
class KeysetPage:
    items: list[Any]
    next_cursor: str | None
    is_first: bool
    count: int  # rows in the whole list, up to COUNT_CAP
    count_capped: bool  # there are more than ``count``


def encode_cursor(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: Order) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise CursorError(cursor) from error
    if not isinstance(values, list) or len(values) != len(order.columns):
        raise CursorError(cursor)
    return [_typed(value, column) for value, column in zip(values, order.columns, strict=True)]


def _typed(value: Any, column: sa.ColumnElement) -> Any:
    python_type = column.type.python_type
    if python_type is dt.datetime:
        if not isinstance(value, str):
            raise CursorError(value)
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError as error:
            raise CursorError(value) from error
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    if python_type is int:
        if not isinstance(value, int) or isinstance(value, bool) or not -(2**31) <= value < 2**31:
            raise CursorError(value)
        return value
    raise CursorError(value)


def capped_count(stmt: Select, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Rows of ``stmt`` up to ``cap`` (+1 to know there are more), without ordering."""
    limited = stmt.order_by(None).with_only_columns(sa.literal(1)).limit(cap + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(limited)) or 0
    return min(count, cap), count > cap


def keyset_page(
    stmt: Select, order: Order, *, after: str | None, per_page: int, count: bool = True
) -> KeysetPage:
    """One page of ``stmt`` (already filtered to the reader) in ``order``, after ``after``.

    Raises CursorError for an ``after`` this list did not make.
    """
    total, capped = capped_count(stmt) if count else (0, False)
    paged = stmt.order_by(None).order_by(*order.clauses())
    if after:
        paged = paged.where(order.after(decode_cursor(after, order)))
    rows = list(db.session.scalars(paged.limit(per_page + 1)).unique())
    more = len(rows) > per_page
    items = rows[:per_page]
    next_cursor = encode_cursor(order.key_of(items[-1])) if more and items else None
    return KeysetPage(items, next_cursor, not after, total, capped)


def in_id_batches(model, *conditions, batch_size: int):
    """Rows of ``model`` matching ``conditions``, ``batch_size`` at a time by id.

    For jobs that change every row (key rotations): each batch is read after the
    caller has handled, and may have committed, the one before, so memory stays
    flat and a committed batch is never read again.
    """
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(model)
            .where(*conditions, model.id > last_id)
            .order_by(model.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        last_id = rows[-1].id
        yield rows
