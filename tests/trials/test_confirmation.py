"""Site status someone vouches for (issue 15, item 6): asked every 30 days, one click,
unverified after 45 days wherever sites are listed, the leader told once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from referral_app.models import Notification, Role, SiteStatus, TrialSite
from referral_app.timeutil import utcnow
from referral_app.trials import confirmation
from tests.forms import post_page_form


@pytest.fixture
def site(make, db):
    leader = make.user(role=Role.COORDINATOR)
    community = make.community(leader_id=leader.id)
    trial = make.trial(community)
    centre = make.centre()
    contact = make.user(centre, Role.COORDINATOR)
    site = make.site(trial, centre)
    site.intake_contacts = [contact]
    db.session.commit()
    return site


def _days_ago(days: float) -> dt.datetime:
    return utcnow() - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("vouched_days_ago", "status", "unverified"),
    [
        (None, SiteStatus.RECRUITING, True),
        (10, SiteStatus.RECRUITING, False),
        (44.9, SiteStatus.RECRUITING, False),
        (45.1, SiteStatus.RECRUITING, True),
        (90, SiteStatus.CLOSED, False),  # only recruiting sites are vouched for
        (None, SiteStatus.UPCOMING, False),
    ],
)
def test_python_and_sql_say_the_same(site, db, vouched_days_ago, status, unverified):
    site.status = status
    site.vouched_at = None if vouched_days_ago is None else _days_ago(vouched_days_ago)
    db.session.commit()
    assert confirmation.is_unverified(site) is unverified
    in_sql = db.session.scalar(
        select(TrialSite.id).where(TrialSite.id == site.id, confirmation.unverified_clause())
    )
    assert (in_sql is not None) is unverified


def test_opening_a_site_vouches_for_it(make, db):
    from referral_app.trials import services

    trial = make.trial()
    opened = make.site(trial, make.centre(), status=SiteStatus.UPCOMING)
    actor = make.user(opened.centre, Role.COORDINATOR)
    services.set_site_status(opened, SiteStatus.RECRUITING, actor_id=actor.id)
    assert opened.vouched_by_id == actor.id and not confirmation.is_unverified(opened)


def test_asked_once_a_period_and_the_leader_told_once(site, db):
    site.vouched_at = _days_ago(31)
    db.session.commit()
    assert confirmation.ask_and_escalate() == (1, 0)
    assert confirmation.ask_and_escalate() == (0, 0)  # asked this period already
    asks = db.session.scalars(
        select(Notification).where(Notification.kind == "site_confirmation_request")
    ).all()
    assert {n.recipient_id for n in asks} == {site.intake_contacts[0].id}
    assert asks[0].context["url"] == confirmation.confirm_path(site.id)
    # Fifty days without an answer: unverified, the leader told once; asked 19 days ago,
    # so not asked again before the period is over.
    later = utcnow() + dt.timedelta(days=19)
    assert confirmation.ask_and_escalate(now=later) == (0, 1)
    assert confirmation.ask_and_escalate(now=later + dt.timedelta(hours=1)) == (0, 0)
    assert confirmation.ask_and_escalate(now=later + dt.timedelta(days=12)) == (1, 0)
    told = db.session.scalars(
        select(Notification).where(Notification.kind == "site_unverified")
    ).all()
    assert {(n.recipient_id, n.channel.value) for n in told} == {
        (site.trial.community.leader_id, "in_app"),
        (site.trial.community.leader_id, "email"),
    }


def test_one_click_confirms_and_everywhere_shows_unverified_before(client, login, site, db):
    site.vouched_at = _days_ago(60)
    db.session.commit()
    contact = site.intake_contacts[0]
    login(contact)
    detail = client.get(f"/trials/{site.trial_id}").get_data(as_text=True)
    assert "data-unverified" in detail
    public = client.get(f"/directory/{site.trial_id}")
    assert public.status_code == 200 and "data-unverified" in public.get_data(as_text=True)
    path = confirmation.confirm_path(site.id)
    answered = post_page_form(client, path, having="answer", answer="recruiting", slots_left="3")
    assert answered.status_code == 302
    db.session.expire_all()
    assert site.vouched_by_id == contact.id and site.slots_left == 3
    assert not confirmation.is_unverified(site)
    assert "data-unverified" not in client.get(f"/trials/{site.trial_id}").get_data(as_text=True)
    closed = post_page_form(client, path, having="answer", answer="closed")
    assert closed.status_code == 302
    db.session.expire_all()
    assert site.status == SiteStatus.CLOSED


def test_only_the_sites_staff_confirm(client, login, site, make, db):
    stranger = make.user(make.centre(), Role.COORDINATOR)
    db.session.commit()
    login(stranger)
    assert client.get(confirmation.confirm_path(site.id)).status_code == 403
