"""Every criterion kind: met, not met and unknown, with its explanation (issue 14)."""

from __future__ import annotations

import pytest

from referral_app.eligibility.criteria import parse
from referral_app.eligibility.evaluate import (
    MET,
    NOT_MET,
    UNKNOWN,
    evaluate,
    explain,
    explanations,
    stage_admits,
)
from referral_app.eligibility.summary import BiomarkerResult, PatientSummary


def _one(item: dict, summary: PatientSummary):
    (verdict,) = evaluate(parse([{"id": "c", **item}]), summary).verdicts
    return verdict


EGFR19 = BiomarkerResult("EGFR", "EX19DEL", "positive")
CASES = [
    # kind, criterion, (summary that meets, that does not, that leaves it unknown)
    (
        {"kind": "tumour_site", "codes": ["NSCLC"]},
        PatientSummary(tumour_code="LUAD"),
        PatientSummary(tumour_code="SKCM"),
        PatientSummary(),
    ),
    (
        {"kind": "histology", "terms": ["adénocarcinome", "adenocarcinoma"]},
        PatientSummary(histology="Adenocarcinoma, acinar"),
        PatientSummary(histology="Carcinome épidermoïde"),
        PatientSummary(histology="  "),
    ),
    (
        {"kind": "stage", "allowed": ["IIIB", "IV"]},
        PatientSummary(stage="IVA"),
        PatientSummary(stage="IIA"),
        PatientSummary(stage="III"),  # which III? IIIB is allowed, IIIA is not
    ),
    (
        {"kind": "biomarker", "gene": "EGFR", "alteration": "EX19DEL", "mode": "required"},
        PatientSummary(biomarkers=(EGFR19,)),
        PatientSummary(biomarkers=(BiomarkerResult("EGFR", None, "negative"),)),
        PatientSummary(biomarkers=(BiomarkerResult("ALK", "FUSION", "positive"),)),
    ),
    (
        {"kind": "biomarker", "gene": "EGFR", "mode": "excluded"},
        PatientSummary(biomarkers=(BiomarkerResult("EGFR", None, "negative"),)),
        PatientSummary(biomarkers=(EGFR19,)),
        PatientSummary(),
    ),
    (
        {
            "kind": "biomarker",
            "gene": "PD-L1",
            "alteration": "TPS",
            "mode": "required",
            "min_percent": 50,
        },
        PatientSummary(biomarkers=(BiomarkerResult("PD-L1", "TPS", "positive", 80),)),
        PatientSummary(biomarkers=(BiomarkerResult("PD-L1", "TPS", "positive", 10),)),
        PatientSummary(biomarkers=(BiomarkerResult("PD-L1", "TPS", "positive"),)),
    ),
    (
        {"kind": "ecog_max", "max": 1},
        PatientSummary(ecog=1),
        PatientSummary(ecog=2),
        PatientSummary(),
    ),
    (
        {"kind": "age", "min": 18, "max": 75},
        PatientSummary(age=18),
        PatientSummary(age=76),
        PatientSummary(),
    ),
    (
        {"kind": "prior_lines", "min": 1, "max": 2},
        PatientSummary(prior_lines=2),
        PatientSummary(prior_lines=0),
        PatientSummary(),
    ),
    (
        {"kind": "prior_therapy", "drug_class": "platinum", "mode": "required"},
        PatientSummary(prior_therapies=("platinum", "anti_pd1_pdl1")),
        PatientSummary(prior_therapies=()),
        PatientSummary(prior_therapies=None),
    ),
    (
        {"kind": "prior_therapy", "drug_class": "kras_g12c_inhibitor", "mode": "excluded"},
        PatientSummary(prior_therapies=("platinum",)),
        PatientSummary(prior_therapies=("kras_g12c_inhibitor",)),
        PatientSummary(),
    ),
    (
        {"kind": "brain_metastases", "allowed": False},
        PatientSummary(brain_metastases=False),
        PatientSummary(brain_metastases=True),
        PatientSummary(),
    ),
    (
        {"kind": "measurable_disease", "required": True},
        PatientSummary(measurable_disease=True),
        PatientSummary(measurable_disease=False),
        PatientSummary(),
    ),
]


@pytest.mark.parametrize(("criterion", "meets", "fails", "unknown"), CASES)
def test_each_kind_is_met_not_met_or_unknown(app, criterion, meets, fails, unknown):
    with app.test_request_context():
        found = [_one(criterion, s).status for s in (meets, fails, unknown)]
        assert found == [MET, NOT_MET, UNKNOWN]
        for summary in (meets, fails, unknown):
            text = explanations(_one(criterion, summary))
            assert text["fr"] and text["en"] and text["fr"] != text["en"]


def test_free_text_is_always_for_a_person_and_says_so_in_both_languages(app):
    item = {
        "kind": "free_text",
        "mode": "exclusion",
        "text_fr": "Hépatite B active",
        "text_en": "Active hepatitis B",
    }
    with app.test_request_context():
        verdict = _one(item, PatientSummary(ecog=0, tumour_code="LUAD"))
        assert verdict.status == UNKNOWN
        text = explanations(verdict)
        assert "Hépatite B active" in text["fr"] and "Active hepatitis B" in text["en"]


