"""Public pages: no login, French and English, aggregates only."""

from __future__ import annotations

from referral_app.models import Referral, ReferralState, SiteStatus, TrialStatus
from referral_app.public.views import figures_by_community
from referral_app.timeutil import local_today, utcnow

PAGES = [
    "/",
    "/communities",
    "/communities/thoracic",
    "/communities/thoracic/join",
    "/centres",
    "/directory",
    "/figures",
]


def test_public_pages_need_no_login_in_french_and_english(client, network, make, db):
    trial = make.trial(community=network.community)
    make.site(trial, network.chum)
    db.session.commit()
    for url in [*PAGES, f"/directory/{trial.id}"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="fr"' in response.text
    client.post("/language/en")
    for url in PAGES:
        response = client.get(url)
        assert 'lang="en"' in response.text
    assert "Trial directory" in client.get("/").text  # public navigation


def test_community_page_shows_goals_leader_counts_and_trials(client, network, make, db):
    network.community.goals_en = "Share trials\nRefer patients"
    make.trial(community=network.community, acronym="OPENNOW")
    make.trial(community=network.community, acronym="SOON", status=TrialStatus.UPCOMING)
    make.trial(community=network.community, acronym="SHUT", status=TrialStatus.CLOSED)
    db.session.commit()
    client.post("/language/en")
    page = client.get("/communities/thoracic").text
    for text in (
        "Thoracic CoP",
        "Share trials",
        "Catherine HCLM",
        "4 members in 4 centres",
        "OPENNOW",
        "SOON",
        "January 2020",
    ):
        assert text in page, text
    assert "SHUT" not in page
    assert "@" not in page  # no e-mail address of anyone
    assert client.get("/communities/nope").status_code == 404


def test_directory_lists_open_and_upcoming_trials_with_recruiting_centres(
    client, network, make, db
):
    open_trial = make.trial(acronym="OPENNOW", community=network.community)
    make.site(open_trial, network.chus)
    make.site(open_trial, network.jgh, SiteStatus.CLOSED)
    make.trial(acronym="SOON", status=TrialStatus.UPCOMING)
    closed = make.trial(acronym="SHUT", status=TrialStatus.CLOSED)
    db.session.commit()
    page = client.get("/directory").text
    assert "OPENNOW" in page and "SOON" in page and "SHUT" not in page
    assert "CHUS" in page
    assert client.get(f"/directory/{closed.id}").status_code == 404
    detail = client.get(f"/directory/{open_trial.id}").text
    assert "CIUSSS de l&#39;Estrie – CHUS" in detail and "Jewish General" not in detail
    filtered = client.get("/directory?q=SOON&status=closed")
    assert "SOON" in filtered.text and "OPENNOW" not in filtered.text


def test_centres_by_region(client, network, make, db):
    trial = make.trial()
    make.site(trial, network.chus)
    db.session.commit()
    client.post("/language/en")
    page = client.get("/centres").text
    assert page.index("Estrie") < page.index("Montréal") < page.index("Montérégie")
    assert "1 recruiting trial" in page and "1 recruiting trials" not in page


def _referral(make, network, trial, site, state, **kw):
    return make._add(
        Referral(
            trial_id=trial.id,
            site_id=site.id,
            referring_centre_id=network.chus.id,
            receiving_centre_id=network.chum.id,
            referring_user_id=network.chus_nurse.id,
            state=state,
            patient_consent=True,
            submitted_at=utcnow(),
            **kw,
        )
    )


def test_figures_are_aggregates_in_one_query_each(client, network, make, db, count_queries):
    trial = make.trial(community=network.community)
    site = make.site(trial, network.chum)
    make.trial(community=network.community, status=TrialStatus.UPCOMING)
    _referral(make, network, trial, site, ReferralState.SUBMITTED, reference="REF-2026-000001")
    now = utcnow()
    _referral(
        make,
        network,
        trial,
        site,
        ReferralState.ENROLLED,
        reference="REF-2026-000002",
        decided_at=now,
        closed_at=now,
        enrolled_on=local_today(),
        enrolled_at=now,
        study_subject_id="S-1",
    )
    _referral(make, network, trial, site, ReferralState.DRAFT)
    db.session.commit()
    with count_queries() as counter:
        rows = figures_by_community()
    assert counter.count == 3
    row = rows[0]
    assert (row["centres"], row["members"], row["recruiting"], row["upcoming"]) == (4, 4, 1, 1)
    assert (row["referrals"], row["enrolled"]) == (2, 1)
    page = client.get("/figures")
    assert page.status_code == 200
    assert "REF-2026" not in page.text


def test_the_home_page_counts_the_centres_the_centres_page_lists(client, db):
    """Issue 16: the demo's home page said 19 participating centres, its centres page
    listed 22 (centres without members were not counted)."""
    import re

    from referral_app.seeding import seed_demo

    seed_demo()
    client.post("/language/en")
    listed = re.search(r"(\d+) centres, by health region", client.get("/centres").text)
    home = client.get("/").text
    counted = re.search(
        r'fw-semibold">(\d+)</div><div class="small text-muted">participating', home
    )
    assert listed and counted and listed.group(1) == counted.group(1)


def test_community_texts_state_no_figure_the_live_counts_contradict():
    """The seed's "more than 80 members in 16 centres" stood beside the page's live
    "25 members in 16 centres": the demo's texts leave figures to the counts."""
    import re

    from referral_app import seed_data

    for community in seed_data.COMMUNITIES:
        for key in ("description_fr", "description_en"):
            assert not re.search(r"\d+ (membres|members|centres)", community[key]), community[key]
