"""The referral page's timeline reads as what happened, with dates in the reader's
language and Quebec time (issue 9)."""

from __future__ import annotations

import datetime as dt
import re

from referral_app.models import Language
from referral_app.workflow.builder import Builder

# Wednesday 12 March 2025, 02:30 UTC: still Tuesday 11 March, 22:30, in Quebec.
SUBMITTED = dt.datetime(2025, 3, 12, 2, 30, tzinfo=dt.UTC)


def _enrolled(cast):
    story = Builder()
    return story.referral(
        "enrolled",
        site=cast.site,
        referrer=cast.referring["coordinator"],
        receiver=cast.receiving["coordinator"],
        submitted_at=SUBMITTED,
        fields={"enroll": {"study_subject_id": "CHUM-0042"}},
    )


def _timeline(html: str) -> str:
    return html[html.index('id="timeline-heading"') :]


def test_timeline_in_french_says_what_happened(client, login, cast, db):
    referral = _enrolled(cast)
    user = cast.referring["coordinator"]
    user.language = Language.FR
    db.session.commit()
    login(user)
    timeline = _timeline(client.get(f"/referrals/{referral.id}").get_data(as_text=True))
    labels = re.findall(r"<strong>([^<]+)</strong>", timeline)
    assert labels[:5] == [
        "Brouillon enregistré",
        "Soumise",
        "Accusé de réception",
        "Acceptée",
        "Présélection commencée",
    ]
    assert "2025-03-11 22 h 30" in timeline  # Quebec time, French (fr-CA) format
    assert "CHUM-0042" in timeline  # the study subject ID
    consent = referral.consent_on
    assert f"{consent.day} mars 2025" in timeline  # the consent date, by Babel


def test_timeline_in_english(client, login, cast, db):
    referral = _enrolled(cast)
    db.session.commit()
    login(cast.referring["coordinator"])  # the cast reads English
    timeline = _timeline(client.get(f"/referrals/{referral.id}").get_data(as_text=True))
    labels = re.findall(r"<strong>([^<]+)</strong>", timeline)
    assert labels[1:4] == ["Submitted", "Acknowledged", "Accepted"]
    assert "Enrolled" in labels
    assert "2025-03-11, 10:30\u202fp.m." in timeline  # the same moment, en-CA: never 3/11/25
    assert "Study subject ID: CHUM-0042" in timeline
    assert re.search(r"Enrollment date: Mar \d+, 2025", timeline)
