"""Intake tasks: run import jobs, send again those the broker lost, fail those whose worker died."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from cases.services import intake
from cases.tasks.options import RETRY


@shared_task(name="cases.run_import_job", bind=True, acks_late=True, reject_on_worker_lost=True)
def run_import_job(self: Any, job_id: int, language: str | None = None) -> str:
    """Run one queued import job; the service records any failure on the job, so this never raises.

    acks_late: a worker killed mid-import leaves the message unacknowledged; the broker hands it to
    another worker, which sees the job "running" and fails it with an exact report of what was saved.
    """
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    return intake.import_job_run(job_id, language=language, redelivered=redelivered).status


@shared_task(name="cases.requeue_import_jobs", **RETRY)
def requeue_import_jobs() -> int:
    """Send again jobs that stayed queued because the broker was down when they were created."""
    return intake.import_jobs_requeue()


@shared_task(name="cases.fail_stale_import_jobs", **RETRY)
def fail_stale_import_jobs() -> int:
    """Fail jobs whose worker died mid-run, so none stays "running" for ever (schedule it hourly)."""
    return intake.import_jobs_fail_stale()
