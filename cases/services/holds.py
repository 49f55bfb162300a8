"""Litigation hold (涉诉锁定) on evidence: placed when a suit is filed or a letter is issued,
released by a lawyer only after the suit is closed and the retention period has passed.

The hold is ``Evidence.litigation_hold`` (evidence under hold cannot be deleted: the evidence
service refuses it and a database constraint backs it). A suit's evidence is the evidence linked
to the suit, to its content items, to its defendant accounts and to those accounts' items. For an
owner's suit the assistance request is held as well, so the purge job keeps the owner's data.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases.models import AssistanceRequest, Evidence, Lawsuit, LawyerLetter
from cases.services import workflow

# After a suit closes, a retrial may still be sought and enforcement applied for within 2 years
# (Civil Procedure Law): keep its evidence that long unless settings say otherwise.
DEFAULT_RETENTION_DAYS = 730
LETTER_HOLDING_STATUSES = (LawyerLetter.Status.ISSUED, LawyerLetter.Status.DELIVERED, LawyerLetter.Status.RESPONDED)


def retention_days() -> int:
    return int(getattr(settings, "LITIGATION_HOLD_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def _lawsuit_evidence_q(lawsuits: Any) -> Q:
    return (
        Q(lawsuits__in=lawsuits)
        | Q(content_items__lawsuits__in=lawsuits)
        | Q(account__lawsuit_parties__lawsuit__in=lawsuits)
        | Q(content_items__account__lawsuit_parties__lawsuit__in=lawsuits)
    )


def _letter_evidence_q(letters: Any) -> Q:
    return (
        Q(content_items__letters__in=letters)
        | Q(account__letters__in=letters)
        | Q(content_items__account__letters__in=letters)
    )


def lawsuit_evidence(lawsuit: Lawsuit) -> QuerySet:
    """Every evidence row (all versions) the suit relies on."""
    ids = Evidence.objects.filter(_lawsuit_evidence_q([lawsuit.pk])).values("pk")
    return Evidence.objects.filter(pk__in=ids)


def letter_evidence(letter: LawyerLetter) -> QuerySet:
    ids = Evidence.objects.filter(_letter_evidence_q([letter.pk])).values("pk")
    return Evidence.objects.filter(pk__in=ids)


def _place(evidence: QuerySet) -> int:
    now = timezone.now()
    return evidence.filter(litigation_hold=False).update(litigation_hold=True, updated_at=now)


@transaction.atomic
def hold_for_lawsuit(*, lawsuit: Lawsuit, actor: Any) -> int:
    """Put the suit's evidence (and an owner's request) under hold; return how many rows were newly held."""
    permissions.ensure_can_edit(actor, lawsuit)
    count = _place(lawsuit_evidence(lawsuit))
    if lawsuit.assistance_request_id:
        AssistanceRequest.objects.filter(pk=lawsuit.assistance_request_id, litigation_hold=False).update(
            litigation_hold=True, updated_at=timezone.now()
        )
    if lawsuit.hold_released_at is not None:
        Lawsuit.objects.filter(pk=lawsuit.pk).update(hold_released_at=None)
        lawsuit.hold_released_at = None
    return count


@transaction.atomic
def hold_for_letter(*, letter: LawyerLetter, actor: Any) -> int:
    """Put the evidence of a letter's items and recipient account under hold."""
    permissions.ensure_can_edit(actor, letter)
    count = _place(letter_evidence(letter))
    if letter.assistance_request_id:
        AssistanceRequest.objects.filter(pk=letter.assistance_request_id, litigation_hold=False).update(
            litigation_hold=True, updated_at=timezone.now()
        )
    return count


def release_date(lawsuit: Lawsuit) -> datetime.date | None:
    """The first day the hold may be released: closing date + retention; None while the suit is open."""
    if lawsuit.stage != Lawsuit.Stage.CLOSED or lawsuit.closed_on is None:
        return None
    return lawsuit.closed_on + datetime.timedelta(days=retention_days())


def can_release(lawsuit: Lawsuit, *, today: datetime.date | None = None) -> bool:
    day = release_date(lawsuit)
    return day is not None and day <= (today or timezone.localdate()) and lawsuit.hold_released_at is None


