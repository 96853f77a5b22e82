"""Documents travel with the referral (issue 13): who reads them, what is kept, what is told."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from referral_app.documents import service
from referral_app.models import AuditLog, Document, Notification
from referral_app.timeutil import utcnow
from referral_app.workflow import engine
from tests.documents.samples import pdf_with_text, text_bytes

SECRET = "Adenocarcinoma"


def _files(*files):
    return {"files": [(io.BytesIO(content), name) for name, content in files]}


def _upload(client, referral, *files, **fields):
    data = {**_files(*files), **fields}
    return client.post(
        f"/referrals/{referral.id}/documents", data=data, content_type="multipart/form-data"
    )


def _stored_bytes(app) -> bytes:
    return b"".join(p.read_bytes() for p in _stored_files(app))


def _stored_files(app) -> set:
    """The storage directory is the session's: compare before and after, not with empty."""
    return {p for p in app.config["DOCUMENT_STORAGE_DIR"].rglob("*") if p.is_file()}


def _audits(action: str, document_id: int) -> list[AuditLog]:
    from referral_app.extensions import db

    return list(
        db.session.scalars(
            select(AuditLog).where(AuditLog.action == action, AuditLog.object_id == document_id)
        )
    )


def test_a_pathology_pdf_goes_from_one_centre_to_the_other(app, client, login, cast, db):
    referral = cast.referral("submitted")
    db.session.commit()
    login(cast.referring["coordinator"])
    answer = _upload(
        client, referral, ("tremblay.pdf", pdf_with_text(SECRET)), category="pathology"
    )
    assert answer.status_code == 302
    (document,) = db.session.scalars(select(Document)).all()
    assert (document.category.value, document.title, document.version) == (
        "pathology",
        "tremblay.pdf",
        1,
    )
    assert document.content_type == "application/pdf" and len(document.sha256) == 64
    assert SECRET.encode() not in _stored_bytes(app)  # sealed at rest
    assert _audits("upload_document", document.id)

    told = db.session.scalars(
        select(Notification).where(Notification.kind == "referral_documents")
    ).all()
    assert told and {n.recipient.centre_id for n in told} == {cast.site.centre_id}
    for row in told:  # how many, never which
        assert row.context["count"] == 1
        assert "tremblay" not in str(row.context) and SECRET not in str(row.context)

    client.post("/logout")
    login(cast.receiving["coordinator"])
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert f'data-document="{document.id}"' in page
    download = client.get(f"/referrals/{referral.id}/documents/{document.id}")
    assert download.status_code == 200
    assert download.data == pdf_with_text(SECRET)
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "tremblay" not in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert [a.user_id for a in _audits("download_document", document.id)] == [
        cast.receiving["coordinator"].id
    ]


@pytest.mark.parametrize("who", ["outsider", "manager"])
def test_a_third_centre_and_a_manager_get_404(client, login, cast, db, make, who):
    referral = cast.referral("submitted")
    document = make.document(referral, cast.referring["coordinator"])
    db.session.commit()
    user = cast.outsider["coordinator"] if who == "outsider" else cast.receiving["manager"]
    login(user)
    base = f"/referrals/{referral.id}/documents"
    assert client.get(f"{base}/{document.id}").status_code == 404
    assert client.get(f"{base}/{document.id}/thumbnail").status_code == 404
    assert _upload(client, referral, ("a.txt", text_bytes()), category="other").status_code == 404
    assert not _audits("download_document", document.id)
    if who == "manager":
        page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
        assert f'data-document="{document.id}"' not in page


def test_after_a_forward_the_new_site_reads_and_the_old_one_no_longer(
    client, login, cast, db, make
):
    referral = cast.referral("submitted")
    document = make.document(referral, cast.referring["coordinator"])
    db.session.commit()
    engine.apply_event(
        referral,
        "forward",
        cast.receiving["coordinator"],
        version=referral.version,
        data={"target_site_id": cast.other_site.id, "note": "Closer to home"},
    )
    db.session.commit()
    url = f"/referrals/{referral.id}/documents/{document.id}"
    login(cast.receiving["coordinator"])
    assert client.get(url).status_code == 404
    client.post("/logout")
    new_site_user = make.user(cast.other_site.centre, "coordinator")
    db.session.commit()
    login(new_site_user)
    assert client.get(url).status_code == 200


