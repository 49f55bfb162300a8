"""Lawsuits: preparing a draft from an account or items, moving it through its stages, outcomes.

Every write checks the role (accounts.permissions), validates before it changes anything, and
records stage moves through cases.services.workflow (who, when, why). After each move the
clock (cases.services.deadlines) is recomputed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from cases.models import (
    AssistanceRequest,
    Campaign,
    ContentItem,
    Evidence,
    Lawsuit,
    LawsuitClaim,
    LawsuitParty,
    MonitoredAccount,
    Proceeding,
)
from cases.models.litigation import validate_case_number
from cases.normalize import normalize_case_number
from cases.services import deadlines, holds, risk, triage, workflow

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

St = Lawsuit.Stage
Cause = Lawsuit.Cause
Party = LawsuitParty
Instance = Proceeding.Instance

# Causes an internet court hears after 法释〔2025〕14号 (网络不正当竞争); the rest go to the basic court.
INTERNET_COURT_CAUSES = (Cause.COMMERCIAL_DISPARAGEMENT, Cause.FALSE_ADVERTISING)
DEFAULT_APOLOGY_DAYS = 30
# Holder unknown: sue the platform too and ask the court to order disclosure (DOMAIN.md §2).
UNKNOWN_HOLDER = (MonitoredAccount.IdentityStatus.ANONYMOUS, MonitoredAccount.IdentityStatus.DISCLOSURE_REQUESTED)


def suggest_court(cause: str) -> tuple[str, str]:
    """Return (court name, court type) suggested for a cause; the lawyer may change it."""
    if cause in INTERNET_COURT_CAUSES:
        return settings.LITIGATION_HOME_COURT, Proceeding.CourtType.INTERNET
    return settings.LITIGATION_HOME_BASIC_COURT, Proceeding.CourtType.BASIC


def default_claims(*, damages: Decimal, costs: Decimal, apology_days: int) -> list[LawsuitClaim]:
    """The usual claims of a defamation suit (DOMAIN.md §2 remedies), unsaved."""
    K = LawsuitClaim.Kind
    return [
        LawsuitClaim(kind=K.DELETE, description=_("Delete all infringing content on every platform.")),
        LawsuitClaim(
            kind=K.APOLOGY,
            description=_("Publish an apology on the same account, pinned for %(days)s days.") % {"days": apology_days},
            apology_days=apology_days,
        ),
        LawsuitClaim(kind=K.ELIMINATE_EFFECTS, description=_("Eliminate the effects and restore the reputation.")),
        LawsuitClaim(kind=K.DAMAGES, amount=damages),
        LawsuitClaim(
            kind=K.REASONABLE_COSTS,
            description=_("Investigation, notarisation and lawyer fees."),
            amount=costs,
        ),
    ]


def _actionable(items: Iterable[ContentItem]) -> tuple[list[ContentItem], list[str]]:
    ok, refusals = [], []
    for item in items:
        try:
            triage.ensure_actionable(item)
        except ValidationError as error:
            refusals.append(f"{item}: {' '.join(error.messages)}")
        else:
            ok.append(item)
    return ok, refusals


def _candidate_items(
    user: Any, account: MonitoredAccount | None, items: Iterable[ContentItem], campaign: Campaign | None
) -> list[ContentItem]:
    chosen = list(items)
    if chosen:
        return chosen
    qs = ContentItem.objects.for_user(user).select_related("account", "account__platform", "account__agency")
    if account is not None:
        return list(qs.filter(account=account))
    if campaign is not None:
        return list(qs.filter(campaign=campaign))
    return []


def _defendants(accounts: list[MonitoredAccount]) -> list[LawsuitParty]:
    parties: list[LawsuitParty] = []
    platforms, agencies = set(), set()
    for account in accounts:
        parties.append(Party(role=Party.Role.DEFENDANT, kind=Party.Kind.ACCOUNT, monitored_account=account))
        if account.identity_status in UNKNOWN_HOLDER and account.platform_id not in platforms:
            platforms.add(account.platform_id)
            parties.append(Party(role=Party.Role.DEFENDANT, kind=Party.Kind.PLATFORM, platform_id=account.platform_id))
        if account.agency_id and account.agency_id not in agencies:
            agencies.add(account.agency_id)
            parties.append(Party(role=Party.Role.DEFENDANT, kind=Party.Kind.AGENCY, agency_id=account.agency_id))
    return parties


@transaction.atomic
def lawsuit_prepare(
    *,
    actor: Any,
    cause: str,
    account: MonitoredAccount | None = None,
    items: Iterable[ContentItem] = (),
    campaign: Campaign | None = None,
    title: str = "",
    court_name: str = "",
    damages: Decimal = Decimal("0"),
    costs: Decimal = Decimal("0"),
    apology_days: int = DEFAULT_APOLOGY_DAYS,
    harm_known_on: datetime.date | None = None,
    infringer_known_on: datetime.date | None = None,
    lawyer: Any = None,
    assistance_request: AssistanceRequest | None = None,
) -> Lawsuit:
    """Create a draft suit ('preparing') with defendants, claims, evidence and a suggested court.

    Only items that may be acted on (escalated, signed off, evidence fixed) are taken; when none
    of the chosen items qualifies the draft is refused with the reasons. A suit prepared for an
    owner's assistance request supports the owner's suit: the owner is the plaintiff, our role is
    "supporting an owner", and the suit links back to the request (the figure "suits supporting owners").
    """
    permissions.ensure_can_edit(actor, Lawsuit)
    if cause not in Cause.values:
        raise ValidationError({"cause": _("Choose a cause of action from the list.")})
    if damages < 0 or costs < 0:
        raise ValidationError(_("Amounts of money cannot be negative."), code="negative")
    if not 1 <= apology_days <= 365:
        raise ValidationError({"apology_days": _("The apology stays pinned between 1 and 365 days.")})
    candidates = _candidate_items(actor, account, items, campaign)
    if not candidates:
        raise ValidationError(_("Choose at least one content item with fixed evidence."), code="no_items")
    chosen, refusals = _actionable(candidates)
    if not chosen:
        raise ValidationError(
            _("None of the chosen items may be sued on yet: %(reasons)s"),
            code="not_actionable",
            params={"reasons": " ".join(refusals)},
        )

    accounts = list(dict.fromkeys([a for a in [account, *(i.account for i in chosen)] if a is not None]))
    suggested_court, _court_type = suggest_court(cause)
    first_name = accounts[0].name if accounts else str(chosen[0])
    lawsuit = Lawsuit(
        title=(
            title.strip() or _("%(defendant)s — %(cause)s") % {"defendant": first_name, "cause": Cause(cause).label}
        )[:200],
        cause=cause,
        court_name=court_name.strip() or suggested_court,
        lawyer=lawyer or actor,
        campaign=campaign,
        damages_claimed=damages,
        apology_pin_days=apology_days,
        harm_known_on=harm_known_on,
        infringer_known_on=infringer_known_on,
        assistance_request=assistance_request,
        our_role=Lawsuit.OurRole.SUPPORTING_OWNER if assistance_request else Lawsuit.OurRole.PLAINTIFF,
    )
    lawsuit.full_clean()
    lawsuit.save()
    if assistance_request is not None:
        # The owner's name stays in the (encrypted) request; the party names only the request.
        plaintiff = Party(
            role=Party.Role.PLAINTIFF,
            kind=Party.Kind.OWNER,
            name=_("Owner of assistance request %(reference)s") % {"reference": assistance_request.reference},
        )
    else:
        plaintiff = Party(role=Party.Role.PLAINTIFF, kind=Party.Kind.COMPANY, name=settings.LITIGATION_COMPANY_NAME)
    parties = [plaintiff, *_defendants(accounts)]
    for party in parties:
        party.lawsuit = lawsuit
    LawsuitParty.objects.bulk_create(parties)
    claims = default_claims(damages=damages, costs=costs, apology_days=apology_days)
    for claim in claims:
        claim.lawsuit = lawsuit
    LawsuitClaim.objects.bulk_create(claims)
    lawsuit.content_items.add(*chosen)
    evidence = (
        Evidence.objects.current()
        .filter(content_items__in=chosen, status__in=triage.FIXED_EVIDENCE_STATUSES)
        .distinct()
    )
    lawsuit.evidence.add(*evidence)
    for item in chosen:
        triage.content_item_start_action(item=item, actor=actor)
    deadlines.deadlines_sync(lawsuit)
    # A suit is a risk input of every account it names (cases/services/risk.py).
    risk.accounts_refresh_risk(account.pk for account in accounts)
    return lawsuit


# --- Stage moves -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveDetails:
    """What a move may record besides the date: the court and case number of a new proceeding."""

    case_number: str = ""
    court: str = ""
    performance_due_on: datetime.date | None = None


def clean_case_number(value: str, *, exclude: Proceeding | None = None) -> str:
    """Normalise and validate a case number; raise ValidationError({"case_number": ...})."""
    value = normalize_case_number(value or "")
    if value:
        try:
            validate_case_number(value)
        except ValidationError as error:
            raise ValidationError({"case_number": error.messages}) from None
        if Proceeding.objects.filter(case_number=value).exclude(pk=getattr(exclude, "pk", None)).exists():
            raise ValidationError({"case_number": _("Another proceeding already has this case number.")})
    return value


def _proceeding(lawsuit: Lawsuit, instance: str) -> Proceeding | None:
    return lawsuit.proceedings.filter(instance=instance).order_by("-created_at", "-id").first()


def _not_before(on: datetime.date, earlier: datetime.date | None, what: str) -> None:
    if earlier and on < earlier:
        raise ValidationError(
            {"on": _("This date cannot be before the %(event)s (%(date)s).") % {"event": what, "date": earlier}}
        )


def _apply_move(
    lawsuit: Lawsuit, to: str, on: datetime.date, details: MoveDetails
) -> tuple[list[str], datetime.date | None]:
    """Validate the move's dates and details and set them on the suit; return changed fields and the service date."""
    changed: list[str] = []
    served_on = None
    first = _proceeding(lawsuit, Instance.FIRST)
    case_number = clean_case_number(details.case_number, exclude=first if to == St.ACCEPTED else None)
    court = details.court.strip()

    if to == St.SUBMITTED:
        if not lawsuit.parties.filter(role=Party.Role.DEFENDANT).exists():
            raise ValidationError(_("Name at least one defendant before filing: the court needs a definite defendant."))
        if court:
            lawsuit.court_name = court
            changed.append("court_name")
        if not lawsuit.court_name:
            raise ValidationError({"court": _("Choose the court the suit is filed with.")})
        if lawsuit.filed_on is None:
            lawsuit.filed_on = on
            changed.append("filed_on")
        if first is None:
            _c, court_type = suggest_court(lawsuit.cause)
            Proceeding.objects.create(
                lawsuit=lawsuit,
                instance=Instance.FIRST,
                court_name=lawsuit.court_name,
                court_type=court_type if lawsuit.court_name == _c else "",
                filed_on=on,
            )
    elif to == St.ACCEPTED:
        _not_before(on, lawsuit.filed_on, _("filing date"))
        if not case_number and not (first and first.case_number):
            raise ValidationError({"case_number": _("Enter the case number the court gave on acceptance.")})
        lawsuit.accepted_on = on
        changed.append("accepted_on")
        if first is None:
            first = Proceeding(
                lawsuit=lawsuit, instance=Instance.FIRST, court_name=lawsuit.court_name, filed_on=lawsuit.filed_on
            )
        first.accepted_on = on
        first.case_number = case_number or first.case_number
        if court:
            first.court_name = court
        first.save()
    elif to == St.REJECTED:
        _not_before(on, lawsuit.filed_on, _("filing date"))
        lawsuit.outcome = Lawsuit.Outcome.REJECTED
        changed.append("outcome")
        if first is not None:
            first.decided_on = first.decision_served_on = on
            first.save(update_fields=["decided_on", "decision_served_on", "updated_at"])
    elif to == St.SERVICE:
        _not_before(on, lawsuit.accepted_on, _("acceptance date"))
        served_on = lawsuit.served_on = on
        changed.append("served_on")
    elif to == St.JUDGED_FIRST:
        _not_before(on, lawsuit.accepted_on or lawsuit.filed_on, _("acceptance date"))
        lawsuit.judgment_on = on
        changed.append("judgment_on")
        if first is not None:
            first.decided_on = on
            first.save(update_fields=["decided_on", "updated_at"])
    elif to == St.APPEAL_WINDOW:
        _not_before(on, lawsuit.judgment_on, _("judgment date"))
        lawsuit.judgment_served_on = on
        changed.append("judgment_served_on")
        if first is not None:
            first.decision_served_on = on
            first.save(update_fields=["decision_served_on", "updated_at"])
    elif to == St.APPEAL:
        _not_before(on, lawsuit.judgment_served_on, _("service of the judgment"))
        if lawsuit.judgment_served_on and on > deadlines.appeal_due(lawsuit.judgment_served_on):
            raise ValidationError(
                {
                    "on": _("The appeal period ended on %(date)s: an appeal lodged later is out of time.")
                    % {"date": deadlines.appeal_due(lawsuit.judgment_served_on)}
                }
            )
        Proceeding.objects.create(
            lawsuit=lawsuit,
            instance=Instance.SECOND,
            court_name=court or _("Intermediate court (to be confirmed)"),
            court_type=Proceeding.CourtType.INTERMEDIATE,
            case_number=case_number,
            filed_on=on,
        )
    elif to == St.JUDGED_SECOND:
        second = _proceeding(lawsuit, Instance.SECOND)
        _not_before(on, second.filed_on if second else None, _("appeal date"))
        if second is not None:
            second.decided_on = on
            second.case_number = case_number or second.case_number
            second.save()
    elif to == St.EFFECTIVE:
        _not_before(on, lawsuit.judgment_served_on or lawsuit.judgment_on, _("service of the judgment"))
        lawsuit.effective_on = on
        due = details.performance_due_on or on
        _not_before(due, on, _("date the judgment took effect"))
        lawsuit.performance_due_on = due
        changed += ["effective_on", "performance_due_on"]
    elif to == St.ENFORCING:
        _not_before(on, lawsuit.performance_due_on, _("performance deadline"))
        if lawsuit.performance_due_on and on > deadlines.enforcement_due(lawsuit.performance_due_on):
            raise ValidationError(
                {
                    "on": _("The period to apply for enforcement ended on %(date)s.")
                    % {"date": deadlines.enforcement_due(lawsuit.performance_due_on)}
                }
            )
        Proceeding.objects.create(
            lawsuit=lawsuit,
            instance=Instance.ENFORCEMENT,
            court_name=court or lawsuit.court_name,
            case_number=case_number,
            filed_on=on,
        )
    elif to in (St.ENFORCED, St.SUSPENDED):
        enforcement = _proceeding(lawsuit, Instance.ENFORCEMENT)
        if enforcement is not None:
            _not_before(on, enforcement.filed_on, _("enforcement application"))
            enforcement.decided_on = on
            enforcement.save(update_fields=["decided_on", "updated_at"])
    elif to == St.MEDIATED:
        lawsuit.outcome = Lawsuit.Outcome.MEDIATED
        changed.append("outcome")
    elif to == St.WITHDRAWN:
        lawsuit.outcome = Lawsuit.Outcome.WITHDRAWN
        changed.append("outcome")
    elif to == St.CLOSED:
        lawsuit.closed_on = on
        changed.append("closed_on")
    return changed, served_on


