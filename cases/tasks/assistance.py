"""Owner assistance tasks: the purge of personal data (daily, CELERY_BEAT_SCHEDULE) and notifications."""

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


@shared_task(name="cases.notify_owner_of_status")
def notify_owner_of_status(assistance_request_id: int, state_change_id: int) -> bool:
    """Tell an owner of one status change of their request (once, whatever the retries)."""
    from cases.services.notifications import notify_owner_of_status as notify

    with audit_context(actor_type="system"):
        return notify(assistance_request_id=assistance_request_id, state_change_id=state_change_id)


@shared_task(name="cases.resend_owner_notifications", **RETRY)
def resend_owner_notifications() -> int:
    """Queue again owners' notices a broker outage kept from leaving (every 10 minutes, CELERY_BEAT_SCHEDULE)."""
    from cases.services.notifications import owner_notifications_resend

    return owner_notifications_resend()


@shared_task(name="cases.notify_lawyer_of_assignment")
def notify_lawyer_of_assignment(assistance_request_id: int, lawyer_id: int) -> bool:
    """Email a lawyer that an assistance request was assigned to them."""
    from cases.services.notifications import notify_lawyer_of_assignment as notify

    return notify(assistance_request_id=assistance_request_id, lawyer_id=lawyer_id)
