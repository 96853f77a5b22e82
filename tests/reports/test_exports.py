"""CSV and XLSX exports: contents, no identifiers, large exports as jobs with progress."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import load_workbook

from referral_app import patient_data
from referral_app.models import AuditLog, ExportJob, ReferralState, Role
from referral_app.reports import exports
from referral_app.reports.scope import Filters, scope_for
from tests.conftest import log_in
from tests.reports.conftest import add_referral, at
from workers.exports import run_export

ALL_TIME = {"date_from": "", "date_to": ""}
PATIENT = patient_data.PatientIdentifiers(
    name="Gisèle Tremblay-Ouellette",
    date_of_birth=dt.date(1957, 4, 9),
    health_insurance_number="TREG57540912",
    phone="418-555-0199",
)


def export(client, kind="referrals", file_format="csv", **params):
    return client.post(
        "/reports/export",
        query_string={**ALL_TIME, **params},
        data={"kind": kind, "file_format": file_format},
        buffered=True,  # read the streamed body inside the request's own context
    )


def csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def client_for(app, user):
    """A second browser, logged in as ``user``."""
    other = app.test_client()
    response = log_in(other, user)  # and the code step of managers and admins
    assert response.status_code == 302
    return other


def xlsx_text(data: bytes) -> str:
    """Every XML part of an XLSX file, so nothing hidden escapes the check."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


@pytest.fixture
def patient_referral(network, db):
    """A referral from A with real encrypted identifiers."""
    referral = add_referral(
        db.session,
        site=network.sites[("T1", "B")],
        referrer=network.coordinators["A"],
        state=ReferralState.SUBMITTED,
        submitted=at("2025-06-13"),
        identifiers=PATIENT,
    )
    db.session.commit()
    return referral


def test_csv_export_of_referrals(network, client, login):
    login(network.manager)
    response = export(client)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:4] == ["Reference", "Submitted", "State", "Urgency"]
    by_ref = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    # centre A's referrals, and only them (R9 is a draft)
    assert set(by_ref) == {f"REF-2025-{n:06d}" for n in (1, 2, 5, 11, 12)}
    r1 = by_ref["REF-2025-000001"]
    assert r1["Submitted"] == "2025-03-03 09:00"  # 14:00 UTC in Quebec (winter time)
    assert (r1["State"], r1["Urgency"], r1["Trial"]) == ("Enrolled", "Urgent", "T1")
    assert (r1["Referring centre"], r1["Receiving centre"]) == ("A", "B")
    assert r1["Enrollment date"] == "2025-03-14"
    assert by_ref["REF-2025-000002"]["Outcome reason"] == "Not eligible"


def test_exports_never_contain_identifiers(network, patient_referral, client, login, db):
    secrets = [
        PATIENT.name,
        "Tremblay",
        PATIENT.health_insurance_number,
        "TREG 5754",
        "1957-04-09",
        PATIENT.phone,
        patient_referral.identifiers_encrypted,
        patient_referral.patient_key,
        "NSCLC",  # clinical summary is not exported either
    ]
    assert patient_referral.identifiers_encrypted and patient_referral.patient_key
    login(network.manager)
    text = export(client).get_data(as_text=True)
    assert patient_referral.reference in text
    xlsx = export(client, file_format="xlsx")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    workbook = xlsx_text(xlsx.data)
    assert patient_referral.reference in workbook
    tables = xlsx_text(export(client, kind="all", file_format="xlsx").data)
    for secret in secrets:
        assert secret not in text
        assert secret not in workbook
        assert secret not in tables


def test_xlsx_export_of_referrals(network, client, login):
    login(network.admin)
    response = export(client, file_format="xlsx")
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Reference"
    assert len(rows) == 1 + 11  # every submitted referral of the network
    first = next(row for row in rows if row[0] == "REF-2024-000010")
    assert first[1] == dt.datetime(2024, 12, 16, 9, 0)  # a real date cell, Quebec time


def test_each_table_exports(network, client, login):
    login(network.admin)
    for kind, table in exports.TABLES.items():
        response = export(client, kind=kind)
        assert response.status_code == 200, kind
        header, *rows = csv_rows(response)
        with force_locale("en"):
            assert header == [str(h) for h in table.headers], kind
    trend = csv_rows(export(client, kind="trend"))
    assert trend[1:3] == [["2024-12", "1", "0", "0"], ["2025-01", "1", "1", "1"]]
    flow = csv_rows(export(client, kind="flow"))
    assert ["A", "B", "2", "1"] in flow  # R1 (enrolled) and R12

    workbook = load_workbook(io.BytesIO(export(client, kind="all", file_format="xlsx").data))
    assert len(workbook.sheetnames) == len(exports.TABLES)
    durations = list(workbook["Durations"].iter_rows(values_only=True))
    assert durations[3] == ("Time to enrollment", 2, 14.5, 18.9)


