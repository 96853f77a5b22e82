"""The complete registry record (issue 15, item 2): every field kept, MeSH read for
the tumour site and the cancer flag, biomarkers proposed, Markdown rendered safely."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import select

from referral_app.models import Trial
from referral_app.trials import ctgov, ctgov_details, review
from referral_app.trials.markdown import inline
from tests.trials.conftest import DATA

SAMPLE = json.loads((DATA / "ctgov_sample.json").read_text())["studies"][0]

MESH_LUNG = {
    "conditionBrowseModule": {
        "meshes": [{"id": "D002289", "term": "Carcinoma, Non-Small-Cell Lung"}],
        "ancestors": [
            {"id": "D008175", "term": "Lung Neoplasms"},
            {"id": "D009369", "term": "Neoplasms"},
        ],
    }
}
MESH_DYSPHAGIA = {
    "conditionBrowseModule": {
        "meshes": [{"id": "D003680", "term": "Deglutition Disorders"}],
        "ancestors": [{"id": "D004066", "term": "Digestive System Diseases"}],
    }
}


def _study(**protocol_changes) -> dict:
    study = copy.deepcopy(SAMPLE)
    for module, values in protocol_changes.items():
        study["protocolSection"].setdefault(module, {}).update(values)
    return study


def test_every_field_of_the_record_is_kept_and_shown(network, client, login, make, db):
    study = _study(
        eligibilityModule={"minimumAge": "18 Years", "sex": "ALL", "healthyVolunteers": False},
        contactsLocationsModule={
            "centralContacts": [{"name": "Study Desk", "role": "CONTACT", "phone": "514-555-0100"}],
            **SAMPLE["protocolSection"]["contactsLocationsModule"],
        },
        armsInterventionsModule={
            "armGroups": [
                {"label": "BRL-301", "type": "EXPERIMENTAL", "interventionNames": ["Drug: BRL-301"]}
            ],
            "interventions": [{"type": "DRUG", "name": "BRL-301"}],
        },
    )
    study["derivedSection"] = MESH_LUNG
    ctgov.import_studies({"studies": [study]})
    db.session.commit()
    trial = db.session.scalar(select(Trial).where(Trial.nct_number == "NCT05000001"))
    record = trial.registry_record
    assert record["official_title"].startswith("A Phase II, Open-Label Study of BRL-301")
    assert (record["minimum_age"], record["maximum_age"], record["sex"]) == ("18 Years", "", "ALL")
    assert record["healthy_volunteers"] is False
    assert record["start_date"] == "2026-03-01"
    assert record["keywords"] == ["KRAS", "NSCLC"]
    assert record["collaborators"] == ["Canadian Cancer Trials Group"]
    assert record["central_contacts"][0]["phone"] == "514-555-0100"
    assert record["enrollment"] == {"count": 120, "type": "ESTIMATED"}
    assert record["arms"][0]["interventions"] == ["Drug: BRL-301"]
    assert record["interventions"][0]["name"] == "BRL-301"
    assert trial.tumour_site == "Non-Small Cell Lung Cancer"  # from MeSH, not "KRAS G12C"
    assert "KRAS G12C" in ctgov_details.proposed_biomarkers(record)

    curator = make.user(trial.sites[0].centre)
    trial.sites[0].intake_contacts.append(curator)
    db.session.commit()
    login(curator)
    page = client.get(f"/trials/{trial.id}").get_data(as_text=True)
    assert "data-registry-record" in page and "Canadian Cancer Trials Group" in page
    assert "Study Desk" in page and "BRL-301" in page


def test_a_bad_field_of_the_record_names_itself(network, db):
    study = _study(designModule={"enrollmentInfo": {"count": "many"}})
    report = ctgov.import_studies({"studies": [study]})
    assert report.created == 0
    assert "enrollmentInfo.count" in report.skipped[0]


@pytest.mark.parametrize(
    ("derived", "title", "oncology"),
    [
        (MESH_LUNG, "A study", True),
        # MeSH decides over the words: a dysphagia study after head and neck cancer
        # treatment names "cancer" in its title yet is not about a cancer.
        (MESH_DYSPHAGIA, "Swallowing after cancer treatment", False),
        ({}, "Lymphoma in adults", True),  # no MeSH: the words
        ({}, "Spondyloarthritis in adults", False),
    ],
)
def test_the_cancer_flag_reads_mesh_first_then_words(derived, title, oncology):
    details = ctgov_details.read_details({"derivedSection": derived} if derived else {})
    assert ctgov_details.is_oncology(details, title) is oncology


def test_a_study_outside_neoplasms_is_flagged(network, db):
    study = _study(identificationModule={"briefTitle": "Swallowing after cancer treatment"})
    study["derivedSection"] = MESH_DYSPHAGIA
    ctgov.import_studies({"studies": [study]})
    trial = db.session.scalar(select(Trial).where(Trial.nct_number == "NCT05000001"))
    assert "not_oncology" in review.flags(trial)


def test_every_mapped_mesh_term_is_a_tumour_type_of_the_network():
    from referral_app.eligibility import vocabulary

    data = ctgov_details._mesh_data()
    assert set(data["terms"].values()) <= set(vocabulary.tumour_types())


def test_biomarker_symbols_are_read_as_written():
    details = {"keywords": [], "eligibility_markdown": "Criteria met. Patients with a RET fusion"}
    assert ctgov_details.proposed_biomarkers(details) == ["RET fusion (rearrangement)"]
    details = {"keywords": ["egfr exon 19 deletion"], "eligibility_markdown": "we met"}
    proposals = ctgov_details.proposed_biomarkers(details)
    assert "RET" not in " ".join(proposals) and "MET" not in proposals


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("ANC \\>= 1.5 x 10^9/L", "ANC &gt;= 1.5 x 10^9/L"),
        ("**No** prior therapy", "<strong>No</strong> prior therapy"),
        ("<script>alert(1)</script> age < 18", "&lt;script&gt;alert(1)&lt;/script&gt; age &lt; 18"),
        ("[click](javascript:alert(1))", "[click](javascript:alert(1))"),
    ],
)
def test_registry_markdown_is_rendered_and_sanitized(markdown, html):
    assert str(inline(markdown)) == html
