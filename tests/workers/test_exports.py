"""A large report export runs in a real ``celery worker`` process, with progress."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from referral_app.models import ExportJob
from referral_app.reports import exports
from referral_app.timeutil import utcnow
from tests.reports.conftest import network  # noqa: F401 (the fixture)
from tests.reports.test_exports import export
from tests.services import free_port
from tests.workers.support import publisher_app, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


def test_large_export_is_written_by_the_worker(
    worker,
    network,  # noqa: F811 (the fixture imported above)
    client,
    login,
    app,
    db,
    monkeypatch,  # noqa: F811
):
    monkeypatch.setitem(app.config, "EXPORT_SYNC_MAX_ROWS", 3)
    login(network.admin)
    response = export(client, file_format="csv")
    assert response.status_code == 302
    job_id = db.session.scalars(sa.select(ExportJob.id)).one()
    status_url = f"/reports/exports/{job_id}/status"

    seen = []

    def finished() -> bool:
        status = client.get(status_url).get_json()
        seen.append(status["state"])
        return status["state"] in ("done", "failed")

    wait_for(finished, timeout=20)
    status = client.get(status_url).get_json()
    assert status["state"] == "done", status
    assert status["progress"] == 100
    assert seen[0] in ("queued", "running", "done")
    download = client.get(status["download_url"], buffered=True)
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True)[1:])))
    assert len(rows) == 1 + status["rows"] and status["rows"] > 3


def test_export_queued_while_the_broker_is_down_is_sent_by_the_sweeper(
    worker,
    network,  # noqa: F811 (the fixture imported above)
    client,
    login,
    app,
    db,
    monkeypatch,
):
    monkeypatch.setitem(app.config, "EXPORT_SYNC_MAX_ROWS", 3)
    dead = publisher_app(f"redis://127.0.0.1:{free_port()}/0", "nowhere")
    monkeypatch.setitem(app.extensions, "celery", dead)
    login(network.admin)
    assert export(client, file_format="csv").status_code == 302  # saved, not lost
    job_id = db.session.scalars(sa.select(ExportJob.id)).one()
    assert client.get(f"/reports/exports/{job_id}/status").get_json()["state"] == "queued"

    monkeypatch.setitem(app.extensions, "celery", worker.publisher)  # the broker is back
    later = utcnow() + dt.timedelta(minutes=2)
    assert exports.requeue_stale_jobs(now=later) == 1
    wait_for(
        lambda: client.get(f"/reports/exports/{job_id}/status").get_json()["state"] == "done",
        timeout=20,
    )
