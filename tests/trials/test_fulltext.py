"""Catalogue search reads an index (GIN on PostgreSQL, FTS5 on SQLite), issue 12."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from referral_app.models import Trial, fulltext
from referral_app.trials.search import TrialFilters, trial_query
from tests.conftest import TEST_DB


def _found(db, q: str) -> set[str]:
    return {t.acronym for t in db.session.scalars(trial_query(TrialFilters(q=q)))}


@pytest.fixture
def catalogue(make, db):
    make.trial(acronym="LUNGMAP", title="Biomarker-driven lung cancer master protocol")
    make.trial(acronym="KEYNOTE-789", title="Pembrolizumab in EGFR-mutated NSCLC",
               biomarkers="EGFR", tumour_site="Thoracic")  # fmt: skip
    make.trial(acronym="MELA", title="Mélanome métastatique : immunothérapie adjuvante",
               tumour_site="Skin")  # fmt: skip
    db.session.commit()


def test_words_match_from_their_start_and_all_must_match(db, catalogue):
    assert _found(db, "lung") == {"LUNGMAP"}
    assert _found(db, "LUNG cancer") == {"LUNGMAP"}
    assert _found(db, "lung egfr") == set()
    assert _found(db, "egfr") == {"KEYNOTE-789"}
    assert _found(db, "keyn") == {"KEYNOTE-789"}
    assert _found(db, "skin") == {"MELA"}
    assert len(_found(db, "")) == 3


def test_an_nct_number_is_found_by_its_beginning(db, catalogue):
    trial = db.session.scalar(sa.select(Trial).where(Trial.acronym == "MELA"))
    assert _found(db, trial.nct_number) == {"MELA"}
    assert "MELA" in _found(db, trial.nct_number[:7])


@pytest.mark.parametrize("query", ['"', "lung*", "(", "a OR b", "NEAR(x y)", "'; --", ":*", "&|!"])
def test_search_syntax_in_a_query_is_only_text(db, catalogue, query):
    db.session.scalars(trial_query(TrialFilters(q=query))).all()  # never an error


def test_the_index_follows_edits_and_deletes(db, catalogue):
    trial = db.session.scalar(sa.select(Trial).where(Trial.acronym == "LUNGMAP"))
    trial.title = "Mesothelioma basket study"
    db.session.commit()
    assert _found(db, "mesothelioma") == {"LUNGMAP"}
    assert _found(db, "biomarker") == set()
    db.session.delete(trial)
    db.session.commit()
    assert _found(db, "mesothelioma") == set()


def test_accents_and_case_are_ignored_on_both_engines(db, catalogue):
    """The searched text and the query are both stripped of accents (issue 14)."""
    assert _found(db, "melanome metastatique") == {"MELA"}
    assert _found(db, "mélanome") == {"MELA"}
    assert _found(db, "MÉLANOME") == {"MELA"}


@pytest.mark.skipif(TEST_DB != "postgresql", reason="PostgreSQL's planner")
def test_postgresql_answers_from_the_gin_index(db, catalogue):
    stmt = trial_query(TrialFilters(q="lung cancer"))
    with db.engine.connect() as conn:
        # Whether the GIN index can answer, whatever the table's statistics say (the
        # fixtures empty tables with DELETE, so a few rows may make the acronym index
        # and a filter look cheaper): GIN is read by bitmap scans only.
        conn.execute(sa.text("SET enable_seqscan = off"))
        conn.execute(sa.text("SET enable_indexscan = off"))
        compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in conn.execute(sa.text(f"EXPLAIN {compiled}")))
    assert fulltext.PG_INDEX in plan, plan
