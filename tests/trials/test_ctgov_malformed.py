"""Malformed ClinicalTrials.gov files: the registry sample (tests/trials/data) bent
into wrong shapes. Each bad study is named (NCT number, or position) with the field
at fault; the good studies of the same file are imported; never a traceback."""

from __future__ import annotations

import copy
import io
import json

import pytest
from sqlalchemy import func, select

from referral_app.models import Trial
from referral_app.trials import ctgov
from tests.trials.conftest import DATA

SAMPLE = json.loads((DATA / "ctgov_sample.json").read_text())
GOOD = SAMPLE["studies"][1]  # NCT05000002, imported whatever its neighbour is


def _kras(mutate):
    study = copy.deepcopy(SAMPLE["studies"][0])  # NCT05000001
    mutate(study)
    return study


def _set(path: str, value):
    def mutate(study):
        *parents, last = path.split(".")
        node = study
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value

    return mutate


P = "protocolSection"
MALFORMED = [
    # (mutation, who is named, what is said)
    (_set(P, [1, 2]), "study #1", "protocolSection is a list, not an object"),
    (
        _set(f"{P}.identificationModule", "NCT05000001"),
        "study #1",
        "protocolSection.identificationModule is a text, not an object",
    ),
    (
        _set(f"{P}.identificationModule.nctId", 5000001),
        "study #1",
        "protocolSection.identificationModule.nctId is a number, not a text",
    ),
    (
        _set(f"{P}.identificationModule.briefTitle", {"en": "x"}),
        "NCT05000001",
        "protocolSection.identificationModule.briefTitle is an object, not a text",
    ),
    (
        _set(f"{P}.identificationModule.acronym", ["K"]),
        "NCT05000001",
        "protocolSection.identificationModule.acronym is a list, not a text",
    ),
    (
        _set(f"{P}.designModule.phases", 2),
        "NCT05000001",
        "protocolSection.designModule.phases is a number, not a list",
    ),
    (
        _set(f"{P}.designModule.phases", ["PHASE2", True]),
        "NCT05000001",
        "protocolSection.designModule.phases[1] is true or false, not a text",
    ),
    (
        _set(f"{P}.statusModule.overallStatus", 1),
        "NCT05000001",
        "protocolSection.statusModule.overallStatus is a number, not a text",
    ),
    (
        _set(f"{P}.statusModule", "RECRUITING"),
        "NCT05000001",
        "protocolSection.statusModule is a text, not an object",
    ),
    (
        _set(f"{P}.sponsorCollaboratorsModule.leadSponsor", ["Borealis"]),
        "NCT05000001",
        "protocolSection.sponsorCollaboratorsModule.leadSponsor is a list, not an object",
    ),
    (
        _set(f"{P}.conditionsModule.conditions", "NSCLC"),
        "NCT05000001",
        "protocolSection.conditionsModule.conditions is a text, not a list",
    ),
    (
        _set(f"{P}.eligibilityModule.eligibilityCriteria", ["* ECOG 0-1"]),
        "NCT05000001",
        "protocolSection.eligibilityModule.eligibilityCriteria is a list, not a text",
    ),
    (
        _set(f"{P}.contactsLocationsModule.locations", {"facility": "CHUM"}),
        "NCT05000001",
        "protocolSection.contactsLocationsModule.locations is an object, not a list",
    ),
    (
        _set(f"{P}.contactsLocationsModule.locations.0.city", 514),
        "NCT05000001",
        "protocolSection.contactsLocationsModule.locations[0].city is a number, not a text",
    ),
    (
        _set(f"{P}.contactsLocationsModule.locations.0.contacts", "Dr Rousseau"),
        "NCT05000001",
        "protocolSection.contactsLocationsModule.locations[0].contacts is a text, not a list",
    ),
    (
        _set(f"{P}.identificationModule.briefTitle", "BRL-301\x00"),
        "NCT05000001",
        "protocolSection.identificationModule.briefTitle contains a control character",
    ),
]


@pytest.mark.parametrize(("mutate", "named", "said"), MALFORMED)
def test_each_malformed_study_is_named_and_the_good_ones_imported(network, db, mutate, named, said):
    report = ctgov.import_studies({"studies": [_kras(mutate), GOOD]})
    db.session.commit()
    assert report.skipped == [f"{named}: {said}"]
    assert [t.nct_number for t in db.session.scalars(select(Trial))] == ["NCT05000002"]


def test_a_study_that_is_not_an_object_is_named_by_its_position(network, db):
    report = ctgov.import_studies({"studies": [GOOD, "NCT05000001", 42]})
    assert report.skipped == [
        "study #2: the study is a text, not an object",
        "study #3: the study is a number, not an object",
    ]
    assert report.created == 1


def _file(*studies) -> bytes:
    return json.dumps({"studies": list(studies)}).encode()


def test_the_web_page_lists_the_bad_studies_in_french_and_imports_the_rest(
    client, login, network, db
):
    network.admin.language = "fr"
    db.session.commit()
    login(network.admin)
    body = _file(_kras(_set(P, [])), _kras(_set(f"{P}.designModule.phases", 2)), GOOD)
    response = client.post(
        "/trials/import",
        data={"file": (io.BytesIO(body), "studies.json"), "community": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "étude n° 1 : protocolSection est une liste, pas un objet" in response.text
    assert (
        "NCT05000001 : protocolSection.designModule.phases est un nombre, pas une liste"
        in response.text
    )
    assert db.session.scalar(select(func.count(Trial.id))) == 1


def test_the_cli_names_each_bad_study_on_one_line_and_fails(network, runner, db, tmp_path):
    path = tmp_path / "studies.json"
    path.write_bytes(
        _file(_kras(_set(P, "oops")), GOOD, _kras(_set(f"{P}.designModule.phases", "PHASE2")))
    )
    result = runner.invoke(args=["import-ctgov", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Skipped")]
    assert lines == [
        "Skipped study #1: protocolSection is a text, not an object",
        "Skipped NCT05000001: protocolSection.designModule.phases is a text, not a list",
    ]
    assert "1 trial created;" in result.output  # singular
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Trial.id))) == 1


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b'{"studies": [' + b"1" * 5000 + b"]}"],
    ids=["nested too deep", "a 5,000-digit number"],
)
def test_json_the_decoder_chokes_on_is_a_clear_refusal(network, runner, db, tmp_path, raw):
    with pytest.raises(ctgov.ImportFileError, match="Cannot read the file as JSON"):
        ctgov.import_studies(raw)
    path = tmp_path / "studies.json"
    path.write_bytes(raw)
    result = runner.invoke(args=["import-ctgov", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Cannot read the file as JSON" in result.output
