"""Platform complaints (notice and takedown) and the company's rebuttals.

A complaint follows ``PlatformComplaint.TRANSITIONS`` (DESIGN.md §3): draft → submitted →
in review → {actioned | rejected | need info}; need info → submitted; actioned → counter-noticed →
{kept | restored}. Every move goes through ``workflow.move`` (checked, recorded with who and why).

Opening one passes the gate of ``triage.ensure_actionable`` for every item (escalated, signed off,
fixed evidence) and brings the items to "action under way". When the platform removes the content
(a deletion, block or delink) the items move to "removed"; when it restores it after a counter-notice
they go back to "suspected" (DESIGN.md: removed → suspected on repost).

The platform's response time is ``first_response_at - submitted_at`` (first submission); the
resolution time ``resolved_at - submitted_at``. ``selectors/complaints.py`` reports both per platform.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases.models import ContentItem, PlatformComplaint, Rebuttal
from cases.services import triage, workflow

S = PlatformComplaint.Status
M = PlatformComplaint.Measure
I = ContentItem.TriageState  # noqa: E741

# Items one complaint may name (a platform's form takes a list of links; beyond this, split it).
MAX_ITEMS = 200
# Measures after which the content is gone from the platform: the items become "removed".
REMOVAL_MEASURES = (M.DELETE, M.BLOCK, M.DELINK)


class Response:
    """What a platform answered; each maps to a complaint status (``NO_RESPONSE`` keeps it)."""

    IN_REVIEW = "in_review"
    ACTIONED = "actioned"
    REMOVED = "removed"  # shorthand: actioned with the post deleted
    REJECTED = "rejected"
    NEED_INFO = "need_info"
    NO_RESPONSE = "no_response"

    TARGET = {
        IN_REVIEW: S.IN_REVIEW,
        ACTIONED: S.ACTIONED,
        REMOVED: S.ACTIONED,
        REJECTED: S.REJECTED,
        NEED_INFO: S.NEED_INFO,
    }
    ALL = (IN_REVIEW, ACTIONED, REMOVED, REJECTED, NEED_INFO, NO_RESPONSE)


def response_choices() -> list[tuple[str, str]]:
    return [
        (Response.IN_REVIEW, _("In review")),
        (Response.ACTIONED, _("Actioned (choose the measure)")),
        (Response.REMOVED, _("Content removed")),
        (Response.REJECTED, _("Rejected")),
        (Response.NEED_INFO, _("More information needed")),
        (Response.NO_RESPONSE, _("No response yet")),
    ]


def _when(value: datetime.datetime | None, *, field: str, not_before: datetime.datetime | None = None,
          before_message: str = "") -> datetime.datetime:
    """Return ``value`` (default now); refuse a time in the future or before ``not_before``."""
    now = timezone.now()
    when = value or now
    if when > now + datetime.timedelta(minutes=5):
        raise ValidationError({field: _("This time is in the future.")})
    if not_before is not None and when < not_before:
        raise ValidationError({field: before_message})
    return when


def _locked(complaint: PlatformComplaint) -> PlatformComplaint:
    return PlatformComplaint.objects.select_for_update().get(pk=complaint.pk)


def _items(complaint: PlatformComplaint) -> list[ContentItem]:
    return list(complaint.content_items.select_for_update().order_by("pk"))


def _item_moves(items: Iterable[ContentItem], *, source: str, target: str, live: str, actor: Any, reason: str) -> int:
    """Move the items in state ``source`` to ``target`` through the workflow and set their live status."""
    moved = 0
    for item in items:
        if item.triage_state != source:
            continue
        workflow.move(item, to=target, actor=actor, reason=reason, check_permission=False,
                      fields={"live_status": live})
        moved += 1
    return moved


@transaction.atomic
def complaint_open(
    *,
    items: Iterable[ContentItem],
    actor: Any,
    channel: str = PlatformComplaint.Channel.ENTERPRISE_ZONE,
    credential: str = "",
    notes: str = "",
) -> PlatformComplaint:
    """Open a draft complaint naming ``items`` (all on one platform) and start action on them.

    Refused, with nothing changed, unless every item passes the gate before any action (fixed
    evidence first). Raises ValidationError with the code of the first refusal.
    """
    permissions.ensure_can_edit(actor, PlatformComplaint)
    errors: dict[str, str] = {}
    if channel not in PlatformComplaint.Channel.values:
        errors["channel"] = _("Choose a channel from the list.")
    credential = credential.strip()
    if not credential:
        errors["credential"] = _("Say which business licence or power of attorney (and version) you submit.")
    elif len(credential) > 200:
        errors["credential"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    ids = sorted({item.pk for item in items})
    if not ids:
        raise ValidationError(_("Choose at least one content item."), code="empty")
    if len(ids) > MAX_ITEMS:
        raise ValidationError(
            _("One complaint names at most %(limit)d items."), code="too_many", params={"limit": MAX_ITEMS}
        )
    locked = list(ContentItem.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(locked) != len(ids):
        raise ValidationError(_("Some of the chosen items no longer exist."), code="missing")
    platforms = {item.platform_id for item in locked}
    if len(platforms) > 1:
        raise ValidationError(_("A complaint goes to one platform: choose items of one platform."), code="platforms")
    for item in locked:
        if item.triage_state == I.ACTING:
            continue
        try:
            triage.ensure_actionable(item)
        except ValidationError as error:
            raise ValidationError(
                _("Item %(item)s: %(reason)s"),
                code=error.code,
                params={"item": item.pk, "reason": " ".join(error.messages)},
            ) from error
    complaint = PlatformComplaint(
        platform_id=platforms.pop(), channel=channel, credential=credential, notes=notes.strip(), created_by=actor
    )
    complaint.full_clean()
    complaint.save()
    complaint.content_items.add(*locked)
    for item in locked:
        triage.content_item_start_action(item=item, actor=actor)
    workflow.record_moves([complaint], field="status", from_state="", to_state=S.DRAFT, actor=actor)
    return complaint


@transaction.atomic
def complaint_submit(
    *, complaint: PlatformComplaint, actor: Any, ticket_number: str, submitted_at: datetime.datetime | None = None
) -> PlatformComplaint:
    """Record that the complaint was filed (or re-filed after "need info") with the platform's ticket number.

    The first submission time stays: response times are measured from it.
    """
    permissions.ensure_can_edit(actor, PlatformComplaint)
    complaint = _locked(complaint)
    workflow.ensure_can_move(complaint, S.SUBMITTED)
    ticket = ticket_number.strip()
    if not ticket:
        raise ValidationError({"ticket_number": _("Enter the ticket number the platform gave.")})
    if len(ticket) > 100:
        raise ValidationError({"ticket_number": _("At most 100 characters.")})
    when = _when(submitted_at, field="submitted_at")
    fields: dict[str, Any] = {"ticket_number": ticket}
    if complaint.submitted_at is None:
        fields["submitted_at"] = when
    workflow.move(complaint, to=S.SUBMITTED, actor=actor, check_permission=False, fields=fields)
    return complaint


@transaction.atomic
def complaint_respond(
    *,
    complaint: PlatformComplaint,
    actor: Any,
    response: str,
    measure: str = "",
    responded_at: datetime.datetime | None = None,
    notes: str = "",
) -> PlatformComplaint:
    """Record the platform's answer; a removal moves the complaint's items to "removed".

    ``no_response`` changes no state: it records (in the notes and the timeline) that the platform
    has not answered yet, so a chase is visible.
    """
    permissions.ensure_can_edit(actor, PlatformComplaint)
    if response not in Response.ALL:
        raise ValidationError({"response": _("Choose what the platform answered.")})
    complaint = _locked(complaint)
    notes = notes.strip()
    if response == Response.NO_RESPONSE:
        if complaint.status not in (S.SUBMITTED, S.IN_REVIEW):
            raise ValidationError(
                _("Only a submitted complaint can be waiting for the platform."), code="illegal_transition"
            )
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        line = _("%(date)s: no response from the platform.") % {"date": stamp}
        complaint.notes = "\n".join(part for part in (complaint.notes, line, notes) if part)
        complaint.save(update_fields=["notes", "updated_at"])
        workflow.record_moves([complaint], field="status", from_state=complaint.status, to_state=complaint.status,
                              actor=actor, reason=line)
        return complaint
    target = Response.TARGET[response]
    workflow.ensure_can_move(complaint, target)
    if response == Response.REMOVED:
        measure = measure or M.DELETE
    if target == S.ACTIONED:
        if measure not in M.values or measure == M.NONE:
            raise ValidationError({"measure": _("Choose the measure the platform took.")})
    elif measure:
        raise ValidationError({"measure": _("A measure is recorded only when the platform acted.")})
    when = _when(
        responded_at,
        field="responded_at",
        not_before=complaint.submitted_at,
        before_message=_("The platform cannot respond before the complaint was submitted."),
    )
    fields: dict[str, Any] = {}
    if complaint.first_response_at is None:
        fields["first_response_at"] = when
    if target in (S.ACTIONED, S.REJECTED):
        fields["resolved_at"] = when
    if target == S.ACTIONED:
        fields["measure"] = measure
    if notes:
        fields["notes"] = "\n".join(part for part in (complaint.notes, notes) if part)
    workflow.move(complaint, to=target, actor=actor, reason=notes, check_permission=False, fields=fields)
    if target == S.ACTIONED and measure in REMOVAL_MEASURES:
        _item_moves(
            _items(complaint), source=I.ACTING, target=I.REMOVED, live=ContentItem.LiveStatus.DELETED,
            actor=actor, reason=_("Removed by the platform: %(measure)s") % {"measure": M(measure).label},
        )
    return complaint


@transaction.atomic
def complaint_counter_notice(
    *,
    complaint: PlatformComplaint,
    actor: Any,
    received_at: datetime.datetime | None = None,
    reply_deadline: datetime.date | None = None,
    notes: str = "",
) -> PlatformComplaint:
    """Record the poster's counter-notice against an actioned complaint."""
    permissions.ensure_can_edit(actor, PlatformComplaint)
    complaint = _locked(complaint)
    workflow.ensure_can_move(complaint, S.COUNTER_NOTICED)
    when = _when(
        received_at, field="received_at", not_before=complaint.submitted_at,
        before_message=_("A counter-notice cannot come before the complaint was submitted."),
    )
    if reply_deadline is not None and reply_deadline < timezone.localdate(when):
        raise ValidationError({"reply_deadline": _("The deadline to answer cannot be before the counter-notice.")})
    workflow.move(
        complaint, to=S.COUNTER_NOTICED, actor=actor, reason=notes.strip(), check_permission=False,
        fields={"counter_notice_at": when, "reply_deadline": reply_deadline},
    )
    return complaint