def test_bad_export_requests_change_nothing(network, client, login, db, app):
    login(network.manager)
    response = export(client, kind="all", file_format="csv")
    assert response.status_code == 302
    response = export(client, kind="everything")
    assert response.status_code == 302
    response = export(client, date_from="2025-06-01", date_to="2025-01-01")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0
    assert export(client_for(app, network.coordinators["A"])).status_code == 403


def test_large_export_runs_as_a_job_with_progress(network, client, login, app, db, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_SYNC_MAX_ROWS", 3)
    monkeypatch.setitem(app.config, "EXPORT_PROGRESS_EVERY", 2)
    login(network.admin)
    response = export(client, file_format="csv")
    assert response.status_code == 302
    job = db.session.scalars(sa.select(ExportJob)).one()
    assert response.location.endswith(f"/reports/exports/{job.id}")
    assert (job.status, job.user_id, job.kind) == ("queued", network.admin.id, "referrals")

    page = client.get(f"/reports/exports/{job.id}").get_data(as_text=True)
    assert f'data-poll-url="/reports/exports/{job.id}/status"' in page
    status = client.get(f"/reports/exports/{job.id}/status").get_json()
    assert status == {
        "state": "queued",
        "progress": 0,
        "rows": 0,
        "total_rows": None,
        "download_url": None,
    }

    # The worker's task, called in-process (it runs in its own app context).
    assert run_export(job.id) == "done"

    status = client.get(f"/reports/exports/{job.id}/status").get_json()
    assert (status["state"], status["progress"], status["rows"]) == ("done", 100, 11)
    assert status["download_url"] == f"/reports/exports/{job.id}/download"
    download = client.get(status["download_url"], buffered=True)
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True)[1:])))
    assert len(rows) == 1 + 11
    actions = set(db.session.scalars(sa.select(AuditLog.action)))
    assert {"export_requested", "export_written", "export_downloaded"} <= actions

    # Only the owner sees the job and downloads the file.
    other = client_for(app, network.manager)
    for url in (f"/reports/exports/{job.id}", status["download_url"]):
        assert other.get(url).status_code == 404
    assert other.get(f"/reports/exports/{job.id}/status").status_code == 404


def test_progress_is_written_every_n_rows(network, app, db):
    admin = network.admin
    job = exports.create_job(admin, scope_for(admin), Filters(), "csv")
    job.total_rows = 11
    db.session.commit()
    tracked = exports._Progress(job, every=4).track(iter(range(11)))
    for _ in range(9):
        next(tracked)
    with db.engine.connect() as other:  # what the progress endpoint would read
        progress = other.scalar(sa.select(ExportJob.progress).where(ExportJob.id == job.id))
    assert progress == 8
    assert exports.job_percent(db.session.get(ExportJob, job.id)) == 72  # 8 of 11


def test_xlsx_job_and_lost_rights(network, app, db, client, login):
    admin = network.admin
    job = exports.create_job(admin, scope_for(admin), Filters(), "xlsx")
    db.session.commit()
    assert run_export(job.id) == "done"
    db.session.expire_all()
    path = exports.job_path(db.session.get(ExportJob, job.id))
    sheet = load_workbook(path, read_only=True).worksheets[0]
    assert sum(1 for _ in sheet.iter_rows()) == 1 + 11
    assert run_export(job.id) == "done"  # a second delivery changes nothing

    manager = network.manager
    job = exports.create_job(manager, scope_for(manager), Filters(), "csv")
    manager.role = Role.COORDINATOR  # no reports any more
    db.session.commit()
    assert run_export(job.id) == "failed"
    login(manager)
    status = client.get(f"/reports/exports/{job.id}/status").get_json()
    assert status["state"] == "failed"


def test_referral_rows_page_through_every_batch(network, app):
    """Keyset pages of 2 rows: every referral once, in submission order."""
    ctx = exports.Context(scope_for(network.admin), Filters())
    with force_locale("en"):
        rows = list(exports.iter_referral_rows(ctx, batch_size=2))
    references = [row[0] for row in rows]
    assert len(references) == len(set(references)) == 11
    assert [row[1] for row in rows] == sorted(row[1] for row in rows)
    assert references[0] == "REF-2024-000010"  # submitted 2024-12-16
