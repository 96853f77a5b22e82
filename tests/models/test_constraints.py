"""Database constraints back the domain rules (both SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from referral_app.models import Referral, ReferralState, SiteStatus, Trial


def test_nct_number_is_unique(make, db):
    make.trial(nct_number="NCT01234567")
    with pytest.raises(IntegrityError):
        make.trial(nct_number="NCT01234567")


def test_nct_number_format_is_checked(db):
    db.session.add(Trial(nct_number="XYZ", title="Bad"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_niche_trial_has_one_recruiting_site_per_region(make, db):
    region = make.region()
    a, b = make.centre(region=region), make.centre(region=region)
    other = make.centre()
    trial = make.trial(is_niche=True)
    make.site(trial, a)
    make.site(trial, other)  # another region: allowed
    make.site(trial, b, status=SiteStatus.UPCOMING)  # not recruiting: allowed
    with pytest.raises(IntegrityError):
        make.site(trial, make.centre(region=region))


def test_non_niche_trial_may_recruit_twice_in_a_region(make, db):
    region = make.region()
    trial = make.trial(is_niche=False)
    make.site(trial, make.centre(region=region))
    make.site(trial, make.centre(region=region))


def test_state_checks_refuse_inconsistent_referrals(make, db):
    centre_a, centre_b = make.centre(), make.centre()
    user = make.user(centre=centre_a)
    trial = make.trial()
    site = make.site(trial, centre_b)
    referral = Referral(
        trial=trial,
        site=site,
        referring_centre=centre_a,
        receiving_centre=centre_b,
        referring_user=user,
        state=ReferralState.SUBMITTED,  # no consent, no submitted_at
    )
    db.session.add(referral)
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_ecog_range_is_checked(make, db):
    centre_a, centre_b = make.centre(), make.centre()
    trial = make.trial()
    referral = Referral(
        trial=trial,
        site=make.site(trial, centre_b),
        referring_centre=centre_a,
        receiving_centre=centre_b,
        referring_user=make.user(centre=centre_a),
        ecog=7,
    )
    db.session.add(referral)
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_database_errors_never_show_the_parameters_of_a_statement(make, db):
    """Errors end up in logs: SQLAlchemy must not print the statement's values.

    (PostgreSQL's own DETAIL line of a CHECK violation still quotes the failing
    row; see the README's patient-data notes.)
    """
    centre_a, centre_b = make.centre(), make.centre()
    trial = make.trial()
    referral = Referral(
        trial=trial,
        site=make.site(trial, centre_b),
        referring_centre=centre_a,
        receiving_centre=centre_b,
        referring_user=make.user(centre=centre_a),
        clinical_notes="Patient Gisèle Tremblay, secret clinical note",
        ecog=9,
    )
    db.session.add(referral)
    with pytest.raises(IntegrityError) as error:
        db.session.flush()
    message = str(error.value)
    assert "parameters hidden" in message
    assert "[parameters:" not in message
    if db.engine.dialect.name == "sqlite":
        assert "secret clinical note" not in message
