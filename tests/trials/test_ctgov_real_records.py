"""Real ClinicalTrials.gov API v2 records (``tests/fixtures/ctgov/``, each with the
public repository it came from in SOURCES.md), imported as a registry export would be.

Issue 15 was found with real records, not hand-made ones: these check every rule of
the import against what the registry really writes (escapes, studies without MeSH,
Canadian locations without a state, non-oncology studies, sarcoma terms before the
organ)."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from referral_app.models import Notification, SiteStatus, Trial
from referral_app.trials import ctgov, review
from tests.trials.conftest import RECORDS

NCTS = sorted(path.stem for path in RECORDS.glob("NCT*.json"))
NON_ONCOLOGY = {"NCT05594173", "NCT06171568", "NCT00711542"}  # dysphagia, brain injury, cardiac
WITH_QUEBEC_SITES = {"NCT07062965"}  # breast: CHUM and CHU de Québec


def record(nct: str) -> dict:
    return json.loads((RECORDS / f"{nct}.json").read_text(encoding="utf-8"))


@pytest.fixture
def chu_de_quebec(network, make, db):
    capitale = make.region(code="03", name="Capitale-Nationale")
    centre = make.centre(
        capitale, name="CHU de Québec – Université Laval", short_name="CHU de Quebec", city="Québec"
    )
    db.session.commit()
    return centre


@pytest.fixture
def imported(network, chu_de_quebec, db) -> dict[str, Trial]:
    report = ctgov.import_studies(
        {"studies": [record(nct) for nct in NCTS]}, community_slug="thoracic"
    )
    db.session.commit()
    assert (report.created, report.bad_studies) == (len(NCTS), [])
    trials = db.session.scalars(select(Trial).where(Trial.nct_number.in_(NCTS)))
    return {trial.nct_number: trial for trial in trials}


def test_seven_real_records_are_on_file():
    assert len(NCTS) == 7
    sources = (RECORDS / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"| {nct}.json |" in sources for nct in NCTS)  # each says where it came from


def test_every_real_record_imports_waits_for_review_and_tells_nobody(imported, db):
    assert all(not trial.is_published for trial in imported.values())
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_the_scope_flags_of_the_real_records(imported):
    not_oncology = {nct for nct, trial in imported.items() if "not_oncology" in review.flags(trial)}
    assert not_oncology == NON_ONCOLOGY
    with_sites = {
        nct for nct, trial in imported.items() if "no_quebec_site" not in review.flags(trial)
    }
    assert with_sites == WITH_QUEBEC_SITES


def test_the_endometrial_study_is_an_endometrial_cancer_and_unescaped(imported):
    """It lists "Sarcoma" before "Endometrial Neoplasms": the organ wins (it got
    "Soft Tissue" when the first mapped term won)."""
    trial = imported["NCT06388018"]
    assert trial.tumour_site == "Uterus"  # OncoTree UTERUS
    details = trial.registry_record
    assert "Neoplasms" in details["mesh_ancestors"]
    assert details["collaborators"] and details["start_date"] and details["arms"]
    raw = record("NCT06388018")["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    assert "\\>" in raw and "\\>" not in trial.eligibility_summary
    assert len(trial.eligibility_summary) >= len(raw.replace("\\", "")) - 200  # whole, not cut


def test_a_lung_basket_study_keeps_its_first_organ(imported):
    assert imported["NCT06131398"].tumour_site == "Non-Small Cell Lung Cancer"


def test_records_without_mesh_fall_back_on_their_conditions(imported):
    assert imported["NCT07062965"].tumour_site  # no derivedSection: the first condition
    assert "not_oncology" not in review.flags(imported["NCT06382129"])  # lung, by its words


def test_the_quebec_location_without_a_state_is_matched(network, chu_de_quebec, db):
    """The CHU de Québec location carries no ``state``: it is matched all the same
    (here with its Saint-Sacrement sibling removed, so only the stateless one is left)."""
    study = copy.deepcopy(record("NCT07062965"))
    locations = study["protocolSection"]["contactsLocationsModule"]["locations"]
    stateless = [loc for loc in locations if loc.get("country") == "Canada" and "state" not in loc]
    assert len(stateless) == 1 and ctgov.is_quebec(stateless[0])
    study["protocolSection"]["contactsLocationsModule"]["locations"] = stateless
    report = ctgov.import_studies({"studies": [study]}, community_slug="thoracic")
    db.session.commit()
    trial = db.session.scalar(select(Trial).where(Trial.nct_number == "NCT07062965"))
    assert [site.centre_id for site in trial.sites] == [chu_de_quebec.id]
    assert trial.sites[0].status == SiteStatus.RECRUITING and report.unmatched == []


def test_the_breast_study_has_its_two_quebec_centres(imported, network, chu_de_quebec):
    centres = {site.centre_id: site.status for site in imported["NCT07062965"].sites}
    assert centres == {
        network.chum.id: SiteStatus.UPCOMING,
        chu_de_quebec.id: SiteStatus.RECRUITING,
    }
