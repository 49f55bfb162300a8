"""Intake tasks: run import jobs."""

from __future__ import annotations

from celery import shared_task

from cases.services import intake


@shared_task(name="cases.run_import_job")
def run_import_job(job_id: int, language: str | None = None) -> str:
    """Run one queued import job; the service records any failure on the job, so this never raises."""
    return intake.import_job_run(job_id, language=language).status


@shared_task(name="cases.fail_stale_import_jobs")
def fail_stale_import_jobs() -> int:
    """Fail jobs whose worker died mid-run, so none stays "running" for ever (schedule it hourly)."""
    return intake.import_jobs_fail_stale()