@transaction.atomic
def complaint_close_counter_notice(
    *, complaint: PlatformComplaint, actor: Any, restored: bool, notes: str = ""
) -> PlatformComplaint:
    """The platform decided on the counter-notice: measure kept, or content restored (items back to suspected)."""
    permissions.ensure_can_edit(actor, PlatformComplaint)
    complaint = _locked(complaint)
    target = S.RESTORED if restored else S.KEPT
    workflow.ensure_can_move(complaint, target)
    workflow.move(complaint, to=target, actor=actor, reason=notes.strip(), check_permission=False,
                  fields={"resolved_at": max(timezone.now(), complaint.submitted_at or timezone.now())})
    if restored:
        _item_moves(
            _items(complaint), source=I.REMOVED, target=I.SUSPECTED, live=ContentItem.LiveStatus.LIVE,
            actor=actor, reason=_("Restored by the platform after a counter-notice."),
        )
    return complaint


@transaction.atomic
def complaint_appeal(*, complaint: PlatformComplaint, actor: Any, notes: str = "") -> PlatformComplaint:
    """Appeal a rejected complaint: a new draft for the same items, channel and credential."""
    permissions.ensure_can_edit(actor, PlatformComplaint)
    complaint = _locked(complaint)
    if complaint.status != S.REJECTED:
        raise ValidationError(_("Only a rejected complaint can be appealed."), code="illegal_transition")
    items = list(complaint.content_items.order_by("pk"))
    line = _("Appeal of complaint %(ticket)s (no. %(pk)d).") % {
        "ticket": complaint.ticket_number or "—", "pk": complaint.pk,
    }
    appeal = PlatformComplaint.objects.create(
        platform_id=complaint.platform_id, channel=complaint.channel, credential=complaint.credential,
        notes="\n".join(part for part in (line, notes.strip()) if part), created_by=actor,
    )
    appeal.content_items.add(*items)
    workflow.record_moves([appeal], field="status", from_state="", to_state=S.DRAFT, actor=actor, reason=line)
    return appeal


@dataclass(frozen=True)
class RebuttalInput:
    title: str
    url: str = ""
    summary: str = ""
    published_at: datetime.datetime | None = None


@transaction.atomic
def rebuttal_link(*, items: Iterable[ContentItem], actor: Any, data: RebuttalInput) -> Rebuttal:
    """Link items to a published rebuttal (辟谣); a rebuttal with the same URL is reused, not duplicated."""
    permissions.ensure_can_edit(actor, Rebuttal)
    items = list(items)
    if not items:
        raise ValidationError(_("Choose at least one content item."), code="empty")
    title, url = data.title.strip(), data.url.strip()
    rebuttal = Rebuttal.objects.filter(url=url).order_by("pk").first() if url else None
    if rebuttal is None:
        if not title:
            raise ValidationError({"title": _("Give the rebuttal's title.")})
        rebuttal = Rebuttal(
            title=title[:200], url=url, summary=data.summary.strip(), published_at=data.published_at,
            platform_id=items[0].platform_id if len({i.platform_id for i in items}) == 1 else None,
        )
        rebuttal.full_clean()
        rebuttal.save()
    rebuttal.content_items.add(*items)
    return rebuttal