def _still_needed() -> Q:
    """Evidence another filed, unreleased suit or a live letter still relies on."""
    other_suits = Lawsuit.objects.exclude(stage=Lawsuit.Stage.PREPARING).filter(hold_released_at__isnull=True)
    live_letters = LawyerLetter.objects.filter(status__in=LETTER_HOLDING_STATUSES)
    return (
        _lawsuit_evidence_q(other_suits.values("pk"))
        | _letter_evidence_q(live_letters.values("pk"))
        | Q(letters_issued__status__in=LETTER_HOLDING_STATUSES)
    )


@transaction.atomic
def hold_release_for_lawsuit(*, lawsuit: Lawsuit, actor: Any, reason: str = "") -> int:
    """Release the hold on a closed suit's evidence once its retention has passed; lawyers only.

    Evidence that another filed suit or a live letter still relies on stays held. Returns how many
    rows were released. Refuses (ValidationError, nothing changed) an open suit or one still within retention.
    """
    if not permissions.can_sign_off(actor):
        raise PermissionDenied(_("Only a lawyer may release a litigation hold."))
    lawsuit = Lawsuit.objects.select_for_update().get(pk=lawsuit.pk)
    day = release_date(lawsuit)
    if day is None:
        raise ValidationError(_("The hold can only be released after the suit is closed."), code="open")
    if lawsuit.hold_released_at is not None:
        raise ValidationError(_("The hold on this suit's evidence was already released."), code="released")
    if day > timezone.localdate():
        raise ValidationError(
            _("The evidence is kept until %(date)s (%(days)d days after the suit closed)."),
            code="retention",
            params={"date": day.isoformat(), "days": retention_days()},
        )
    now = timezone.now()
    lawsuit.hold_released_at = now
    lawsuit.save(update_fields=["hold_released_at", "updated_at"])  # first, so _still_needed() excludes it
    needed = Evidence.objects.filter(_still_needed()).values("pk")
    released = (
        lawsuit_evidence(lawsuit)
        .filter(litigation_hold=True)
        .exclude(pk__in=needed)
        .update(litigation_hold=False, updated_at=now)
    )
    request_id = lawsuit.assistance_request_id
    if (
        request_id
        and not Lawsuit.objects.filter(assistance_request_id=request_id, hold_released_at__isnull=True)
        .exclude(stage=Lawsuit.Stage.PREPARING)
        .exists()
    ):
        AssistanceRequest.objects.filter(pk=request_id).update(litigation_hold=False, updated_at=now)
    # The release shows on the suit's timeline with who and why (the row updates are audited by the triggers).
    workflow.record_moves([lawsuit], field="hold", from_state="held", to_state="released", actor=actor, reason=reason)
    return released


def letter_closed_on(letter: LawyerLetter) -> datetime.date | None:
    """The day the letter was closed, from its workflow timeline (letters have no closing-date column)."""
    from cases.models import StateChange

    if letter.status != LawyerLetter.Status.CLOSED:
        return None
    at = (
        StateChange.objects.filter(
            object_type=letter._meta.label_lower,
            object_id=letter.pk,
            field="status",
            to_state=LawyerLetter.Status.CLOSED,
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localtime(at).date() if at else None


def letter_release_date(letter: LawyerLetter) -> datetime.date | None:
    closed_on = letter_closed_on(letter)
    return closed_on + datetime.timedelta(days=retention_days()) if closed_on else None


@transaction.atomic
def hold_release_for_letter(*, letter: LawyerLetter, actor: Any, reason: str = "") -> int:
    """Release the hold a closed letter placed, once the retention has passed; lawyers only.

    Evidence that a filed, unreleased suit or another live letter relies on stays held.
    """
    if not permissions.can_sign_off(actor):
        raise PermissionDenied(_("Only a lawyer may release a litigation hold."))
    letter = LawyerLetter.objects.select_for_update().get(pk=letter.pk)
    day = letter_release_date(letter)
    if day is None:
        raise ValidationError(_("The hold can only be released after the letter is closed."), code="open")
    if day > timezone.localdate():
        raise ValidationError(
            _("The evidence is kept until %(date)s (%(days)d days after the letter was closed)."),
            code="retention",
            params={"date": day.isoformat(), "days": retention_days()},
        )
    needed = Evidence.objects.filter(_still_needed()).values("pk")
    released = (
        letter_evidence(letter)
        .filter(litigation_hold=True)
        .exclude(pk__in=needed)
        .update(litigation_hold=False, updated_at=timezone.now())
    )
    workflow.record_moves([letter], field="hold", from_state="held", to_state="released", actor=actor, reason=reason)
    return released
