"""Lawyer letters (律师函): drafted from an account, a campaign, chosen items or an owner's request;
approved by a lawyer; issued as a Chinese PDF kept as evidence with its SHA-256; delivered with
proof; answered or ignored; closed with an outcome.

The status machine is ``LawyerLetter.TRANSITIONS`` (draft → issued → delivered → responded → closed,
closing also from issued or delivered). Approval is recorded on the draft (``approved_by``/``approved_at``)
and is required before issue. The compliance deadline goes on the deadline list on delivery.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import permissions
from cases.models import (
    AssistanceRequest,
    Campaign,
    ContentItem,
    Deadline,
    Evidence,
    LawyerLetter,
    MonitoredAccount,
)
from cases.services import evidence as evidence_service
from cases.services import holds, risk, triage, workflow

S = LawyerLetter.Status
Demand = LawyerLetter.Demand
# Letters whose recipient did not comply suggest the next step: a suit.
UNSATISFIED_OUTCOMES = (LawyerLetter.Outcome.REFUSED, LawyerLetter.Outcome.PARTIAL, LawyerLetter.Outcome.NO_RESPONSE)
RESPONSE_OUTCOMES = (LawyerLetter.Outcome.COMPLIED, LawyerLetter.Outcome.PARTIAL, LawyerLetter.Outcome.REFUSED)
# A tracking number or message ID is the proof for these channels.
CHANNELS_NEEDING_PROOF = (
    LawyerLetter.Channel.EXPRESS,
    LawyerLetter.Channel.EMAIL,
    LawyerLetter.Channel.PLATFORM_MESSAGE,
)


def _candidate_items(
    actor: Any,
    items: Iterable[ContentItem],
    account: MonitoredAccount | None,
    campaign: Campaign | None,
    assistance_request: AssistanceRequest | None,
) -> list[ContentItem]:
    chosen = list(items)
    if chosen:
        return chosen
    qs = ContentItem.objects.for_user(actor).select_related("account", "platform")
    if account is not None:
        return list(qs.filter(account=account))
    if campaign is not None:
        return list(qs.filter(campaign=campaign))
    if assistance_request is not None:
        return list(qs.filter(assistance_requests=assistance_request))
    return []


def _check_terms(
    demands: list[str], apology_pin_days: int | None, compensation: Decimal | None, deadline: datetime.date | None
) -> None:
    errors: dict[str, str] = {}
    if not demands:
        errors["demands"] = _("Choose at least one demand.")
    elif set(demands) - set(Demand.values):
        errors["demands"] = _("Choose demands from the list.")
    if Demand.PIN_APOLOGY in demands and not (apology_pin_days and 1 <= apology_pin_days <= 365):
        errors["apology_pin_days"] = _("Say for how many days (1–365) the apology stays pinned.")
    if Demand.COMPENSATE in demands and not (compensation and compensation > 0):
        errors["compensation_amount"] = _("Give the compensation demanded.")
    if compensation is not None and compensation < 0:
        errors["compensation_amount"] = _("Amounts of money cannot be negative.")
    if deadline is None:
        errors["deadline"] = _("Give the deadline to comply.")
    elif deadline <= timezone.localdate():
        errors["deadline"] = _("The deadline to comply must be after today.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def letter_create(
    *,
    actor: Any,
    demands: list[str],
    deadline: datetime.date | None,
    account: MonitoredAccount | None = None,
    campaign: Campaign | None = None,
    items: Iterable[ContentItem] = (),
    assistance_request: AssistanceRequest | None = None,
    recipient_name: str = "",
    issuer: str = "",
    apology_pin_days: int | None = None,
    compensation_amount: Decimal | None = None,
    lawyer: Any = None,
) -> LawyerLetter:
    """Draft a letter. Its items must have fixed evidence (DESIGN.md §3); the recipient is the
    account, else the only account of the items, else the name given."""
    permissions.ensure_can_edit(actor, LawyerLetter)
    _check_terms(demands, apology_pin_days, compensation_amount, deadline)
    candidates = _candidate_items(actor, items, account, campaign, assistance_request)
    if not candidates:
        raise ValidationError(_("Choose at least one content item with fixed evidence."), code="no_items")
    refusals = []
    for item in candidates:
        try:
            triage.ensure_actionable(item)
        except ValidationError as error:
            refusals.append(f"{item}: {' '.join(error.messages)}")
    if refusals:
        raise ValidationError(
            _("A letter can only cite items with fixed evidence: %(reasons)s"),
            code="not_actionable",
            params={"reasons": " ".join(refusals)},
        )
    accounts = {item.account_id for item in candidates if item.account_id}
    if account is None and len(accounts) == 1:
        account = candidates[0].account
    recipient_name = recipient_name.strip()
    if account is None and not recipient_name:
        raise ValidationError(
            {"recipient_name": _("The items come from several accounts: name the recipient (e.g. the agency).")}
        )
    letter = LawyerLetter(
        recipient_account=account,
        recipient_agency=account.agency if account is not None and account.agency_id else None,
        recipient_name=recipient_name[:200],
        issuer=(issuer.strip() or settings.LITIGATION_COMPANY_NAME)[:200],
        lawyer=lawyer or (actor if permissions.can_sign_off(actor) else None),
        demands=list(dict.fromkeys(demands)),
        apology_pin_days=apology_pin_days if Demand.PIN_APOLOGY in demands else None,
        compensation_amount=compensation_amount if Demand.COMPENSATE in demands else None,
        deadline=deadline,
        campaign=campaign,
        assistance_request=assistance_request,
        created_by=actor,
    )
    letter.full_clean()
    letter.save()
    letter.content_items.add(*candidates)
    for item in candidates:
        triage.content_item_start_action(item=item, actor=actor)
    risk.accounts_refresh_risk([letter.recipient_account_id])  # prior letters weigh in the account's risk
    return letter


def _locked(letter: LawyerLetter) -> LawyerLetter:
    return LawyerLetter.objects.select_for_update().get(pk=letter.pk)


def _move(letter: LawyerLetter, to: str, actor: Any, reason: str = "") -> None:
    workflow.move(letter, to=to, actor=actor, reason=reason, check_permission=False)


@transaction.atomic
def letter_approve(*, letter: LawyerLetter, actor: Any, note: str = "") -> LawyerLetter:
    """A lawyer approves the draft's text and demands; only an approved draft can be issued."""
    if not permissions.can_sign_off(actor):
        raise PermissionDenied(_("Only a lawyer may approve a lawyer letter."))
    letter = _locked(letter)
    if letter.status != S.DRAFT:
        raise ValidationError(_("Only a draft can be approved."), code="not_draft")
    if letter.approved_at is not None:
        raise ValidationError(_("This draft is already approved."), code="approved")
    letter.approved_by, letter.approved_at = actor, timezone.now()
    if letter.lawyer_id is None:
        letter.lawyer = actor
    letter.save(update_fields=["approved_by", "approved_at", "lawyer", "updated_at"])
    workflow.record_moves([letter], field="approval", from_state="draft", to_state="approved", actor=actor, reason=note)
    return letter


