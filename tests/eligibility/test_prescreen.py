"""The pre-screen: a referral's structured summary against its trial's criteria version."""

from __future__ import annotations

from sqlalchemy import select

from referral_app.eligibility.service import set_criteria
from referral_app.models import AuditLog, EligibilityVersion, ReferralEvent
from tests.eligibility.conftest import EGFR_TRIAL
from tests.forms import page_form, post_page_form


def _structured(**changes):
    data = {
        "tumour_code": "LUAD",
        "stage_group": "IVA",
        "biomarker_results": [{"gene": "EGFR", "alteration": "EX19DEL", "status": "positive"}],
        "ecog": 2,  # the trial takes ECOG 0-1: warned, not blocked
        "prior_lines": 0,
        "patient_age": 64,
        "prior_therapies": [],
        "brain_metastases": False,
        "measurable_disease": True,
    }
    return {**data, **changes}


def test_the_api_submits_a_summary_is_warned_and_pins_the_version(cast, db, api_as, with_criteria):
    with_criteria(cast.site.trial, EGFR_TRIAL)
    db.session.commit()
    api = api_as(cast.referring["coordinator"])
    status, body = api.post(
        "/api/v1/referrals",
        json={
            "site_id": cast.site.id,
            "submit": True,
            "patient_consent": True,
            "patient": {"name": "Jeanne Tremblay", "date_of_birth": "1960-03-15"},
            "patient_region_id": cast.site.centre.region_id,
            "diagnosis": "NSCLC",
            "stage": "IVA",
            "prescreen_answers": {"organ": "met", "nope": "met"},
            **_structured(),
        },
    )
    assert status == 201, body
    assert body["tumour_code"] == "LUAD" and body["biomarker_results"][0]["gene"] == "EGFR"
    prescreen = body["prescreen"]
    assert prescreen["eligibility_version"] == 1
    by_id = {v["id"]: v for v in prescreen["verdicts"]}
    assert by_id["ecog"]["status"] == "not_met" and by_id["ecog"]["may_change"]
    assert by_id["egfr"]["status"] == "met"
    assert by_id["organ"] == {**by_id["organ"], "status": "met", "answered": True}
    assert "ECOG" in by_id["ecog"]["explanation"]["en"]
    assert by_id["ecog"]["explanation"]["fr"] != by_id["ecog"]["explanation"]["en"]
    assert (prescreen["met"], prescreen["not_met"], prescreen["unknown"]) == (5, 1, 0)

    # A later version of the criteria does not change what this referral was checked against.
    trial = cast.site.trial
    set_criteria(trial, [{"id": "ecog", "kind": "ecog_max", "max": 2}], None)
    db.session.commit()
    status, again = api.get(f"/api/v1/referrals/{body['id']}")
    assert again["prescreen"]["eligibility_version"] == 1
    assert again["prescreen"]["not_met"] == 1
    (submit,) = db.session.scalars(
        select(ReferralEvent).where(
            ReferralEvent.referral_id == body["id"], ReferralEvent.event == "submit"
        )
    ).all()
    assert submit.data["prescreen"] == {"met": 5, "not_met": 1, "unknown": 0}
    # A manager of the receiving centre sees no clinical content, pre-screen included.
    status, managed = api_as(cast.receiving["manager"]).get(f"/api/v1/referrals/{body['id']}")
    assert status == 200 and "prescreen" not in managed and "tumour_code" not in managed


def test_a_bad_summary_is_refused_field_by_field_and_saves_nothing(cast, db, api_as):
    api = api_as(cast.referring["coordinator"])
    status, body = api.post(
        "/api/v1/referrals",
        json={
            "site_id": cast.site.id,
            **_structured(
                tumour_code="NOT-A-CODE",
                biomarker_results=[{"gene": "EGFR", "alteration": "G12C", "status": "positive"}],
                prior_therapies=["magic"],
            ),
        },
    )
    assert status == 400, body
    assert set(body["error"]["fields"]) >= {"tumour_code", "biomarker_results", "prior_therapies"}
    assert db.session.scalar(select(EligibilityVersion)) is None


