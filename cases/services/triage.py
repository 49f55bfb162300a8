"""Triage: assessing items and campaigns, lawyers' sign-off, and the gate before any action."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases.models import Assessment, Campaign, ContentItem, Evidence
from cases.services import risk, workflow

S = ContentItem.TriageState
C = Assessment.Conclusion

# The states from which an item can be assessed, and the moves that bring it to ASSESSING.
PATH_TO_ASSESSING: dict[str, tuple[str, ...]] = {
    S.NEW: (S.PENDING, S.ASSESSING),
    S.PENDING: (S.ASSESSING,),
    S.ASSESSING: (),
    S.WATCH: (S.PENDING, S.ASSESSING),
}
# Where each conclusion sends the item.
STATE_FOR_CONCLUSION: dict[str, str] = {
    C.NO_INFRINGEMENT: S.DISMISSED,
    C.CRITICISM: S.DISMISSED,
    C.WATCH: S.WATCH,
    C.SUSPECTED: S.SUSPECTED,
    C.SERIOUS: S.SUSPECTED,
    C.CRIME: S.SUSPECTED,
}
# Conclusions that need a second person, a lawyer, to sign off before any action.
SIGN_OFF_REQUIRED = (C.SERIOUS, C.CRIME)
# Evidence that counts as fixed for the "no action before fixed evidence" rule.
FIXED_EVIDENCE_STATUSES = (Evidence.Status.FIXED, Evidence.Status.NOTARISED, Evidence.Status.SUBMITTED)


@dataclass(frozen=True)
class AssessmentInput:
    conclusion: str
    rationale: str = ""
    category: str = ""
    infringement_types: tuple[str, ...] = ()
    statement_type: str = ""
    severity: int = 1
    estimated_loss: Decimal | None = None
    recommended_actions: tuple[str, ...] = ()
    target_identifiable: bool = True
    insulting_language: bool = False
    falsity_provable: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def clean(self) -> None:
        """Raise a ValidationError per field for anything an assessment may not say."""
        errors: dict[str, str] = {}
        if self.conclusion not in C.values:
            errors["conclusion"] = _("Choose a conclusion.")
        elif self.conclusion in Assessment.ESCALATING and len(self.rationale.strip()) < 10:
            errors["rationale"] = _(
                "Escalating needs a written reason (at least 10 characters) that tells defamation from "
                "legitimate criticism."
            )
        if not 1 <= self.severity <= 5:
            errors["severity"] = _("Severity runs from 1 to 5.")
        if self.estimated_loss is not None and self.estimated_loss < 0:
            errors["estimated_loss"] = _("The estimated loss cannot be negative.")
        if self.category and self.category not in Campaign.Category.values:
            errors["category"] = _("Choose a category from the list.")
        if set(self.infringement_types) - set(Assessment.InfringementType.values):
            errors["infringement_types"] = _("Choose infringement types from the list.")
        if set(self.recommended_actions) - set(Assessment.Action.values):
            errors["recommended_actions"] = _("Choose recommended actions from the list.")
        if errors:
            raise ValidationError(errors)

    def model_fields(self) -> dict[str, Any]:
        return {
            "conclusion": self.conclusion,
            "rationale": self.rationale.strip(),
            "category": self.category,
            "infringement_types": list(dict.fromkeys(self.infringement_types)),
            "statement_type": self.statement_type,
            "severity": self.severity,
            "estimated_loss": self.estimated_loss,
            "recommended_actions": list(dict.fromkeys(self.recommended_actions)),
            "target_identifiable": self.target_identifiable,
            "insulting_language": self.insulting_language,
            "falsity_provable": self.falsity_provable,
        }


def _ensure_assessable(item: ContentItem) -> None:
    if item.triage_state not in PATH_TO_ASSESSING:
        raise ValidationError(
            _("This item is “%(state)s” and cannot be assessed now."),
            code="not_assessable",
            params={"state": item.get_triage_state_display()},
        )


@transaction.atomic
def content_item_assess(*, item: ContentItem, assessor: Any, data: AssessmentInput) -> Assessment:
    """Assess one item: record the assessment and move the item to the state its conclusion implies."""
    permissions.ensure_can_edit(assessor, Assessment)
    data.clean()
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    _ensure_assessable(item)
    assessment = Assessment(content_item=item, assessor=assessor, reach=max(item.reach, 0), **data.model_fields())
    assessment.full_clean()
    assessment.save()
    for step in PATH_TO_ASSESSING[item.triage_state]:
        workflow.move(item, to=step, actor=assessor, check_permission=False)
    workflow.move(
        item, to=STATE_FOR_CONCLUSION[data.conclusion], actor=assessor, reason=data.rationale, check_permission=False
    )
    item.severity = data.severity
    item.conclusion = data.conclusion
    item.assessed_at = assessment.created_at
    item.save(update_fields=["severity", "conclusion", "assessed_at", "updated_at"])
    risk.accounts_refresh_risk([item.account_id])
    return assessment


@dataclass(frozen=True)
class CampaignAssessmentResult:
    assessment: Assessment
    assessed: int
    skipped: int


@transaction.atomic
def campaign_assess(*, campaign: Campaign, assessor: Any, data: AssessmentInput) -> CampaignAssessmentResult:
    """Assess a whole campaign in one step: one campaign assessment plus one per assessable item.

    Items already past assessment (escalated, acted on, closed) keep their state and are counted as skipped.
    """
    permissions.ensure_can_edit(assessor, Assessment)
    data.clean()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    items = list(campaign.items.select_for_update().order_by("pk"))
    assessable = [item for item in items if item.triage_state in PATH_TO_ASSESSING]
    fields = data.model_fields()
    if data.category and not campaign.category:
        campaign.category = data.category
    campaign_row = Assessment(campaign=campaign, assessor=assessor, reach=sum(max(i.reach, 0) for i in items), **fields)
    campaign_row.full_clean()
    campaign_row.save()
    now = timezone.now()
    Assessment.objects.bulk_create(
        Assessment(content_item=item, campaign=campaign, assessor=assessor, reach=max(item.reach, 0), **fields)
        for item in assessable
    )
    target = STATE_FOR_CONCLUSION[data.conclusion]
    for start, path in PATH_TO_ASSESSING.items():
        group = [item for item in assessable if item.triage_state == start]
        previous = start
        for step in (*path, target):
            if group:
                reason = data.rationale if step == target else ""
                workflow.record_moves(group, field="triage_state", from_state=previous, to_state=step,
                                      actor=assessor, reason=reason)
            previous = step
    ContentItem.objects.filter(pk__in=[item.pk for item in assessable]).update(
        triage_state=target, severity=data.severity, conclusion=data.conclusion, assessed_at=now, updated_at=now
    )
    if campaign.status != Campaign.Status.ASSESSED:
        workflow.record_moves(
            [campaign], field="status", from_state=campaign.status, to_state=Campaign.Status.ASSESSED,
            actor=assessor, reason=data.rationale.strip(),
        )
    campaign.status = Campaign.Status.ASSESSED
    campaign.save(update_fields=["status", "category", "updated_at"])
    risk.accounts_refresh_risk(item.account_id for item in assessable)
    return CampaignAssessmentResult(campaign_row, len(assessable), len(items) - len(assessable))


def needs_sign_off(assessment: Assessment) -> bool:
    return assessment.conclusion in SIGN_OFF_REQUIRED and assessment.reviewer_id is None


@transaction.atomic
def assessment_sign_off(*, assessment: Assessment, reviewer: Any) -> Assessment:
    """A lawyer, not the assessor, confirms a serious escalation so action may begin."""
    if not permissions.can_sign_off(reviewer):
        raise PermissionDenied(_("Only a lawyer can sign off an escalation."))
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.assessor_id == reviewer.pk:
        raise ValidationError(_("A second person must sign off: you made this assessment."), code="same_person")
    if assessment.reviewer_id is not None:
        raise ValidationError(_("This assessment has already been signed off."), code="already_signed")
    assessment.reviewer = reviewer
    assessment.reviewed_at = timezone.now()
    assessment.save(update_fields=["reviewer", "reviewed_at", "updated_at"])
    return assessment


def latest_assessment(item: ContentItem) -> Assessment | None:
    return item.assessments.order_by("-created_at", "-pk").first()


def has_fixed_evidence(item: ContentItem) -> bool:
    return item.evidence.filter(is_deleted=False, status__in=FIXED_EVIDENCE_STATUSES).exists()


def ensure_actionable(item: ContentItem) -> None:
    """Raise unless a complaint, letter, suit or police report may start on this item.

    The rule of DESIGN.md §3: the item is escalated, a serious escalation is signed off, and
    evidence is fixed first (posts are often deleted once a complaint lands).
    """
    if item.triage_state not in (S.SUSPECTED, S.FIXING, S.FIXED, S.ACTING):
        raise ValidationError(_("Only an item assessed as infringing can be acted on."), code="not_escalated")
    assessment = latest_assessment(item)
    if assessment is not None and needs_sign_off(assessment):
        raise ValidationError(_("A lawyer must sign off this escalation before any action."), code="needs_sign_off")
    if not has_fixed_evidence(item):
        raise ValidationError(
            _("Fix evidence first: no complaint, letter or suit may start before the item has fixed evidence."),
            code="no_fixed_evidence",
        )


@transaction.atomic
def content_item_start_action(*, item: ContentItem, actor: Any) -> ContentItem:
    """Bring an escalated item with fixed evidence to ACTING (through FIXING and FIXED as needed)."""
    permissions.ensure_can_edit(actor, ContentItem)
    item = ContentItem.objects.select_for_update().get(pk=item.pk)
    if item.triage_state == S.ACTING:
        return item
    ensure_actionable(item)
    path: dict[str, tuple[str, ...]] = {
        S.SUSPECTED: (S.FIXING, S.FIXED, S.ACTING),
        S.FIXING: (S.FIXED, S.ACTING),
        S.FIXED: (S.ACTING,),
    }
    for step in path[item.triage_state]:
        workflow.move(item, to=step, actor=actor, check_permission=False)
    return item
