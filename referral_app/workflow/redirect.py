"""Redirect (DESIGN §3): after a decline, screen failure or withdrawal, a new draft
to another site or trial, linked to the closed referral.

The new draft starts from the site or trial the decline suggested; otherwise the
referrer picks one. It never goes to a site that already declined, screen-failed
or withdrew this patient, and where the patient already has a live (draft or
open) referral to the chosen trial, that referral is offered instead.

Only the referring centre's own referrals are consulted: redirecting tells the
referrer nothing about referrals from other centres.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from referral_app.extensions import db
from referral_app.models import Referral, ReferralEvent, Trial, TrialSite
from referral_app.workflow.errors import ExistingReferral, TransitionInputError
from referral_app.workflow.guards import site_refusal
from referral_app.workflow.states import OPEN_STATES, REDIRECTABLE_STATES, Event, ReferralState


@dataclass(frozen=True)
class Suggestion:
    site: TrialSite | None
    trial: Trial | None


def suggestion(old: Referral) -> Suggestion:
    """The site or trial suggested by the decline that closed ``old`` (if any)."""
    row = db.session.scalar(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == old.id, ReferralEvent.event == Event.DECLINE.value)
        .order_by(ReferralEvent.id.desc())
        .limit(1)
    )
    data = row.data if row is not None else {}
    site = (
        db.session.get(TrialSite, data["suggested_site_id"])
        if data.get("suggested_site_id")
        else None
    )
    trial = (
        db.session.get(Trial, data["suggested_trial_id"])
        if data.get("suggested_trial_id")
        else None
    )
    return Suggestion(site, trial or (site.trial if site else None))


def _same_patient(old: Referral):
    """Referrals of ``old``'s patient from the same referring centre (``old`` included)."""
    if not old.patient_key:
        return Referral.id == old.id
    return (Referral.patient_key == old.patient_key) & (
        Referral.referring_centre_id == old.referring_centre_id
    )


def closed_site_ids(old: Referral) -> set[int]:
    """Sites that declined, screen-failed or withdrew this patient."""
    ids = db.session.scalars(
        select(Referral.site_id).where(
            _same_patient(old), Referral.state.in_(sorted(REDIRECTABLE_STATES))
        )
    )
    return {old.site_id, *ids}


def live_referral(old: Referral, trial_id: int) -> Referral | None:
    """This patient's draft or open referral to ``trial_id``, if there is one."""
    live = sorted(OPEN_STATES | {ReferralState.DRAFT})
    return db.session.scalar(
        select(Referral)
        .where(_same_patient(old), Referral.trial_id == trial_id, Referral.state.in_(live))
        .order_by(Referral.id)
        .limit(1)
    )


def check_target(old: Referral, site: TrialSite) -> None:
    """Refuse a target the redirect must not draft to (see the module's rules)."""
    if site.id in closed_site_ids(old):
        raise TransitionInputError(
            {
                "site_id": _(
                    "This site already declined, screen-failed or withdrew this patient. "
                    "Choose another site or trial."
                )
            }
        )
    refusal = site_refusal(site, old.referring_centre_id)
    if refusal:
        raise TransitionInputError({"site_id": refusal})
    existing = live_referral(old, site.trial_id)
    if existing is not None:
        raise ExistingReferral(
            existing,
            _(
                "This patient already has a referral to this trial (%(reference)s): "
                "open it instead of starting another.",
                reference=existing.reference or _("draft #%(id)d", id=existing.id),
            ),
        )
