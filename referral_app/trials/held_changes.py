"""A published trial's registry change, held for review (issue 15, item 1): shown
field by field, then applied or rejected by a reviewer.

The decision names the version reviewed (its digest) and claims the row with one
conditional UPDATE (``review.claim``): if the registry sent a newer version since,
or another reviewer decided first, it is refused (``review.AlreadyDecided``) and
nothing changes. Kept apart from ``review`` because it runs the import
(``ctgov``), which ``review``'s readers (the finder, the catalogue) must not import.
"""

from __future__ import annotations

from referral_app import audit
from referral_app.models import Trial, User
from referral_app.trials import ctgov, registry_changes
from referral_app.trials.review import claim


def pending_changes(trial: Trial) -> list[registry_changes.Change]:
    """The held registry version against the published trial, field by field."""
    if trial.pending_record is None:
        return []
    return ctgov.registry_diff(trial, ctgov.parse_study(trial.pending_record))


def _claim_change(trial: Trial, digest: str) -> dict:
    study = trial.pending_record
    claim(
        trial,
        Trial.pending_digest == digest,
        pending_record=None,
        pending_digest=None,
        pending_since=None,
    )
    return study or {}


def apply_change(trial: Trial, user: User, digest: str) -> ctgov.ImportReport:
    """Apply the registry version the reviewer saw (``digest``). The caller commits."""
    changes = [change.field for change in pending_changes(trial)]
    study = _claim_change(trial, digest)
    report = ctgov.import_studies({"studies": [study]}, actor_id=user.id, apply_to_published=True)
    audit.record("apply_registry_change", "trial", trial.id, user_id=user.id, fields=changes)
    return report


def reject_change(trial: Trial, user: User, digest: str) -> None:
    """Keep the trial as published; the registry's version is dropped. The caller commits."""
    changes = [change.field for change in pending_changes(trial)]
    _claim_change(trial, digest)
    audit.record("reject_registry_change", "trial", trial.id, user_id=user.id, fields=changes)