def letter_context(letter: LawyerLetter) -> dict[str, Any]:
    """What the PDF shows: recipient, items with URLs and the hashes of their evidence, demands, deadline."""
    items = list(letter.content_items.select_related("platform", "account").order_by("published_at", "id"))
    hashes: dict[int, list[str]] = {}
    current = Evidence.objects.current().filter(content_items__in=items).values_list("content_items", "sha256")
    for item_id, sha in current:
        hashes.setdefault(item_id, []).append(sha)
    rows = [{"item": item, "hashes": sorted(set(hashes.get(item.pk, [])))} for item in items]
    recipient = letter.recipient_name or (letter.recipient_account.name if letter.recipient_account else "")
    return {
        "letter": letter,
        "recipient": recipient,
        "account": letter.recipient_account,
        "agency": letter.recipient_agency,
        "rows": rows,
        "demands": [Demand(d).label for d in letter.demands],
        "letterhead": getattr(settings, "LETTER_LETTERHEAD", "") or settings.LITIGATION_COMPANY_NAME,
        "issuer": letter.issuer or settings.LITIGATION_COMPANY_NAME,
        "issued_on": timezone.localdate(),
    }


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint url_fetcher: the letter needs nothing from outside, so every URL (file://, http(s)://,
    data from user text) is refused; fonts come from the system (fonts-noto-cjk) through fontconfig."""
    raise ValueError(f"external resources are not loaded in letters: {url[:80]}")


def render_letter_pdf(letter: LawyerLetter) -> bytes:
    from weasyprint import HTML

    with translation.override("zh-hans"):
        html = render_to_string("cases/pdf/letter.html", letter_context(letter))
    return HTML(string=html, url_fetcher=refuse_fetch, base_url=None).write_pdf()


@transaction.atomic
def letter_issue(*, letter: LawyerLetter, actor: Any, ip: str = "") -> LawyerLetter:
    """Generate the PDF, fix it as evidence (SHA-256, custody), mark the letter issued and put the
    evidence of its items under litigation hold."""
    permissions.ensure_can_edit(actor, letter)
    letter = _locked(letter)
    if not letter.can_move_to(S.ISSUED):
        raise ValidationError(_("Only a draft can be issued."), code="illegal_transition")
    if letter.approved_at is None:
        raise ValidationError(_("A lawyer must approve the letter before it is issued."), code="not_approved")
    if letter.deadline is None or letter.deadline <= timezone.localdate():
        raise ValidationError({"deadline": _("The deadline to comply has passed: set a new one before issuing.")})
    pdf = render_letter_pdf(letter)
    name = f"lawyer-letter-{letter.pk}.pdf"
    fixed = evidence_service.evidence_upload(
        uploaded=ContentFile(pdf, name=name),
        actor=actor,
        metadata={
            "title": _("Lawyer letter no. %(id)s as issued") % {"id": letter.pk},
            "capture_method": Evidence.CaptureMethod.DOCUMENT,
            "account": letter.recipient_account,
            "litigation_hold": True,
        },
        # Linked to the account and request, not to the items: the letter is not evidence of the posts.
        links=evidence_service.UploadLinks(
            assistance_requests=[letter.assistance_request] if letter.assistance_request is not None else [],
        ),
        ip=ip,
    )
    letter.pdf.name = fixed.file.name  # the same stored bytes: the evidence is the issued letter
    letter.pdf_sha256, letter.pdf_evidence = fixed.sha256, fixed
    letter.issued_at = timezone.now()
    letter.save(update_fields=["pdf", "pdf_sha256", "pdf_evidence", "issued_at", "updated_at"])
    _move(letter, S.ISSUED, actor)
    holds.hold_for_letter(letter=letter, actor=actor)
    return letter


@transaction.atomic
def letter_deliver(
    *, letter: LawyerLetter, actor: Any, channel: str, proof: str = "", delivered_at: datetime.datetime | None = None
) -> LawyerLetter:
    """Record delivery (channel and proof, e.g. the express tracking number); the deadline to comply
    goes on the deadline list for the responsible lawyer."""
    permissions.ensure_can_edit(actor, letter)
    letter = _locked(letter)
    if not letter.can_move_to(S.DELIVERED):
        raise ValidationError(_("Only an issued letter can be delivered."), code="illegal_transition")
    delivered_at = delivered_at or timezone.now()
    proof = proof.strip()
    errors: dict[str, str] = {}
    if channel not in LawyerLetter.Channel.values:
        errors["channel"] = _("Choose how the letter was delivered.")
    elif channel in CHANNELS_NEEDING_PROOF and not proof:
        errors["proof"] = _("Give the proof of delivery: tracking number, email or message ID.")
    if delivered_at > timezone.now():
        errors["delivered_at"] = _("The date of an event cannot be in the future.")
    elif letter.issued_at and delivered_at < letter.issued_at:
        errors["delivered_at"] = _("A letter cannot be delivered before it was issued.")
    if errors:
        raise ValidationError(errors)
    letter.delivery_channel, letter.delivery_proof, letter.delivered_at = channel, proof[:200], delivered_at
    letter.save(update_fields=["delivery_channel", "delivery_proof", "delivered_at", "updated_at"])
    _move(letter, S.DELIVERED, actor)
    if letter.deadline and not letter.deadlines.filter(rule=Deadline.Rule.LETTER).exists():
        Deadline.objects.create(
            rule=Deadline.Rule.LETTER,
            title=_("Deadline to comply with the lawyer letter to %(recipient)s")
            % {"recipient": letter_context_recipient(letter)},
            due_on=letter.deadline,
            letter=letter,
            responsible=letter.lawyer,
        )
    return letter


def letter_context_recipient(letter: LawyerLetter) -> str:
    return letter.recipient_name or (letter.recipient_account.name if letter.recipient_account is not None else "")


@transaction.atomic
def letter_record_response(
    *, letter: LawyerLetter, actor: Any, response: str, outcome: str, responded_at: datetime.datetime | None = None
) -> LawyerLetter:
    """The recipient answered: what they said and whether they complied (fully, partly, not at all)."""
    permissions.ensure_can_edit(actor, letter)
    letter = _locked(letter)
    if not letter.can_move_to(S.RESPONDED):
        raise ValidationError(_("Only a delivered letter can receive a response."), code="illegal_transition")
    responded_at = responded_at or timezone.now()
    errors: dict[str, str] = {}
    if not response.strip():
        errors["response"] = _("Summarise the response.")
    if outcome not in RESPONSE_OUTCOMES:
        errors["outcome"] = _("Say whether the recipient complied, partly complied or refused.")
    if responded_at > timezone.now():
        errors["responded_at"] = _("The date of an event cannot be in the future.")
    elif letter.delivered_at and responded_at < letter.delivered_at:
        errors["responded_at"] = _("A response cannot come before the letter was delivered.")
    if errors:
        raise ValidationError(errors)
    letter.response, letter.responded_at, letter.outcome = response.strip(), responded_at, outcome
    letter.save(update_fields=["response", "responded_at", "outcome", "updated_at"])
    _move(letter, S.RESPONDED, actor)
    return letter


@transaction.atomic
def letter_close(*, letter: LawyerLetter, actor: Any, outcome: str = "", reason: str = "") -> LawyerLetter:
    """Close a letter. Without a response the outcome is "no response" (ignored), which is only
    possible once the deadline to comply has passed. The letter's deadline is marked done."""
    permissions.ensure_can_edit(actor, letter)
    letter = _locked(letter)
    if not letter.can_move_to(S.CLOSED):
        raise ValidationError(_("This letter cannot be closed from its current status."), code="illegal_transition")
    if letter.status == S.RESPONDED:
        outcome = outcome or letter.outcome
        if outcome not in RESPONSE_OUTCOMES:
            raise ValidationError({"outcome": _("Say whether the recipient complied, partly complied or refused.")})
    else:
        outcome = LawyerLetter.Outcome.NO_RESPONSE
        if letter.deadline and letter.deadline >= timezone.localdate():
            raise ValidationError(
                _("The deadline to comply (%(date)s) has not passed: wait for it before closing as ignored."),
                code="too_early",
                params={"date": letter.deadline.isoformat()},
            )
    letter.outcome = outcome
    letter.save(update_fields=["outcome", "updated_at"])
    _move(letter, S.CLOSED, actor, reason)
    letter.deadlines.filter(done_at__isnull=True).update(done_at=timezone.now())
    return letter


def suggests_suit(letter: LawyerLetter) -> bool:
    """The letter failed (ignored, refused or partly complied with, or its deadline passed unanswered)."""
    if letter.outcome in UNSATISFIED_OUTCOMES:
        return True
    return (
        letter.status in (S.ISSUED, S.DELIVERED)
        and letter.deadline is not None
        and letter.deadline < timezone.localdate()
    )
