"""CSV and XLSX exports of the filtered referrals and of each report table.

The referral export has no patient identifiers and no clinical data: reference,
dates, states, centres, trial, urgency and outcome reason only. It reads the rows
in keyset-paginated batches (``(submitted_at, id) > last``), so memory stays flat and the
export job can commit its progress between batches.

Small exports stream straight to the browser. An export of more than
``EXPORT_SYNC_MAX_ROWS`` referrals is an ``ExportJob`` run by a worker
(``workers.exports``): ``run_export_job`` writes the file under ``EXPORT_DIR``,
updating ``ExportJob.progress`` every ``EXPORT_PROGRESS_EVERY`` rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy.orm import aliased

from referral_app import audit
from referral_app.extensions import db
from referral_app.labels import label
from referral_app.models import Centre, ExportJob, ExportStatus, Referral, Trial, User
from referral_app.reports import queries
from referral_app.reports import scope as scopes
from referral_app.reports.labels import DURATION_LABELS, FUNNEL_LABELS
from referral_app.timeutil import QUEBEC_TZ, as_utc, utcnow
from referral_app.workflow.spec import outcome_reason_label

log = logging.getLogger("passerelle.exports")

EXPORT_TASK = "passerelle.run_export"  # the worker's task (``workers.exports``)
FORMATS = ("csv", "xlsx")
BATCH_SIZE = 1000  # rows per keyset page
Rows = Iterable[list[Any]]


@dataclass
class Context:
    """What an export covers: a scope, its filters, the day, the language of the labels."""

    scope: scopes.Scope
    filters: scopes.Filters
    today: dt.date | None = None
    language: str = "fr"

    @cached_property
    def where(self) -> list[sa.ColumnElement[bool]]:
        return scopes.referral_conditions(self.scope, self.filters)


# ---------------------------------------------------------------------------
# The referrals, one row each
# ---------------------------------------------------------------------------

REFERRAL_HEADERS = [
    _l("Reference"),
    _l("Submitted"),
    _l("State"),
    _l("Urgency"),
    _l("Referring centre"),
    _l("Receiving centre"),
    _l("Trial"),
    _l("NCT number"),
    _l("Acknowledged"),
    _l("Decided"),
    _l("Screening started"),
    _l("Enrollment date"),
    _l("Closed on"),
    _l("Outcome reason"),
    _l("Pre-screen: criteria not met"),
    _l("Started from the trial finder"),
]


def count_referrals(ctx: Context) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Referral).where(*ctx.where))


def _referral_query(ctx: Context) -> sa.Select:
    referring = aliased(Centre)
    receiving = aliased(Centre)
    # Only these columns are read: never identifiers_encrypted, patient_key or notes.
    return (
        sa.select(
            Referral.id,
            Referral.reference,
            Referral.submitted_at,
            Referral.state,
            Referral.urgency,
            referring.short_name,
            receiving.short_name,
            Trial.acronym,
            Trial.nct_number,
            Referral.acknowledged_at,
            Referral.decided_at,
            Referral.screening_at,
            Referral.enrolled_on,
            Referral.closed_at,
            Referral.outcome_reason,
            Referral.prescreen_not_met,
            Referral.origin,
        )
        .join(referring, referring.id == Referral.referring_centre_id)
        .join(receiving, receiving.id == Referral.receiving_centre_id)
        .join(Trial, Trial.id == Referral.trial_id)
        .where(*ctx.where)
        .order_by(Referral.submitted_at, Referral.id)
    )


def local_time(value: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC timestamp as a naive Quebec local time (spreadsheets have no zones)."""
    if value is None:
        return None
    return as_utc(value).astimezone(QUEBEC_TZ).replace(tzinfo=None, microsecond=0)


def _referral_row(row) -> list[Any]:
    state = str(row.state.value if hasattr(row.state, "value") else row.state)
    return [
        row.reference,
        local_time(row.submitted_at),
        label("state", state),
        label("urgency", row.urgency),
        row[5],
        row[6],
        row.acronym or row.nct_number,
        row.nct_number,
        local_time(row.acknowledged_at),
        local_time(row.decided_at),
        local_time(row.screening_at),
        row.enrolled_on,
        local_time(row.closed_at),
        outcome_reason_label(state, row.outcome_reason),
        row.prescreen_not_met,  # None: the trial had no structured criteria
        row.origin == "finder",
    ]


