"""Police and administrative reports (报案, 12377, market-regulation complaints): drafting, the
status moves (through cases/services/workflow.py, so each is recorded with who, when and why) and
the items' estimated loss against the art. 221 threshold (DOMAIN.md §1, 立案追诉标准(二) art. 66)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases.models import Assessment, AuthorityReport, ContentItem, Lawsuit, MonitoredAccount
from cases.services import workflow

S = AuthorityReport.Status
# Moves that are decisions of the authority: they carry the decision date.
DECISIONS = (S.ACCEPTED, S.NOT_ACCEPTED, S.CASE_OPENED)


@dataclass(frozen=True)
class LossSummary:
    """The estimated direct loss of some items against the art. 221 threshold."""

    total: Decimal
    assessed: int
    items: int
    threshold: Decimal

    @property
    def known(self) -> bool:
        return self.assessed > 0

    @property
    def above(self) -> bool:
        return self.known and self.total >= self.threshold

    @property
    def shortfall(self) -> Decimal:
        return max(self.threshold - self.total, Decimal(0))


def threshold() -> Decimal:
    return Decimal(settings.ART221_LOSS_THRESHOLD)


def loss_summary(item_ids: Iterable[int]) -> LossSummary:
    """Sum each item's latest estimated loss (one query; items never assessed with a loss add nothing)."""
    ids = sorted(set(item_ids))
    if not ids:
        return LossSummary(Decimal(0), 0, 0, threshold())
    losses = list(
        Assessment.objects.filter(content_item_id__in=ids, estimated_loss__isnull=False)
        .order_by("content_item_id", "-created_at", "-id")
        .distinct("content_item_id")
        .values_list("estimated_loss", flat=True)
    )
    return LossSummary(sum(losses, Decimal(0)), len(losses), len(ids), threshold())


def _check_date(value: datetime.date | None, field: str) -> datetime.date:
    value = value or timezone.localdate()
    if value > timezone.localdate():
        raise ValidationError({field: _("The date of an event cannot be in the future.")})
    return value


@transaction.atomic
def report_create(
    *,
    actor: Any,
    authority_type: str,
    authority_name: str = "",
    summary: str = "",
    items: Iterable[ContentItem] = (),
    accounts: Iterable[MonitoredAccount] = (),
    lawsuit: Lawsuit | None = None,
) -> AuthorityReport:
    """Draft a report about some items and/or accounts."""
    permissions.ensure_can_edit(actor, AuthorityReport)
    items, accounts = list(items), list(accounts)
    if authority_type not in AuthorityReport.AuthorityType.values:
        raise ValidationError({"authority_type": _("Choose the authority.")})
    if not items and not accounts:
        raise ValidationError(_("Choose at least one content item or account to report."), code="empty")
    report = AuthorityReport(
        authority_type=authority_type,
        authority_name=authority_name.strip(),
        summary=summary.strip(),
        lawsuit=lawsuit,
        created_by=actor,
    )
    report.full_clean()
    report.save()
    report.content_items.set(items)
    report.accounts.set(accounts)
    return report


@transaction.atomic
def report_move(
    *,
    report: AuthorityReport,
    to: str,
    actor: Any,
    reason: str = "",
    on: datetime.date | None = None,
    receipt_number: str = "",
    outcome: str = "",
) -> AuthorityReport:
    """Move a report: filing records the date (and receipt number), a decision its date, closing its outcome.

    Illegal moves and bad input raise ValidationError and change nothing.
    """
    permissions.ensure_can_edit(actor, report)
    report = AuthorityReport.objects.select_for_update().get(pk=report.pk)
    workflow.ensure_can_move(report, to)
    fields: dict[str, Any] = {}
    receipt_number = receipt_number.strip()
    if receipt_number:
        fields["receipt_number"] = receipt_number
    if to == S.FILED:
        fields["reported_on"] = _check_date(on, "on")
    elif to in DECISIONS:
        decided = _check_date(on, "on")
        if report.reported_on and decided < report.reported_on:
            raise ValidationError({"on": _("The authority cannot decide before the report was filed.")})
        fields["decided_on"] = decided
        if to == S.CASE_OPENED and not (receipt_number or report.receipt_number):
            raise ValidationError(
                {"receipt_number": _("Enter the receipt or case-filing number the authority issued.")}
            )
    elif to == S.CLOSED and not outcome.strip():
        raise ValidationError({"outcome": _("Describe the outcome before closing the report.")})
    if outcome.strip():
        fields["outcome"] = outcome.strip()
    workflow.move(report, to=to, actor=actor, reason=reason.strip(), check_permission=False, fields=fields)
    return report
