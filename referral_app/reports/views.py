"""Report pages: the dashboard, exports, and export jobs with their progress.

Views are thin: the scope comes from ``scope``, the figures from ``queries``, the
files from ``exports``. A large referral export becomes an ``ExportJob`` run by
the worker (``workers.exports``); its page polls a small JSON endpoint.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from referral_app import audit, permissions, templating
from referral_app.business_days import today as quebec_today
from referral_app.extensions import db
from referral_app.models import ExportJob, ExportStatus
from referral_app.reports import aggregates, charts, exports
from referral_app.reports import scope as scopes
from referral_app.reports.eligibility import figures as eligibility_figures
from referral_app.reports.forms import ExportForm, FilterForm, default_date_from
from referral_app.reports.labels import (
    DURATION_LABELS,
    FUNNEL_LABELS,
    days,
    percent,
)
from referral_app.trials import confirmation

bp = Blueprint("reports", __name__, url_prefix="/reports")

templating.add_nav_item(60, "reports.index", _l("Reports"), permissions.can_view_reports)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def language_code() -> str:
    return str(get_locale() or "fr")


def _read_filters() -> tuple[FilterForm, scopes.Scope, scopes.Filters]:
    """The filter form from the query string, the scope it selects, and valid filters.

    Without any date in the query string the report covers the last twelve months.
    Invalid filters are shown on the form and the default filters apply instead.
    """
    available = scopes.available_scopes(current_user)
    if not available:
        abort(403)
    form = FilterForm(formdata=request.args if request.args else None)
    form.fill_choices(available, language_code())
    if "date_from" not in request.args and "date_to" not in request.args:
        form.date_from.data = default_date_from(quebec_today())
    if "view" not in request.args:
        form.view.data = available[0].kind
    if not request.args:
        return form, available[0], form.filters()
    if not form.validate():
        scope = scopes.scope_for(current_user, form.view.data) or available[0]
        return form, scope, scopes.Filters(date_from=default_date_from(quebec_today()))
    return form, scopes.scope_for(current_user, form.view.data) or available[0], form.filters()


@bp.route("/")
@login_required
def index():
    form, scope, filters = _read_filters()
    board = aggregates.dashboard(scope, filters, language=language_code())
    names = {key: str(text) for key, text in FUNNEL_LABELS.items()}
    return render_template(
        "reports/index.html",
        form=form,
        board=board,
        scope=scope,
        export_form=ExportForm(),
        jobs=_recent_jobs(),
        trend_chart=charts.trend_chart(board.trend, names),
        funnel_chart=charts.funnel_chart(board.funnel, _("Referrals")),
        reasons_chart=charts.reasons_chart(board.reasons, _("Referrals")),
        duration_labels=DURATION_LABELS,
        funnel_labels=FUNNEL_LABELS,
        percent=percent,
        days=days,
        link_referrals=scope.kind != scopes.COMMUNITY,
        eligibility=eligibility_figures(scope, filters),
        sites_confirmed=confirmation.network_share() if scope.kind == scopes.NETWORK else None,
    )


def _recent_jobs() -> list[ExportJob]:
    return list(
        db.session.scalars(
            db.select(ExportJob)
            .where(ExportJob.user_id == current_user.id)
            .order_by(ExportJob.id.desc())
            .limit(5)
        )
    )


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------


@bp.route("/export", methods=["POST"])
@login_required
def export():
    form, scope, filters = _read_filters()
    if form.errors:
        flash(_("Please correct the filters before exporting."), "danger")
        return redirect(url_for("reports.index", **request.args))
    export_form = ExportForm()
    if not export_form.validate():
        for errors in export_form.errors.values():
            for error in errors:
                flash(error, "danger")
        return redirect(url_for("reports.index", **request.args))
    kind, file_format = export_form.kind.data, export_form.file_format.data
    ctx = exports.Context(scope, filters, quebec_today(), language_code())
    if kind == "referrals":
        return _export_referrals(ctx, file_format)
    return _export_tables(ctx, kind, file_format)


def _audit_export(ctx: exports.Context, kind: str, file_format: str, rows: int | None) -> None:
    audit.record(
        "export",
        "report",
        None,
        kind=kind,
        file_format=file_format,
        view=ctx.scope.kind,
        filters=ctx.filters.to_params(),
        rows=rows,
    )
    db.session.commit()


def _export_referrals(ctx: exports.Context, file_format: str):
    total = exports.count_referrals(ctx)
    if total > current_app.config["EXPORT_SYNC_MAX_ROWS"]:
        job = exports.create_job(current_user, ctx.scope, ctx.filters, file_format)
        db.session.commit()
        _enqueue(job)
        return redirect(url_for("reports.export_job", job_id=job.id))
    _audit_export(ctx, "referrals", file_format, total)
    name = exports.download_name("referrals", file_format, ctx.today)
    if file_format == "csv":
        rows = exports.iter_referral_rows(ctx)
        return _csv_response(exports.csv_chunks(exports.REFERRAL_HEADERS, rows), name)
    buffer = io.BytesIO()
    exports.write_xlsx(
        buffer, [(_("Referrals"), exports.REFERRAL_HEADERS, exports.iter_referral_rows(ctx))]
    )
    return _xlsx_response(buffer, name)


def _export_tables(ctx: exports.Context, kind: str, file_format: str):
    kinds = list(exports.TABLES) if kind == "all" else [kind]
    sheets = exports.table_sheets(ctx, kinds)
    _audit_export(ctx, kind, file_format, sum(len(rows) for _t, _h, rows in sheets))
    name = exports.download_name("tables" if kind == "all" else kind, file_format, ctx.today)
    if file_format == "csv":
        _title, headers, rows = sheets[0]
        return _csv_response(exports.csv_chunks(headers, rows), name)
    buffer = io.BytesIO()
    exports.write_xlsx(buffer, sheets)
    return _xlsx_response(buffer, name)


def _csv_response(chunks, name: str) -> Response:
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _xlsx_response(buffer: io.BytesIO, name: str) -> Response:
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)


def _enqueue(job: ExportJob) -> None:
    """Hand the committed job to the worker; if the broker is down, the sweeper will."""
    exports.publish(job.id)


# ---------------------------------------------------------------------------
# Export jobs
# ---------------------------------------------------------------------------


def _own_job(job_id: int) -> ExportJob:
    """The current user's job, or 404 (nobody else's job exists for them)."""
    job = db.session.get(ExportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


@bp.route("/exports/<int:job_id>")
@login_required
def export_job(job_id: int):
    job = _own_job(job_id)
    return render_template(
        "reports/export_job.html", job=job, percent=exports.job_percent(job), status=job.status
    )


@bp.route("/exports/<int:job_id>/status")
@login_required
def export_status(job_id: int):
    job = _own_job(job_id)
    done = job.status == ExportStatus.DONE.value
    return jsonify(
        state=job.status,
        progress=exports.job_percent(job),
        rows=job.progress,
        total_rows=job.total_rows,
        download_url=url_for("reports.export_download", job_id=job.id) if done else None,
    )


@bp.route("/exports/<int:job_id>/download")
@login_required
def export_download(job_id: int):
    job = _own_job(job_id)
    path = exports.job_path(job) if job.status == ExportStatus.DONE.value else None
    if path is None:
        flash(_("This export is not ready or no longer available."), "warning")
        return redirect(url_for("reports.export_job", job_id=job.id))
    audit.record("export_downloaded", "export_job", job.id, file_format=job.file_format)
    db.session.commit()
    name = exports.download_name(job.kind, job.file_format, job.created_at.date())
    mimetype = "text/csv" if job.file_format == "csv" else XLSX_MIMETYPE
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)
