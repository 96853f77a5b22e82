"""Who sees which referrals in the reports."""

from __future__ import annotations

import sqlalchemy as sa

from referral_app.extensions import db
from referral_app.models import Referral, Role
from referral_app.reports.scope import (
    CENTRE,
    COMMUNITY,
    NETWORK,
    Filters,
    available_scopes,
    referral_conditions,
    scope_for,
)


def references(scope, filters=None) -> set[str]:
    where = referral_conditions(scope, filters or Filters())
    return set(db.session.scalars(sa.select(Referral.reference).where(*where)))


def names(*numbers: int) -> set[str]:
    """References of R1, R2…: the year of submission, 2024 for R10."""
    return {f"REF-{2024 if n == 10 else 2025}-{n:06d}" for n in numbers}


def test_manager_sees_their_centre_as_referrer_and_receiver_only(network):
    scope = scope_for(network.manager)
    assert scope.kind == CENTRE and scope.centre_id == network.centres["A"].id
    # A sent R1, R2, R12 and received R5, R11; R9 is a draft.
    assert references(scope) == names(1, 2, 5, 11, 12)
    # R3 (C→B), R8 (D→C)...: referrals between two other centres are never there,
    # not even when the manager filters on one of those centres.
    assert "REF-2025-000003" not in references(scope)
    assert references(scope, Filters(centre_id=network.centres["B"].id)) == names(1, 5, 12)
    assert references(scope, Filters(centre_id=network.centres["D"].id)) == set()


def test_leader_sees_their_community_only(network):
    scope = scope_for(network.leader)
    assert scope.kind == COMMUNITY and scope.community_ids == (network.lung.id,)
    # lung trials T1 and T3, whoever the centres
    assert references(scope) == names(1, 3, 4, 6, 8, 10, 12)
    # a filter on another community narrows to nothing, it does not widen
    assert references(scope, Filters(community_id=network.breast.id)) == set()


def test_admin_sees_the_network(network):
    scope = scope_for(network.admin)
    assert scope.kind == NETWORK
    assert references(scope) == names(1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12)


def test_clinicians_have_no_report(network, make):
    assert available_scopes(network.coordinators["A"]) == []
    assert scope_for(make.user(role=Role.NURSE)) is None


def test_manager_who_leads_a_community_chooses(network, db):
    network.breast.leader_id = network.manager.id
    db.session.commit()
    kinds = [scope.kind for scope in available_scopes(network.manager)]
    assert kinds == [CENTRE, COMMUNITY]
    breast = scope_for(network.manager, COMMUNITY)
    assert references(breast) == names(2, 5, 7, 11)
    assert scope_for(network.manager, NETWORK) is None


def test_filters_round_trip_through_json(network):
    import datetime as dt

    from referral_app.models import Urgency

    filters = Filters(
        date_from=dt.date(2025, 1, 1),
        date_to=dt.date(2025, 6, 30),
        community_id=network.lung.id,
        trial_id=network.trials["T1"].id,
        centre_id=network.centres["B"].id,
        urgency=Urgency.URGENT,
    )
    assert Filters.from_params(filters.to_params()) == filters
