"""Unexpected errors: a clear page, and logs without patient data."""

from __future__ import annotations

import logging

from referral_app import create_app
from referral_app.extensions import db
from referral_app.models import Language, Referral


def _app_with_failing_route(app_config):
    app = create_app(app_config)

    @app.route("/boom")
    def boom():
        # A CHECK violation whose row holds a clinical note.
        db.session.add(
            Referral(
                trial_id=1,
                site_id=1,
                referring_centre_id=1,
                receiving_centre_id=1,
                referring_user_id=1,
                clinical_notes="Gisèle Tremblay, secret note",
                ecog=9,
            )
        )
        db.session.flush()
        return "unreachable"

    return app


def test_database_error_gives_a_clear_page_and_logs_no_row(app_config, app, caplog):
    failing = _app_with_failing_route(app_config)
    with caplog.at_level(logging.ERROR):
        response = failing.test_client().get("/boom")
    with failing.app_context():
        db.engine.dispose()  # this second app's connections, not left to the collector
    assert response.status_code == 500
    assert "été enregistré" in response.text
    logged = "\n".join(
        record.getMessage() + (str(record.exc_info[1]) if record.exc_info else "")
        for record in caplog.records
    )
    assert "Database error" in logged
    assert "secret note" not in logged and "Gisèle" not in logged


def test_an_unreachable_database_is_a_503_that_claims_nothing(client, login, make, db, monkeypatch):
    """A lost database is not "something went wrong; nothing was saved": it may have
    been saved. (The real loss is in tests/faults; here only the page is checked.)"""
    from sqlalchemy.exc import OperationalError

    from referral_app.referrals import services

    user = make.user(language=Language.EN)
    db.session.commit()
    login(user)

    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("could not connect to server"))

    monkeypatch.setattr(services, "keyset_page", unreachable)
    response = client.get("/referrals/incoming")
    assert response.status_code == 503
    assert "may not have been saved" in response.get_data(as_text=True)
    assert "Nothing was saved" not in response.get_data(as_text=True)
