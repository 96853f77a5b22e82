"""The criteria format refuses what it cannot evaluate, naming the item (issue 14)."""

from __future__ import annotations

import pytest

from referral_app.eligibility.criteria import CriteriaInvalid, parse


def test_a_valid_list_round_trips():
    items = [
        {"id": "site", "kind": "tumour_site", "codes": ["NSCLC"]},
        {
            "id": "egfr",
            "kind": "biomarker",
            "gene": "EGFR",
            "alteration": "EX19DEL",
            "mode": "required",
            "cohort": "A",
        },
        {"id": "ecog", "kind": "ecog_max", "max": 1},
        {"id": "age", "kind": "age", "min": 18},
        {"id": "free", "kind": "free_text", "mode": "inclusion", "text_fr": "Consentement signé"},
    ]
    assert [c.as_json() for c in parse(items)] == items


@pytest.mark.parametrize(
    "item",
    [
        {"id": "x", "kind": "tumour_site", "codes": ["NOPE"]},
        {"id": "x", "kind": "tumour_site", "codes": []},
        {"id": "x", "kind": "stage", "allowed": ["V"]},
        {"id": "x", "kind": "biomarker", "gene": "EGFR", "alteration": "G12C", "mode": "required"},
        {"id": "x", "kind": "biomarker", "gene": "NOTAGENE", "mode": "required"},
        {"id": "x", "kind": "biomarker", "gene": "EGFR", "mode": "maybe"},
        {"id": "x", "kind": "ecog_max", "max": 5},
        {"id": "x", "kind": "ecog_max", "max": True},
        {"id": "x", "kind": "age", "min": 80, "max": 18},
        {"id": "x", "kind": "age"},
        {"id": "x", "kind": "prior_therapy", "drug_class": "magic", "mode": "required"},
        {"id": "x", "kind": "brain_metastases", "allowed": "no"},
        {"id": "x", "kind": "free_text", "mode": "inclusion"},
        {"id": "x", "kind": "ecog_max", "max": 1, "extra": 2},
        {"id": "X Y", "kind": "ecog_max", "max": 1},
        {"id": "x", "kind": "unknown_kind"},
        "not an object",
    ],
)
def test_a_bad_item_is_refused_with_its_index(item):
    with pytest.raises(CriteriaInvalid) as refused:
        parse([{"id": "ok", "kind": "ecog_max", "max": 1}, item])
    assert list(refused.value.errors) == ["1"]


def test_ids_are_unique_and_the_list_is_a_list():
    with pytest.raises(CriteriaInvalid):
        parse([{"id": "a", "kind": "ecog_max", "max": 1}, {"id": "a", "kind": "age", "min": 1}])
    with pytest.raises(CriteriaInvalid):
        parse({"id": "a"})