def test_bad_files_get_a_message_and_change_nothing(app, client, login, cast, db, monkeypatch):
    referral = cast.referral("submitted")
    db.session.commit()
    before = _stored_files(app)
    login(cast.referring["coordinator"])
    refused = _upload(
        client,
        referral,
        ("good.txt", text_bytes()),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100),
        category="other",
    )
    assert refused.status_code == 302
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "setup.exe" in page and "not accepted" in page
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1000)
    _upload(client, referral, ("big.txt", b"a" * 5000), category="other")
    assert "larger than" in client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    _upload(client, referral, ("nameless.txt", text_bytes()))  # no category
    assert db.session.scalars(select(Document)).all() == []
    assert _stored_files(app) == before  # the good file of a refused upload is gone too


def test_versions_are_kept_and_nothing_is_deleted_once_submitted(
    app, client, login, cast, db, make
):
    referral = cast.referral("submitted")
    first = make.document(referral, cast.referring["coordinator"])
    db.session.commit()
    login(cast.referring["coordinator"])
    base = f"/referrals/{referral.id}/documents/{first.id}"
    client.post(
        f"{base}/replace",
        data=_files(("v2.pdf", pdf_with_text("v2"))),
        content_type="multipart/form-data",
    )
    client.post(f"{base}/delete")
    db.session.expire_all()
    rows = db.session.scalars(select(Document).order_by(Document.id)).all()
    assert [(d.version, d.is_current) for d in rows] == [(1, False), (2, True)]
    assert rows[1].replaces_id == first.id and rows[1].category == first.category
    assert client.get(base).status_code == 200  # the old version still reads

    draft = cast.referral("draft")
    on_draft = make.document(draft, cast.referring["coordinator"])
    db.session.commit()
    key, on_draft_id = on_draft.storage_key, on_draft.id
    client.post(f"/referrals/{draft.id}/documents/{on_draft_id}/delete")
    db.session.expunge_all()
    assert db.session.get(Document, on_draft_id) is None
    assert not service.storage().exists(key)


def test_a_trial_can_require_documents_before_submission(client, login, cast, db, make, api_as):
    cast.site.trial.required_documents = ["pathology", "imaging"]
    draft = cast.referral("draft")
    make.document(draft, cast.referring["coordinator"], category="pathology")
    db.session.commit()
    api = api_as(cast.referring["coordinator"])
    status, body = api.post(
        f"/api/v1/referrals/{draft.id}/transitions",
        json={"event": "submit", "version": draft.version},
    )
    assert status == 400 and "Imaging report" in body["error"]["fields"]["documents"]
    assert "Pathology" not in body["error"]["fields"]["documents"]
    make.document(draft, cast.referring["coordinator"], category="imaging")
    db.session.commit()
    db.session.refresh(draft)
    status, body = api.post(
        f"/api/v1/referrals/{draft.id}/transitions",
        json={"event": "submit", "version": draft.version},
    )
    assert status == 200, body


