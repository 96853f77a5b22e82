"""Role rules of DESIGN §1, checked on real rows."""

from __future__ import annotations

import pytest

from referral_app import permissions
from referral_app.models import Referral, Role


@pytest.fixture
def scene(make, db):
    referring, receiving, third = make.centre(), make.centre(), make.centre()
    trial = make.trial()
    site = make.site(trial, receiving)
    author = make.user(centre=referring, role=Role.COORDINATOR)
    referral = Referral(
        trial=trial,
        site=site,
        referring_centre=referring,
        receiving_centre=receiving,
        referring_user=author,
    )
    db.session.add(referral)
    db.session.flush()
    return {
        "referral": referral,
        "site": site,
        "centres": (referring, receiving, third),
        "make": make,
    }


@pytest.mark.parametrize(
    ("where", "role", "view", "identifiers", "receive"),
    [
        ("referring", Role.COORDINATOR, True, True, False),
        ("referring", Role.MANAGER, True, False, False),
        ("receiving", Role.COORDINATOR, True, True, True),
        ("receiving", Role.NURSE, True, True, True),
        ("receiving", Role.PHYSICIAN, True, True, False),  # not on the site team
        ("receiving", Role.MANAGER, True, False, False),
        ("third", Role.COORDINATOR, False, False, False),
        ("third", Role.ADMIN, True, False, False),
    ],
)
def test_referral_rules(scene, where, role, view, identifiers, receive):
    index = {"referring": 0, "receiving": 1, "third": 2}[where]
    user = scene["make"].user(centre=scene["centres"][index], role=role)
    referral = scene["referral"]
    assert permissions.can_view_referral(user, referral) is view
    assert permissions.can_see_patient_data(user, referral) is identifiers
    assert permissions.can_act_for_receiving(user, referral) is receive


def test_physician_on_site_team_acts_for_receiving(scene):
    physician = scene["make"].user(centre=scene["centres"][1], role=Role.PHYSICIAN)
    scene["site"].intake_contacts.append(physician)
    assert permissions.can_act_for_receiving(physician, scene["referral"])


def test_admin_outside_both_centres_needs_a_reason(scene):
    admin = scene["make"].user(centre=scene["centres"][2], role=Role.ADMIN)
    assert permissions.admin_needs_reason(admin, scene["referral"])
    assert not permissions.can_see_patient_data(admin, scene["referral"], reason="  ")
    assert permissions.can_see_patient_data(admin, scene["referral"], reason="Audit 2026-114")


def test_reports_for_managers_admins_and_leaders(make, db):
    community = make.community()
    leader = make.user(role=Role.PHYSICIAN)
    community.leader = leader
    db.session.flush()
    assert permissions.can_view_reports(make.user(role=Role.MANAGER))
    assert permissions.can_view_reports(make.user(role=Role.ADMIN))
    assert permissions.can_view_reports(leader)
    assert not permissions.can_view_reports(make.user(role=Role.COORDINATOR))


def test_site_management(scene):
    make = scene["make"]
    site = scene["site"]
    assert permissions.can_manage_site(make.user(centre=site.centre, role=Role.COORDINATOR), site)
    assert not permissions.can_manage_site(make.user(centre=site.centre, role=Role.MANAGER), site)
    assert not permissions.can_manage_site(make.user(role=Role.COORDINATOR), site)
