"""Biomarkers the registry names, proposed to the trial's curators (issue 15, item 2):
accepted into the trial's biomarkers or dismissed in one click, never applied
silently. What is proposed is ``ctgov_details.proposed_biomarkers`` less what the
trial lists already and what a curator dismissed."""

from __future__ import annotations

from flask_babel import gettext as _

from referral_app import audit
from referral_app.models import Trial, User
from referral_app.trials.ctgov_details import proposed_biomarkers

BIOMARKERS_MAX_CHARS = 300  # ``Trial.biomarkers``
SEPARATOR = "; "


class ProposalError(ValueError):
    pass


def open_proposals(trial: Trial) -> list[str]:
    listed = (trial.biomarkers or "").lower()
    dismissed = {name.lower() for name in trial.dismissed_biomarkers or []}
    return [
        name
        for name in proposed_biomarkers(trial.registry_record or {})
        if name.lower() not in listed and name.lower() not in dismissed
    ]


def _proposed(trial: Trial, name: str) -> str:
    for proposal in open_proposals(trial):
        if proposal == name:
            return proposal
    raise ProposalError(_("%(name)s is not among the registry's proposals.", name=name))


def accept(trial: Trial, name: str, user: User) -> None:
    """Add the proposal to the trial's biomarkers. The caller commits."""
    proposal = _proposed(trial, name)
    listed = (trial.biomarkers or "").strip()
    biomarkers = f"{listed}{SEPARATOR}{proposal}" if listed else proposal
    if len(biomarkers) > BIOMARKERS_MAX_CHARS:
        raise ProposalError(
            _(
                "The trial's biomarkers would exceed %(max)d characters: edit the trial "
                "to shorten them first.",
                max=BIOMARKERS_MAX_CHARS,
            )
        )
    changes = audit.apply_changes(trial, {"biomarkers": biomarkers})
    audit.record("accept_biomarker_proposal", "trial", trial.id, user_id=user.id, changes=changes)


def dismiss(trial: Trial, name: str, user: User) -> None:
    """Not a criterion of this trial: no longer proposed. The caller commits."""
    proposal = _proposed(trial, name)
    trial.dismissed_biomarkers = [*(trial.dismissed_biomarkers or []), proposal]
    audit.record("dismiss_biomarker_proposal", "trial", trial.id, user_id=user.id, name=proposal)
