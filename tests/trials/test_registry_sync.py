"""Fetching from the registry's API (issue 15, item 5): ``import-ctgov --nct`` and
the weekly sync, against a local server answering with recorded real records."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from referral_app.models import AuditLog, Trial
from referral_app.trials import ctgov, held_changes, registry_sync, review
from tests.trials.conftest import RECORDS
from workers.schedule import beat_schedule

BREAST = "NCT07062965"  # recruiting at CHUM and CHU de Québec


def _trial(db, nct: str) -> Trial | None:
    return db.session.scalar(select(Trial).where(Trial.nct_number == nct))


def _older_version(nct: str) -> dict:
    """The record as the registry had it before: another title, fewer keywords."""
    study = json.loads((RECORDS / f"{nct}.json").read_text(encoding="utf-8"))
    study["protocolSection"]["identificationModule"]["briefTitle"] = "An earlier title"
    return study


def test_import_by_nct_fetches_the_study_and_it_waits_for_review(
    network, registry_server, runner, db
):
    result = runner.invoke(
        args=["import-ctgov", "--nct", BREAST.lower(), "--community", "thoracic"]
    )
    assert result.exit_code == 0, result.output
    assert "1 trial created" in result.output
    assert registry_server.requests == [BREAST]
    trial = _trial(db, BREAST)
    assert trial.source == "ctgov" and not trial.is_published
    assert trial.registry_record["central_contacts"]  # the complete record came


def test_an_nct_the_registry_lacks_is_named_and_nothing_else_changes(
    network, registry_server, runner, db
):
    result = runner.invoke(args=["import-ctgov", "--nct", "NCT09999999"])
    assert result.exit_code == 1
    assert "Not in the registry: NCT09999999" in result.output
    assert db.session.scalar(select(func.count(Trial.id))) == 0


def test_a_bad_nct_number_or_both_sources_are_refused(network, registry_server, runner):
    bad = runner.invoke(args=["import-ctgov", "--nct", "12345"])
    assert bad.exit_code != 0 and "is not an NCT number" in bad.output
    assert registry_server.requests == []
    both = runner.invoke(args=["import-ctgov", str(RECORDS / f"{BREAST}.json"), "--nct", BREAST])
    assert both.exit_code != 0 and "either a JSON file or" in both.output


def test_without_a_network_the_message_says_so_and_nothing_changes(network, app, runner, db):
    app.config["CTGOV_API_URL"] = "http://127.0.0.1:9/api/v2"  # nothing listens there
    result = runner.invoke(args=["import-ctgov", "--nct", BREAST])
    assert result.exit_code != 0
    assert "ClinicalTrials.gov cannot be reached at http://127.0.0.1:9/api/v2" in result.output
    assert "Nothing was changed" in result.output
    assert db.session.scalar(select(func.count(Trial.id))) == 0


def test_a_registry_failing_midway_changes_nothing(network, registry_server, db):
    ctgov.import_studies({"studies": [_older_version(BREAST)]}, community_slug="thoracic")
    db.session.commit()
    registry_server.failing = True
    outcome = registry_sync.weekly_sync()
    assert "answered 503" in outcome["error"]
    db.session.expire_all()
    assert _trial(db, BREAST).title == "An earlier title"


def test_the_weekly_sync_holds_a_published_trials_changes_for_review(network, registry_server, db):
    ctgov.import_studies({"studies": [_older_version(BREAST)]}, community_slug="thoracic")
    review.publish(_trial(db, BREAST), network.admin, override=True)
    db.session.commit()
    outcome = registry_sync.weekly_sync()
    assert (outcome["studies"], outcome["held"]) == (1, 1)
    db.session.expire_all()
    trial = _trial(db, BREAST)
    assert trial.title == "An earlier title"  # the catalogue did not change
    (change,) = [c for c in held_changes.pending_changes(trial) if c.field == "title"]
    assert (change.old, change.new) == (
        "An earlier title",
        trial.pending_record["protocolSection"]["identificationModule"]["briefTitle"],
    )
    assert trial in review.queue(network.admin)
    held_changes.apply_change(trial, network.admin, trial.pending_digest)
    db.session.commit()
    assert trial.title.startswith("A Study to Learn About the Study Medicine")
    assert (
        db.session.scalar(
            select(func.count(AuditLog.id)).where(AuditLog.action == "apply_registry_change")
        )
        == 1
    )
    again = registry_sync.weekly_sync()  # the registry and the catalogue agree now
    assert (again["held"], again["unchanged"]) == (0, 1)


def test_rejected_studies_are_not_synced(network, registry_server, db):
    ctgov.import_studies({"studies": [_older_version(BREAST)]}, community_slug="thoracic")
    review.reject(_trial(db, BREAST), network.admin)
    db.session.commit()
    assert registry_sync.weekly_sync()["studies"] == 0
    assert registry_server.requests == []


def test_the_sync_runs_weekly_from_beat(app):
    entry = beat_schedule(app)["sync-registry-weekly"]
    assert entry["task"] == "passerelle.sync_registry"
    assert entry["schedule"].day_of_week == {0}  # Sunday, before Monday's news digest
