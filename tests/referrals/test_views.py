"""The referral pages, driven through the test client as a browser would."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from referral_app import patient_data
from referral_app.models import (
    AuditLog,
    Referral,
    ReferralState,
    Role,
    SiteStatus,
)
from referral_app.workflow import engine

S = ReferralState

DRAFT_FORM = {
    "urgency": "priority",
    "patient_consent": "y",
    "patient_name": "Jeanne Tremblay",
    "date_of_birth": "1960-03-15",
    "health_insurance_number": "trem 6053 1512",
    "phone": "514-555-0199",
    "patient_language": "fr",
    "diagnosis": "NSCLC",
    "histology": "Adenocarcinoma",
    "stage": "IV",
    "biomarkers": "EGFR+",
    "ecog": "1",
    "prior_lines": "1",
    "clinical_notes": "Progression after osimertinib",
    # The structured summary (issue 14): empty rows and "unknown" where nothing is said.
    "tumour_code": "LUAD",
    "stage_group": "IV",
    "patient_age": "64",
    "brain_metastases": "",
    "measurable_disease": "yes",
    "therapies_known": "",
    "prior_therapies": ["", "egfr_tki"],
    **{f"marker_{n}": "" for n in range(1, 6)},
    "marker_0": "EGFR:EX19DEL",
    **{f"marker_status_{n}": "positive" for n in range(6)},
    **{f"marker_percent_{n}": "" for n in range(6)},
}


def _form(cast, **changes):
    """What the referral page posts: every field (``version`` empty for a new draft);
    ``patient_consent=None`` is the unticked box (its hidden companion, ``""``)."""
    data = {
        **DRAFT_FORM,
        "version": "",
        "patient_region_id": str(cast.site.centre.region_id),
        **changes,
    }
    if data.get("patient_consent") is None:
        data["patient_consent"] = ""
    return {k: v for k, v in data.items() if v is not None}


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_file_save_then_submit(client, login, cast, db):
    trial = cast.site.trial
    coordinator = cast.referring["coordinator"]
    db.session.commit()
    login(coordinator)
    found = client.get(f"/referrals/new?q={trial.acronym}")
    assert found.status_code == 200
    assert f"/referrals/new/{cast.site.id}" in _html(found)
    assert client.get(f"/referrals/new/{cast.site.id}").status_code == 200

    saved = client.post(f"/referrals/new/{cast.site.id}", data=_form(cast, action="save"))
    assert saved.status_code == 302, _html(saved)[:2000]
    referral = db.session.scalar(select(Referral))
    assert referral.state == S.DRAFT
    assert referral.referring_user_id == coordinator.id
    assert "Tremblay" not in referral.identifiers_encrypted

    page = client.get(f"/referrals/{referral.id}/edit")
    assert "TREM 6053 1512" in _html(page)
    submitted = client.post(
        f"/referrals/{referral.id}/edit",
        data=_form(cast, action="submit", version=str(referral.version)),
    )
    assert submitted.status_code == 302
    assert submitted.headers["Location"].endswith(f"/referrals/{referral.id}")
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert referral.state == S.SUBMITTED
    assert re.fullmatch(r"REF-\d{4}-\d{6}", referral.reference)
    assert patient_data.load(referral).health_insurance_number == "TREM60531512"


def test_invalid_input_is_explained_and_saves_nothing(client, login, cast, db):
    db.session.commit()
    login(cast.referring["coordinator"])
    response = client.post(
        f"/referrals/new/{cast.site.id}",
        data=_form(cast, health_insurance_number="TREM 12", action="save"),
    )
    assert response.status_code == 200
    html = _html(response)
    assert "4 letters and 8 digits" in html
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_submit_without_consent_is_refused(client, login, cast, db):
    db.session.commit()
    login(cast.referring["coordinator"])
    response = client.post(
        f"/referrals/new/{cast.site.id}", data=_form(cast, patient_consent=None, action="submit")
    )
    assert response.status_code == 200
    assert "must consent" in _html(response)
    assert db.session.scalar(select(func.count(Referral.id))) == 0


@pytest.mark.parametrize("problem", ["own_centre", "site_closed", "trial_closed"])
def test_sites_that_cannot_receive_are_refused(client, login, cast, db, make, problem):
    site = cast.site
    if problem == "own_centre":
        site = make.site(cast.site.trial, cast.referring["coordinator"].centre)
    elif problem == "site_closed":
        site.status = SiteStatus.CLOSED
    else:
        site.trial.status = "closed"
    db.session.commit()
    login(cast.referring["coordinator"])
    page = client.get(f"/referrals/new/{site.id}")
    assert "alert-danger" in _html(page)
    response = client.post(f"/referrals/new/{site.id}", data=_form(cast, action="save"))
    assert response.status_code == 200
    assert {
        "own_centre": "your own centre",
        "site_closed": "site is not recruiting",
        "trial_closed": "trial is not recruiting",
    }[problem] in _html(response)
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_duplicate_refused_with_a_link(client, login, cast, db):
    existing = cast.referral(
        "acknowledged",
        identifiers=patient_data.PatientIdentifiers("J T", dt.date(1960, 3, 15), "TREM60531512"),
    )
    db.session.commit()
    login(cast.referring["physician"])
    response = client.post(f"/referrals/new/{cast.site.id}", data=_form(cast, action="submit"))
    assert response.status_code == 200
    html = _html(response)
    assert "already has an open referral to this trial" in html
    assert f'href="/referrals/{existing.id}"' in html
    assert db.session.scalar(select(func.count(Referral.id))) == 1


def test_niche_trial_proposes_the_site_in_the_patient_region(client, login, make, db, cast):
    trial = make.trial(is_niche=True)
    far_region, home_region = make.region(), make.region()
    far_site = make.site(trial, make.centre(far_region))
    home_site = make.site(trial, make.centre(home_region))
    db.session.commit()
    login(cast.referring["coordinator"])
    page = _html(client.get(f"/referrals/new/{far_site.id}?patient_region={home_region.id}"))
    assert "Niche trial" in page
    assert f"/referrals/new/{home_site.id}" in page
    listing = _html(client.get(f"/referrals/new?q={trial.acronym}&patient_region={home_region.id}"))
    assert listing.index(home_site.centre.name) < listing.index(far_site.centre.name)


def test_receiving_inbox_page_and_actions(client, login, cast, db):
    referral = cast.referral("submitted", urgency="urgent")
    db.session.commit()
    login(cast.receiving["nurse"])
    inbox = _html(client.get("/referrals/incoming"))
    assert referral.reference in inbox
    page = _html(client.get(f"/referrals/{referral.id}"))
    for allowed in ("Acknowledge", "Accept", "Decline", "Request information", "Forward"):
        assert allowed in page
    assert "Enroll" not in page and "Provide information" not in page
    v = referral.version
    assert f'name="version" value="{v}"' in page
    assert "Tremblay" not in page  # factory patient names are "Patient N"
    assert "Patient " in page

    done = client.post(f"/referrals/{referral.id}/events/acknowledge", data={"version": v})
    assert done.status_code == 302
    stale = client.post(
        f"/referrals/{referral.id}/events/accept", data={"version": v}, follow_redirects=True
    )
    assert "changed since you opened it" in _html(stale)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).state == S.ACKNOWLEDGED

    missing = client.post(
        f"/referrals/{referral.id}/events/decline", data={"version": v + 1}, follow_redirects=True
    )
    assert "This field is required" in _html(missing)
    declined = client.post(
        f"/referrals/{referral.id}/events/decline",
        data={"version": v + 1, "reason_code": "not_eligible", "note": "ECOG 3"},
    )
    assert declined.status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).state == S.DECLINED


def test_forward_and_decline_offer_the_other_recruiting_sites(client, login, cast, db):
    referral = cast.referral("submitted")
    db.session.commit()
    login(cast.receiving["coordinator"])
    page = _html(client.get(f"/referrals/{referral.id}"))

    def offered(select_id: str) -> list[str]:
        block = re.search(rf'id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
        assert block, select_id
        return re.findall(r'<option value="(\d+)"', block.group(1))

    assert offered("forward-target_site_id") == [str(cast.other_site.id)]
    assert offered("decline-suggested_site_id") == [str(cast.other_site.id)]
    assert offered("decline-reason_code") == []  # reason codes are words, not ids


def test_only_the_two_centres_and_admins_open_a_referral(client, login, cast, db):
    referral = cast.referral("accepted")
    draft = cast.referral("draft")
    db.session.commit()
    login(cast.outsider["coordinator"])
    assert client.get(f"/referrals/{referral.id}").status_code == 404
    assert client.post(f"/referrals/{referral.id}/events/withdraw", data={}).status_code == 404
    assert referral.reference not in _html(client.get("/referrals/incoming"))
    client.post("/logout")
    login(cast.receiving["coordinator"])
    assert client.get(f"/referrals/{draft.id}").status_code == 404  # not sent yet
    assert client.get(f"/referrals/{referral.id}").status_code == 200


def test_manager_sees_no_identifiers_admin_only_with_a_reason(client, login, cast, db):
    referral = cast.referral("accepted")
    db.session.commit()
    name = patient_data.load(referral).name
    login(cast.receiving["manager"])
    assert name not in _html(client.get(f"/referrals/{referral.id}"))
    client.post("/logout")
    admin = cast.outsider["admin"]
    login(admin)
    page = _html(client.get(f"/referrals/{referral.id}"))
    assert name not in page and "Show identifiers" in page
    refused = client.post(f"/referrals/{referral.id}/identifiers", data={"reason": "short"})
    assert name not in _html(refused)
    shown = client.post(
        f"/referrals/{referral.id}/identifiers", data={"reason": "Complaint investigation 42"}
    )
    assert name in _html(shown)
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "view_identifiers", AuditLog.user_id == admin.id)
    ).all()
    assert [r.reason for r in rows] == ["Complaint investigation 42"]


def test_each_display_of_identifiers_is_audited(client, login, cast, db):
    referral = cast.referral("accepted")
    db.session.commit()
    user = cast.referring["physician"]
    login(user)
    client.get(f"/referrals/{referral.id}")
    client.get(f"/referrals/{referral.id}")
    count = db.session.scalar(
        select(func.count(AuditLog.id)).where(
            AuditLog.action == "view_identifiers", AuditLog.user_id == user.id
        )
    )
    assert count == 2


def _decline(cast, db, referral, **fields):
    engine.apply_event(
        referral,
        "decline",
        cast.receiving["coordinator"],
        version=referral.version,
        data={"reason_code": "better_served_elsewhere", "note": "Closer to home", **fields},
    )
    db.session.commit()


def test_redirect_starts_from_the_suggested_site_and_drafts_a_linked_copy(client, login, cast, db):
    old = cast.referral("acknowledged")
    _decline(cast, db, old, suggested_site_id=str(cast.other_site.id))
    login(cast.referring["physician"])
    page = _html(client.get(f"/referrals/{old.id}"))
    assert f"/referrals/{old.id}/redirect" in page
    choice = _html(client.get(f"/referrals/{old.id}/redirect"))
    assert "The declining site suggested" in choice
    assert choice.index(cast.other_site.centre.name) < choice.index(cast.site.centre.name)

    response = client.post(
        f"/referrals/{old.id}/redirect",
        data={"site_id": str(cast.other_site.id), "version": str(old.version)},
    )
    assert response.status_code == 302
    draft = db.session.scalar(select(Referral).where(Referral.previous_referral_id == old.id))
    assert draft.state == S.DRAFT and draft.site_id == cast.other_site.id
    assert (draft.diagnosis, draft.stage, draft.ecog) == (old.diagnosis, old.stage, old.ecog)
    assert patient_data.load(draft) == patient_data.load(old)
    assert response.headers["Location"].endswith(f"/referrals/{draft.id}/edit")
    events = [e.event for e in db.session.get(Referral, old.id).events]
    assert events[-1] == "redirect"


def test_redirect_never_goes_back_to_the_site_that_declined(client, login, cast, db):
    """Regression: the one-click redirect drafted the new referral to the declining site."""
    old = cast.referral("acknowledged")
    _decline(cast, db, old)
    login(cast.referring["coordinator"])
    choice = _html(client.get(f"/referrals/{old.id}/redirect"))
    assert "Already declined, screen-failed or withdrew this patient." in choice
    response = client.post(
        f"/referrals/{old.id}/redirect",
        data={"site_id": str(cast.site.id), "version": str(old.version)},
        follow_redirects=True,
    )
    assert "already declined, screen-failed or withdrew this patient" in _html(response)
    assert (
        db.session.scalar(select(Referral).where(Referral.previous_referral_id == old.id)) is None
    )


def test_redirect_offers_the_patients_live_referral_to_that_trial(client, login, cast, db, make):
    old = cast.referral("acknowledged")
    _decline(cast, db, old)
    live = cast.referral("draft", identifiers=patient_data.load(old))
    engine.apply_event(
        live,
        "save_draft",
        cast.referring["coordinator"],
        version=live.version,
        data={"site_id": str(cast.other_site.id)},
    )
    db.session.commit()
    login(cast.referring["coordinator"])
    choice = _html(client.get(f"/referrals/{old.id}/redirect"))
    assert f"/referrals/{live.id}" in choice  # offered instead of a new draft
    response = client.post(
        f"/referrals/{old.id}/redirect",
        data={"site_id": str(cast.other_site.id), "version": str(old.version)},
        follow_redirects=True,
    )
    assert "already has a referral to this trial" in _html(response)
    assert (
        db.session.scalar(select(Referral).where(Referral.previous_referral_id == old.id)) is None
    )


def test_draft_retargets_to_another_site(client, login, cast, db):
    draft = cast.referral("draft")
    db.session.commit()
    login(cast.referring["coordinator"])
    moved = client.post(
        f"/referrals/{draft.id}/retarget",
        data={"site_id": str(cast.other_site.id), "version": str(draft.version)},
    )
    assert moved.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Referral, draft.id)
    assert stored.site_id == cast.other_site.id
    assert stored.version == len(stored.events) == 2


def test_comments_between_centres(client, login, cast, db):
    referral = cast.referral("acknowledged")
    db.session.commit()
    login(cast.receiving["coordinator"])
    client.post(f"/referrals/{referral.id}/comments", data={"body": "Is the PET recent?"})
    client.post("/logout")
    login(cast.referring["coordinator"])
    assert "Is the PET recent?" in _html(client.get(f"/referrals/{referral.id}"))


def test_home_page_attention(client, login, cast, db):
    cast.referral("submitted")
    cast.referral("submitted", submitted_at=dt.datetime(2025, 1, 6, tzinfo=dt.UTC))
    db.session.commit()
    login(cast.receiving["coordinator"])
    home = _html(client.get("/home"))
    assert "New referrals to acknowledge" in home
    assert "Overdue referrals" in home


def test_attention_counts_what_waits_for_each_user(cast, db, make):
    from referral_app.referrals import services
    from referral_app.timeutil import utcnow

    long_ago = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)
    cast.referral("submitted", submitted_at=utcnow())  # new, on time
    cast.referral("submitted", submitted_at=long_ago)  # new and late
    cast.referral("acknowledged", submitted_at=long_ago)  # decision late
    recently, minutes = utcnow() - dt.timedelta(hours=1), dt.timedelta(minutes=5)
    cast.referral("info_requested", submitted_at=recently, step=minutes)  # referrer not late
    make.referral("submitted", submitted_at=long_ago)  # another centre's: not counted
    db.session.flush()

    receiving = services.attention_counts(cast.receiving["coordinator"])
    assert (receiving.to_acknowledge, receiving.overdue, receiving.info_requested) == (2, 2, 0)
    referring = services.attention_counts(cast.referring["coordinator"])
    assert (referring.to_acknowledge, referring.overdue, referring.info_requested) == (0, 0, 1)
    assert services.attention_counts(cast.outsider["coordinator"]).to_acknowledge == 0


@pytest.mark.parametrize("box", ["incoming", "outgoing"])
def test_lists_do_not_query_per_row(client, login, cast, db, make, box, count_queries):
    user = cast.receiving["coordinator"] if box == "incoming" else cast.referring["coordinator"]
    for _ in range(3):
        cast.referral("submitted")
    db.session.commit()
    login(user)
    with count_queries() as few_counter:
        few = client.get(f"/referrals/{box}")
    few_count = few_counter.count
    # Different trials, sites and referrers, so lazy loads would show up.
    centre = cast.referring["coordinator"].centre
    for _ in range(27):
        other_referrer = make.user(centre, Role.PHYSICIAN)
        make.referral(
            "acknowledged",
            site=make.site(make.trial(), cast.site.centre),
            referring_user=other_referrer,
        )
    db.session.commit()
    with count_queries() as many_counter:
        many = client.get(f"/referrals/{box}")
    many_count = many_counter.count
    assert few.status_code == many.status_code == 200
    assert _html(many).count('href="/referrals/') >= 25
    assert many_count == few_count, (few_count, many_count)


@pytest.mark.parametrize("state", [s.value for s in ReferralState])
def test_referral_page_renders_in_every_state(client, login, cast, db, state):
    referral = cast.referral(state)
    db.session.commit()
    login(cast.referring["coordinator"])
    assert client.get(f"/referrals/{referral.id}").status_code == 200
    assert client.get("/referrals/outgoing?state=" + state).status_code == 200
    if state == "draft":
        assert client.get(f"/referrals/{referral.id}/edit").status_code == 200
        assert client.get(f"/referrals/new?draft={referral.id}").status_code == 200
        return
    client.post("/logout")
    login(cast.receiving["physician_on_team"])
    page = client.get(f"/referrals/{referral.id}")
    assert page.status_code == 200
    assert client.get("/referrals/incoming?state=" + state + "&overdue=1").status_code == 200


def test_bad_list_arguments_never_fail(client, login, cast, db):
    db.session.commit()
    login(cast.referring["coordinator"])
    for url in (
        "/referrals/incoming?state=bogus&page=abc",
        "/referrals/outgoing?page=99999",
        "/referrals/new?region=x&patient_region=-1&q=" + "x" * 500,
        "/referrals/new/999999",
        "/referrals/999999",
    ):
        assert client.get(url).status_code in (200, 404), url
    assert client.post("/referrals/1/events/accept", data={}).status_code == 404