@transaction.atomic
def lawsuit_move(
    *,
    lawsuit: Lawsuit,
    to: str,
    actor: Any,
    reason: str = "",
    on: datetime.date,
    case_number: str = "",
    court: str = "",
    performance_due_on: datetime.date | None = None,
) -> Lawsuit:
    """Move a suit to the next stage on the date the event happened, then recompute its deadlines.

    Refuses (ValidationError, nothing changed) a move the state machine does not allow, an event
    date in the future or before the previous event, a malformed case number, and an appeal or
    enforcement application after its period.
    """
    permissions.ensure_can_edit(actor, lawsuit)
    lawsuit = Lawsuit.objects.select_for_update().get(pk=lawsuit.pk)
    if not lawsuit.can_move_to(to):
        raise ValidationError(
            _("Cannot move from “%(current)s” to “%(target)s”."),
            code="illegal_transition",
            params={
                "current": workflow.state_label(lawsuit, lawsuit.stage),
                "target": workflow.state_label(lawsuit, to),
            },
        )
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date of an event cannot be in the future.")})
    details = MoveDetails(case_number=case_number, court=court, performance_due_on=performance_due_on)
    changed, served_on = _apply_move(lawsuit, to, on, details)
    if changed:
        lawsuit.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    workflow.move(lawsuit, to=to, actor=actor, reason=reason, check_permission=False)
    deadlines.deadlines_sync(lawsuit, served_on=served_on)
    if to == St.SUBMITTED:
        # From filing on, the evidence of the suit's items and accounts must survive (涉诉锁定).
        holds.hold_for_lawsuit(lawsuit=lawsuit, actor=actor)
    return lawsuit


