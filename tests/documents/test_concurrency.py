"""Two new versions of one document at the same moment: one wins, the other is told.

Each thread sends a real API upload through its own app context and database
session; on PostgreSQL the referral's row lock serializes them, and the second must
see the first's version (not the stale "current" it read before the lock).
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from referral_app.api import tokens
from referral_app.models import Document
from tests.concurrency import at_once
from tests.documents.samples import pdf_with_text
from tests.services import require_postgres_pass

THREADS = 6


def _race(app, db, cast, make):
    referral = cast.referral("submitted")
    uploader = cast.referring["coordinator"]
    first = make.document(referral, uploader)
    _row, token = tokens.create_token(uploader, "race")
    db.session.commit()
    referral_id, first_id = referral.id, first.id

    def replace(i: int) -> tuple[int, dict]:
        response = app.test_client().post(
            f"/api/v1/referrals/{referral_id}/documents",
            data={
                "files": [(io.BytesIO(pdf_with_text(f"Version {i}")), f"v{i}.pdf")],
                "replaces": str(first_id),
            },
            content_type="multipart/form-data",
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code, response.get_json()

    results = at_once(THREADS, replace)
    assert sorted(status for status, _body in results) == [201] + [400] * (THREADS - 1), results
    refused = [body for status, body in results if status == 400]
    assert all(set(body["error"]["fields"]) == {"document"} for body in refused), refused
    db.session.expire_all()
    versions = db.session.scalars(
        select(Document).where(Document.referral_id == referral_id).order_by(Document.id)
    ).all()
    assert [(d.version, d.replaces_id) for d in versions] == [(1, None), (2, first_id)]
    assert [d.is_current for d in versions] == [False, True]


@pytest.mark.postgres
def test_concurrent_new_versions_on_postgresql(app, db, cast, make):
    require_postgres_pass()
    _race(app, db, cast, make)


def test_concurrent_new_versions_on_the_current_database(app, db, cast, make):
    _race(app, db, cast, make)


def _budget_race(app, db, cast, monkeypatch):
    """Four files at once on a referral with room for one: the budget holds."""
    referral = cast.referral("submitted")
    uploader = cast.referring["coordinator"]
    _row, token = tokens.create_token(uploader, "race")
    db.session.commit()
    pdf = pdf_with_text("Adenocarcinoma " * 40)
    monkeypatch.setitem(app.config, "REFERRAL_DOCUMENTS_MAX_BYTES", len(pdf) * 3 // 2)
    referral_id = referral.id

    def upload(i: int) -> int:
        return (
            app.test_client()
            .post(
                f"/api/v1/referrals/{referral_id}/documents",
                data={"files": [(io.BytesIO(pdf), f"p{i}.pdf")], "category": "pathology"},
                content_type="multipart/form-data",
                headers={"Authorization": f"Bearer {token}"},
            )
            .status_code
        )

    statuses = sorted(at_once(4, upload))
    assert statuses == [201, 413, 413, 413], statuses
    db.session.expire_all()
    assert len(db.session.scalars(select(Document)).all()) == 1


@pytest.mark.postgres
def test_the_referral_budget_holds_under_concurrent_uploads_on_postgresql(
    app, db, cast, monkeypatch
):
    require_postgres_pass()
    _budget_race(app, db, cast, monkeypatch)


def test_the_referral_budget_holds_under_concurrent_uploads_on_the_current_database(
    app, db, cast, monkeypatch
):
    _budget_race(app, db, cast, monkeypatch)
