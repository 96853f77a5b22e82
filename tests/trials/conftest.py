"""A small network for the catalogue tests: two regions, four centres, one community."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask_babel import force_locale

from referral_app.models import Centre, Community, Language, Region, Role, User

DATA = Path(__file__).parent / "data"


@dataclass
class Network:
    montreal: Region
    estrie: Region
    monteregie: Region
    chum: Centre
    jgh: Centre
    chus: Centre
    hclm: Centre
    community: Community
    admin: User
    chum_coordinator: User
    jgh_coordinator: User
    chus_nurse: User
    hclm_physician: User
    outsider: User  # a coordinator who is not a member


@pytest.fixture(autouse=True)
def english(app):
    """Messages outside requests in English, whatever the French catalogue holds."""
    with force_locale("en"):
        yield


@pytest.fixture
def network(make, db) -> Network:
    montreal = make.region(code="06", name="Montréal")
    estrie = make.region(code="05", name="Estrie")
    monteregie = make.region(code="16", name="Montérégie")
    chum = make.centre(
        montreal, name="Centre hospitalier de l'Université de Montréal", short_name="CHUM"
    )
    jgh = make.centre(montreal, name="Jewish General Hospital", short_name="JGH")
    chus = make.centre(
        estrie, name="CIUSSS de l'Estrie – CHUS", short_name="CHUS", city="Sherbrooke"
    )
    hclm = make.centre(
        monteregie, name="Hôpital Charles-Le Moyne", short_name="HCLM", city="Longueuil"
    )
    community = make.community(slug="thoracic", name_fr="RÉSOT", name_en="Thoracic CoP")
    admin = make.user(chum, Role.ADMIN, name="Admin", language=Language.EN)
    chum_coordinator = make.user(chum, Role.COORDINATOR, name="Élodie CHUM", language=Language.EN)
    jgh_coordinator = make.user(jgh, Role.COORDINATOR, name="Rachel JGH", language=Language.EN)
    chus_nurse = make.user(chus, Role.NURSE, name="Julie CHUS", language=Language.EN)
    hclm_physician = make.user(hclm, Role.PHYSICIAN, name="Catherine HCLM", language=Language.EN)
    outsider = make.user(chus, Role.COORDINATOR, name="Outsider", language=Language.EN)
    for user in (chum_coordinator, jgh_coordinator, chus_nurse, hclm_physician):
        make.member(user, community)
    community.leader_id = hclm_physician.id
    db.session.commit()
    return Network(
        montreal,
        estrie,
        monteregie,
        chum,
        jgh,
        chus,
        hclm,
        community,
        admin,
        chum_coordinator,
        jgh_coordinator,
        chus_nurse,
        hclm_physician,
        outsider,
    )
