"""Audit log task: the nightly retention purge (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from cases.audit import audit_context
from cases.services import audit_retention
from cases.tasks.options import RETRY


@shared_task(name="cases.purge_audit_log", **RETRY)
def purge_audit_log() -> dict[str, int]:
    """Delete audit events older than the retention in force (none set: nothing is deleted).

    Run as "system": the purge event it records names the system as the actor.
    """
    with audit_context(actor_type="system"):
        result = audit_retention.audit_purge()
    return {"purged": result.purged, "anchor_seq": result.anchor_seq}