def test_an_information_request_names_documents_and_the_answer_brings_them(
    client, login, cast, db, api_as
):
    referral = cast.referral("acknowledged")
    db.session.commit()
    receiving = api_as(cast.receiving["coordinator"])
    status, body = receiving.post(
        f"/api/v1/referrals/{referral.id}/transitions",
        json={
            "event": "request_info",
            "version": referral.version,
            "note": "Pathology and the last CT, please.",
            "requested_documents": ["pathology", "imaging"],
        },
    )
    assert status == 200, body
    status, listing = receiving.get(f"/api/v1/referrals/{referral.id}/documents")
    assert [(i["category"], i["satisfied"]) for i in listing["checklist"]] == [
        ("pathology", False),
        ("imaging", False),
    ]
    login(cast.referring["coordinator"])
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert 'data-category="pathology" data-satisfied="no"' in page
    answer = client.post(
        f"/referrals/{referral.id}/events/provide_info",
        data={
            "version": body["version"],
            "note": "Attached.",
            "category": "pathology",
            **_files(("path.pdf", pdf_with_text(SECRET))),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    status, listing = receiving.get(f"/api/v1/referrals/{referral.id}/documents")
    assert [(i["category"], i["satisfied"]) for i in listing["checklist"]] == [
        ("pathology", True),
        ("imaging", False),
    ]
    (item,) = listing["items"]
    assert item["answer_event_id"] is not None
    response = client.get(item["download_url"], headers=receiving.headers)
    assert response.status_code == 200 and response.data == pdf_with_text(SECRET)


def test_the_api_uploads_lists_and_refuses_with_413_and_415(app, cast, db, api_as, monkeypatch):
    referral = cast.referral("submitted")
    db.session.commit()
    api = api_as(cast.referring["coordinator"])
    url = f"/api/v1/referrals/{referral.id}/documents"

    def post(**data):
        return api.client.post(
            url, data=data, headers=api.headers, content_type="multipart/form-data"
        )

    created = post(category="pathology", **_files(("p.pdf", pdf_with_text(SECRET))))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["items"][0]["size_bytes"] == len(pdf_with_text(SECRET))
    refused = post(category="other", **_files(("x.html", b"<html><script></script>")))
    assert refused.status_code == 415 and refused.get_json()["error"]["code"] == "unsupported_type"
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 100)
    too_big = post(category="other", **_files(("big.txt", b"b" * 1000)))
    assert too_big.status_code == 413 and too_big.get_json()["error"]["code"] == "too_large"
    status, listing = api.get(url)
    assert status == 200 and len(listing["items"]) == 1
    outsider = api_as(cast.outsider["coordinator"])
    assert outsider.get(url)[0] == 404
    assert api_as(cast.referring["manager"]).get(url)[0] == 404
    spec = api.client.get("/api/v1/openapi.json").get_json()
    assert "multipart/form-data" in str(spec["paths"]["/api/v1/referrals/{referral_id}/documents"])


def test_the_retention_job_purges_and_leaves_a_tombstone(app, client, login, cast, db, make):
    referral = cast.referral("submitted")
    document = make.document(referral, cast.referring["coordinator"])
    db.session.commit()
    key = document.storage_key
    assert service.purge_expired() == 0  # open: kept
    referral.state, referral.closed_at = "declined", utcnow() - dt.timedelta(days=731)
    referral.decided_at, referral.outcome_reason = referral.closed_at, "not_eligible"
    db.session.commit()
    assert service.purge_expired() == 1
    db.session.expire_all()
    purged = db.session.get(Document, document.id)
    assert purged.purged_at is not None and purged.storage_key is None
    assert purged.sha256 == document.sha256  # the description stays
    assert not service.storage().exists(key)
    assert _audits("purge_document", document.id)
    login(cast.referring["coordinator"])
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert 'data-timeline="purge"' in page


def test_the_sweep_deletes_stored_objects_no_row_names_after_the_grace_period(
    app, client, login, cast, db, make
):
    """What a process killed between the write and the commit leaves behind."""
    from referral_app.documents.storage import new_key

    referral = cast.referral("submitted")
    document = make.document(referral, cast.referring["coordinator"], content=pdf_with_text(SECRET))
    document.thumbnail_key = new_key(".png")
    service.storage().put(document.thumbnail_key, [b"thumbnail"])
    db.session.commit()
    orphan = new_key()
    service.storage().put(orphan, [b"sealed bytes of a lost upload"])

    assert service.sweep_orphans() == 0  # within the grace period: it may be in flight
    assert service.storage().exists(orphan)
    later = utcnow() + dt.timedelta(hours=app.config["DOCUMENT_ORPHAN_GRACE_HOURS"] + 1)
    assert service.sweep_orphans(now=later) >= 1  # the session's earlier tests' too
    assert not service.storage().exists(orphan)
    assert service.storage().exists(document.storage_key)
    assert service.storage().exists(document.thumbnail_key)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "sweep_document_orphans"))
    login(cast.referring["coordinator"])
    answer = client.get(f"/referrals/{referral.id}/documents/{document.id}")
    assert answer.data == pdf_with_text(SECRET)


def test_key_rotation_reseals_the_documents(app, client, login, cast, db, make):
    referral = cast.referral("submitted")
    document = make.document(referral, cast.referring["coordinator"], content=pdf_with_text(SECRET))
    db.session.commit()
    old_object = document.storage_key
    old_keys = list(app.config["PATIENT_DATA_KEYS"])
    app.config["PATIENT_DATA_KEYS"] = [Fernet.generate_key().decode(), *old_keys]
    try:
        assert service.rotate_all() == 1
        app.config["PATIENT_DATA_KEYS"] = app.config["PATIENT_DATA_KEYS"][:1]  # old key gone
        db.session.expire_all()
        document = db.session.get(Document, document.id)
        assert document.storage_key != old_object
        assert not service.storage().exists(old_object)
        login(cast.referring["coordinator"])
        answer = client.get(f"/referrals/{referral.id}/documents/{document.id}")
        assert answer.data == pdf_with_text(SECRET)
    finally:
        app.config["PATIENT_DATA_KEYS"] = old_keys


def test_a_pdf_thumbnail_is_audited(client, login, cast, db, make):
    from referral_app.documents import thumbnails

    if not thumbnails.available():
        pytest.skip("pdftoppm is not installed") if not _required() else pytest.fail("pdftoppm")
    referral = cast.referral("submitted")
    document = make.document(referral, cast.referring["coordinator"])
    db.session.commit()
    login(cast.receiving["coordinator"])
    url = f"/referrals/{referral.id}/documents/{document.id}/thumbnail"
    first, second = client.get(url), client.get(url)
    assert first.status_code == 200 and first.data.startswith(b"\x89PNG")
    assert second.data == first.data  # kept, sealed, and read back
    assert len(_audits("view_document_thumbnail", document.id)) == 2