def test_an_alteration_family_covers_its_members(app):
    any_mutation = {
        "kind": "biomarker",
        "gene": "EGFR",
        "alteration": "MUTATION",
        "mode": "required",
    }
    assert _one(any_mutation, PatientSummary(biomarkers=(EGFR19,))).status == MET
    v600 = {"kind": "biomarker", "gene": "BRAF", "alteration": "V600", "mode": "required"}
    braf = BiomarkerResult("BRAF", "V600E", "positive")
    assert _one(v600, PatientSummary(biomarkers=(braf,))).status == MET
    # A specific criterion is not decided by a vague result.
    specific = {"kind": "biomarker", "gene": "EGFR", "alteration": "EX19DEL", "mode": "required"}
    vague = BiomarkerResult("EGFR", "MUTATION", "positive")
    assert _one(specific, PatientSummary(biomarkers=(vague,))).status == UNKNOWN
    # HER2 is ERBB2, whichever the criterion says.
    her2 = {"kind": "biomarker", "gene": "HER2", "alteration": "AMPLIFICATION", "mode": "required"}
    amplified = BiomarkerResult("ERBB2", "AMPLIFICATION", "positive")
    assert _one(her2, PatientSummary(biomarkers=(amplified,))).status == MET


def test_a_broader_tumour_type_is_unknown_not_a_failure(app):
    item = {"kind": "tumour_site", "codes": ["LUAD"]}
    assert _one(item, PatientSummary(tumour_code="NSCLC")).status == UNKNOWN
    assert _one(item, PatientSummary(tumour_code="LUSC")).status == NOT_MET


@pytest.mark.parametrize(
    ("allowed", "stage", "expected"),
    [
        (["IV"], "IV", MET),
        (["IV"], "IVB", MET),
        (["I"], "II", NOT_MET),  # "I" is not a prefix group of "II"
        (["I"], "IV", NOT_MET),
        (["IIIB"], "IIIB", MET),
        (["IIIB"], "IIIC", NOT_MET),
        (["IIIB", "IIIC"], "III", UNKNOWN),
        (["EXTENSIVE"], "LIMITED", NOT_MET),
    ],
)
def test_stage_groups(allowed, stage, expected):
    assert stage_admits(allowed, stage) == expected


def test_answers_decide_only_what_the_summary_left_open(app):
    criteria = parse(
        [
            {"id": "ecog", "kind": "ecog_max", "max": 1},
            {"id": "hep", "kind": "free_text", "mode": "exclusion", "text_en": "Active hepatitis"},
        ]
    )
    summary = PatientSummary(ecog=3)
    fit = evaluate(criteria, summary, {"ecog": "met", "hep": "met"})
    assert [(v.criterion.id, v.status, v.answered) for v in fit.verdicts] == [
        ("ecog", NOT_MET, False),  # the summary says 3: an answer cannot override it
        ("hep", MET, True),
    ]
    with app.test_request_context():
        assert "referring site" in explanations(fit.verdicts[1])["en"]
        assert "site référent" in explain(fit.verdicts[1])  # French first


def test_the_best_cohort_is_the_patients(app):
    criteria = parse(
        [
            {"id": "site", "kind": "tumour_site", "codes": ["NSCLC"]},
            {
                "id": "egfr",
                "kind": "biomarker",
                "gene": "EGFR",
                "mode": "required",
                "cohort": "EGFR",
            },
            {
                "id": "alk",
                "kind": "biomarker",
                "gene": "ALK",
                "alteration": "FUSION",
                "mode": "required",
                "cohort": "ALK",
            },
        ]
    )
    summary = PatientSummary(
        tumour_code="LUAD", biomarkers=(BiomarkerResult("ALK", "FUSION", "positive"),)
    )
    fit = evaluate(criteria, summary)
    assert fit.cohort == "ALK"
    assert [v.criterion.id for v in fit.verdicts] == ["site", "alk"]
    assert (fit.met, fit.not_met, fit.unknown) == (2, 0, 0)


def test_may_change_marks_what_time_or_treatment_can_change():
    kinds = {
        c.kind: c.may_change
        for c in parse(
            [
                {"id": "a", "kind": "ecog_max", "max": 1},
                {"id": "b", "kind": "tumour_site", "codes": ["NSCLC"]},
                {"id": "c", "kind": "brain_metastases", "allowed": False},
                {
                    "id": "d",
                    "kind": "free_text",
                    "mode": "inclusion",
                    "text_en": "Washout 28 days",
                    "may_change": True,
                },
            ]
        )
    }
    assert kinds == {
        "ecog_max": True,
        "tumour_site": False,
        "brain_metastases": True,
        "free_text": True,
    }


def test_a_trial_for_brain_metastases_requires_them(app):
    item = {"kind": "brain_metastases", "allowed": True, "required": True}
    assert _one(item, PatientSummary(brain_metastases=True)).status == MET
    assert _one(item, PatientSummary(brain_metastases=False)).status == NOT_MET
    assert _one(item, PatientSummary()).status == UNKNOWN
