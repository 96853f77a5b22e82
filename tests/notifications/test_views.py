"""The inbox, the unread badge, marking read, the outbox page, the dev mailbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from referral_app import delivery, notify
from referral_app.models import (
    AuditLog,
    Notification,
    NotificationChannel,
    NotificationStatus,
    Role,
)
from referral_app.notifications import devmail
from referral_app.timeutil import utcnow


def _notify(db, world, user, count=1, read=0) -> list[Notification]:
    rows = []
    for n in range(count):
        referral = world.settled_referral()
        rows += notify.queue(
            user,
            "referral_submit",
            notify.referral_context(referral),
            f"view-{user.id}-{n}",
            referral_id=referral.id,
            channels=[NotificationChannel.IN_APP],
        )
    for row in rows[:read]:
        row.read_at = utcnow()
    db.session.commit()
    return rows


def _badge(html: str) -> str | None:
    match = re.search(r'id="unread-count">(\d+)', html)
    return match.group(1) if match else None


def test_unread_badge_counts_with_one_count_query(db, world, client, login):
    _notify(db, world, world.intake, count=3, read=1)
    _notify(db, world, world.referrer, count=2)  # someone else's
    login(world.intake)

    counts = []

    def count_queries(conn, cursor, statement, *args):
        if "count(" in statement.lower() and "notifications" in statement:
            counts.append(statement)

    event.listen(db.engine, "before_cursor_execute", count_queries)
    try:
        html = client.get("/home").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count_queries)

    assert _badge(html) == "2"
    assert len(counts) == 1


def test_no_badge_without_unread(db, world, client, login):
    _notify(db, world, world.intake, count=1, read=1)
    login(world.intake)
    assert _badge(client.get("/home").get_data(as_text=True)) is None


def test_inbox_shows_translated_sentences(db, world, client, login):
    _notify(db, world, world.intake, count=2)
    login(world.intake)
    html = client.get("/notifications/?show=unread").get_data(as_text=True)
    assert html.count("New referral REF-20") == 2
    assert "from CHUS" in html


def test_mark_one_read(db, world, client, login):
    rows = _notify(db, world, world.intake, count=2)
    login(world.intake)
    response = client.post(f"/notifications/{rows[0].id}/read")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, rows[0].id).read_at is not None
    assert db.session.get(Notification, rows[1].id).read_at is None


def test_open_marks_read_and_goes_to_the_referral(db, world, client, login):
    (row,) = _notify(db, world, world.intake)
    login(world.intake)
    response = client.post(f"/notifications/{row.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/referrals/{row.referral_id}")
    db.session.expire_all()
    assert db.session.get(Notification, row.id).read_at is not None


def test_someone_elses_notification_is_not_found(db, world, client, login):
    (row,) = _notify(db, world, world.referrer)
    login(world.intake)
    assert client.post(f"/notifications/{row.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, row.id).read_at is None


def test_mark_all_read(db, world, client, login):
    _notify(db, world, world.intake, count=3)
    other = _notify(db, world, world.referrer, count=1)
    login(world.intake)
    client.post("/notifications/read-all")
    db.session.expire_all()
    unread = db.session.scalars(select(Notification).where(Notification.read_at.is_(None))).all()
    assert [n.id for n in unread] == [other[0].id]


# --- the outbox page -------------------------------------------------------------------


@pytest.fixture
def admin(db, make, world):
    user = make.user(centre=world.receiving_centre, role=Role.ADMIN)
    db.session.commit()
    return user


def _failed_email(db, world) -> Notification:
    referral = world.settled_referral()
    (row,) = notify.queue(
        world.intake,
        "referral_submit",
        notify.referral_context(referral),
        "failing",
        channels=[NotificationChannel.EMAIL],
    )
    row.status = NotificationStatus.FAILED
    row.attempts = 6
    row.last_error = "SMTP 451: Try again later"
    db.session.commit()
    return row


def test_outbox_is_for_admins_only(db, world, client, login):
    login(world.intake)
    assert client.get("/admin/outbox/").status_code == 403


def test_admin_sees_failed_rows_and_retries_them(db, world, client, login, admin, broker):
    row = _failed_email(db, world)
    broker.published()
    login(admin)

    html = client.get("/admin/outbox/").get_data(as_text=True)
    assert "SMTP 451" in html and world.intake.email in html

    assert client.post(f"/admin/outbox/{row.id}/retry").status_code == 302

    db.session.expire_all()
    stored = db.session.get(Notification, row.id)
    assert stored.status == NotificationStatus.PENDING and stored.attempts == 0
    assert broker.published() == [(delivery.DELIVER_TASK, [row.id])]
    (audit,) = db.session.scalars(select(AuditLog).where(AuditLog.action == "retry_notification"))
    assert audit.user_id == admin.id and audit.object_id == row.id


def test_retrying_a_sent_row_changes_nothing(db, world, client, login, admin):
    row = _failed_email(db, world)
    row.status = NotificationStatus.SENT
    db.session.commit()
    login(admin)
    client.post(f"/admin/outbox/{row.id}/retry")
    db.session.expire_all()
    assert db.session.get(Notification, row.id).status == NotificationStatus.SENT
    assert client.post("/admin/outbox/999999/retry").status_code == 404


# --- the development mailbox ---------------------------------------------------------------


def _store(app, to: str, subject: str) -> str:
    raw = f"To: {to}\r\nSubject: {subject}\r\nFrom: a@b\r\n\r\nHello {subject}\r\n".encode()
    return devmail.save_message(app.config["MAILBOX_DIR"], raw).name


def test_dev_mailbox_is_hidden_unless_enabled(app, world, client, login):
    login(world.intake)
    assert client.get("/dev/mailbox/").status_code == 404


def test_dev_mailbox_shows_a_user_their_own_messages(app, world, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "SHOW_DEV_MAILBOX", True)
    mine = _store(app, world.intake.email, "for-intake")
    theirs = _store(app, world.referrer.email, "for-referrer")
    login(world.intake)

    html = client.get("/dev/mailbox/").get_data(as_text=True)
    assert "for-intake" in html and "for-referrer" not in html
    assert "Hello for-intake" in client.get(f"/dev/mailbox/{mine}").get_data(as_text=True)
    assert client.get(f"/dev/mailbox/{theirs}").status_code == 404
    assert client.get("/dev/mailbox/..%2Fdev-secrets.json").status_code == 404


def test_dev_mailbox_shows_the_date_in_quebec_time(app, world, client, login, monkeypatch):
    """Issue 16: the message page showed the raw UTC header."""
    monkeypatch.setitem(app.config, "SHOW_DEV_MAILBOX", True)
    raw = (
        f"To: {world.intake.email}\r\nSubject: dated\r\nFrom: a@b\r\n"
        "Date: Wed, 12 Mar 2025 02:30:00 +0000\r\n\r\nHello\r\n"
    ).encode()
    name = devmail.save_message(app.config["MAILBOX_DIR"], raw).name
    login(world.intake)
    client.post("/language/fr")
    page = client.get(f"/dev/mailbox/{name}").get_data(as_text=True)
    assert "11 mars 2025, 22 h 30" in page and "+0000" not in page
