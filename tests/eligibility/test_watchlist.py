"""The watchlist: who goes on it, when a newly opened site is told, and clearing it."""

from __future__ import annotations

from sqlalchemy import select

from referral_app.eligibility import watchlist
from referral_app.models import Notification, SiteStatus, TrialStatus, WatchEntry
from referral_app.trials import services as trial_services
from referral_app.workflow import engine
from tests.eligibility.conftest import EGFR_TRIAL


def _summary(referral) -> None:
    """A summary that meets every structured criterion of EGFR_TRIAL."""
    referral.tumour_code, referral.stage_group, referral.ecog, referral.prior_lines = (
        "LUAD",
        "IV",
        1,
        0,
    )
    referral.biomarker_results = [{"gene": "EGFR", "alteration": "EX19DEL", "status": "positive"}]


def _decline(referral, user, reason: str, **extra):
    return engine.apply_event(
        referral,
        "decline",
        user,
        version=referral.version,
        data={"reason_code": reason, "note": "Closed to accrual.", **extra},
    )


def _told(db) -> list[Notification]:
    return list(
        db.session.scalars(select(Notification).where(Notification.kind == "watchlist_match"))
    )


def test_a_site_that_opens_is_told_once_to_the_referrer_without_patient_data(
    cast, make, db, with_criteria
):
    with_criteria(cast.site.trial, EGFR_TRIAL)
    cast.other_site.status = SiteStatus.UPCOMING  # the trial's only other site: not open
    referral = cast.referral("acknowledged")
    _summary(referral)
    _decline(referral, cast.receiving["coordinator"], "trial_closed_or_full")
    db.session.commit()
    (entry,) = db.session.scalars(select(WatchEntry)).all()
    assert entry.reason == "trial_closed_or_full" and entry.open_site_ids == [cast.site.id]

    assert watchlist.check_all() == 0  # nothing new since the decline
    assert not _told(db)
    trial_services.set_site_status(cast.other_site, SiteStatus.RECRUITING, actor_id=None)
    db.session.commit()
    assert watchlist.check_all() == 1
    told = _told(db)
    assert told and {n.recipient_id for n in told} == {cast.referring["coordinator"].id}
    for row in told:
        assert row.context["count"] == 1 and row.context["reference"] == referral.reference
        assert "LUAD" not in str(row.context) and "EGFR" not in str(row.context)
    assert watchlist.check_all() == 0  # told once
    assert len(_told(db)) == len(told)


def test_other_declines_are_not_watched_and_a_follow_up_ends_the_watch(cast, db, with_criteria):
    with_criteria(cast.site.trial, EGFR_TRIAL)
    not_eligible = cast.referral("acknowledged")
    _decline(not_eligible, cast.receiving["coordinator"], "not_eligible")
    elsewhere = cast.referral("acknowledged")
    _decline(elsewhere, cast.receiving["coordinator"], "better_served_elsewhere")
    db.session.commit()
    assert db.session.scalars(select(WatchEntry)).all() == []
    full = cast.referral("acknowledged")
    _decline(full, cast.receiving["coordinator"], "no_capacity")
    follow_up = cast.referral("draft")
    follow_up.previous_referral_id = full.id  # the referrer already filed elsewhere
    db.session.commit()
    watchlist.check_all()
    (entry,) = db.session.scalars(select(WatchEntry)).all()
    assert entry.cleared_at is not None and entry.cleared_why == "redirected"


def test_a_screen_failure_on_a_criterion_that_may_change(cast, db, with_criteria):
    with_criteria(cast.site.trial, EGFR_TRIAL)
    may_change = cast.referral("screening")
    fixed = cast.referral("screening")
    for referral, criterion in ((may_change, "ecog"), (fixed, "site")):
        engine.apply_event(
            referral,
            "screen_fail",
            cast.receiving["coordinator"],
            version=referral.version,
            data={"reason_code": "performance_status", "note": "ECOG 2", "criterion_id": criterion},
        )
    db.session.commit()
    (entry,) = db.session.scalars(select(WatchEntry)).all()
    assert entry.referral_id == may_change.id and entry.reason == "screen_fail_may_change"


