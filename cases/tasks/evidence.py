"""Evidence tasks: the periodic integrity check."""

from __future__ import annotations

from celery import shared_task

from cases.audit import audit_context
from cases.services import evidence
from cases.tasks.options import RETRY


@shared_task(name="cases.verify_evidence_integrity", **RETRY)
def verify_evidence_integrity() -> dict[str, int]:
    """Re-hash every current evidence file; flag and email failures (schedule: CELERY_BEAT_SCHEDULE)."""
    with audit_context(actor_type="system"):
        report = evidence.evidence_verify_all()
    return {"checked": report.checked, "ok": report.ok, "failed": len(report.failures)}


@shared_task(name="cases.capture_web_page")
def capture_web_page(url: str, actor_id: int, item_id: int | None = None) -> list[int]:
    """Capture one page as PNG + PDF + HTML evidence for the user who asked (optionally linked to an item)."""
    from django.contrib.auth import get_user_model

    from cases.models import ContentItem
    from cases.services.web_capture import web_capture

    actor = get_user_model().objects.get(pk=actor_id)
    item = ContentItem.objects.filter(pk=item_id).first() if item_id else None
    with audit_context(actor=actor):
        result = web_capture(url=url, actor=actor, item=item)
    return [evidence.pk for evidence in result.evidence]


@shared_task(name="cases.attest_evidence")
def attest_evidence(evidence_id: int) -> bool:
    """Have the configured timestamp/deposit provider attest one uploaded file (after its upload commits)."""
    from cases.services.attestation import evidence_attest

    with audit_context(actor_type="system"):
        return evidence_attest(evidence_id=evidence_id)
