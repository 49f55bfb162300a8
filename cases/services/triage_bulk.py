"""Bulk triage: one assessment applied to many queue items at once (the queue's "assess selected").

The rules are those of ``cases.services.triage``: the same input checks, the same state path per
starting state, the same "items past assessment are skipped". It writes in a fixed number of
queries whatever the number of items, like ``campaign_assess``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases.models import Assessment, ContentItem
from cases.services import risk, workflow
from cases.services.triage import PATH_TO_ASSESSING, STATE_FOR_CONCLUSION, AssessmentInput

# More than a queue page, fewer than a statement that locks half the table.
MAX_BULK_ITEMS = 200


@dataclass(frozen=True)
class BulkAssessmentResult:
    assessed: list[int]
    skipped: list[int]


@transaction.atomic
def content_items_assess_bulk(
    *, items: Iterable[ContentItem], assessor: Any, data: AssessmentInput
) -> BulkAssessmentResult:
    """Assess each assessable item with the same conclusion; report the others as skipped.

    Raises ValidationError (and changes nothing) for bad input, an empty or oversized selection,
    or items that no longer exist.
    """
    permissions.ensure_can_edit(assessor, Assessment)
    data.clean()
    ids = sorted({item.pk for item in items})
    if not ids:
        raise ValidationError(_("Select at least one item."), code="empty")
    if len(ids) > MAX_BULK_ITEMS:
        raise ValidationError(
            _("Select at most %(limit)d items at a time."), code="too_many", params={"limit": MAX_BULK_ITEMS}
        )
    # Lock in primary-key order so two analysts assessing overlapping selections cannot deadlock.
    locked = list(ContentItem.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(locked) != len(ids):
        raise ValidationError(_("Some of the selected items no longer exist. Reload the queue."), code="missing")
    assessable = [item for item in locked if item.triage_state in PATH_TO_ASSESSING]
    skipped = [item.pk for item in locked if item.triage_state not in PATH_TO_ASSESSING]
    if not assessable:
        return BulkAssessmentResult(assessed=[], skipped=skipped)

    fields = data.model_fields()
    now = timezone.now()
    rows = [
        Assessment(content_item=item, assessor=assessor, reach=max(item.reach, 0), created_at=now, **fields)
        for item in assessable
    ]
    # The input was checked by data.clean(); one full_clean covers what the rows share (and the
    # database constraints back it up) without one query per row for the foreign keys.
    rows[0].full_clean()
    Assessment.objects.bulk_create(rows)

    target = STATE_FOR_CONCLUSION[data.conclusion]
    for start, path in PATH_TO_ASSESSING.items():
        group = [item for item in assessable if item.triage_state == start]
        if not group:
            continue
        previous = start
        for step in (*path, target):
            reason = data.rationale.strip() if step == target else ""
            workflow.record_moves(
                group, field="triage_state", from_state=previous, to_state=step, actor=assessor, reason=reason
            )
            previous = step
    ContentItem.objects.filter(pk__in=[item.pk for item in assessable]).update(
        triage_state=target, severity=data.severity, conclusion=data.conclusion, assessed_at=now, updated_at=now
    )
    risk.accounts_refresh_risk(item.account_id for item in assessable)
    return BulkAssessmentResult(assessed=[item.pk for item in assessable], skipped=skipped)
