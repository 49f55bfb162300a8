"""Campaign detection tasks: after each import (cases/services/intake.py) and on demand."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from cases.audit import audit_context
from cases.services import campaigns
from cases.tasks.options import RETRY


@shared_task(name="cases.detect_campaigns", **RETRY)
def detect_campaigns(
    since_iso: str | None = None, actor_id: int | None = None, window_hours: int = campaigns.DEFAULT_WINDOW_HOURS
) -> dict[str, Any]:
    """Run campaign detection; ``since_iso`` (ISO 8601) limits it to posts created or updated since then.

    ``actor_id`` names the user who asked for the run ("run detection now"), so the audit trail shows
    who caused the writes; import runs leave it empty and are recorded as the system's.
    """
    since = parse_datetime(since_iso) if since_iso else None
    if since_iso and since is None:
        raise ValueError(f"since_iso is not an ISO 8601 date-time: {since_iso!r}")
    if since is not None and is_naive(since):
        since = make_aware(since)
    actor = None
    if actor_id is not None:
        from accounts.models import User

        actor = User.objects.filter(pk=actor_id).first()
    with audit_context(actor=actor):
        report = campaigns.detect_campaigns_report(since=since, window_hours=window_hours)
    return report.as_dict()
