"""The review queue (issue 15, item 1): new studies and registry changes wait for a
person; a published trial changes only when a reviewer applies what they saw."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, update

from referral_app.models import AuditLog, Notification, SiteStatus, Trial
from referral_app.trials import ctgov, held_changes, review
from tests.forms import post_page_form
from tests.trials.conftest import DATA

SAMPLE = json.loads((DATA / "ctgov_sample.json").read_text())


def _changed_sample() -> dict:
    data = json.loads(json.dumps(SAMPLE))
    study = data["studies"][0]["protocolSection"]
    study["identificationModule"]["briefTitle"] = "A new title"
    study["eligibilityModule"]["eligibilityCriteria"] += "\n* ECOG 0-1"
    study["contactsLocationsModule"]["locations"][2]["status"] = "RECRUITING"  # CHUS opens
    return data


def _kras(db) -> Trial:
    return db.session.scalar(select(Trial).where(Trial.nct_number == "NCT05000001"))


@pytest.fixture
def published(network, db) -> Trial:
    """The sample imported and published by the admin, its news already sent."""
    ctgov.import_studies(SAMPLE, community_slug="thoracic")
    for trial in db.session.scalars(select(Trial)):
        review.publish(trial, network.admin)
    db.session.commit()
    return _kras(db)


def _actions(db, action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_a_registry_change_to_a_published_trial_is_held_not_applied(published, db):
    title, eligibility = published.title, published.eligibility_summary
    notifications = db.session.scalar(select(func.count(Notification.id)))
    report = ctgov.import_studies(_changed_sample())
    db.session.commit()
    assert (report.held, report.updated, report.unchanged) == (1, 0, 1)
    assert "1 change awaiting review" in report.counts()
    db.session.expire_all()
    kras = _kras(db)
    assert (kras.title, kras.eligibility_summary) == (title, eligibility)
    assert {s.centre.short_name: s.status for s in kras.sites}["CHUS"] != SiteStatus.RECRUITING
    assert kras.pending_digest and kras.pending_since
    assert db.session.scalar(select(func.count(Notification.id))) == notifications  # no news
    fields = [change.field for change in held_changes.pending_changes(kras)]
    assert fields == ["title", "eligibility_summary", "site"]


def test_the_same_record_again_holds_nothing(published, db):
    report = ctgov.import_studies(SAMPLE)
    db.session.commit()
    assert (report.held, report.unchanged) == (0, 2)
    assert _kras(db).pending_record is None


def test_a_registry_back_to_the_published_version_drops_the_held_change(published, db):
    ctgov.import_studies(_changed_sample())
    db.session.commit()
    ctgov.import_studies(SAMPLE)
    db.session.commit()
    assert _kras(db).pending_digest is None


def test_the_queue_shows_new_studies_and_changes_to_their_reviewers(
    published, network, client, login, make, db
):
    ctgov.import_studies(_changed_sample())
    study = json.loads(json.dumps(SAMPLE["studies"][0]))
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT05000009"
    ctgov.import_studies({"studies": [study]}, community_slug="thoracic")
    db.session.commit()
    login(network.hclm_physician)  # the thoracic community's leader
    page = client.get("/trials/review").get_data(as_text=True)
    assert 'data-review-item="NCT05000001"' in page and 'data-kind="changed"' in page
    assert 'data-review-item="NCT05000009"' in page and 'data-kind="new"' in page
    client.post("/logout")
    login(network.chum_coordinator)
    assert client.get("/trials/review").status_code == 403
    assert client.get(f"/trials/{published.id}/review").status_code == 403
    other_leader = make.user(network.jgh)
    other = make.community(slug="melanoma", name_fr="Mélanome", name_en="Melanoma")
    other.leader_id = other_leader.id
    db.session.commit()
    client.post("/logout")
    login(other_leader)  # leads another community: nothing of the thoracic one
    page = client.get("/trials/review").get_data(as_text=True)
    assert "data-review-item" not in page


def test_the_review_page_diffs_field_by_field_and_applying_changes_the_trial(
    published, network, client, login, db
):
    ctgov.import_studies(_changed_sample())
    db.session.commit()
    login(network.admin)
    page = client.get(f"/trials/{published.id}/review").get_data(as_text=True)
    assert 'data-change="title"' in page and "A new title" in page
    assert 'data-change="eligibility_summary"' in page and "ECOG 0-1" in page
    assert 'data-change="site"' in page and "CHUS" in page
    response = post_page_form(
        client,
        f"/trials/{published.id}/review",
        having="digest",
        action=f"/trials/{published.id}/registry-change",
        decision="apply",
    )
    assert response.status_code == 302
    db.session.expire_all()
    kras = _kras(db)
    assert kras.title == "A new title" and "ECOG 0-1" in kras.eligibility_summary
    assert {s.centre.short_name: s.status for s in kras.sites}["CHUS"] == SiteStatus.RECRUITING
    assert kras.pending_record is None
    (entry,) = _actions(db, "apply_registry_change")
    assert entry.user_id == network.admin.id
    assert entry.details["fields"] == ["title", "eligibility_summary", "site"]


def test_rejecting_changes_keeps_the_trial_as_published(published, network, client, login, db):
    title = published.title
    ctgov.import_studies(_changed_sample())
    db.session.commit()
    login(network.admin)
    post_page_form(
        client,
        f"/trials/{published.id}/review",
        having="digest",
        action=f"/trials/{published.id}/registry-change",
        decision="reject",
    )
    db.session.expire_all()
    assert _kras(db).title == title and _kras(db).pending_record is None
    assert len(_actions(db, "reject_registry_change")) == 1


def test_a_newer_registry_version_is_not_applied_unseen(published, network, client, login, db):
    """The reviewer decides on what they saw: if the registry sent another version
    since (or another reviewer decided), the decision is refused and nothing changes."""
    ctgov.import_studies(_changed_sample())
    db.session.commit()
    login(network.admin)
    seen = client.get(f"/trials/{published.id}/review").get_data(as_text=True)
    newer = _changed_sample()
    newer["studies"][0]["protocolSection"]["identificationModule"]["briefTitle"] = "Newer"
    ctgov.import_studies(newer)
    db.session.commit()
    from tests.forms import page_form

    data = page_form(seen, "digest")
    data["decision"] = ["apply"]
    response = client.post(f"/trials/{published.id}/registry-change", data=data)
    assert response.status_code == 302
    assert "newer version" in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    kras = _kras(db)
    assert kras.title == published.title and kras.pending_record is not None
    assert _actions(db, "apply_registry_change") == []


def test_two_reviewers_cannot_both_decide(published, network, db):
    ctgov.import_studies(_changed_sample())
    db.session.commit()
    kras = _kras(db)
    digest = kras.pending_digest
    # The other reviewer's decision lands between this one's reading and writing.
    db.session.execute(update(Trial).where(Trial.id == kras.id).values(pending_digest=None))
    with pytest.raises(review.AlreadyDecided):
        held_changes.apply_change(kras, network.admin, digest)
    db.session.expire_all()
    assert _kras(db).title != "A new title"


def test_publishing_a_new_study_from_its_review_page(network, client, login, db):
    ctgov.import_studies(SAMPLE, community_slug="thoracic")
    db.session.commit()
    kras = _kras(db)
    login(network.hclm_physician)  # the community's leader
    page = client.get(f"/trials/{kras.id}/review").get_data(as_text=True)
    assert "data-sites-found" in page and "Jewish General Hospital" in page
    response = post_page_form(
        client, f"/trials/{kras.id}/review", action=f"/trials/{kras.id}/publish"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert _kras(db).is_published
    page = client.get("/trials/review").get_data(as_text=True)
    assert 'data-review-item="NCT05000001"' not in page


def test_rejecting_a_new_study(network, client, login, db):
    ctgov.import_studies(SAMPLE, community_slug="thoracic")
    db.session.commit()
    kras = _kras(db)
    login(network.admin)
    response = client.post(f"/trials/{kras.id}/reject")
    assert response.status_code == 302
    db.session.expire_all()
    kras = _kras(db)
    assert kras.rejected_at is not None and not kras.is_published
    assert 'data-review-item="NCT05000001"' not in client.get("/trials/review").get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    again = client.post(f"/trials/{kras.id}/reject")  # already decided: a message, no change
    assert "already decided" in client.get(again.location).get_data(as_text=True)
    assert len(_actions(db, "reject")) == 1
    review.publish(kras, network.admin)  # a reviewer may still change their mind
    db.session.commit()
    assert kras.is_published and kras.rejected_at is None


def test_a_new_studys_unmatched_quebec_location_is_mapped_from_its_review(
    network, client, login, db
):
    """Issue 15: "McGill University, Dept. Oncology" matched no centre, so the study
    looked as if it had no Quebec site. The review lists it; one mapping adds the site."""
    study = json.loads(json.dumps(SAMPLE["studies"][0]))
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT05000077"
    study["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {
            "facility": "McGill University, Dept. Oncology",
            "city": "Montreal",
            "state": "Quebec",
            "country": "Canada",
            "status": "RECRUITING",
        }
    ]
    ctgov.import_studies({"studies": [study]}, community_slug="thoracic")
    db.session.commit()
    trial = db.session.scalar(select(Trial).where(Trial.nct_number == "NCT05000077"))
    assert review.flags(trial) == ["no_quebec_site"]
    login(network.admin)
    page = client.get(f"/trials/{trial.id}/review").get_data(as_text=True)
    assert "data-unmatched-locations" in page and "McGill University, Dept. Oncology" in page
    response = post_page_form(
        client,
        f"/trials/{trial.id}/review",
        having="facility",
        action="/trials/import/aliases",
        centre_id=network.jgh.id,
    )
    assert response.location.endswith(f"/trials/{trial.id}/review")
    assert "1 site added to this study" in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert [(s.centre_id, s.status) for s in trial.sites] == [
        (network.jgh.id, SiteStatus.RECRUITING)
    ]
    assert review.flags(trial) == []
