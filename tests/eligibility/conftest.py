"""Eligibility fixtures: the workflow cast, API clients, and trials with criteria."""

from __future__ import annotations

import pytest

from referral_app.eligibility.service import set_criteria
from tests.api.conftest import api_as  # noqa: F401 (the fixture)
from tests.referrals.conftest import cast  # noqa: F401 (the fixture)

EGFR_TRIAL = [
    {"id": "site", "kind": "tumour_site", "codes": ["NSCLC"]},
    {"id": "stage", "kind": "stage", "allowed": ["IIIB", "IIIC", "IV"]},
    {
        "id": "egfr",
        "kind": "biomarker",
        "gene": "EGFR",
        "alteration": "MUTATION",
        "mode": "required",
    },
    {"id": "ecog", "kind": "ecog_max", "max": 1},
    {"id": "lines", "kind": "prior_lines", "max": 0},
    {
        "id": "organ",
        "kind": "free_text",
        "mode": "inclusion",
        "text_fr": "Fonction des organes adéquate",
        "text_en": "Adequate organ function",
        "may_change": True,
    },
]
MELANOMA_TRIAL = [
    {"id": "site", "kind": "tumour_site", "codes": ["SKCM"]},
    {"id": "braf", "kind": "biomarker", "gene": "BRAF", "alteration": "V600", "mode": "required"},
]
# A summary that meets every structured criterion of EGFR_TRIAL.
EGFR_PATIENT = {
    "tumour_code": "LUAD",
    "stage": "IVA",
    "biomarkers": [{"gene": "EGFR", "alteration": "EX19DEL", "status": "positive"}],
    "ecog": 1,
    "prior_lines": 0,
}


@pytest.fixture
def with_criteria(db):
    """``with_criteria(trial, items)``: the trial's criteria, as an editor saves them."""

    def give(trial, items):
        version = set_criteria(trial, items, None)
        db.session.flush()
        return version

    return give
