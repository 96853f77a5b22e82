"""Catalogue pages: search, trial page, editing, sites, permissions, coverage."""

from __future__ import annotations

from sqlalchemy import select

from referral_app.models import Notification, SiteStatus, Trial, TrialSite, TrialStatus
from referral_app.trials import services
from referral_app.trials.services import SiteData
from tests.forms import post_page_form
from tests.trials.conftest import DATA


def test_catalogue_needs_login(client, network):
    assert client.get("/trials/").status_code == 302


def test_search_filters_and_pagination(client, login, network, make, db, app):
    app.config["PER_PAGE"] = 5
    try:
        lung = make.trial(
            community=network.community, acronym="LUNGY", tumour_site="Lung", biomarkers="EGFR"
        )
        make.site(lung, network.chus)
        for n in range(7):
            make.trial(acronym=f"OTHER{n}", tumour_site="Breast", status=TrialStatus.UPCOMING)
        db.session.commit()
        login(network.jgh_coordinator)
        page1 = client.get("/trials/")
        assert page1.status_code == 200
        assert "8 results" in page1.text and "page=2" in page1.text
        found = client.get("/trials/?q=egfr")
        assert "LUNGY" in found.text and "OTHER1" not in found.text
        by_region = client.get(f"/trials/?region={network.estrie.id}")
        assert "LUNGY" in by_region.text and "OTHER1" not in by_region.text
        by_status = client.get("/trials/?status=upcoming&community=&phase=")
        assert "LUNGY" not in by_status.text and "OTHER1" in by_status.text
        by_community = client.get("/trials/?community=thoracic")
        assert "LUNGY" in by_community.text and "OTHER1" not in by_community.text
        nonsense = client.get("/trials/?status=bogus&region=x&page=-3&phase=zzz")
        assert nonsense.status_code == 200
    finally:
        app.config["PER_PAGE"] = 25


def test_catalogue_page_has_no_n_plus_one(client, login, network, make, db, count_queries):
    for _n in range(3):
        trial = make.trial(community=network.community)
        make.site(trial, network.chum)
    db.session.commit()
    login(network.jgh_coordinator)
    with count_queries() as few:
        client.get("/trials/")
    for _n in range(12):
        trial = make.trial(community=network.community)
        make.site(trial, network.chum)
        make.site(trial, network.chus)
    db.session.commit()
    with count_queries() as many:
        response = client.get("/trials/")
    assert response.status_code == 200
    assert many.count == few.count


def test_trial_page_lists_sites_by_region(client, login, network, make, db):
    trial = make.trial(acronym="SHOWME")
    make.site(trial, network.chum, investigator_name="Dr Who")
    make.site(trial, network.chus, SiteStatus.UPCOMING)
    db.session.commit()
    login(network.jgh_coordinator)
    page = client.get(f"/trials/{trial.id}")
    assert page.status_code == 200
    assert page.text.index("Estrie") < page.text.index("Montréal")  # by region code
    assert "Dr Who" in page.text
    assert client.get("/trials/99999").status_code == 404


def test_only_admins_create_and_edit_trials(client, login, network, make, db):
    trial = make.trial()
    db.session.commit()
    login(network.chum_coordinator)
    assert client.get("/trials/new").status_code == 403
    assert client.get(f"/trials/{trial.id}/edit").status_code == 403
    assert client.post("/trials/new", data={"nct_number": "NCT02222222"}).status_code == 403


