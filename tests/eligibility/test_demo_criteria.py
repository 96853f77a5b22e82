"""Every demo trial has structured criteria that the criteria format accepts."""

from __future__ import annotations

import pytest

from referral_app.eligibility.criteria import parse
from referral_app.eligibility.demo_criteria import DEMO_CRITERIA
from referral_app.seed_data import TRIALS

NCT_NUMBERS = [trial["nct_number"] for trial in TRIALS]


def test_the_demo_criteria_cover_exactly_the_catalogue():
    assert set(DEMO_CRITERIA) == set(NCT_NUMBERS)
    assert len(NCT_NUMBERS) == len(set(NCT_NUMBERS))


@pytest.mark.parametrize("nct", NCT_NUMBERS)
def test_each_trial_has_valid_criteria_with_a_tumour_site(app, nct):
    items = DEMO_CRITERIA[nct]
    assert 4 <= len(items) <= 9
    criteria = parse(items)  # raises CriteriaInvalid, naming the bad item
    assert [c.as_json() for c in criteria] == items  # nothing rewritten (gene symbols)
    assert any(c.kind == "tumour_site" for c in criteria)


@pytest.mark.parametrize("nct", NCT_NUMBERS)
def test_one_or_two_bilingual_free_texts(nct):
    free = [item for item in DEMO_CRITERIA[nct] if item["kind"] == "free_text"]
    assert 1 <= len(free) <= 2
    for item in free:
        assert item["text_fr"].strip() and item["text_en"].strip(), item["id"]


def test_cohorts_only_where_the_trial_has_biomarker_arms():
    with_cohorts = {
        nct for nct, items in DEMO_CRITERIA.items() if any("cohort" in item for item in items)
    }
    assert with_cohorts == {"NCT09348215"}  # MENIN-Q: KMT2A-r and NPM1-mutated cohorts
