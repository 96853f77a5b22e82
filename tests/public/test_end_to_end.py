"""The issue's "done" scenario, end to end through the real command and pages."""

from __future__ import annotations

from sqlalchemy import select

from referral_app.models import Notification, NotificationChannel, SiteStatus, Trial, TrialSite
from tests.forms import post_page_form
from tests.trials.conftest import DATA


def test_import_open_site_news_niche_rule_and_public_pages(app, client, login, runner, network, db):
    # An admin imports a ClinicalTrials.gov file and marks one trial as niche.
    result = runner.invoke(
        args=["import-ctgov", str(DATA / "ctgov_sample.json"), "--community", "thoracic"]
    )
    # The sample's study without an NCT number is left out and named: a failing exit.
    assert result.exit_code == 1, result.output
    assert "Skipped study #3" in result.output
    db.session.expire_all()
    trial = db.session.scalar(select(Trial).where(Trial.nct_number == "NCT05000002"))
    login(network.admin)
    edit = post_page_form(
        client,
        f"/trials/{trial.id}/edit",
        having="title",
        community_id=network.community.id,
        status="recruiting",
        is_niche=True,
    )
    assert edit.status_code == 302
    # An import awaits review (issue 15): the admin publishes it.
    assert client.post(f"/trials/{trial.id}/publish", data={"override": "yes"}).status_code == 302
    client.post("/logout")

    # A coordinator opens a recruiting site at their centre.
    login(network.chum_coordinator)
    opened = post_page_form(
        client,
        f"/trials/{trial.id}/sites/new",
        having="centre_id",
        centre_id=network.chum.id,
        status="recruiting",
    )
    assert opened.status_code == 302
    client.post("/logout")

    # The community's members at the other centres get the news in-app and by e-mail.
    rows = [
        row
        for row in db.session.scalars(
            select(Notification).where(Notification.kind == "trial_news_site_opened")
        )
        if row.context["trial_id"] == trial.id and row.context["centre"] == "CHUM"
    ]
    assert {(r.recipient_id, r.channel) for r in rows} == {
        (user.id, channel)
        for user in (network.jgh_coordinator, network.chus_nurse, network.hclm_physician)
        for channel in NotificationChannel
    }

    # The niche rule refuses a second recruiting site in the same region.
    login(network.jgh_coordinator)
    second = post_page_form(
        client,
        f"/trials/{trial.id}/sites/new",
        having="centre_id",
        centre_id=network.jgh.id,
        status="recruiting",
    )
    assert second.status_code == 200
    assert "Université de Montréal already recruits for it in Montréal" in second.text
    client.post("/logout")

    # The public pages show the result without login.
    assert "RET-NICHE" in client.get("/directory?q=RET-NICHE").text
    detail = client.get(f"/directory/{trial.id}").text
    assert "Centre hospitalier de l&#39;Université de Montréal" in detail
    assert "Hôpital Charles-Le Moyne" in detail
    assert "RET-NICHE" in client.get("/communities/thoracic").text
    db.session.expire_all()
    statuses = {
        s.centre.short_name: s.status
        for s in db.session.scalars(select(TrialSite).where(TrialSite.trial_id == trial.id))
    }
    assert statuses == {"CHUM": SiteStatus.RECRUITING, "HCLM": SiteStatus.UPCOMING}
    assert all(s.niche for s in db.session.scalars(select(TrialSite)) if s.trial_id == trial.id)
