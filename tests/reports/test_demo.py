"""The demo referrals respect the workflow's rules and give the reports something."""

from __future__ import annotations

import sqlalchemy as sa

from referral_app import patient_data
from referral_app.documents.checklist import checklist, documents_of
from referral_app.documents.service import open_plaintext
from referral_app.models import Referral, ReferralEvent, SiteStatus, TrialSite
from referral_app.reports import queries
from referral_app.reports.scope import Filters, Scope, referral_conditions
from referral_app.seeding import seed_demo


def test_seed_demo_referrals_command(app, db, runner):
    seed_demo()
    result = runner.invoke(args=["seed-demo-referrals", "--count", "150"])
    assert result.exit_code == 0, result.output
    assert "Created 150 demo referrals" in result.output

    referrals = db.session.scalars(sa.select(Referral)).all()
    assert len(referrals) == 150
    for referral in referrals:
        assert referral.referring_centre_id != referral.receiving_centre_id
        assert patient_data.load(referral).name.startswith("Patient fictif")
        assert referral.version == len(referral.events)  # every change went through the engine
        assert referral.reference.startswith("REF-20")
        assert referral.reference.endswith(f"-{referral.id:06d}")
        # The structured summary, checked at submission against the demo criteria.
        assert referral.tumour_code and referral.biomarker_results
        assert referral.eligibility_checked.trial_id == referral.trial_id
    recruiting = set(
        db.session.scalars(sa.select(TrialSite.id).where(TrialSite.status == SiteStatus.RECRUITING))
    )
    assert {r.site_id for r in referrals} <= recruiting
    events = db.session.scalar(sa.select(sa.func.count()).select_from(ReferralEvent))
    assert events >= 150  # at least the submission of each

    board = queries.summary(referral_conditions(Scope("network"), Filters()))
    assert board.submitted == 150
    assert 0 < board.enrolled < board.accepted < board.acknowledged <= 150

    # Information requests ask for the pathology report; each answer brings one.
    answers = db.session.scalars(
        sa.select(ReferralEvent).where(ReferralEvent.event == "provide_info")
    ).all()
    assert answers
    for answer in answers:
        (document,) = [d for d in documents_of(answer.referral) if d.event_id == answer.id]
        assert document.category.value == "pathology"
        assert [
            (i.category.value, i.satisfied)
            for i in checklist(answer.referral, documents_of(answer.referral))
        ] == [("pathology", True)]
        assert b"".join(open_plaintext(document, answer.referral.referring_user)).startswith(
            b"%PDF"
        )


def test_seed_demo_referrals_needs_the_network(app, runner):
    result = runner.invoke(args=["seed-demo-referrals", "--count", "5"])
    assert result.exit_code != 0
    assert "seed-demo" in result.output