def _required() -> bool:
    import os

    return os.environ.get("REQUIRE_SERVICES") == "1"


def _deliver_emails(db) -> None:
    """Every pending e-mail of the outbox through the real delivery path."""
    from referral_app import delivery
    from referral_app.enums import NotificationChannel, NotificationStatus

    pending = db.session.scalars(
        select(Notification.id).where(
            Notification.channel == NotificationChannel.EMAIL,
            Notification.status == NotificationStatus.PENDING,
        )
    ).all()
    for row_id in pending:
        assert delivery.deliver(row_id).status == "sent"


def test_two_centres_exchange_a_pathology_pdf_and_no_email_carries_it(
    app, client, login, cast, db, api_as, smtp_sink, monkeypatch
):
    """The issue's "done when": browser and API, during an information request."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_sink.port)
    smtp_sink.reset()
    referral = cast.referral("acknowledged")
    db.session.commit()
    login(cast.receiving["coordinator"])
    asked = client.post(
        f"/referrals/{referral.id}/events/request_info",
        data={
            "version": referral.version,
            "note": "Pathology report, please.",
            "requested_documents": ["pathology"],
        },
    )
    assert asked.status_code == 302
    db.session.expire_all()
    referring = api_as(cast.referring["coordinator"])
    answered = referring.client.post(
        f"/api/v1/referrals/{referral.id}/documents",
        data={"category": "pathology", **_files(("tremblay-path.pdf", pdf_with_text(SECRET)))},
        headers=referring.headers,
        content_type="multipart/form-data",
    )
    assert answered.status_code == 201, answered.get_json()
    (item,) = answered.get_json()["items"]
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert 'data-category="pathology" data-satisfied="yes"' in page
    download = client.get(f"/referrals/{referral.id}/documents/{item['id']}")
    assert download.data == pdf_with_text(SECRET)
    back = _upload(client, referral, ("consult.txt", text_bytes()), category="consult_note")
    assert back.status_code == 302
    status, listing = referring.get(f"/api/v1/referrals/{referral.id}/documents")
    consult = next(i for i in listing["items"] if i["category"] == "consult_note")
    assert referring.client.get(consult["download_url"], headers=referring.headers).data == (
        text_bytes()
    )

    _deliver_emails(db)
    told = {
        m["To"] for m in smtp_sink.messages if "document(s)" in m.get_body(("plain",)).get_content()
    }
    receiving_side = {u.email for u in cast.receiving.values() if u.role.value == "coordinator"}
    assert cast.referring["coordinator"].email in told and told & receiving_side
    assert smtp_sink.messages
    for message in smtp_sink.messages:
        assert not list(message.iter_attachments())
        raw = message.as_bytes()
        assert b"%PDF" not in raw and SECRET.encode() not in raw
        assert b"tremblay-path" not in raw and b"consult.txt" not in raw
    downloads = _audits("download_document", item["id"])
    assert [a.user_id for a in downloads] == [cast.receiving["coordinator"].id]
    assert [a.user_id for a in _audits("download_document", consult["id"])] == [
        cast.referring["coordinator"].id
    ]


def test_an_administrator_downloads_only_with_a_reason_after_a_second_factor(
    client, login, cast, db, make
):
    referral = cast.referral("submitted")
    document = make.document(referral, cast.referring["coordinator"])
    db.session.commit()
    admin = make.user(cast.outsider["coordinator"].centre, "admin")
    db.session.commit()
    login(admin)
    base = f"/referrals/{referral.id}/documents/{document.id}"
    assert client.get(base).status_code == 404  # no plain download for an administrator
    short = client.post(f"{base}/download", data={"reason": "because"})
    assert short.status_code == 302 and not _audits("download_document", document.id)
    reason = "Complaint #42: the patient asked what was sent"
    answer = client.post(f"{base}/download", data={"reason": reason})
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    (row,) = _audits("download_document", document.id)
    assert row.user_id == admin.id and row.reason == reason


@pytest.mark.parametrize(("state", "allowed"), [("enrolled", True), ("withdrawn", False)])
def test_closed_referrals_take_an_outcome_report_unless_withdrawn(
    client, login, cast, db, state, allowed
):
    referral = cast.referral(state)
    db.session.commit()
    login(cast.receiving["coordinator"])
    answer = _upload(client, referral, ("screening.txt", text_bytes()), category="consult_note")
    assert answer.status_code == 302
    stored = db.session.scalars(select(Document).where(Document.referral_id == referral.id)).all()
    assert bool(stored) is allowed
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert ('name="files"' in page) is allowed
