"""Full-text search of the trial catalogue: a GIN index on PostgreSQL, FTS5 on SQLite.

The catalogue used ``ILIKE '%word%'`` over six columns: every search read every
trial. Here a search reads an index. One list of searched columns makes both
engines' structures (``install``, run when the table is created and by migration
0008) and the query (``matching``), so they cannot disagree.

Words match from their start ("lung" finds "lung" and "lungs", "NCT0456" finds
"NCT04567890"), and on PostgreSQL by their French or English stem too. Accents
and case are removed before indexing (``eligibility.terms``) and from the query,
so both engines ignore them (``unaccent`` cannot be used in an index expression).
"""

from __future__ import annotations

import re

import sqlalchemy as sa

# One column that ``eligibility.terms`` writes: the trial's words and their French and
# English names, lowercased, without accents.
SEARCHED_COLUMNS = ("search_terms",)
# The names of what ``install`` makes, which autogenerate must leave alone.
FTS_TABLE = "trials_fts"
PG_INDEX = "ix_trials_fulltext"

CONFIGS = ("simple", "french", "english")
# What migration 0008 made, before the bilingual column (issue 14): kept so that
# replaying the migrations builds what each revision built.
V1_COLUMNS = ("acronym", "nct_number", "title", "conditions", "biomarkers", "tumour_site")


def _vector(columns: tuple[str, ...], configs: tuple[str, ...]) -> str:
    document = " || ' ' || ".join(f"coalesce({column}, '')" for column in columns)
    return " || ".join(f"to_tsvector('{config}'::regconfig, {document})" for config in configs)


# Written once, so the query's expression is the index's and the planner uses it: word
# prefixes ('simple') and French and English stems ("poumons" finds "poumon").
# The query names the table, so it stays unambiguous in a join; the planner still
# matches it to the index's expression.
PG_VECTOR = _vector(tuple(f"trials.{c}" for c in SEARCHED_COLUMNS), CONFIGS)
_PG_WORD = (
    "(to_tsquery('simple'::regconfig, :w{n} || ':*') || "
    "to_tsquery('french'::regconfig, :w{n}) || to_tsquery('english'::regconfig, :w{n}))"
)
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8


def _sqlite_ddl(searched: tuple[str, ...]) -> list[str]:
    columns = ", ".join(searched)
    new = ", ".join(f"new.{c}" for c in searched)
    old = ", ".join(f"old.{c}" for c in searched)
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


def install(
    connection: sa.Connection,
    columns: tuple[str, ...] = SEARCHED_COLUMNS,
    configs: tuple[str, ...] = CONFIGS,
) -> None:
    """Create the index (PostgreSQL) or the FTS5 table and its triggers (SQLite).

    ``columns`` and ``configs``: the current ones; migration 0008 passes its own.
    """
    if connection.dialect.name == "postgresql":
        vector = _vector(columns, configs)
        connection.execute(
            sa.text(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON trials USING gin (({vector}))")
        )
    elif connection.dialect.name == "sqlite":
        for statement in _sqlite_ddl(columns):
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
    """The query's words, lowercased and without accents, as the searched text is."""
    from referral_app.eligibility.vocabulary import normalise

    return _WORD.findall(normalise(query or ""))[:MAX_WORDS]


def matching(trial_id: sa.ColumnElement, query: str, dialect: str) -> sa.ColumnElement[bool] | None:
    """Trials whose searched columns have every word of ``query`` (as word prefixes).

    None when ``query`` has no word: the caller applies no text filter.
    """
    found = words(query)
    if not found:
        return None
    if dialect == "postgresql":
        query_text = " && ".join(_PG_WORD.format(n=n) for n in range(len(found)))
        return sa.text(f"({PG_VECTOR}) @@ ({query_text})").bindparams(
            **{f"w{n}": word for n, word in enumerate(found)}
        )
    terms = " ".join('"' + word.replace('"', "") + '"*' for word in found)
    rows = sa.text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts_terms").bindparams(
        fts_terms=terms
    )
    return trial_id.in_(rows.columns(sa.column("rowid", sa.Integer)))
