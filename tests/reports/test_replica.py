"""With ``REPORTS_DATABASE_URL`` (the ``reports`` bind) the report figures read the replica."""

from __future__ import annotations

import sqlalchemy as sa

from referral_app import create_app
from referral_app.extensions import db
from referral_app.models import ReportCentreMonth
from referral_app.reports import aggregates, queries
from referral_app.reports.scope import NETWORK, Filters, Scope, referral_conditions
from tests.reports.conftest import TODAY


def test_reports_read_the_replica_when_configured(app, app_config, tmp_path):
    class Config(type(app_config)):
        # A primary of its own too: this second app's engines are all disposed below.
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'primary.db'}"
        SQLALCHEMY_BINDS = {"reports": f"sqlite:///{tmp_path / 'replica.db'}"}

    with_replica = create_app(Config())
    with with_replica.app_context():
        replica = db.engines["reports"]
        db.metadata.create_all(db.engine)
        db.metadata.create_all(replica)
        measures = dict.fromkeys(("acknowledged", "accepted", "decided", "screening"), 7)
        with replica.begin() as conn:  # a figure that exists only in the replica's copy
            conn.execute(
                sa.insert(ReportCentreMonth).values(
                    month="2025-03", centre_id=0, role="network", state="enrolled",
                    reason="enrolled", referrals=7, enrolled=7, open=0, declined=0, **measures,
                )
            )  # fmt: skip
        board = aggregates.dashboard(Scope(NETWORK), Filters(), today=TODAY)
        assert board.summary.submitted == 7 and board.summary.enrolled == 7
        assert [(row.month, row.submitted) for row in board.trend] == [("2025-03", 7)]
        # The primary has none of it; the raw-table figures read the replica too.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportCentreMonth)) == 0
        assert queries.summary(referral_conditions(Scope(NETWORK), Filters())).submitted == 0
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def test_without_a_replica_reports_read_the_main_database(app):
    assert "reports" not in (app.config.get("SQLALCHEMY_BINDS") or {})
    assert queries.replica.bind_arguments() is None
