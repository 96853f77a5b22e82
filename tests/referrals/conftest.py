"""A small network for workflow tests: two centres on a referral, a third outside."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from referral_app.models import Language, Referral, Role, TrialSite, User
from referral_app.timeutil import local_date, local_today


@dataclass
class Cast:
    referring: dict[str, User]
    receiving: dict[str, User]
    outsider: dict[str, User]
    site: TrialSite
    other_site: TrialSite  # another recruiting site of the same trial (forward)
    make: object

    def referral(self, state, **kw) -> Referral:
        return self.make.referral(
            state, site=self.site, referring_user=self.referring["coordinator"], **kw
        )


@pytest.fixture
def cast(make, db) -> Cast:
    """Users read English, so assertions on messages survive the French catalogue."""
    region = make.region()
    ref_centre, rec_centre, third, fwd = (make.centre(region) for _ in range(4))
    referring = {
        "coordinator": make.user(ref_centre, Role.COORDINATOR, language=Language.EN),
        "physician": make.user(ref_centre, Role.PHYSICIAN, language=Language.EN),
        "manager": make.user(ref_centre, Role.MANAGER, language=Language.EN),
    }
    receiving = {
        "coordinator": make.user(rec_centre, Role.COORDINATOR, language=Language.EN),
        "nurse": make.user(rec_centre, Role.NURSE, language=Language.EN),
        "physician_on_team": make.user(rec_centre, Role.PHYSICIAN, language=Language.EN),
        "physician_off_team": make.user(rec_centre, Role.PHYSICIAN, language=Language.EN),
        "manager": make.user(rec_centre, Role.MANAGER, language=Language.EN),
    }
    outsider = {
        "coordinator": make.user(third, Role.COORDINATOR, language=Language.EN),
        "admin": make.user(third, Role.ADMIN, language=Language.EN),
    }
    trial = make.trial()
    site = make.site(trial, rec_centre)
    site.intake_contacts = [receiving["coordinator"], receiving["physician_on_team"]]
    other_site = make.site(trial, fwd)
    make.user(fwd, Role.COORDINATOR, language=Language.EN)  # the forward target's intake (fallback)
    db.session.flush()
    return Cast(referring, receiving, outsider, site, other_site, make)


def valid_data(event: str, cast: Cast, referral: Referral | None = None) -> dict:
    """Inputs that satisfy each event's required fields (and its date rules)."""
    today = local_today()
    accepted = local_date(referral.decided_at) if referral and referral.decided_at else today
    return {
        "save_draft": {"diagnosis": "Small cell lung cancer"},
        "reschedule_consult": {
            "consult_on": (today + dt.timedelta(days=9)).isoformat(),
            "note": "The patient asked for a later date.",
        },
        "correct_date": {
            "date_field": "consent_on",
            "new_date": accepted.isoformat(),
            "note": "Typed the wrong day.",
        },
        "redirect": {"site_id": str(cast.other_site.id)},
        "forward": {"target_site_id": str(cast.other_site.id), "note": "Closer to home"},
        "request_info": {"note": "Latest CT report?"},
        "provide_info": {"note": "Attached to the chart."},
        "decline": {"reason_code": "not_eligible", "note": "EGFR negative"},
        "schedule_consult": {"consult_on": (today + dt.timedelta(days=3)).isoformat()},
        "start_screening": {"consent_on": today.isoformat()},
        "enroll": {"enrolled_on": today.isoformat(), "study_subject_id": "S-001"},
        "screen_fail": {"reason_code": "exclusion_met", "note": "Brain metastases"},
        "withdraw": {"reason_code": "patient_declined"},
    }.get(event, {})
