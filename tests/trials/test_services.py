"""Catalogue rules: NCT uniqueness, status transitions, the niche rule in both layers."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from referral_app.models import AuditLog, SiteStatus, Trial, TrialSite, TrialStatus
from referral_app.trials import services
from referral_app.trials.services import NicheRuleError, SiteData, TrialData, TrialError


def _data(**kw) -> TrialData:
    kw.setdefault("nct_number", "NCT01234567")
    kw.setdefault("title", "A trial")
    return TrialData(**kw)


def test_create_trial_is_audited(network, db):
    trial = services.create_trial(
        _data(acronym="ALPHA", community_id=network.community.id), actor_id=network.admin.id
    )
    db.session.commit()
    row = db.session.scalar(select(AuditLog).where(AuditLog.object_type == "trial"))
    assert row.action == "create" and row.object_id == trial.id
    assert row.user_id == network.admin.id


def test_duplicate_nct_number_is_refused_with_a_clear_message(network, make, db):
    make.trial(nct_number="NCT01234567", acronym="FIRST")
    with pytest.raises(TrialError, match="NCT01234567 is already used by the trial FIRST"):
        services.create_trial(_data())
    other = make.trial(nct_number="NCT07654321")
    with pytest.raises(TrialError, match="already used"):
        services.update_trial(other, _data(status=other.status))


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        (TrialStatus.UPCOMING, TrialStatus.RECRUITING, True),
        (TrialStatus.RECRUITING, TrialStatus.SUSPENDED, True),
        (TrialStatus.SUSPENDED, TrialStatus.RECRUITING, True),
        (TrialStatus.RECRUITING, TrialStatus.CLOSED, True),
        (TrialStatus.CLOSED, TrialStatus.RECRUITING, False),
        (TrialStatus.RECRUITING, TrialStatus.UPCOMING, False),
    ],
)
def test_trial_status_transitions(network, make, db, old, new, allowed):
    trial = make.trial(status=old)
    if allowed:
        services.set_trial_status(trial, new)
        assert trial.status == new
    else:
        with pytest.raises(TrialError, match="cannot go from"):
            services.set_trial_status(trial, new)
        assert trial.status == old


def test_site_status_transitions(network, make, db):
    trial = make.trial()
    site = services.add_site(trial, network.chum, SiteData(status=SiteStatus.UPCOMING))
    services.set_site_status(site, SiteStatus.RECRUITING)
    assert site.opened_on is not None
    services.set_site_status(site, SiteStatus.CLOSED)
    assert site.closed_on is not None
    with pytest.raises(TrialError, match="cannot go from"):
        services.set_site_status(site, SiteStatus.UPCOMING)


def test_site_copies_region_and_niche_flag(network, make, db):
    trial = make.trial(is_niche=True)
    site = services.add_site(trial, network.chus, SiteData(status=SiteStatus.RECRUITING))
    assert site.region_id == network.estrie.id
    assert site.niche is True


def test_intake_contacts_must_belong_to_the_centre(network, make, db):
    trial = make.trial()
    with pytest.raises(TrialError, match="Intake contacts must be active users of CHUM"):
        services.add_site(
            trial, network.chum, SiteData(intake_contact_ids=[network.jgh_coordinator.id])
        )


def test_niche_rule_service_refuses_a_second_recruiting_site_and_names_the_first(network, make, db):
    trial = make.trial(acronym="RET-Q", is_niche=True)
    services.add_site(trial, network.chum, SiteData(status=SiteStatus.RECRUITING))
    with pytest.raises(NicheRuleError) as refused:
        services.add_site(trial, network.jgh, SiteData(status=SiteStatus.RECRUITING))
    assert "Centre hospitalier de l'Université de Montréal" in str(refused.value)
    assert "Montréal" in str(refused.value)
    # Upcoming is fine, but opening it later is refused the same way.
    site = services.add_site(trial, network.jgh, SiteData(status=SiteStatus.UPCOMING))
    with pytest.raises(NicheRuleError, match="already recruits"):
        services.set_site_status(site, SiteStatus.RECRUITING)
    assert site.status == SiteStatus.UPCOMING
    # Another region is free.
    services.add_site(trial, network.chus, SiteData(status=SiteStatus.RECRUITING))


def test_niche_rule_does_not_apply_to_ordinary_trials(network, make, db):
    trial = make.trial(is_niche=False)
    services.add_site(trial, network.chum, SiteData(status=SiteStatus.RECRUITING))
    services.add_site(trial, network.jgh, SiteData(status=SiteStatus.RECRUITING))
    assert len(trial.sites) == 2


def _assert_database_refuses_a_second_montreal_site(trial, network, db) -> None:
    """Insert a recruiting JGH site past the service: the niche index must refuse it."""
    db.session.add(
        TrialSite(
            trial_id=trial.id,
            centre_id=network.jgh.id,
            region_id=network.montreal.id,
            niche=True,
            status=SiteStatus.RECRUITING,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_niche_rule_database_index_refuses_what_the_service_would(network, make, db):
    trial = make.trial(is_niche=True)
    make.site(trial, network.chum, SiteStatus.RECRUITING)
    db.session.commit()
    _assert_database_refuses_a_second_montreal_site(trial, network, db)


def test_making_a_trial_niche_copies_the_flag_to_its_sites(network, make, db):
    trial = make.trial(is_niche=False)
    services.add_site(trial, network.chum, SiteData(status=SiteStatus.RECRUITING))
    services.add_site(trial, network.chus, SiteData(status=SiteStatus.RECRUITING))
    services.update_trial(
        trial,
        _data(nct_number=trial.nct_number, is_niche=True, status=trial.status, title=trial.title),
    )
    db.session.commit()
    flags = db.session.scalars(select(TrialSite.niche).where(TrialSite.trial_id == trial.id))
    assert set(flags) == {True}
    # The database now guards the region too.
    _assert_database_refuses_a_second_montreal_site(trial, network, db)


def test_a_trial_recruiting_twice_in_a_region_cannot_become_niche(network, make, db):
    trial = make.trial(is_niche=False)
    services.add_site(trial, network.chum, SiteData(status=SiteStatus.RECRUITING))
    services.add_site(trial, network.jgh, SiteData(status=SiteStatus.RECRUITING))
    with pytest.raises(TrialError, match="cannot become niche"):
        services.update_trial(
            trial, _data(nct_number=trial.nct_number, is_niche=True, status=trial.status)
        )
    assert db.session.get(Trial, trial.id).is_niche is False


def test_moving_a_centre_moves_its_sites_and_respects_the_niche_rule(network, make, db):
    from referral_app.admin import services as admin_services

    trial = make.trial(is_niche=True, acronym="NICHE")
    services.add_site(trial, network.chum, SiteData(status=SiteStatus.RECRUITING))
    services.add_site(trial, network.chus, SiteData(status=SiteStatus.RECRUITING))
    db.session.commit()
    data = admin_services.CentreData(
        name=network.chus.name, short_name="CHUS", city="Montréal", region_id=network.montreal.id
    )
    with pytest.raises(NicheRuleError, match="CHUS cannot move"):
        admin_services.save_centre(network.chus, data, actor_id=network.admin.id)
    db.session.rollback()
    data.region_id = network.monteregie.id
    admin_services.save_centre(network.chus, data, actor_id=network.admin.id)
    db.session.commit()
    site = db.session.scalar(select(TrialSite).where(TrialSite.centre_id == network.chus.id))
    assert site.region_id == network.monteregie.id