def test_the_form_shows_the_checklist_takes_answers_and_the_receiving_site_sees_it(
    client, login, cast, db, with_criteria
):
    with_criteria(cast.site.trial, EGFR_TRIAL)
    referral = cast.referral("draft")
    db.session.commit()
    login(cast.referring["coordinator"])
    page = client.get(f"/referrals/{referral.id}/edit").get_data(as_text=True)
    assert 'data-criterion="organ" data-status="unknown"' in page
    assert 'name="prescreen-organ"' in page
    saved = post_page_form(
        client,
        f"/referrals/{referral.id}/edit",
        having="tumour_code",
        tumour_code="LUAD",
        stage_group="IV",
        ecog="1",
        prior_lines="0",
        marker_0="EGFR:EX19DEL",
        **{"prescreen-organ": "met"},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    db.session.expire_all()
    page = client.get(f"/referrals/{referral.id}/edit").get_data(as_text=True)
    assert 'data-criterion="egfr" data-status="met"' in page
    assert 'data-criterion="organ" data-status="met"' in page  # the answer, kept
    form = page_form(client.get(f"/referrals/{referral.id}/edit").text, "tumour_code")
    submitted = client.post(f"/referrals/{referral.id}/edit", data={**form, "action": "submit"})
    assert submitted.status_code == 302, submitted.get_data(as_text=True)[:3000]

    client.post("/logout")
    login(cast.receiving["coordinator"])
    detail = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert 'id="prescreen"' in detail
    assert 'data-criterion="ecog" data-status="met"' in detail
    assert "Adequate organ function" in detail  # the reader's language (English)


def test_a_decline_names_a_criterion_of_the_referral_only(cast, db, api_as, with_criteria):
    with_criteria(cast.site.trial, EGFR_TRIAL)
    referral = cast.referral("acknowledged")
    db.session.commit()
    api = api_as(cast.receiving["coordinator"])
    body = {
        "event": "decline",
        "version": referral.version,
        "reason_code": "not_eligible",
        "note": "ECOG 2 at the visit.",
    }
    status, refused = api.post(
        f"/api/v1/referrals/{referral.id}/transitions", json={**body, "criterion_id": "made-up"}
    )
    assert status == 400 and "criterion_id" in refused["error"]["fields"]
    status, done = api.post(
        f"/api/v1/referrals/{referral.id}/transitions", json={**body, "criterion_id": "ecog"}
    )
    assert status == 200, done
    decline = db.session.scalar(
        select(ReferralEvent).where(
            ReferralEvent.referral_id == referral.id, ReferralEvent.event == "decline"
        )
    )
    assert decline.data["criterion_id"] == "ecog"


def test_editors_make_versions_others_are_refused(client, login, cast, db, api_as):
    trial = cast.site.trial
    db.session.commit()
    url = f"/api/v1/trials/{trial.id}/eligibility"
    editor = api_as(cast.receiving["coordinator"])  # a coordinator of a site of the trial
    status, body = editor.put(url, json={"criteria": EGFR_TRIAL, "note": "from the protocol"})
    assert status == 200, body
    assert body["version"] == 1 and body["versions"][0]["note"] == "from the protocol"
    status, same = editor.put(url, json={"criteria": EGFR_TRIAL})
    assert same["version"] == 1  # nothing changed, no new version
    bad = [*EGFR_TRIAL, {"id": "x", "kind": "ecog_max", "max": 9}]
    status, refused = editor.put(url, json={"criteria": bad})
    assert status == 400 and list(refused["error"]["fields"]) == [str(len(EGFR_TRIAL))]
    status, _ = api_as(cast.outsider["coordinator"]).put(url, json={"criteria": []})
    assert status == 403
    assert db.session.scalar(
        select(AuditLog).where(
            AuditLog.action == "update_eligibility", AuditLog.object_id == trial.id
        )
    )
    # The page: readable criteria for anyone logged in; the form for editors only.
    login(cast.outsider["coordinator"])
    page = client.get(f"/trials/{trial.id}/eligibility").get_data(as_text=True)
    assert 'data-criterion="egfr"' in page and 'name="criteria"' not in page
    client.post("/logout")
    login(cast.receiving["coordinator"])
    saved = post_page_form(
        client,
        f"/trials/{trial.id}/eligibility",
        having="criteria",
        criteria='[{"id": "ecog", "kind": "ecog_max", "max": 2}]',
        note="amendment 3",
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert trial.eligibility_version == 2 and trial.criteria[0]["max"] == 2
    broken = post_page_form(
        client, f"/trials/{trial.id}/eligibility", having="criteria", criteria="[{"
    )
    assert broken.status_code == 400 and "JSON" in broken.get_data(as_text=True)
    db.session.expire_all()
    assert trial.eligibility_version == 2
