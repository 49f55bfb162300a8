"""Litigation: lawsuits with their parties, claims, proceedings, hearings and deadlines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models.monitoring import Agency, Campaign, ContentItem, MonitoredAccount, Platform
from cases.normalize import CASE_NUMBER_RE
from cases.querysets import DeadlineQuerySet, LawsuitQuerySet, VisibleQuerySet

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

validate_case_number = RegexValidator(
    CASE_NUMBER_RE,
    _("Enter a case number in the official format, e.g. (2025)京0491民初12345号: year in brackets, "
      "court code, type code such as 民初, serial number and 号."),
    code="case_number",
)


def _money(verbose_name: StrOrPromise) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=0)


class Lawsuit(models.Model):
    """A suit the company files, or an owner's suit it supports."""

    class OurRole(models.TextChoices):
        PLAINTIFF = "plaintiff", _("Plaintiff (the company)")
        SUPPORTING_OWNER = "supporting_owner", _("Supporting an owner's suit")

    class Cause(models.TextChoices):
        REPUTATION = "reputation", _("Reputation dispute")
        NETWORK_TORT = "network_tort", _("Network tort liability dispute")
        COMMERCIAL_DISPARAGEMENT = "commercial_disparagement", _("Commercial disparagement dispute")
        FALSE_ADVERTISING = "false_advertising", _("False advertising dispute")
        PRIVACY = "privacy", _("Privacy or personal information dispute")
        INJUNCTION = "injunction", _("Personality-rights injunction")
        CRIME_BUSINESS_REPUTATION = "crime_221", _("Crime of damaging business reputation")
        CRIME_DEFAMATION = "crime_defamation", _("Crime of defamation")
        CRIME_PROVOKING = "crime_provoking", _("Crime of picking quarrels and provoking trouble")
        CRIME_EXTORTION = "crime_extortion", _("Crime of extortion")
        CRIME_ILLEGAL_BUSINESS = "crime_illegal_business", _("Crime of illegal business operation")
        ADMIN_OFFENCE = "admin_offence", _("Public security administrative offence")

    class Stage(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        SUBMITTED = "submitted", _("Submitted for filing")
        PRE_MEDIATION = "pre_mediation", _("Pre-suit mediation")
        REJECTED = "rejected", _("Filing rejected")
        ACCEPTED = "accepted", _("Accepted")
        SERVICE = "service", _("Service and answer")
        PRETRIAL = "pretrial", _("Evidence exchange and pre-trial")
        HEARING = "hearing", _("Hearing")
        JUDGED_FIRST = "judged_first", _("First-instance judgment")
        MEDIATED = "mediated", _("Closed by mediation")
        WITHDRAWN = "withdrawn", pgettext_lazy("lawsuit stage", "Withdrawn")
        APPEAL_WINDOW = "appeal_window", _("Appeal period")
        APPEAL = "appeal", _("Second instance")
        JUDGED_SECOND = "judged_second", _("Second-instance judgment")
        EFFECTIVE = "effective", _("Legally effective")
        PERFORMED = "performed", _("Performed voluntarily")
        ENFORCING = "enforcing", _("Enforcement applied for")
        ENFORCED = "enforced", _("Enforcement completed")
        SUSPENDED = "suspended", _("Enforcement terminated without full performance")
        CLOSED = "closed", pgettext_lazy("lawsuit stage", "Closed")

    class Outcome(models.TextChoices):
        PENDING = "pending", pgettext_lazy("lawsuit outcome", "Pending")
        WON = "won", _("Won")
        PARTLY_WON = "partly_won", _("Partly won")
        LOST = "lost", _("Lost")
        MEDIATED = "mediated", _("Mediated settlement")
        WITHDRAWN = "withdrawn", pgettext_lazy("lawsuit outcome", "Withdrawn")
        REJECTED = "rejected", _("Not accepted")

    STATE_FIELD = "stage"
    St = Stage
    # Allowed moves of the lawsuit state machine (DESIGN.md §3); services enforce them.
    TRANSITIONS: dict[str, set[str]] = {
        St.PREPARING: {St.SUBMITTED},
        St.SUBMITTED: {St.PRE_MEDIATION, St.REJECTED, St.ACCEPTED},
        St.PRE_MEDIATION: {St.SUBMITTED, St.MEDIATED},
        St.REJECTED: {St.CLOSED},
        St.ACCEPTED: {St.SERVICE},
        St.SERVICE: {St.PRETRIAL},
        St.PRETRIAL: {St.HEARING},
        St.HEARING: {St.JUDGED_FIRST, St.MEDIATED, St.WITHDRAWN},
        St.JUDGED_FIRST: {St.APPEAL_WINDOW},
        St.APPEAL_WINDOW: {St.APPEAL, St.EFFECTIVE},
        St.APPEAL: {St.JUDGED_SECOND, St.MEDIATED, St.WITHDRAWN},
        St.JUDGED_SECOND: {St.EFFECTIVE},
        St.EFFECTIVE: {St.PERFORMED, St.ENFORCING},
        St.ENFORCING: {St.ENFORCED, St.SUSPENDED},
        St.PERFORMED: {St.CLOSED},
        St.ENFORCED: {St.CLOSED},
        St.SUSPENDED: {St.CLOSED},
        St.MEDIATED: {St.CLOSED},
        St.WITHDRAWN: {St.CLOSED},
        St.CLOSED: set(),
    }
    FINISHED_STAGES = (St.CLOSED, St.REJECTED, St.WITHDRAWN)
    # Stages after a judgment in our favour may exist (the figure "suits won" uses outcome).
    JUDGED_STAGES = (St.JUDGED_FIRST, St.APPEAL_WINDOW, St.APPEAL, St.JUDGED_SECOND, St.EFFECTIVE)

    title = models.CharField(_("title"), max_length=200)
    our_role = models.CharField(_("our role"), max_length=20, choices=OurRole.choices, default=OurRole.PLAINTIFF)
    cause = models.CharField(_("cause of action"), max_length=32, choices=Cause.choices)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.PREPARING)
    court_name = models.CharField(_("court"), max_length=100, blank=True)
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lawsuits",
        verbose_name=_("responsible lawyer"),
    )
    outside_counsel = models.CharField(_("outside counsel (law firm)"), max_length=200, blank=True)
    filed_on = models.DateField(_("filed"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted"), null=True, blank=True)
    served_on = models.DateField(
        _("complaint served"), null=True, blank=True, help_text=_("Starts the defendant's 15-day answer period.")
    )
    judgment_on = models.DateField(_("judgment"), null=True, blank=True)
    judgment_served_on = models.DateField(_("judgment served"), null=True, blank=True)
    effective_on = models.DateField(_("effective"), null=True, blank=True)
    performance_due_on = models.DateField(_("performance deadline"), null=True, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    hold_released_at = models.DateTimeField(
        _("litigation hold released"), null=True, blank=True, help_text=_("When a lawyer released the hold on its evidence.")
    )
    harm_known_on = models.DateField(
        _("harm known since"), null=True, blank=True, help_text=_("Starts the 3-year limitation for damages, together with the next date.")
    )
    infringer_known_on = models.DateField(_("infringer known since"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    damages_claimed = _money(_("damages claimed (CNY)"))
    damages_awarded = _money(_("damages awarded (CNY)"))
    damages_collected = _money(_("damages collected (CNY)"))
    court_fee = _money(_("court fee (CNY)"))
    notary_fee = _money(_("notarisation fee (CNY)"))
    lawyer_fee = _money(_("lawyer fee (CNY)"))
    content_deleted = models.BooleanField(_("content deleted as ordered"), default=False)
    apology_published = models.BooleanField(_("apology published"), default=False)
    apology_pin_days = models.PositiveSmallIntegerField(_("days the apology stays pinned"), null=True, blank=True)
    assistance_request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lawsuits",
        verbose_name=_("supported assistance request"),
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="lawsuits", verbose_name=_("campaign")
    )
    content_items = models.ManyToManyField(
        ContentItem, blank=True, related_name="lawsuits", verbose_name=_("content items")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = LawsuitQuerySet.as_manager()

    class Meta:
        verbose_name = _("lawsuit")
        verbose_name_plural = _("lawsuits")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    damages_claimed__gte=0,
                    damages_awarded__gte=0,
                    damages_collected__gte=0,
                    court_fee__gte=0,
                    notary_fee__gte=0,
                    lawyer_fee__gte=0,
                ),
                name="cases_lawsuit_amounts_non_negative",
                violation_error_message=_("Amounts of money cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(damages_collected__lte=F("damages_awarded")),
                name="cases_lawsuit_collected_within_awarded",
                violation_error_message=_("Damages collected cannot exceed damages awarded."),
            ),
            models.CheckConstraint(
                condition=Q(stage="preparing") | Q(filed_on__isnull=False),
                name="cases_lawsuit_filed_has_date",
                violation_error_message=_("A suit past preparation needs its filing date."),
            ),
            models.CheckConstraint(
                condition=Q(served_on__isnull=True) | Q(accepted_on__isnull=True) | Q(served_on__gte=F("accepted_on")),
                name="cases_lawsuit_served_after_acceptance",
                violation_error_message=_("The complaint cannot be served before the suit was accepted."),
            ),
            models.CheckConstraint(
                condition=Q(judgment_served_on__isnull=True)
                | Q(judgment_on__isnull=True)
                | Q(judgment_served_on__gte=F("judgment_on")),
                name="cases_lawsuit_served_after_judgment",
                violation_error_message=_("A judgment cannot be served before it was given."),
            ),
        ]
        indexes = [
            # Lawsuit list: open suits by stage (the default list and the dashboard "by stage").
            models.Index(fields=["stage", "-created_at"], name="cases_lawsuit_stage_idx"),
            # Dashboard "suits filed in a period" by our role.
            models.Index(fields=["our_role", "filed_on"], name="cases_lawsuit_filed_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:lawsuit-detail", args=[self.pk])

    def can_move_to(self, stage: str) -> bool:
        return stage in self.TRANSITIONS.get(self.stage, set())

    @property
    def is_open(self) -> bool:
        return self.stage not in self.FINISHED_STAGES


class LawsuitParty(models.Model):
    """A plaintiff, defendant or third party of a lawsuit."""

    class Role(models.TextChoices):
        PLAINTIFF = "plaintiff", _("Plaintiff")
        DEFENDANT = "defendant", _("Defendant")
        THIRD_PARTY = "third_party", _("Third party")

    class Kind(models.TextChoices):
        COMPANY = "company", _("The company")
        OWNER = "owner", _("Owner")
        ACCOUNT = "account", _("Account holder")
        PLATFORM = "platform", _("Platform operator")
        AGENCY = "agency", _("Agency or operator entity")
        PERSON = "person", _("Disclosed person")

    lawsuit = models.ForeignKey(Lawsuit, on_delete=models.CASCADE, related_name="parties", verbose_name=_("lawsuit"))
    role = models.CharField(pgettext_lazy("lawsuit party", "role"), max_length=16, choices=Role.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    monitored_account = models.ForeignKey(
        MonitoredAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lawsuit_parties",
        verbose_name=_("account"),
    )
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("platform operator")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="lawsuit_parties", verbose_name=_("agency")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ("lawsuit", "role", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(monitored_account__isnull=False)
                | Q(platform__isnull=False)
                | Q(agency__isnull=False)
                | ~Q(name=""),
                name="cases_lawsuitparty_identified",
                violation_error_message=_("Name the party: an account, a platform, an agency or a name."),
            ),
        ]
        indexes = [
            # Account detail page: the suits an account is party to.
            models.Index(
                fields=["monitored_account"],
                name="cases_party_account_idx",
                condition=Q(monitored_account__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        who = self.name or self.monitored_account or self.agency or self.platform
        return f"{self.get_role_display()}: {who}"


class LawsuitClaim(models.Model):
    """One claim (诉讼请求) with its amount and what the court granted."""

    class Kind(models.TextChoices):
        STOP = "stop", _("Cease infringement")
        DELETE = "delete", _("Delete the content")
        APOLOGY = "apology", _("Public apology")
        ELIMINATE_EFFECTS = "eliminate_effects", _("Eliminate effects and restore reputation")
        DAMAGES = "damages", _("Compensation for losses")
        REASONABLE_COSTS = "reasonable_costs", _("Reasonable expenses")
        MENTAL_DISTRESS = "mental_distress", _("Mental-distress damages")

    lawsuit = models.ForeignKey(Lawsuit, on_delete=models.CASCADE, related_name="claims", verbose_name=_("lawsuit"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    amount = models.DecimalField(_("amount claimed (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    apology_days = models.PositiveSmallIntegerField(_("days the apology stays pinned"), null=True, blank=True)
    granted = models.BooleanField(_("granted"), null=True, blank=True)
    amount_awarded = models.DecimalField(
        _("amount awarded (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ("lawsuit", "id")
        constraints = [
            models.CheckConstraint(
                condition=(Q(amount__isnull=True) | Q(amount__gte=0))
                & (Q(amount_awarded__isnull=True) | Q(amount_awarded__gte=0)),
                name="cases_lawsuitclaim_amounts_non_negative",
                violation_error_message=_("Amounts of money cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class Proceeding(models.Model):
    """One instance of a suit (first instance, appeal, retrial, enforcement) with its court and case number."""

    class Instance(models.TextChoices):
        FIRST = "first", _("First instance")
        SECOND = "second", _("Second instance")
        RETRIAL = "retrial", _("Retrial")
        ENFORCEMENT = "enforcement", _("Enforcement")
        PRESERVATION = "preservation", _("Preservation or injunction")
        PRE_MEDIATION = "pre_mediation", _("Pre-suit mediation")

    class CourtType(models.TextChoices):
        INTERNET = "internet", _("Internet court")
        BASIC = "basic", _("Basic people's court")
        INTERMEDIATE = "intermediate", _("Intermediate people's court")
        HIGH = "high", _("High people's court")
        SUPREME = "supreme", _("Supreme People's Court")

    lawsuit = models.ForeignKey(
        Lawsuit, on_delete=models.CASCADE, related_name="proceedings", verbose_name=_("lawsuit")
    )
    instance = models.CharField(_("instance"), max_length=16, choices=Instance.choices)
    court_name = models.CharField(_("court"), max_length=100)
    court_type = models.CharField(_("court type"), max_length=16, choices=CourtType.choices, blank=True)
    case_number = models.CharField(
        _("case number"),
        max_length=64,
        blank=True,
        help_text=_("e.g. (2025)京0491民初12345号. Pre-suit mediation numbers vary by court: leave empty and use notes."),
    )
    judge = models.CharField(_("judge"), max_length=100, blank=True)
    filed_on = models.DateField(_("filed"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted"), null=True, blank=True)
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    decision_served_on = models.DateField(_("decision served"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("proceeding")
        verbose_name_plural = _("proceedings")
        ordering = ("lawsuit", "created_at")
        constraints = [
            models.UniqueConstraint(
                fields=["case_number"],
                condition=~Q(case_number=""),
                name="cases_proceeding_case_number_unique",
                violation_error_message=_("Another proceeding already has this case number."),
            ),
            models.CheckConstraint(
                condition=Q(decision_served_on__isnull=True)
                | Q(decided_on__isnull=True)
                | Q(decision_served_on__gte=F("decided_on")),
                name="cases_proceeding_served_after_decision",
                violation_error_message=_("A decision cannot be served before it was made."),
            ),
        ]

    def __str__(self) -> str:
        return self.case_number or f"{self.court_name} · {self.get_instance_display()}"

    def clean(self) -> None:
        from cases.normalize import normalize_case_number

        if self.case_number:
            self.case_number = normalize_case_number(self.case_number)
            validate_case_number(self.case_number)


class Hearing(models.Model):
    """A court session: hearing, evidence exchange, mediation or pronouncement."""

    class Kind(models.TextChoices):
        EVIDENCE_EXCHANGE = "evidence_exchange", _("Evidence exchange")
        HEARING = "hearing", _("Hearing")
        MEDIATION = "mediation", _("Mediation")
        PRONOUNCEMENT = "pronouncement", _("Pronouncement of judgment")

    proceeding = models.ForeignKey(
        Proceeding, on_delete=models.CASCADE, related_name="hearings", verbose_name=_("proceeding")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HEARING)
    scheduled_at = models.DateTimeField(_("scheduled for"))
    location = models.CharField(_("courtroom or link"), max_length=200, blank=True)
    judge = models.CharField(_("judge"), max_length=100, blank=True)
    held = models.BooleanField(_("held"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ("scheduled_at",)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.scheduled_at:%Y-%m-%d %H:%M}"


class Deadline(models.Model):
    """A date by which something must happen (上诉期, 执行申请期, 诉讼时效, …)."""

    class Rule(models.TextChoices):
        ANSWER = "answer", _("Answer: 15 days after service")
        APPEAL_JUDGMENT = "appeal_judgment", _("Appeal a judgment: 15 days from service")
        APPEAL_RULING = "appeal_ruling", _("Appeal a ruling: 10 days from service")
        ENFORCEMENT = "enforcement", _("Apply for enforcement: 2 years")
        PRESERVATION_SUIT = "preservation_suit", _("Sue after preservation: 30 days")
        LIMITATION = "limitation", _("Limitation of damages claims: 3 years")
        COUNTER_NOTICE = "counter_notice", _("Answer a counter-notice")
        LETTER = "letter", _("Lawyer letter deadline")
        TRIAL_PERIOD = "trial_period", _("Trial period")
        CUSTOM = "custom", _("Other")

    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due"))
    lawsuit = models.ForeignKey(
        Lawsuit, on_delete=models.CASCADE, null=True, blank=True, related_name="deadlines", verbose_name=_("lawsuit")
    )
    proceeding = models.ForeignKey(
        Proceeding,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("proceeding"),
    )
    complaint = models.ForeignKey(
        "cases.PlatformComplaint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("platform complaint"),
    )
    letter = models.ForeignKey(
        "cases.LawyerLetter",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("lawyer letter"),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("responsible"),
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminder sent"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ("due_on",)
        constraints = [
            models.CheckConstraint(
                condition=Q(lawsuit__isnull=False)
                | Q(proceeding__isnull=False)
                | Q(complaint__isnull=False)
                | Q(letter__isnull=False),
                name="cases_deadline_has_subject",
                violation_error_message=_("A deadline belongs to a lawsuit, proceeding, complaint or letter."),
            ),
        ]
        indexes = [
            # Upcoming-deadlines list and the reminder job: pending deadlines by due date.
            models.Index(fields=["due_on"], name="cases_deadline_pending_idx", condition=Q(done_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.due_on:%Y-%m-%d}"

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()
