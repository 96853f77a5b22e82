"""Biomarkers the registry names are proposed to curators, accepted or dismissed in
one click (issue 15, item 2), on a real record: NCT06382129 is an EGFR *wild-type*
lung study, so its EGFR alterations are exclusions a curator dismisses."""

from __future__ import annotations

import json

from sqlalchemy import select

from referral_app.models import AuditLog, Trial
from referral_app.trials import biomarker_proposals, ctgov
from tests.trials.conftest import RECORDS

NCT = "NCT06382129"


def _imported(db) -> Trial:
    study = json.loads((RECORDS / f"{NCT}.json").read_text(encoding="utf-8"))
    ctgov.import_studies({"studies": [study]}, community_slug="thoracic")
    db.session.commit()
    return db.session.scalar(select(Trial).where(Trial.nct_number == NCT))


def _decide(client, trial, name, decision):
    return client.post(
        f"/trials/{trial.id}/biomarker-proposals", data={"name": name, "decision": decision}
    )


def test_a_curator_accepts_one_proposal_and_dismisses_another(network, client, login, db):
    trial = _imported(db)
    assert "EGFR exon 19 deletion" in biomarker_proposals.open_proposals(trial)
    login(network.admin)
    page = client.get(f"/trials/{trial.id}").get_data(as_text=True)
    assert 'data-proposal="EGFR exon 19 deletion"' in page
    assert _decide(client, trial, "EGFR exon 19 deletion", "accept").status_code == 302
    assert _decide(client, trial, "EGFR L858R (exon 21)", "dismiss").status_code == 302
    db.session.expire_all()
    assert trial.biomarkers == "EGFR exon 19 deletion"
    assert trial.dismissed_biomarkers == ["EGFR L858R (exon 21)"]
    remaining = biomarker_proposals.open_proposals(trial)
    assert "EGFR exon 19 deletion" not in remaining and "EGFR L858R (exon 21)" not in remaining
    assert "EGFR T790M (exon 20 resistance mutation)" in remaining
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == trial.id)))
    assert {"accept_biomarker_proposal", "dismiss_biomarker_proposal"} <= actions


def test_a_dismissal_survives_the_next_import(network, db):
    trial = _imported(db)
    biomarker_proposals.dismiss(trial, "EGFR exon 19 deletion", network.admin)
    db.session.commit()
    _imported(db)  # the registry names it again
    assert "EGFR exon 19 deletion" not in biomarker_proposals.open_proposals(trial)


def test_what_is_not_proposed_is_refused_and_changes_nothing(network, client, login, db):
    trial = _imported(db)
    login(network.admin)
    response = _decide(client, trial, "BRAF V600E", "accept")
    assert "is not among the registry" in client.get(response.location).get_data(as_text=True)
    _decide(client, trial, "EGFR exon 19 deletion", "maybe")
    db.session.expire_all()
    assert trial.biomarkers == "" and trial.dismissed_biomarkers == []


def test_only_the_trials_curators_decide(network, client, login, db):
    trial = _imported(db)  # no Quebec site: only admins and the community's leader
    login(network.chum_coordinator)
    assert _decide(client, trial, "EGFR exon 19 deletion", "accept").status_code == 403
    assert "data-proposal" not in client.get(f"/trials/{trial.id}").get_data(as_text=True)
    db.session.expire_all()
    assert trial.biomarkers == ""
