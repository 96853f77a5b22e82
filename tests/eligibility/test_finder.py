"""The trial finder: hard filters, ranking, reasons, free text in both languages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral_app.models import AuditLog, Referral, SiteStatus, TrialStatus
from tests.eligibility.conftest import EGFR_PATIENT, EGFR_TRIAL, MELANOMA_TRIAL
from tests.forms import post_page_form


@pytest.fixture
def network(cast, make, db, with_criteria):
    """An EGFR lung trial at the receiving centre and at the forward centre, a melanoma
    trial, a closed trial, and a site at the referrer's own centre."""
    lung = cast.site.trial
    lung.title = "Osimertinib in EGFR-mutant non-small cell lung cancer"
    with_criteria(lung, EGFR_TRIAL)
    melanoma = make.trial(title="Encorafenib in BRAF V600 cutaneous melanoma", tumour_site="Skin")
    with_criteria(melanoma, MELANOMA_TRIAL)
    melanoma_site = make.site(melanoma, cast.site.centre)
    closed = make.trial(title="A closed lung trial", status=TrialStatus.CLOSED)
    with_criteria(closed, EGFR_TRIAL)
    make.site(closed, cast.site.centre)
    own = make.trial(title="Own-centre lung trial")
    with_criteria(own, EGFR_TRIAL)
    own_site = make.site(own, cast.referring["coordinator"].centre)
    make.site(make.trial(title="Upcoming site trial"), cast.site.centre, status=SiteStatus.UPCOMING)
    db.session.commit()
    return {"lung": lung, "melanoma": melanoma_site, "own": own_site, "closed": closed}


def _matches(api, **body):
    status, answer = api.post("/api/v1/trial-matches", json=body)
    assert status == 200, answer
    return answer["items"]


def test_ranks_by_criteria_then_region_and_says_why(cast, db, api_as, network):
    api = api_as(cast.referring["coordinator"])
    items = _matches(api, **EGFR_PATIENT, region_id=cast.other_site.region_id)
    trials = [i["trial"]["id"] for i in items]
    lung = network["lung"].id
    assert trials[0] == lung and trials[1] == lung  # both sites of the fitting trial first
    assert {i["site"]["id"] for i in items[:2]} == {cast.site.id, cast.other_site.id}
    first = items[0]
    assert (first["met"], first["not_met"], first["unknown"]) == (5, 0, 1)  # organ: a person
    assert {v["id"]: v["status"] for v in first["verdicts"]}["organ"] == "unknown"
    assert first["verdicts"][0]["explanation"]["fr"] and first["start_referral_url"]
    melanoma = next(i for i in items if i["site"]["id"] == network["melanoma"].id)
    assert melanoma["not_met"] >= 1 and items.index(melanoma) > 1
    # Never a closed trial, a site not yet open, or (unless asked) the caller's own centre.
    assert network["closed"].id not in trials
    assert network["own"].id not in {i["site"]["id"] for i in items}
    with_own = _matches(api, **EGFR_PATIENT, include_own_centre=True)
    own = next(i for i in with_own if i["site"]["id"] == network["own"].id)
    assert own["referable"] is False and own["start_referral_url"] is None
    # The search is audited without its clinical values.
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "find_trials"))
    assert row.details["results"] == len(items) and "LUAD" not in str(row.details)


def test_the_patients_region_comes_first_among_equals(cast, make, db, api_as, network):
    elsewhere = make.region()
    cast.other_site.centre.region = elsewhere
    cast.other_site.region_id = elsewhere.id
    db.session.commit()
    api = api_as(cast.referring["coordinator"])
    for site in (cast.site, cast.other_site):
        ranked = _matches(api, **EGFR_PATIENT, region_id=site.region_id)
        assert ranked[0]["site"]["id"] == site.id and ranked[0]["in_region"]


@pytest.mark.parametrize(
    ("words", "found"),
    [
        ("poumon", "lung"),
        ("mélanome", "melanoma"),
        ("MELANOME", "melanoma"),
        ("melanoma", "melanoma"),
        ("pulmonaire non à petites cellules", "lung"),
    ],
)
def test_free_text_is_bilingual_and_accent_insensitive(cast, db, api_as, network, words, found):
    api = api_as(cast.referring["coordinator"])
    items = _matches(api, q=words)
    assert items, words
    expected = network["lung"].id if found == "lung" else network["melanoma"].trial_id
    assert {i["trial"]["id"] for i in items} == {expected}


def test_bad_summaries_and_non_clinical_callers_are_refused(cast, db, api_as, network):
    api = api_as(cast.referring["coordinator"])
    status, body = api.post("/api/v1/trial-matches", json={"ecog": 7})
    assert status == 400 and "ecog" in body["error"]["fields"]
    status, body = api.post(
        "/api/v1/trial-matches",
        json={"tumour_code": "XYZ", "biomarkers": [{"gene": "EGFR", "alteration": "V600E"}]},
    )
    assert status == 400 and {"tumour_code", "biomarkers"} <= set(body["error"]["fields"])
    status, _ = api_as(cast.referring["manager"]).post("/api/v1/trial-matches", json={})
    assert status == 403


def test_the_page_finds_and_one_click_starts_a_referral_with_the_summary(
    client, login, cast, db, network
):
    login(cast.referring["coordinator"])
    # What the coordinator types: the EGFR patient (EGFR_PATIENT) in the page's fields.
    typed = {
        "tumour_code": "LUAD",
        "stage_group": "IV",
        "ecog": "1",
        "prior_lines": "0",
        "marker_0": "EGFR:EX19DEL",
        "region_id": str(cast.site.region_id),
    }
    page = post_page_form(
        client,
        "/finder",
        having="tumour_code",
        **typed,
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'data-match="{cast.site.id}"' in html
    assert html.index(f'data-match="{cast.site.id}"') < html.index(
        f'data-match="{network["melanoma"].id}"'
    )
    started = post_page_form(
        client,
        "/finder",
        having="tumour_code",
        action=f"/finder/refer/{cast.site.id}",
        **typed,
    )
    assert started.status_code == 302
    draft = db.session.scalar(select(Referral).where(Referral.origin == "finder"))
    assert draft.site_id == cast.site.id and draft.state == "draft"
    assert (draft.tumour_code, draft.stage_group, draft.ecog) == ("LUAD", "IV", 1)
    assert draft.biomarker_results == [
        {"gene": "EGFR", "alteration": "EX19DEL", "status": "positive"}
    ]
    assert draft.identifiers_encrypted is None  # the finder needs no identifiers


def test_the_finder_is_reachable_from_home_and_the_new_referral_page(client, login, cast, db):
    db.session.commit()
    login(cast.referring["coordinator"])
    for path in ("/home", "/referrals/new"):
        assert "data-finder-link" in client.get(path).get_data(as_text=True), path
    client.post("/logout")
    login(cast.referring["manager"])  # not clinical: no finder
    assert "data-finder-link" not in client.get("/home").get_data(as_text=True)