def test_a_closing_site_puts_its_open_referrals_on_the_watchlist_and_it_is_cleared(
    client, login, cast, db, with_criteria
):
    referral = cast.referral("acknowledged")
    db.session.commit()
    trial_services.set_site_status(cast.site, SiteStatus.CLOSED, actor_id=None)
    db.session.commit()
    (entry,) = db.session.scalars(select(WatchEntry)).all()
    assert entry.reason == "site_closed"
    login(cast.outsider["coordinator"])  # another centre does not see nor clear it
    assert f'data-watch="{referral.id}"' not in client.get("/watchlist").get_data(as_text=True)
    assert client.post(f"/watchlist/{referral.id}/clear").status_code == 404
    client.post("/logout")
    login(cast.referring["coordinator"])
    assert f'data-watch="{referral.id}"' in client.get("/watchlist").get_data(as_text=True)
    assert client.post(f"/watchlist/{referral.id}/clear").status_code == 302
    db.session.expire_all()
    assert entry.cleared_at is not None and entry.cleared_by_id == cast.referring["coordinator"].id
    assert f'data-watch="{referral.id}"' not in client.get("/watchlist").get_data(as_text=True)


def test_the_news_reaches_the_centres_coordinators_when_the_referrer_has_left(
    cast, make, db, with_criteria
):
    """The workflow's rule for the referring side (``notify.referring_recipients``): an
    alert to a closed account would be lost ("recipient inactive")."""
    with_criteria(cast.site.trial, EGFR_TRIAL)
    cast.other_site.status = SiteStatus.UPCOMING
    referral = cast.referral("acknowledged")
    _summary(referral)
    _decline(referral, cast.receiving["coordinator"], "no_capacity")
    colleague = make.user(cast.referring["coordinator"].centre, "coordinator")
    cast.referring["coordinator"].active = False  # the referrer left the centre
    db.session.commit()
    trial_services.set_site_status(cast.other_site, SiteStatus.RECRUITING, actor_id=None)
    db.session.commit()
    assert watchlist.check_all() == 1
    told = {n.recipient_id for n in _told(db)}
    assert colleague.id in told and cast.referring["coordinator"].id not in told


def _watched_after_a_full_trial(cast, db, with_criteria) -> None:
    """A referral declined "trial closed or full" at the trial's only open site, on the
    watchlist, with nothing new at the first check."""
    with_criteria(cast.site.trial, EGFR_TRIAL)
    cast.other_site.status = SiteStatus.UPCOMING
    referral = cast.referral("acknowledged")
    _summary(referral)
    _decline(referral, cast.receiving["coordinator"], "trial_closed_or_full")
    db.session.commit()
    assert watchlist.check_all() == 0


def test_a_site_closed_and_reopened_between_two_checks_is_news(cast, make, db, with_criteria):
    """The site that declined for "trial full" closes, then reopens, within the hour:
    each check saw it open, so nobody was told."""
    _watched_after_a_full_trial(cast, db, with_criteria)
    trial_services.set_site_status(cast.site, SiteStatus.CLOSED, actor_id=None)
    trial_services.set_site_status(cast.site, SiteStatus.RECRUITING, actor_id=None)
    db.session.commit()
    assert watchlist.check_all() == 1
    assert watchlist.check_all() == 0  # told once


def test_a_trial_suspended_and_reopened_between_two_checks_is_news(cast, make, db, with_criteria):
    _watched_after_a_full_trial(cast, db, with_criteria)
    trial = cast.site.trial
    trial_services.set_trial_status(trial, TrialStatus.SUSPENDED, actor_id=None)
    trial_services.set_trial_status(trial, TrialStatus.RECRUITING, actor_id=None)
    db.session.commit()
    assert watchlist.check_all() == 1


def test_a_trial_that_stops_recruiting_puts_its_open_referrals_on_the_watchlist(
    cast, db, with_criteria
):
    with_criteria(cast.site.trial, EGFR_TRIAL)
    referral = cast.referral("acknowledged")
    _summary(referral)
    db.session.commit()
    trial_services.set_trial_status(cast.site.trial, TrialStatus.CLOSED, actor_id=None)
    db.session.commit()
    (entry,) = db.session.scalars(select(WatchEntry)).all()
    assert entry.referral_id == referral.id and entry.reason == "site_closed"
