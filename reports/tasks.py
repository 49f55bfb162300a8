"""Scheduled report jobs (CELERY_BEAT_SCHEDULE in settings names them)."""

from __future__ import annotations

from celery import shared_task

from reports import rollups
from reports.services import dashboard_warm, report_email_send


@shared_task(name="reports.send_weekly_report")
def send_weekly_report() -> int:
    """Email last week's PDF report to the executives."""
    return report_email_send()


@shared_task(name="reports.warm_dashboard")
def warm_dashboard() -> int:
    """Bring the per-day rollups up to date, then recompute the dashboard's preset periods into the cache."""
    rollups.refresh()
    return dashboard_warm()


@shared_task(name="reports.refresh_rollups")
def refresh_rollups() -> int:
    """Recompute the per-day rollups of the days changed since the last run; return how many days."""
    return len(rollups.refresh())
