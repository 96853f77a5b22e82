"""A small referral network for notification tests: two centres, a trial, people.

The patient's name and health-insurance number are real values stored encrypted
on the referral, so tests can assert they never appear in an e-mail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from referral_app import patient_data
from referral_app.delivery import OUTBOX_DISPATCH_KEY
from referral_app.extensions import db
from referral_app.models import (
    Centre,
    Language,
    Notification,
    NotificationStatus,
    Referral,
    ReferralState,
    Role,
    Trial,
    TrialSite,
    User,
)
from referral_app.timeutil import utcnow
from referral_app.workflow.builder import Builder, fictional_identifiers

PATIENT_NAME = "Gisèle Tremblay-Ouellet"
PATIENT_HIN = "TREG52561012"  # born 10 June 1952 (a woman: month + 50)


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
    referrals_made: int = 0

    def referral(
        self,
        state: ReferralState = ReferralState.SUBMITTED,
        submitted_at: dt.datetime | None = None,
        **kw,
    ) -> Referral:
        """A referral in ``state``, driven through the workflow, of the patient above.

        The draft is saved an hour before ``submitted_at`` (default: now); later
        events follow an hour apart (``step``), or take ``path``.
        """
        submitted_at = submitted_at or utcnow()
        identifiers = self._patient()
        story = Builder()
        referral = story.referral(
            state,
            site=self.site,
            referrer=self.referrer,
            receiver=self.intake,
            submitted_at=submitted_at,
            step=kw.pop("step", dt.timedelta(hours=1)),
            identifiers=identifiers,
            **kw,
        )
        db.session.flush()
        return referral

    def settled_referral(self, **kw) -> Referral:
        """A submitted referral whose own notifications are already delivered and
        read: tests of the outbox and the inbox add rows of their own to it."""
        referral = self.referral(**kw)
        own = Notification.referral_id == referral.id
        ids = set(db.session.scalars(select(Notification.id).where(own)))
        db.session.execute(
            update(Notification).where(own).values(status=NotificationStatus.SENT, read_at=utcnow())
        )
        db.session.info.get(OUTBOX_DISPATCH_KEY, set()).difference_update(ids)  # not to publish
        return referral

    def _patient(self) -> patient_data.PatientIdentifiers:
        """The patient above for the first referral; fictional ones after it (one
        patient has one open referral per trial)."""
        self.referrals_made += 1
        if self.referrals_made > 1:
            return fictional_identifiers()
        return patient_data.PatientIdentifiers(
            name=PATIENT_NAME,
            date_of_birth=dt.date(1952, 6, 10),
            health_insurance_number=PATIENT_HIN,
        )


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
