"""Full-text search of the trial catalogue: a GIN index on PostgreSQL, FTS5 on SQLite.

The catalogue used ``ILIKE '%word%'`` over six columns: every search read every
trial. Here a search reads an index. One list of searched columns makes both
engines' structures (``install``, run when the table is created and by migration
0008) and the query (``matching``), so they cannot disagree.

Words match from their start ("lung" finds "lung" and "lungs", "NCT0456" finds
"NCT04567890"); accents are ignored on SQLite (FTS5's ``remove_diacritics``) but
not on PostgreSQL, whose ``unaccent`` cannot be used in an index expression.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

SEARCHED_COLUMNS = ("acronym", "nct_number", "title", "conditions", "biomarkers", "tumour_site")
# The names of what ``install`` makes, which autogenerate must leave alone.
FTS_TABLE = "trials_fts"
PG_INDEX = "ix_trials_fulltext"

_DOCUMENT = " || ' ' || ".join(f"coalesce({column}, '')" for column in SEARCHED_COLUMNS)
# Written once, so the query's expression is the index's and the planner uses it.
PG_VECTOR = f"to_tsvector('simple'::regconfig, {_DOCUMENT})"
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8


def _sqlite_ddl() -> list[str]:
    columns = ", ".join(SEARCHED_COLUMNS)
    new = ", ".join(f"new.{c}" for c in SEARCHED_COLUMNS)
    old = ", ".join(f"old.{c}" for c in SEARCHED_COLUMNS)
    delete = (
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {columns}) VALUES ('delete', old.id, {old});"
    )
    insert = f"INSERT INTO {FTS_TABLE}(rowid, {columns}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({columns}, "
        "content='trials', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER IF NOT EXISTS trials_fts_insert AFTER INSERT ON trials BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS trials_fts_delete AFTER DELETE ON trials BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS trials_fts_update AFTER UPDATE ON trials "
        f"BEGIN {delete} {insert} END",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    ]


def install(connection: sa.Connection) -> None:
    """Create the index (PostgreSQL) or the FTS5 table and its triggers (SQLite)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON trials USING gin ({PG_VECTOR})")
        )
    elif connection.dialect.name == "sqlite":
        for statement in _sqlite_ddl():
            connection.execute(sa.text(statement))


def uninstall(connection: sa.Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"DROP INDEX IF EXISTS {PG_INDEX}"))
    elif connection.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            connection.execute(sa.text(f"DROP TRIGGER IF EXISTS trials_fts_{trigger}"))
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))


def is_fulltext_object(name: str | None) -> bool:
    """For autogenerate's ``include_name``: FTS5's tables and the expression index."""
    return bool(name) and (name.startswith(FTS_TABLE) or name == PG_INDEX)


def words(query: str) -> list[str]:
    return _WORD.findall(query or "")[:MAX_WORDS]


def matching(trial_id: sa.ColumnElement, query: str, dialect: str) -> sa.ColumnElement[bool] | None:
    """Trials whose searched columns have every word of ``query`` (as word prefixes).

    None when ``query`` has no word: the caller applies no text filter.
    """
    found = words(query)
    if not found:
        return None
    if dialect == "postgresql":
        terms = " & ".join(f"{word.lower()}:*" for word in found)
        return sa.text(f"{PG_VECTOR} @@ to_tsquery('simple'::regconfig, :fts_terms)").bindparams(
            fts_terms=terms
        )
    terms = " ".join('"' + word.replace('"', "") + '"*' for word in found)
    rows = sa.text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_terms").bindparams(
        fts_terms=terms
    )
    return trial_id.in_(rows.columns(sa.column("rowid", sa.Integer)))
