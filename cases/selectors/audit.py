"""Reads of the audit log for the auditor view (cases/views/audit.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cases.models import AuditEvent


def audit_event_list(*, user: Any) -> QuerySet:
    """Return the audit events the user may see, newest first (index cases_audit_at_idx)."""
    return AuditEvent.objects.for_user(user).select_related("actor").order_by("-at", "-id")
