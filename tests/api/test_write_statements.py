"""Writes that cost what they should (issue 12, item 4): the statements of an API
create-and-submit and of a transition do not grow with the people told or the
referrals in the table, and the outbox rows of one commit go to the broker together.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from referral_app import delivery
from referral_app.api import tokens
from referral_app.models import Notification, Role
from referral_app.workflow.builder import api_referral_body

_patients = iter(range(700, 10_000))


def _body(site) -> dict:
    return api_referral_body(site.id, site.centre.region_id, next(_patients))


def _token(db, user) -> dict[str, str]:
    _row, plain = tokens.create_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def _own(counter, rows: int, db) -> int:
    """Statements but, on SQLite, the outbox rows' INSERTs: SQLAlchemy writes them in
    one statement (``insertmanyvalues``) on PostgreSQL only."""
    return counter.count - rows if db.engine.dialect.name == "sqlite" else counter.count


def _outbox(db) -> int:
    return db.session.scalar(select(func.count(Notification.id)))


def _site_with_contacts(make, region, contacts: int):
    centre = make.centre(region)
    site = make.site(make.trial(), centre)
    site.intake_contacts = [make.user(centre, Role.COORDINATOR) for _ in range(contacts)]
    return site


def test_create_and_submit_statements_do_not_grow_with_recipients_or_referrals(
    client, db, make, count_queries
):
    region = make.region()
    referrer = make.user(make.centre(region), Role.PHYSICIAN)
    one, six = _site_with_contacts(make, region, 1), _site_with_contacts(make, region, 6)
    headers = _token(db, referrer)

    def create_and_submit(site) -> tuple[int, int]:
        before = _outbox(db)
        body = _body(site)
        key = {"Idempotency-Key": uuid.uuid4().hex}
        with count_queries() as counter:
            response = client.post("/api/v1/referrals", json=body, headers={**headers, **key})
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["state"] == "submitted"
        told = _outbox(db) - before
        return _own(counter, told, db), told

    create_and_submit(one)  # the token's last use is written once a minute: not counted
    few, told_few = create_and_submit(one)
    for _ in range(5):
        make.referral("acknowledged", site=six)
    db.session.commit()
    many, told_many = create_and_submit(six)

    assert (told_few, told_many) == (2, 12)  # in-app and e-mail for each contact
    assert few == many
    assert many <= 40  # today 15, with the reports' summaries 26


def test_transition_statements_do_not_grow_with_recipients(client, db, make, count_queries):
    region = make.region()
    site = _site_with_contacts(make, region, 1)
    receiver = site.intake_contacts[0]
    headers = _token(db, receiver)

    def acknowledge(coordinators: int) -> tuple[int, int]:
        centre = make.centre(region)
        referrer = make.user(centre, Role.PHYSICIAN)
        for _ in range(coordinators):
            make.user(centre, Role.COORDINATOR)
        referral = make.referral("submitted", site=site, referring_user=referrer)
        referrer.active = False  # the outcome goes to the centre's coordinators instead
        db.session.commit()
        before = _outbox(db)
        url = f"/api/v1/referrals/{referral.id}/transitions"
        body = {"event": "acknowledge", "version": referral.version}
        with count_queries() as counter:
            response = client.post(url, json=body, headers=headers)
        assert response.status_code == 200, response.get_json()
        told = _outbox(db) - before
        return _own(counter, told, db), told

    acknowledge(1)  # the token's last use is written once a minute: not counted
    few, told_few = acknowledge(1)
    many, told_many = acknowledge(5)

    assert (told_few, told_many) == (2, 10)
    assert few == many


def test_one_commit_publishes_its_rows_in_one_batch(app, db, make, monkeypatch):
    """Each row is still its own task (its own retries), sent through one producer."""
    from tests.notifications.conftest import MemoryBroker

    broker = MemoryBroker()
    monkeypatch.setitem(app.extensions, "celery", broker.app)
    acquired = []
    original = broker.app.producer_or_acquire

    def counting(producer=None, *args, **kwargs):
        if producer is None:  # a producer taken from the pool, not one passed along
            acquired.append(1)
        return original(producer, *args, **kwargs)

    monkeypatch.setattr(broker.app, "producer_or_acquire", counting)
    region = make.region()
    site = _site_with_contacts(make, region, 3)
    referral = make.referral("submitted", site=site)
    acquired.clear()
    db.session.commit()

    ids = sorted(
        db.session.scalars(select(Notification.id).where(Notification.referral_id == referral.id))
    )
    assert sorted(broker.published()) == [(delivery.DELIVER_TASK, [i]) for i in ids]
    assert len(ids) == 6 and len(acquired) == 1