def iter_referral_rows(ctx: Context, batch_size: int = BATCH_SIZE) -> Iterator[list[Any]]:
    """The referrals of ``ctx`` in submission order, read ``batch_size`` at a time.

    Keyset pagination on (submitted_at, id) walks the submission-date index from
    where the previous batch stopped, so a date-filtered export never scans older
    referrals, and no cursor stays open between batches.
    """
    query = _referral_query(ctx)
    rows = db.session.execute(query.limit(batch_size)).all()
    while rows:
        for row in rows:
            yield _referral_row(row)
        last = rows[-1]
        after = sa.and_(
            Referral.submitted_at >= last.submitted_at,
            sa.tuple_(Referral.submitted_at, Referral.id) > (last.submitted_at, last.id),
        )
        rows = db.session.execute(query.where(after).limit(batch_size)).all()


# ---------------------------------------------------------------------------
# Report tables
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    sheet: Any  # a short title (XLSX sheets take at most 31 characters)
    headers: list[Any]
    build: Callable[[Context], Rows]


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _states(ctx: Context) -> Rows:
    return [[label("state", state), count] for state, count in queries.state_counts(ctx.where)]


def _funnel(ctx: Context) -> Rows:
    steps = queries.funnel(queries.summary(ctx.where))
    return [
        [
            FUNNEL_LABELS[s.key],
            s.count,
            _pct(s.share_of_submitted),
            _pct(s.lost_from_previous),
        ]
        for s in steps
    ]


def _durations(ctx: Context) -> Rows:
    return [
        [DURATION_LABELS[d.key], d.count, d.median, d.p90] for d in queries.durations(ctx.where)
    ]


def _reasons(ctx: Context) -> Rows:
    return [[label("state", r.state), r.label, r.count] for r in queries.reasons(ctx.where)]


def _flow(ctx: Context) -> Rows:
    matrix = queries.flow_matrix(ctx.where)
    names = {c.id: c.short_name for c in [*matrix.referring, *matrix.receiving]}
    return [
        [names[r], names[c], count, matrix.enrolled.get((r, c), 0)]
        for (r, c), count in sorted(
            matrix.cells.items(), key=lambda item: (names[item[0][0]], names[item[0][1]])
        )
    ]


def _trend(ctx: Context) -> Rows:
    return [
        [m.month, m.submitted, m.accepted, m.enrolled] for m in queries.monthly_trend(ctx.where)
    ]


def _outcomes(rows: list[queries.OutcomeRow], with_detail: bool) -> Rows:
    return [
        [
            row.name,
            *([row.detail] if with_detail else []),
            row.submitted,
            row.accepted,
            row.enrolled,
            row.declined,
            row.open,
            _pct(row.acceptance_rate),
            _pct(row.enrollment_rate),
        ]
        for row in rows
    ]


def _trials(ctx: Context) -> Rows:
    return _outcomes(queries.by_trial(ctx.where), with_detail=True)


def _communities(ctx: Context) -> Rows:
    return _outcomes(queries.by_community(ctx.where, ctx.language), with_detail=False)


def _credit(ctx: Context) -> Rows:
    return _outcomes(queries.referrer_credit(ctx.where), with_detail=True)


def _overdue(ctx: Context) -> Rows:
    found = queries.overdue(ctx.where, ctx.today, limit=None)
    return [
        [
            row.reference,
            label("state", row.state),
            row.label,
            row.due_on,
            row.referring,
            row.receiving,
            row.trial,
            row.business_days_late,
        ]
        for row in found.rows
    ]


def _coverage(ctx: Context) -> Rows:
    return [
        [
            row.region,
            row.niche_trials_here,
            row.niche_trials_total,
            _pct(row.coverage),
            row.referrals,
            row.referred_out,
            row.enrolled,
        ]
        for row in queries.niche_coverage(ctx.scope, ctx.filters, ctx.where)
    ]


