"""Audit log retention: the setting (administrators, with a reason, itself audited) and the purge.

No retention is set at first: the log is kept forever until an administrator sets one, and no
one can set less than ``AUDIT_RETENTION_MIN_DAYS`` (the form, this service and a CHECK constraint
refuse it). Each change is a new ``AuditRetention`` row carrying the value it replaced, who and why;
the audit triggers record that row as an audit event in the same transaction.

The nightly purge (task ``cases.purge_audit_log``) calls the PostgreSQL function
``legalcases_audit_purge()`` (cases/audit_chain_sql.py): the application itself cannot delete
audit rows, and that function deletes only the oldest events past the retention, keeps events about
evidence or owners' requests under litigation hold (and everything after the first of them), moves
the chain's anchor and records a ``purge`` event, so the chain still verifies afterwards.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts import permissions
from cases.audit import apply_context
from cases.models import AuditRetention
from cases.models.audit import AUDIT_RETENTION_MIN_DAYS


def retention_current() -> AuditRetention | None:
    """The setting in force (the newest row), or None: keep forever."""
    return AuditRetention.objects.select_related("set_by").order_by("-id").first()


def retention_history(limit: int = 20) -> list[AuditRetention]:
    return list(AuditRetention.objects.select_related("set_by").order_by("-id")[:limit])


def validate_days(days: int | None) -> None:
    if days is not None and days < AUDIT_RETENTION_MIN_DAYS:
        raise ValidationError(
            {"days": _("The audit log must be kept at least %(days)s days.") % {"days": AUDIT_RETENTION_MIN_DAYS}},
            code="below_floor",
        )


@transaction.atomic
def retention_set(*, actor: Any, days: int | None, reason: str) -> AuditRetention:
    """Set the retention (None: keep forever). Administrators only; a reason is required."""
    if not permissions.can_edit(actor, AuditRetention):
        raise PermissionDenied
    validate_days(days)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this change.")}, code="required")
    with connection.cursor() as cursor:
        # Two administrators saving at once: the second sees the first's value as the previous one.
        cursor.execute("LOCK TABLE cases_auditretention IN SHARE ROW EXCLUSIVE MODE")
    current = retention_current()
    previous = current.days if current else None
    if current is not None and previous == days:
        raise ValidationError({"days": _("This is already the retention in force.")}, code="unchanged")
    return AuditRetention.objects.create(days=days, previous_days=previous, reason=reason, set_by=actor)


@dataclass(frozen=True)
class PurgeResult:
    purged: int
    anchor_seq: int
    anchor_hash: str
    until: datetime.datetime | None


@transaction.atomic
def audit_purge() -> PurgeResult:
    """Delete the audit events past the retention through the database's purge function."""
    apply_context(connection)  # the purge event names whoever runs it (the system, for the task)
    with connection.cursor() as cursor:
        cursor.execute("SELECT purged, anchor_seq, anchor_hash, until FROM legalcases_audit_purge()")
        row = cursor.fetchone()
    if row is None:
        return PurgeResult(0, 0, "", None)
    return PurgeResult(*row)