def test_admin_creates_a_trial_with_nct_validation(client, login, network, make, db):
    make.trial(nct_number="NCT03333333", acronym="TAKEN")
    db.session.commit()
    login(network.admin)
    form = {
        "nct_number": "nct123",
        "title": "New trial",
        "phase": "phase2",
        "community_id": str(network.community.id),
        "status": "upcoming",
    }
    bad = post_page_form(client, "/trials/new", having="title", **form)
    assert bad.status_code == 200 and "NCT followed by 8 digits" in bad.text
    duplicate = post_page_form(
        client, "/trials/new", having="title", **{**form, "nct_number": "NCT03333333"}
    )
    assert "already used by the trial TAKEN" in duplicate.text
    created = post_page_form(
        client, "/trials/new", having="title", **{**form, "nct_number": " nct04444444 "}
    )
    assert created.status_code == 302
    trial = db.session.scalar(select(Trial).where(Trial.nct_number == "NCT04444444"))
    assert trial.community_id == network.community.id
    edited = post_page_form(
        client,
        f"/trials/{trial.id}/edit",
        having="title",
        **{**form, "nct_number": "NCT04444444", "status": "recruiting", "acronym": "NEWONE"},
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(Trial, trial.id).status == TrialStatus.RECRUITING
    closed = post_page_form(
        client,
        f"/trials/{trial.id}/edit",
        having="title",
        **{**form, "nct_number": "NCT04444444", "status": "upcoming"},
    )
    assert closed.status_code == 200  # not an allowed choice any more


def test_coordinator_opens_a_site_at_their_own_centre_only(client, login, network, make, db):
    trial = make.trial(community=network.community, acronym="OPENUP")
    other = make.site(trial, network.chus, SiteStatus.UPCOMING)
    db.session.commit()
    login(network.jgh_coordinator)
    form = client.get(f"/trials/{trial.id}/sites/new")
    assert "Jewish General Hospital" in form.text and "CHUM" not in form.text
    refused = client.post(
        f"/trials/{trial.id}/sites/new",
        data={"centre_id": str(network.chum.id), "status": "recruiting"},
    )
    assert refused.status_code == 200 and "Not a valid choice" in refused.text
    added = client.post(
        f"/trials/{trial.id}/sites/new",
        data={
            "centre_id": str(network.jgh.id),
            "status": "recruiting",
            "investigator_name": "Dr Brenner",
        },
    )
    assert added.status_code == 302
    site = db.session.scalar(select(TrialSite).where(TrialSite.centre_id == network.jgh.id))
    assert site.status == SiteStatus.RECRUITING
    assert client.get(f"/trials/sites/{other.id}/edit").status_code == 403
    edit = client.post(
        f"/trials/sites/{site.id}/edit",
        data={
            "status": "recruiting",
            "investigator_name": "Dr Brenner",
            "intake_contacts": [str(network.jgh_coordinator.id)],
        },
    )
    assert edit.status_code == 302
    db.session.expire_all()
    assert [u.id for u in db.session.get(TrialSite, site.id).intake_contacts] == [
        network.jgh_coordinator.id
    ]


def test_physicians_and_managers_cannot_open_sites(client, login, network, make, db):
    trial = make.trial()
    db.session.commit()
    login(network.hclm_physician)
    assert client.get(f"/trials/{trial.id}/sites/new").status_code == 403


def test_niche_refusal_is_a_clear_message_in_the_page(client, login, network, make, db):
    trial = make.trial(community=network.community, acronym="NICHEY", is_niche=True)
    make.site(trial, network.chum, SiteStatus.RECRUITING)
    db.session.commit()
    login(network.jgh_coordinator)
    response = post_page_form(
        client,
        f"/trials/{trial.id}/sites/new",
        having="centre_id",
        centre_id=network.jgh.id,
        status="recruiting",
    )
    assert response.status_code == 200
    assert "Centre hospitalier de l&#39;Université de Montréal already recruits" in response.text
    assert db.session.scalar(select(TrialSite).where(TrialSite.centre_id == network.jgh.id)) is None


def test_coverage_page_shows_regions_with_and_without_a_centre(
    client, login, network, make, db, count_queries
):
    niche = make.trial(acronym="COVERME", is_niche=True, community=network.community)
    make.site(niche, network.chum, SiteStatus.RECRUITING)
    make.trial(acronym="NOTNICHE")
    db.session.commit()
    login(network.chus_nurse)
    page = client.get("/trials/coverage")
    assert "COVERME" in page.text and "NOTNICHE" not in page.text
    from referral_app.trials.coverage import niche_coverage, niche_trials_stmt

    ids = list(db.session.scalars(niche_trials_stmt("thoracic")))
    with count_queries() as counter:
        regions, rows = niche_coverage(ids)
    assert counter.count == 1
    assert rows[0]["covered"] == 1
    assert rows[0]["cells"][network.montreal.id] == ["CHUM"]
    assert set(rows[0]["uncovered"]) == {"Estrie", "Montérégie"}
    assert client.get("/trials/coverage?community=thoracic").status_code == 200


def test_admin_imports_a_file_through_the_web(client, login, network, db):
    login(network.admin)
    with open(DATA / "ctgov_sample.json", "rb") as handle:
        response = client.post(
            "/trials/import",
            data={"file": (handle, "studies.json"), "community": "thoracic"},
            content_type="multipart/form-data",
        )
    assert response.status_code == 200
    assert "2 trials created" in response.text
    assert "Clinique Privée Imaginaire" in response.text
    assert db.session.scalar(select(Trial).where(Trial.nct_number == "NCT05000001")) is not None


def test_news_written_by_the_web_reaches_the_outbox(client, login, network, make, db):
    trial = make.trial(community=network.community)
    site = services.add_site(trial, network.jgh, SiteData(status=SiteStatus.UPCOMING))
    db.session.commit()
    login(network.jgh_coordinator)
    post_page_form(client, f"/trials/sites/{site.id}/edit", having="status", status="recruiting")
    rows = db.session.scalars(
        select(Notification).where(Notification.kind == "trial_news_site_opened")
    ).all()
    assert {r.recipient_id for r in rows} == {
        network.chum_coordinator.id,
        network.chus_nurse.id,
        network.hclm_physician.id,
    }
