"""Account risk: the nightly recomputation of every account with a risk input (cases/services/risk.py)."""

from __future__ import annotations

from celery import shared_task

from cases.audit import audit_context
from cases.services import risk


@shared_task(name="cases.refresh_account_risk")
def refresh_account_risk() -> dict[str, int]:
    """Recompute stored risk scores; services keep them current, this catches anything they missed."""
    with audit_context(actor=None):
        return risk.refresh_all_risk()