# --- Outcomes --------------------------------------------------------------------------------

JUDGMENT_OUTCOMES = (Lawsuit.Outcome.WON, Lawsuit.Outcome.PARTLY_WON, Lawsuit.Outcome.LOST)
NO_AWARD_OUTCOMES = (Lawsuit.Outcome.WITHDRAWN, Lawsuit.Outcome.REJECTED, Lawsuit.Outcome.LOST)


@transaction.atomic
def lawsuit_record_outcome(
    *,
    lawsuit: Lawsuit,
    actor: Any,
    outcome: str,
    damages_awarded: Decimal | None = None,
    damages_collected: Decimal | None = None,
    content_deleted: bool | None = None,
    apology_published: bool | None = None,
    apology_pin_days: int | None = None,
    court_fee: Decimal | None = None,
    notary_fee: Decimal | None = None,
    lawyer_fee: Decimal | None = None,
    claim_decisions: dict[int, tuple[bool | None, Decimal | None]] | None = None,
) -> Lawsuit:
    """Record the result (judgment, mediation, withdrawal), the remedies ordered/performed and the money.

    Fields left as None keep their value. Refuses a judgment outcome before any judgment, damages
    on a withdrawn, rejected or lost suit, and more collected than awarded.
    """
    permissions.ensure_can_edit(actor, lawsuit)
    lawsuit = Lawsuit.objects.select_for_update().get(pk=lawsuit.pk)
    errors: dict[str, str] = {}
    if outcome not in Lawsuit.Outcome.values:
        errors["outcome"] = _("Choose an outcome from the list.")
    elif outcome in JUDGMENT_OUTCOMES and lawsuit.judgment_on is None:
        errors["outcome"] = _("Record the judgment (move the suit to “First-instance judgment”) first.")
    elif outcome == Lawsuit.Outcome.MEDIATED and lawsuit.stage not in (St.MEDIATED, St.CLOSED):
        errors["outcome"] = _("Only a suit closed by mediation has a mediated outcome.")
    elif outcome == Lawsuit.Outcome.WITHDRAWN and lawsuit.stage not in (St.WITHDRAWN, St.CLOSED):
        errors["outcome"] = _("Only a withdrawn suit has the outcome “withdrawn”.")
    awarded = lawsuit.damages_awarded if damages_awarded is None else damages_awarded
    collected = lawsuit.damages_collected if damages_collected is None else damages_collected
    money = {
        "damages_awarded": damages_awarded,
        "damages_collected": damages_collected,
        "court_fee": court_fee,
        "notary_fee": notary_fee,
        "lawyer_fee": lawyer_fee,
    }
    for name, value in money.items():
        if value is not None and value < 0:
            errors[name] = _("Amounts of money cannot be negative.")
    if outcome in NO_AWARD_OUTCOMES and awarded > 0:
        errors["damages_awarded"] = _("A suit that was withdrawn, not accepted or lost has no damages awarded.")
    if collected > awarded:
        errors["damages_collected"] = _("Damages collected cannot exceed damages awarded.")
    if apology_pin_days is not None and not 0 <= apology_pin_days <= 365:
        errors["apology_pin_days"] = _("The apology stays pinned between 0 and 365 days.")
    if errors:
        raise ValidationError(errors)

    lawsuit.outcome = outcome
    updates = {
        **money,
        "content_deleted": content_deleted,
        "apology_published": apology_published,
        "apology_pin_days": apology_pin_days,
    }
    fields = ["outcome"]
    for name, new_value in updates.items():
        if new_value is not None:
            setattr(lawsuit, name, new_value)
            fields.append(name)
    lawsuit.save(update_fields=[*fields, "updated_at"])
    for claim in lawsuit.claims.filter(pk__in=list(claim_decisions or {})):
        granted, amount = (claim_decisions or {})[claim.pk]
        if amount is not None and amount < 0:
            raise ValidationError({"claims": _("Amounts of money cannot be negative.")})
        claim.granted, claim.amount_awarded = granted, amount
        claim.save(update_fields=["granted", "amount_awarded", "updated_at"])
    return lawsuit


def legal_moves(lawsuit: Lawsuit) -> list[tuple[str, StrOrPromise]]:
    """The stages the suit may move to next, as (value, label), in the state machine's order."""
    allowed = Lawsuit.TRANSITIONS.get(lawsuit.stage, set())
    return [(value, label) for value, label in St.choices if value in allowed]
