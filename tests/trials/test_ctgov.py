"""Import from a ClinicalTrials.gov API v2 export (tests/trials/data/ctgov_sample.json)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from referral_app.models import Notification, Phase, SiteStatus, Trial, TrialSite, TrialStatus
from referral_app.trials import ctgov
from tests.trials.conftest import DATA

SAMPLE = DATA / "ctgov_sample.json"


def _trial(db, nct):
    return db.session.scalar(select(Trial).where(Trial.nct_number == nct))


def _sites(trial):
    return {s.centre.short_name: s.status for s in trial.sites}


def test_import_creates_trials_and_matches_quebec_locations(network, db):
    report = ctgov.import_studies(SAMPLE, community_slug="thoracic")
    db.session.commit()
    assert (report.created, report.updated, report.sites_added) == (2, 0, 4)
    assert report.unmatched == ["NCT05000001: Clinique Privée Imaginaire (Montréal)"]
    assert len(report.skipped) == 1 and "NOT-AN-NCT" in report.skipped[0]

    kras = _trial(db, "NCT05000001")
    assert kras.acronym == "KRYSTAL-Q"
    assert kras.phase == Phase.PHASE2
    assert kras.status == TrialStatus.RECRUITING
    assert kras.sponsor == "Borealis Oncology"
    assert kras.community_id == network.community.id
    assert kras.source == "ctgov"
    assert "KRAS G12C" in kras.conditions
    assert kras.eligibility_summary.startswith("Inclusion Criteria:\n* Advanced NSCLC")
    assert _sites(kras) == {
        "CHUM": SiteStatus.RECRUITING,
        "JGH": SiteStatus.RECRUITING,
        "CHUS": SiteStatus.UPCOMING,
    }
    chum = next(s for s in kras.sites if s.centre.short_name == "CHUM")
    assert chum.investigator_name == "Étienne Rousseau-Vachon"
    assert chum.region_id == network.montreal.id

    ret = _trial(db, "NCT05000002")
    assert ret.phase == Phase.PHASE1_2
    assert ret.status == TrialStatus.UPCOMING
    assert _sites(ret) == {"HCLM": SiteStatus.UPCOMING}


def test_reimport_updates_instead_of_duplicating(network, db):
    ctgov.import_studies(SAMPLE, community_slug="thoracic")
    db.session.commit()
    data = json.loads(SAMPLE.read_text())
    study = data["studies"][0]["protocolSection"]
    study["identificationModule"]["briefTitle"] = "A new title"
    study["contactsLocationsModule"]["locations"][2]["status"] = "RECRUITING"  # CHUS opens
    study["contactsLocationsModule"]["locations"][1]["status"] = "COMPLETED"  # JGH closes
    report = ctgov.import_studies(data)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert (report.sites_added, report.sites_updated) == (0, 2)
    assert db.session.scalar(select(func.count(Trial.id))) == 2
    assert db.session.scalar(select(func.count(TrialSite.id))) == 4
    kras = _trial(db, "NCT05000001")
    assert kras.title == "A new title"
    assert _sites(kras)["CHUS"] == SiteStatus.RECRUITING
    assert _sites(kras)["JGH"] == SiteStatus.CLOSED


def test_import_respects_the_niche_rule(network, make, db):
    make.trial(
        nct_number="NCT05000001", acronym="KRYSTAL-Q", is_niche=True, community=network.community
    )
    db.session.commit()
    report = ctgov.import_studies(SAMPLE, apply_to_published=True)  # as a reviewer applies it
    db.session.commit()
    kras = _trial(db, "NCT05000001")
    assert _sites(kras)["CHUM"] == SiteStatus.RECRUITING
    assert _sites(kras)["JGH"] == SiteStatus.UPCOMING
    assert any("JGH kept as upcoming" in w and "CHUM" in w for w in report.warnings)
    assert kras.is_niche  # local curation is kept


def test_an_import_waits_for_review_and_is_announced_when_published(
    network, client, login, make, db
):
    """Issue 15: imported studies were announced to every member and listed publicly
    at once. Now nothing is told, listed or referable before a person publishes."""
    from referral_app.trials import review

    report = ctgov.import_studies(SAMPLE, community_slug="thoracic")
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == 0  # told nobody
    kras = _trial(db, "NCT05000001")
    assert not kras.is_published and report.created == 2
    assert client.get(f"/directory/{kras.id}").status_code == 404
    assert kras.nct_number not in client.get("/directory").get_data(as_text=True)
    site = next(s for s in kras.sites if s.status == SiteStatus.RECRUITING)
    from referral_app.workflow.guards import site_refusal

    assert "review" in site_refusal(site, make.centre().id)
    assert review.flags(kras) == []  # a cancer study with Quebec sites: nothing to override
    admin = make.user(role="admin")
    db.session.commit()
    login(admin)
    page = client.get(f"/trials/{kras.id}").get_data(as_text=True)
    assert "data-awaiting-review" in page
    assert client.post(f"/trials/{kras.id}/publish").status_code == 302
    db.session.expire_all()
    assert kras.is_published
    templates = set(db.session.scalars(select(Notification.kind).distinct()))
    assert templates == {"trial_news_trial_recruiting", "trial_news_site_opened"}
    assert client.get(f"/directory/{kras.id}").status_code == 200


def test_a_study_outside_the_scope_needs_an_explicit_override(network, client, login, make, db):
    study = json.loads(SAMPLE.read_text())["studies"][0]
    ident = study["protocolSection"]["identificationModule"]
    ident["nctId"], ident["briefTitle"] = "NCT05999999", "Swallowing therapy after stroke"
    study["protocolSection"]["conditionsModule"]["conditions"] = ["Dysphagia"]
    study["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {"facility": "Hôpital Foch", "city": "Suresnes", "country": "France"}
    ]
    ctgov.import_studies({"studies": [study]}, community_slug="thoracic")
    admin = make.user(role="admin")
    db.session.commit()
    trial = _trial(db, "NCT05999999")
    from referral_app.trials import review

    assert review.flags(trial) == ["not_oncology", "no_quebec_site"]
    login(admin)
    page = client.get(f"/trials/{trial.id}").get_data(as_text=True)
    assert 'data-flag="not_oncology"' in page and 'data-flag="no_quebec_site"' in page
    client.post(f"/trials/{trial.id}/publish")  # no override ticked: refused
    db.session.expire_all()
    assert not trial.is_published
    client.post(f"/trials/{trial.id}/publish", data={"override": "yes"})
    db.session.expire_all()
    assert trial.is_published


@pytest.mark.parametrize(
    ("phases", "phase"),
    [
        (["EARLY_PHASE1"], Phase.PHASE1),
        (["PHASE2", "PHASE3"], Phase.PHASE2_3),
        (["PHASE3"], Phase.PHASE3),
        (["NA"], Phase.NA),
        ([], Phase.NA),
    ],
)
def test_phase_mapping(phases, phase):
    assert ctgov.map_phase(phases) == phase


def test_matcher_uses_names_aliases_and_unique_cities(network, db):
    from referral_app.models import Centre

    matcher = ctgov.CentreMatcher(list(db.session.scalars(select(Centre))))
    assert matcher.match("CHUM - Centre de recherche", "Montreal").short_name == "CHUM"
    assert matcher.match("Sir Mortimer B. Davis Jewish General", "").short_name == "JGH"
    assert matcher.match("Some clinic", "Sherbrooke").short_name == "CHUS"
    assert matcher.match("Some clinic", "Montréal") is None  # two centres there


def test_bad_files_are_refused_clearly(network, db, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ctgov.ImportFileError, match="Cannot read the file as JSON"):
        ctgov.import_studies(broken)
    with pytest.raises(ctgov.ImportFileError, match="Expected a ClinicalTrials.gov export"):
        ctgov.import_studies({"something": 1})
    with pytest.raises(ctgov.ImportFileError, match="Unknown community 'nope'"):
        ctgov.import_studies(SAMPLE, community_slug="nope")


def test_cli_command_prints_a_summary(network, runner, db):
    result = runner.invoke(args=["import-ctgov", str(SAMPLE), "--community", "thoracic"])
    # The sample's third study has no NCT number: left out, named, and a failing exit.
    assert result.exit_code == 1, result.output
    assert "Skipped study #3: protocolSection.identificationModule.nctId 'NOT-AN-NCT'" in (
        result.output
    )
    assert "2 trials created; 0 trials updated" in result.output
    assert "4 sites added" in result.output
    assert "1 Quebec location not matched to a centre" in result.output  # singular
    assert "Clinique Privée Imaginaire" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Trial.id))) == 2
    again = runner.invoke(args=["import-ctgov", str(SAMPLE)])
    assert "0 trials created; 0 trials updated; 2 trials unchanged" in again.output
    bad = runner.invoke(args=["import-ctgov", str(SAMPLE), "--community", "nope"])
    assert bad.exit_code != 0 and "Unknown community" in bad.output


@pytest.mark.parametrize(
    ("location", "in_quebec"),
    [
        # Shapes of real ClinicalTrials.gov v2 locations: Canadian ones often carry
        # no state; the postal code or the city then says Quebec.
        (
            {
                "facility": "McGill University Health Centre",
                "city": "Montreal",
                "zip": "H4A 3J1",
                "country": "Canada",
            },
            True,
        ),
        (
            {"facility": "CHU de Québec", "city": "Québec", "zip": "G1R 2J6", "country": "Canada"},
            True,
        ),
        (
            {"facility": "Hôpital Charles-LeMoyne", "city": "Greenfield Park", "country": "Canada"},
            True,
        ),
        (
            {
                "facility": "Princess Margaret",
                "city": "Toronto",
                "zip": "M5G 2M9",
                "country": "Canada",
            },
            False,
        ),
        (
            {"facility": "Tom Baker", "city": "Calgary", "state": "Alberta", "country": "Canada"},
            False,
        ),
        ({"facility": "CHUM", "city": "Montréal", "state": "Quebec", "country": "Canada"}, True),
        ({"facility": "Hôpital", "city": "Montréal", "state": "Québec"}, True),
        (
            {"facility": "Hôpital Foch", "city": "Suresnes", "zip": "92150", "country": "France"},
            False,
        ),
        ({"facility": "Ottawa Hospital", "city": "Ottawa", "country": "Canada"}, False),
        ({"facility": "Hull", "city": "Gatineau", "zip": "j8y 6s5", "country": "Canada"}, True),
    ],
)
def test_a_quebec_location_is_found_without_its_state(location, in_quebec):
    assert ctgov.is_quebec(location) is in_quebec


# The shape ClinicalTrials.gov API v2 gives ``eligibilityCriteria``: Markdown, with
# headings, bullets and backslash escapes, often several thousand characters.
REGISTRY_ELIGIBILITY = (
    "Inclusion Criteria:\n\n"
    "* Histologically confirmed non-small cell lung cancer\n"
    "* Age \\>= 18 years\n"
    "* Absolute neutrophil count \\> 1.5 x 10\\^9/L\n"
    + "".join(f"* Inclusion item {n} with enough words to make the text long\n" for n in range(70))
    + "\nExclusion Criteria:\n\n"
    "* Symptomatic brain metastases\n"
    "1. Prior treatment with a KRAS G12C inhibitor\n"
)


def test_eligibility_is_kept_whole_unescaped_and_split():
    assert len(REGISTRY_ELIGIBILITY) > 4000
    kept = ctgov.brief_eligibility(REGISTRY_ELIGIBILITY)
    assert "Inclusion item 69" in kept and "KRAS G12C inhibitor" in kept  # not cut
    assert "Age >= 18 years" in kept and "\\>" not in kept and "10^9" in kept
    parts = ctgov.eligibility_sections(kept)
    assert parts["inclusion"][:2] == [
        "Histologically confirmed non-small cell lung cancer",
        "Age >= 18 years",
    ]
    assert len(parts["inclusion"]) == 73
    assert parts["exclusion"] == [
        "Symptomatic brain metastases",
        "Prior treatment with a KRAS G12C inhibitor",
    ]
    assert parts["other"] == []


def test_the_trial_pages_show_inclusion_and_exclusion_items(client, login, make, db):
    trial = make.trial(eligibility_summary=ctgov.brief_eligibility(REGISTRY_ELIGIBILITY))
    make.site(trial, make.centre())
    user = make.user()
    db.session.commit()
    public = client.get(f"/directory/{trial.id}").get_data(as_text=True)
    assert 'data-eligibility="inclusion"' in public and 'data-eligibility="exclusion"' in public
    assert "Age &gt;= 18 years" in public
    login(user)
    page = client.get(f"/trials/{trial.id}").get_data(as_text=True)
    assert page.count("<li>", page.index('data-eligibility="exclusion"')) >= 2


def test_enrolling_by_invitation_is_shown_but_not_open_to_referrals(
    network, client, login, make, db
):
    study = json.loads(SAMPLE.read_text())["studies"][0]
    study["protocolSection"]["statusModule"]["overallStatus"] = "ENROLLING_BY_INVITATION"
    for location in study["protocolSection"]["contactsLocationsModule"]["locations"]:
        location["status"] = "ENROLLING_BY_INVITATION"
    report = ctgov.import_studies({"studies": [study]}, community_slug="thoracic")
    db.session.commit()
    trial = db.session.get(Trial, report.trial_ids[0])
    assert trial.status == TrialStatus.CLOSED  # no referral to it
    assert trial.registry_status == "ENROLLING_BY_INVITATION"
    assert trial.sites and {s.registry_status for s in trial.sites} == {"ENROLLING_BY_INVITATION"}
    assert {s.status for s in trial.sites} == {SiteStatus.CLOSED}
    every = set(ctgov.OVERALL_STATUS) | set(ctgov.LOCATION_STATUS)
    assert every <= set(ctgov.REGISTRY_STATUS_LABELS)  # every status has words
    user = make.user()
    db.session.commit()
    login(user)
    page = client.get(f"/trials/{trial.id}").get_data(as_text=True)
    assert 'data-registry-status="ENROLLING_BY_INVITATION"' in page
    assert "Enrolling by invitation" in page or "Recrutement sur invitation" in page


def test_an_unmatched_location_is_mapped_once_and_matched_next_time(
    network, client, login, make, db
):
    report = ctgov.import_studies(SAMPLE, community_slug="thoracic")
    db.session.commit()
    assert report.unmatched_facilities == [("Clinique Privée Imaginaire", "Montréal")]
    admin = make.user(role="admin")
    db.session.commit()
    login(admin)
    centre_id = _trial(db, "NCT05000001").sites[0].centre_id
    answer = client.post(
        "/trials/import/aliases",
        data={"facility": "CLINIQUE PRIVEE imaginaire", "centre_id": centre_id},
    )
    assert answer.status_code == 302
    again = ctgov.import_studies(SAMPLE, community_slug="thoracic")
    db.session.commit()
    assert again.unmatched == [] and again.unmatched_facilities == []
    assert (
        client.post("/trials/import/aliases", data={"facility": "", "centre_id": 0}).status_code
        == 302
    )
