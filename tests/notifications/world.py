"""A small referral network for notification tests: two centres, a trial, people.

The patient's name and health-insurance number are real values stored encrypted
on the referral, so tests can assert they never appear in an e-mail.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from referral_app import patient_data
from referral_app.extensions import db
from referral_app.models import (
    Centre,
    Language,
    Referral,
    ReferralEvent,
    ReferralState,
    Role,
    Trial,
    TrialSite,
    User,
)
from referral_app.timeutil import utcnow

PATIENT_NAME = "Gisèle Tremblay-Ouellet"
PATIENT_HIN = "TREG52610112"

_refs = itertools.count(1)


@dataclass
class World:
    make: object
    referring_centre: Centre
    receiving_centre: Centre
    trial: Trial
    site: TrialSite
    referrer: User  # French
    intake: User  # English, the site's intake contact
    receiving_coordinator: User  # a coordinator at the receiving centre, not a contact
    manager: User
    leader: User

    def referral(
        self,
        state: ReferralState = ReferralState.SUBMITTED,
        submitted_at: dt.datetime | None = None,
        **kw,
    ) -> Referral:
        """A referral row in ``state`` (no workflow involved), with patient identifiers."""
        now = utcnow()
        referral = Referral(
            reference=f"REF-2024-{next(_refs):06d}",
            state=state,
            trial=self.trial,
            site=self.site,
            referring_centre=self.referring_centre,
            receiving_centre=self.receiving_centre,
            referring_user=self.referrer,
            patient_consent=True,
            patient_region_id=self.referring_centre.region_id,
            diagnosis="NSCLC",
            stage="IV",
            ecog=1,
            prior_lines=1,
            submitted_at=None if state == ReferralState.DRAFT else (submitted_at or now),
            **kw,
        )
        patient_data.store(
            referral,
            patient_data.PatientIdentifiers(
                name=PATIENT_NAME,
                date_of_birth=dt.date(1952, 6, 10),
                health_insurance_number=PATIENT_HIN,
            ),
        )
        db.session.add(referral)
        db.session.flush()
        return referral

    def event(self, referral: Referral, event: str, actor: User, to_state=None) -> ReferralEvent:
        row = ReferralEvent(
            referral=referral,
            event=event,
            from_state=referral.state,
            to_state=to_state or referral.state,
            actor_id=actor.id,
        )
        db.session.add(row)
        db.session.flush()
        return row


def build_world(make) -> World:
    region = make.region()
    referring = make.centre(region=region, short_name="CHUS")
    receiving = make.centre(region=region, short_name="CHUM")
    leader = make.user(centre=referring, role=Role.PHYSICIAN, language=Language.EN)
    community = make.community(leader=leader)
    trial = make.trial(community=community, acronym="KEYNOTE-999")
    site = make.site(trial, receiving)
    intake = make.user(centre=receiving, role=Role.COORDINATOR, language=Language.EN)
    site.intake_contacts.append(intake)
    world = World(
        make=make,
        referring_centre=referring,
        receiving_centre=receiving,
        trial=trial,
        site=site,
        referrer=make.user(centre=referring, role=Role.COORDINATOR, language=Language.FR),
        intake=intake,
        receiving_coordinator=make.user(centre=receiving, role=Role.COORDINATOR),
        manager=make.user(centre=receiving, role=Role.MANAGER),
        leader=leader,
    )
    db.session.flush()
    return world
