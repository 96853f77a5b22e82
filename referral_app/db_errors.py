"""What a database error at commit means, for the people and programs told of it.

An integrity error names the constraint it broke; ``describe`` turns that into a
code and a translated message: a duplicate, a stale version, a broken rule, a
missing record. Nothing of the failing row is kept (its values may be patient
data): only the constraint's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, IntegrityError

IDEMPOTENCY_CONSTRAINT = "uq_idempotency_keys_user_id"
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")


@dataclass(frozen=True)
class Described:
    code: str
    message: str
    constraint: str


def constraint_of(error: DBAPIError) -> str:
    """The broken constraint's name (PostgreSQL), or what SQLite's message says."""
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return name
    text = str(error.orig)
    unique = _SQLITE_UNIQUE.search(text)
    if unique:
        table, _dot, _column = unique.group(1).partition(".")
        columns = "_".join(c.split(".")[-1] for c in unique.group(1).split(", "))
        return f"uq_{table}_{columns}"
    check = _SQLITE_CHECK.search(text)
    if check:
        return check.group(1)
    if "FOREIGN KEY" in text:
        return "fk"
    return ""


def is_idempotency_conflict(error: IntegrityError) -> bool:
    return constraint_of(error).startswith(IDEMPOTENCY_CONSTRAINT)


def describe(error: IntegrityError) -> Described:
    """A code and a message for an integrity error at commit."""
    name = constraint_of(error)
    sqlstate = getattr(error.orig, "sqlstate", None)
    if name.startswith("uq_referrals_reference"):
        return Described(
            "duplicate", _("This referral was already saved. Reload it to see it."), name
        )
    if name.startswith(("uq_", "ix_")) or sqlstate == "23505":
        return Described("duplicate", _("This record already exists."), name)
    if name.startswith("fk") or sqlstate == "23503":
        return Described(
            "missing", _("Something this refers to no longer exists. Reload and try again."), name
        )
    return Described(
        "constraint",
        _("This change breaks a rule of the data (%(rule)s); nothing was saved.", rule=name),
        name,
    )
