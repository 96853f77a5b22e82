"""Who hears what (DESIGN §4), through the real state machine."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral_app.models import Notification, NotificationChannel, ReferralState
from referral_app.workflow import engine


@pytest.fixture(autouse=True)
def _request(app):
    # The workflow's messages are translated: run it as a view would, in a request.
    with app.test_request_context():
        yield


def _recipients(db, template: str) -> set[int]:
    rows = db.session.scalars(select(Notification).where(Notification.kind == template))
    return {row.recipient_id for row in rows}


def _channels(db, user_id: int) -> list[str]:
    rows = db.session.scalars(select(Notification).where(Notification.recipient_id == user_id))
    return sorted(row.channel.value for row in rows)


def _submitted(db, world):
    referral = world.referral(state=ReferralState.DRAFT)
    engine.apply_event(referral, "submit", world.referrer, version=None)
    db.session.flush()
    return referral


def test_submit_tells_the_intake_contacts_in_app_and_by_email(db, world):
    _submitted(db, world)
    assert _recipients(db, "referral_submit") == {world.intake.id}
    assert _channels(db, world.intake.id) == ["email", "in_app"]
    assert _channels(db, world.referrer.id) == []


def test_submit_without_intake_contacts_tells_the_centres_coordinators(db, world):
    world.site.intake_contacts.clear()
    _submitted(db, world)
    assert _recipients(db, "referral_submit") == {world.intake.id, world.receiving_coordinator.id}


def test_acceptance_and_outcome_go_to_the_referrer(db, world):
    referral = _submitted(db, world)
    engine.apply_event(referral, "accept", world.intake, version=None)
    db.session.flush()
    assert _recipients(db, "referral_accept") == {world.referrer.id}


def test_decline_tells_the_referrer_with_the_reason(db, world):
    referral = _submitted(db, world)
    engine.apply_event(
        referral,
        "decline",
        world.intake,
        version=None,
        data={"reason_code": "not_eligible", "note": "ECOG too high"},
    )
    db.session.flush()
    (email,) = db.session.scalars(
        select(Notification).where(
            Notification.kind == "referral_decline",
            Notification.channel == NotificationChannel.EMAIL,
        )
    )
    assert email.recipient_id == world.referrer.id
    assert email.context["reason_code"] == "not_eligible"
    assert "ECOG" not in str(email.context)  # free-text notes never travel in notifications


def test_comments_go_to_the_other_side(db, world):
    referral = _submitted(db, world)
    engine.add_comment(referral, world.referrer, "Scans uploaded.")
    db.session.flush()
    assert _recipients(db, "referral_comment") == {world.intake.id}

    engine.add_comment(referral, world.intake, "Thanks.")
    db.session.flush()
    assert _recipients(db, "referral_comment") == {world.intake.id, world.referrer.id}


def test_inactive_referrer_is_replaced_by_the_referring_coordinators(db, world, make):
    colleague = make.user(centre=world.referring_centre)
    referral = _submitted(db, world)
    world.referrer.active = False
    engine.apply_event(referral, "accept", world.intake, version=None)
    db.session.flush()
    assert _recipients(db, "referral_accept") == {colleague.id}
