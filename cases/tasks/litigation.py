"""Litigation tasks: the daily deadline reminders."""

from __future__ import annotations

from celery import shared_task

from cases.services import deadlines
from cases.tasks.options import RETRY


@shared_task(name="cases.send_deadline_reminders", **RETRY)
def send_deadline_reminders() -> int:
    """Email responsible lawyers about deadlines crossing a reminder threshold (safe to re-run)."""
    return deadlines.deadlines_send_reminders()
