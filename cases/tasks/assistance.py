"""Owner assistance tasks: the purge of personal data (schedule it daily in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from cases.audit import audit_context
from cases.services import assistance
from cases.tasks.options import RETRY


@shared_task(name="cases.purge_assistance_personal_data", **RETRY)
def purge_assistance_personal_data() -> int:
    """Blank owners' personal data once consent is withdrawn or retention ends (never under a hold).

    Run as "system" in the audit trail: the trigger records the purge with every row it touched.
    """
    with audit_context(actor_type="system"):
        return assistance.assistance_requests_purge()