_OUTCOME_HEADERS = [
    _l("Submitted"),
    _l("Accepted"),
    _l("Enrolled"),
    _l("Declined"),
    _l("Open"),
    _l("Acceptance rate (%)"),
    _l("Enrollment rate (%)"),
]

TABLES: dict[str, Table] = {
    "states": Table(_l("States"), [_l("State"), _l("Referrals")], _states),
    "funnel": Table(
        _l("Funnel"),
        [_l("Step"), _l("Referrals"), _l("Share of submitted (%)"), _l("Lost at this step (%)")],
        _funnel,
    ),
    "durations": Table(
        _l("Durations"),
        [
            _l("Measure"),
            _l("Referrals"),
            _l("Median (business days)"),
            _l("90th percentile (business days)"),
        ],
        _durations,
    ),
    "reasons": Table(_l("Reasons"), [_l("Outcome"), _l("Reason"), _l("Referrals")], _reasons),
    "flow": Table(
        _l("Flow"),
        [_l("Referring centre"), _l("Receiving centre"), _l("Referrals"), _l("Enrolled")],
        _flow,
    ),
    "trend": Table(
        _l("Trend"), [_l("Month"), _l("Submitted"), _l("Accepted"), _l("Enrolled")], _trend
    ),
    "trials": Table(_l("Trials"), [_l("Trial"), _l("NCT number"), *_OUTCOME_HEADERS], _trials),
    "communities": Table(_l("Communities"), [_l("Community"), *_OUTCOME_HEADERS], _communities),
    "credit": Table(
        _l("Referring centres"), [_l("Centre"), _l("Name"), *_OUTCOME_HEADERS], _credit
    ),
    "overdue": Table(
        _l("Overdue"),
        [
            _l("Reference"),
            _l("State"),
            _l("Late for"),
            _l("Due by"),
            _l("Referring centre"),
            _l("Receiving centre"),
            _l("Trial"),
            _l("Business days late"),
        ],
        _overdue,
    ),
    "coverage": Table(
        _l("Niche coverage"),
        [
            _l("Region"),
            _l("Niche trials recruiting here"),
            _l("Niche trials recruiting"),
            _l("Coverage (%)"),
            _l("Referrals to niche trials"),
            _l("Sent to another region"),
            _l("Enrolled"),
        ],
        _coverage,
    ),
}


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _safe(str(value)) if not isinstance(value, int | float) else value


def csv_chunks(headers: list[Any], rows: Rows, rows_per_chunk: int = 500) -> Iterator[str]:
    """CSV text in chunks, for streaming; starts with a BOM so spreadsheets read UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([str(h) for h in headers])
    for index, row in enumerate(rows, 1):
        writer.writerow([_csv_value(v) for v in row])
        if index % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, int | float | dt.date):
        return value
    return _safe(str(value))


def write_xlsx(target, sheets: list[tuple[Any, list[Any], Rows]]) -> None:
    """A workbook in write-only mode (rows go straight to disk): one sheet per table."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=str(title)[:31])
        sheet.append([str(h) for h in headers])
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
    workbook.save(target)


def write_file(path: Path, file_format: str, headers, rows, title) -> None:
    if file_format == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            for chunk in csv_chunks(headers, rows):
                out.write(chunk)
    else:
        write_xlsx(path, [(title, headers, rows)])


def table_sheets(ctx: Context, kinds: Iterable[str]) -> list[tuple[Any, list[Any], Rows]]:
    return [(TABLES[k].sheet, TABLES[k].headers, list(TABLES[k].build(ctx))) for k in kinds]


def download_name(kind: str, file_format: str, today: dt.date) -> str:
    return f"passerelle-{kind}-{today.isoformat()}.{file_format}"


# ---------------------------------------------------------------------------
# Export jobs (run by the worker)
# ---------------------------------------------------------------------------


