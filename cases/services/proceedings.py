"""A suit's proceedings (instances with court, case number and judge), hearings and documents.

Stage moves create the proceedings a move implies (cases.services.litigation); these services let
a lawyer add or correct them. Every write re-validates the official case-number format, refuses
dates in the future or out of order, and recomputes the suit's deadlines.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases.models import Evidence, Hearing, Lawsuit, Proceeding
from cases.services import deadlines, evidence
from cases.services.litigation import clean_case_number

PROCEEDING_FIELDS = (
    "instance", "court_name", "court_type", "case_number", "judge", "filed_on", "accepted_on", "decided_on",
    "decision_served_on", "result",
)  # fmt: skip
HEARING_FIELDS = ("kind", "scheduled_at", "location", "judge", "held", "notes")
DATE_ORDER = (
    ("accepted_on", "filed_on"),
    ("decided_on", "accepted_on"),
    ("decided_on", "filed_on"),
    ("decision_served_on", "decided_on"),
)


def _check_dates(values: dict[str, Any], labels: dict[str, str]) -> None:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    for name in ("filed_on", "accepted_on", "decided_on", "decision_served_on"):
        day = values.get(name)
        if day and day > today:
            errors[name] = _("The date of an event cannot be in the future.")
    for later, earlier in DATE_ORDER:
        if later in errors:
            continue
        if values.get(later) and values.get(earlier) and values[later] < values[earlier]:
            errors[later] = _("This date cannot be before the %(event)s (%(date)s).") % {
                "event": labels[earlier],
                "date": values[earlier],
            }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def proceeding_save(
    *,
    lawsuit: Lawsuit,
    actor: Any,
    data: dict[str, Any],
    proceeding: Proceeding | None = None,
    outside_counsel: str | None = None,
) -> Proceeding:
    """Add a proceeding to a suit, or correct one; recompute the suit's deadlines.

    ``data`` holds PROCEEDING_FIELDS. A malformed or duplicate case number, a date in the future
    or dates out of order are refused with a field error and nothing changes.
    """
    permissions.ensure_can_edit(actor, lawsuit)
    lawsuit = Lawsuit.objects.select_for_update().get(pk=lawsuit.pk)
    if proceeding is not None and proceeding.lawsuit_id != lawsuit.pk:
        raise ValidationError(_("This proceeding belongs to another suit."))
    unknown = set(data) - set(PROCEEDING_FIELDS)
    if unknown:
        raise ValueError(f"Not proceeding fields: {sorted(unknown)}")
    values = dict(data)
    values["case_number"] = clean_case_number(values.get("case_number", ""), exclude=proceeding)
    values["court_name"] = (values.get("court_name") or "").strip()
    labels = {
        "filed_on": _("filing date"),
        "accepted_on": _("acceptance date"),
        "decided_on": _("decision date"),
    }
    _check_dates(values, labels)
    target = proceeding or Proceeding(lawsuit=lawsuit)
    for name, value in values.items():
        setattr(target, name, "" if value is None and name in ("result", "judge", "court_type") else value)
    target.full_clean()
    target.save()
    if outside_counsel is not None and outside_counsel.strip() != lawsuit.outside_counsel:
        lawsuit.outside_counsel = outside_counsel.strip()
        lawsuit.full_clean()
        lawsuit.save(update_fields=["outside_counsel", "updated_at"])
    deadlines.deadlines_sync(lawsuit)
    return target


@transaction.atomic
def hearing_save(
    *, proceeding: Proceeding, actor: Any, data: dict[str, Any], hearing: Hearing | None = None
) -> Hearing:
    """Schedule a hearing (or correct one). A session in the future cannot be marked as held,
    and none can be scheduled before the proceeding was filed."""
    permissions.ensure_can_edit(actor, Hearing)
    if hearing is not None and hearing.proceeding_id != proceeding.pk:
        raise ValidationError(_("This hearing belongs to another proceeding."))
    unknown = set(data) - set(HEARING_FIELDS)
    if unknown:
        raise ValueError(f"Not hearing fields: {sorted(unknown)}")
    when: datetime.datetime | None = data.get("scheduled_at")
    errors: dict[str, str] = {}
    if when is None:
        errors["scheduled_at"] = _("Give the date and time of the session.")
    else:
        if data.get("held") and when > timezone.now():
            errors["held"] = _("A session in the future cannot have been held yet.")
        if proceeding.filed_on and timezone.localtime(when).date() < proceeding.filed_on:
            errors["scheduled_at"] = _("A session cannot take place before the proceeding was filed (%(date)s).") % {
                "date": proceeding.filed_on
            }
    if errors:
        raise ValidationError(errors)
    target = hearing or Hearing(proceeding=proceeding)
    for name, value in data.items():
        setattr(target, name, "" if value is None and name in ("location", "judge", "notes") else value)
    target.full_clean()
    target.save()
    return target


def lawsuit_add_document(
    *,
    lawsuit: Lawsuit,
    actor: Any,
    uploaded: Any,
    title: str,
    capture_method: str = Evidence.CaptureMethod.DOCUMENT,
    ip: str = "",
) -> Evidence:
    """File a document (statement of claim, summons, judgment, …) on a suit through the evidence service:
    hashed while stored, with its custody chain; under hold once the suit is filed."""
    permissions.ensure_can_edit(actor, lawsuit)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the document a title.")})
    filed = lawsuit.stage != Lawsuit.Stage.PREPARING
    return evidence.evidence_upload(
        uploaded=uploaded,
        actor=actor,
        metadata={
            "title": title[:200],
            "capture_method": capture_method,
            "status": Evidence.Status.SUBMITTED if filed else Evidence.Status.FIXED,
            "litigation_hold": filed,
        },
        links=evidence.UploadLinks(lawsuits=[lawsuit]),
        ip=ip,
    )
