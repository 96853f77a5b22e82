"""Report export jobs: write a large export file and report its progress."""

from __future__ import annotations

from celery import shared_task

from referral_app.reports import exports


@shared_task(name=exports.EXPORT_TASK, ignore_result=True)
def run_export(job_id: int) -> str | None:
    """Write the file of ``ExportJob`` ``job_id``."""
    return exports.run_export_job(job_id)


@shared_task(name="passerelle.sweep_export_jobs", ignore_result=True)
def sweep_export_jobs() -> int:
    """Every minute: re-send export jobs queued while the broker was down."""
    return exports.requeue_stale_jobs()