def export_dir() -> Path:
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def create_job(user: User, scope: scopes.Scope, filters: scopes.Filters, file_format: str):
    """Queue a referral export for ``user`` (the caller commits, then enqueues)."""
    job = ExportJob(
        user_id=user.id,
        kind="referrals",
        file_format=file_format,
        params={"view": scope.kind, "filters": filters.to_params()},
        status=ExportStatus.QUEUED.value,
        progress=0,
    )
    db.session.add(job)
    db.session.flush()
    audit.record("export_requested", "export_job", job.id, user_id=user.id, file_format=file_format)
    return job


def job_percent(job: ExportJob) -> int:
    if job.status == ExportStatus.DONE.value:
        return 100
    if not job.total_rows:
        return 0
    return min(100, int(100 * (job.progress or 0) / job.total_rows))


def job_path(job: ExportJob) -> Path | None:
    if not job.filename:
        return None
    path = export_dir() / job.filename
    return path if path.is_file() else None


class _Progress:
    """Writes the job's row count every ``every`` rows (one small commit each)."""

    def __init__(self, job: ExportJob, every: int):
        self.job, self.every = job, max(1, every)

    def track(self, rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
        for count, row in enumerate(rows, 1):
            yield row
            if count % self.every == 0:
                self.job.progress = count
                db.session.commit()


def publish(job_id: int) -> bool:
    """Send an export job to the broker through the app's Celery.

    False (logged) when the broker is unavailable: the job stays queued and
    ``requeue_stale_jobs`` sends it again once the broker is back.
    """
    try:
        current_app.extensions["celery"].send_task(EXPORT_TASK, args=[job_id], retry=False)
    except Exception as error:  # noqa: BLE001 (any broker failure: the sweeper recovers)
        log.warning(
            "Broker unavailable (%s); export job %s left to the sweeper.",
            type(error).__name__,
            job_id,
        )
        return False
    return True


def requeue_stale_jobs(now: dt.datetime | None = None) -> int:
    """Re-send jobs still queued after ``OUTBOX_SWEEP_AFTER_SECONDS`` (beat, every minute)."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=current_app.config["OUTBOX_SWEEP_AFTER_SECONDS"])
    stale = db.session.scalars(
        sa.select(ExportJob.id).where(
            ExportJob.status == ExportStatus.QUEUED.value, ExportJob.created_at < cutoff
        )
    ).all()
    sent = 0
    for job_id in stale:
        if not publish(job_id):
            break
        sent += 1
    return sent


def run_export_job(job_id: int) -> str | None:
    """Write the file of an export job; returns its status. Safe to run twice."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.status == ExportStatus.DONE.value:
        return job.status if job else None
    try:
        return _run(job)
    except Exception:
        log.exception("export job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(ExportJob, job_id)
        job.status = ExportStatus.FAILED.value
        job.error = "The export could not be written."
        job.finished_at = utcnow()
        db.session.commit()
        return job.status


def _run(job: ExportJob) -> str:
    user = db.session.get(User, job.user_id)
    scope = scopes.scope_for(user, job.params.get("view")) if user else None
    if scope is None or job.file_format not in FORMATS:
        job.status = ExportStatus.FAILED.value
        job.error = "The export is no longer allowed."
        job.finished_at = utcnow()
        db.session.commit()
        return job.status
    ctx = Context(scope, scopes.Filters.from_params(job.params.get("filters") or {}))
    job.status = ExportStatus.RUNNING.value
    job.progress = 0
    job.total_rows = count_referrals(ctx)
    db.session.commit()

    final = export_dir() / f"export-{job.id}-{secrets.token_hex(8)}.{job.file_format}"
    partial = final.with_name(final.name + ".part")
    progress = _Progress(job, current_app.config.get("EXPORT_PROGRESS_EVERY", 1000))
    with force_locale(user.language.value):
        rows = progress.track(iter_referral_rows(ctx))
        write_file(partial, job.file_format, REFERRAL_HEADERS, rows, _l("Referrals"))
    partial.replace(final)

    job.filename = final.name
    job.status = ExportStatus.DONE.value
    job.progress = job.total_rows
    job.finished_at = utcnow()
    audit.record("export_written", "export_job", job.id, user_id=user.id, rows=job.total_rows)
    db.session.commit()
    return job.status
