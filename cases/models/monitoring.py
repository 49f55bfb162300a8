"""Monitoring: platforms, agencies, monitored accounts, content items, campaigns, assessments."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cases.normalize import normalize_url
from cases.querysets import (
    AssessmentQuerySet,
    ContentItemQuerySet,
    MonitoredAccountQuerySet,
    VisibleQuerySet,
)


class Platform(models.Model):
    """A platform the department watches (Weibo, Douyin, …), with its complaint channel."""

    code = models.SlugField(
        _("code"), max_length=32, unique=True, help_text=_("Stable lowercase code used by the API, e.g. weibo.")
    )
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64)
    domains = ArrayField(
        models.CharField(max_length=128),
        verbose_name=_("domains"),
        default=list,
        blank=True,
        help_text=_("Host names whose links belong to this platform."),
    )
    complaint_channel = models.TextField(
        _("complaint channel"), blank=True, help_text=_("Where and how complaints are filed with this platform.")
    )
    complaint_url = models.URLField(_("complaint page"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ("sort_order", "code")

    def __str__(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Agency(models.Model):
    """An MCN, PR firm or operating company behind accounts (账号运营主体)."""

    class Kind(models.TextChoices):
        MCN = "mcn", _("MCN agency")
        PR_FIRM = "pr_firm", _("PR or marketing firm")
        OPERATOR = "operator", _("Account operator (company)")
        MEDIA = "media", _("Media organisation")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MCN)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("18 characters, as printed on the business licence."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="cases_agency_credit_code_unique",
                violation_error_message=_("Another agency already has this credit code."),
            ),
            models.CheckConstraint(
                condition=Q(credit_code="") | Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{18}$"),
                name="cases_agency_credit_code_format",
                violation_error_message=_("A unified social credit code has 18 digits or capital letters."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MonitoredAccount(models.Model):
    """An account on a platform that the department watches (监测账号)."""

    class Verification(models.TextChoices):
        NONE = "none", _("Not verified")
        PERSONAL = "personal", _("Personal verification")
        ENTERPRISE = "enterprise", _("Enterprise verification")
        MEDIA = "media", _("Media verification")
        MCN = "mcn", _("MCN verification")

    class WatchStatus(models.TextChoices):
        NOT_WATCHED = "not_watched", _("Not watched")
        WATCHING = "watching", pgettext_lazy("account watch status", "Watching")
        KEY = "key", _("Key account")
        ARCHIVED = "archived", _("Archived")

    class RiskLevel(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class IdentityStatus(models.TextChoices):
        ANONYMOUS = "anonymous", _("Anonymous")
        DISCLOSURE_REQUESTED = "disclosure_requested", _("Disclosure requested")
        DISCLOSED = "disclosed", _("Disclosed")

    # The watch statuses that count as "accounts monitored" in the department's figures.
    MONITORED_STATUSES = (WatchStatus.WATCHING, WatchStatus.KEY)
    # Allowed identity moves (the disclosure workflow enforces them in services).
    IDENTITY_TRANSITIONS = {
        IdentityStatus.ANONYMOUS: {IdentityStatus.DISCLOSURE_REQUESTED, IdentityStatus.DISCLOSED},
        IdentityStatus.DISCLOSURE_REQUESTED: {IdentityStatus.DISCLOSED, IdentityStatus.ANONYMOUS},
        IdentityStatus.DISCLOSED: set(),
    }

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, verbose_name=_("platform"))
    platform_uid = models.CharField(_("platform user ID"), max_length=128)
    name = models.CharField(_("account name"), max_length=200)
    former_names = ArrayField(
        models.CharField(max_length=200), verbose_name=_("former names"), default=list, blank=True
    )
    profile_url = models.URLField(_("profile URL"), max_length=1000, blank=True)
    followers = models.PositiveBigIntegerField(_("followers"), default=0)
    verification = models.CharField(
        _("verification"), max_length=16, choices=Verification.choices, default=Verification.NONE
    )
    ip_location = models.CharField(_("IP location"), max_length=64, blank=True)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("agency"),
    )
    watch_status = models.CharField(
        _("watch status"), max_length=16, choices=WatchStatus.choices, default=WatchStatus.WATCHING
    )
    risk_level = models.CharField(_("risk level"), max_length=16, choices=RiskLevel.choices, default=RiskLevel.LOW)
    risk_score = models.PositiveSmallIntegerField(
        _("risk score"), default=0, validators=[MaxValueValidator(100)], help_text=_("0 to 100.")
    )
    # The factor values behind risk_score (cases/services/risk.py computes both; the account page shows them).
    risk_factors = models.JSONField(_("risk factors"), default=dict, blank=True, editable=False)
    risk_scored_at = models.DateTimeField(_("risk computed"), null=True, blank=True, editable=False)
    identity_status = models.CharField(
        _("identity status"), max_length=24, choices=IdentityStatus.choices, default=IdentityStatus.ANONYMOUS
    )
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MonitoredAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("monitored account")
        verbose_name_plural = _("monitored accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "platform_uid"],
                name="cases_monitoredaccount_platform_uid_unique",
                violation_error_message=_("This platform already has an account with this user ID."),
            ),
            models.CheckConstraint(
                condition=Q(risk_score__lte=100),
                name="cases_monitoredaccount_risk_score_range",
                violation_error_message=_("The risk score runs from 0 to 100."),
            ),
            models.CheckConstraint(
                condition=Q(last_seen_at__gte=F("first_seen_at")),
                name="cases_monitoredaccount_seen_order",
                violation_error_message=_("Last seen cannot be earlier than first seen."),
            ),
        ]
        indexes = [
            # Account list: monitored accounts ranked by risk (the default order of the list).
            models.Index(
                fields=["-risk_score", "id"],
                name="cases_macct_risk_idx",
                condition=Q(watch_status__in=["watching", "key"]),
            ),
            # Account search by name: trigram index so `name ILIKE '%…%'` stays fast on Chinese names.
            GinIndex(fields=["name"], name="cases_macct_name_trgm", opclasses=["gin_trgm_ops"]),
            # Accounts of one agency (agency detail page, campaign attribution).
            models.Index(fields=["agency"], name="cases_macct_agency_idx", condition=Q(agency__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.platform_id}:{self.platform_uid})"

    def get_absolute_url(self) -> str:
        return reverse("cases:monitored-account-detail", args=[self.pk])

    @property
    def is_monitored(self) -> bool:
        return self.watch_status in self.MONITORED_STATUSES


class Campaign(models.Model):
    """A cluster of near-duplicate or co-timed items across accounts (a coordinated campaign)."""

    class Category(models.TextChoices):
        ILLEGAL_PROFIT = "illegal_profit", _("Illegal profit-making")
        FALSE_ADVERTISING = "false_advertising", _("False or exaggerated advertising")
        MALICIOUS_DEFAMATION = "malicious_defamation", _("Malicious defamation")

    class Status(models.TextChoices):
        DETECTED = "detected", _("Detected")
        CONFIRMED = "confirmed", _("Confirmed")
        ASSESSED = "assessed", _("Assessed")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Not a campaign")

    class Method(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic detection")
        MANUAL = "manual", _("Manual")

    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DETECTED)
    method = models.CharField(_("detection method"), max_length=16, choices=Method.choices, default=Method.MANUAL)
    description = models.TextField(_("description"), blank=True)
    first_item_at = models.DateTimeField(_("first item published"), null=True, blank=True)
    last_item_at = models.DateTimeField(_("last item published"), null=True, blank=True)
    item_count = models.PositiveIntegerField(_("items"), default=0)
    account_count = models.PositiveIntegerField(_("accounts"), default=0)
    accounts = models.ManyToManyField(
        MonitoredAccount, blank=True, related_name="campaigns", verbose_name=_("accounts")
    )
    agencies = models.ManyToManyField(Agency, blank=True, related_name="campaigns", verbose_name=_("agencies"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(last_item_at__isnull=True)
                | Q(first_item_at__isnull=True)
                | Q(last_item_at__gte=F("first_item_at")),
                name="cases_campaign_item_time_order",
                violation_error_message=_("The last item cannot be earlier than the first."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ContentItem(models.Model):
    """One post, video, comment or article found online (舆情信息)."""

    class Type(models.TextChoices):
        POST = "post", _("Post")
        VIDEO = "video", _("Video")
        COMMENT = "comment", _("Comment")
        ARTICLE = "article", _("Article")
        LIVE = "live", _("Live stream")

    class Source(models.TextChoices):
        VENDOR = "vendor", _("Monitoring vendor")
        MANUAL = "manual", _("Entered by staff")
        OWNER = "owner", _("Reported by an owner")
        TIP = "tip", _("Tip-off")

    class TriageState(models.TextChoices):
        NEW = "new", _("New")
        PENDING = "pending", _("Awaiting assessment")
        ASSESSING = "assessing", _("Being assessed")
        DISMISSED = "dismissed", _("Dismissed")
        WATCH = "watch", _("Watching")
        SUSPECTED = "suspected", _("Suspected infringement")
        FIXING = "fixing", _("Fixing evidence")
        FIXED = "fixed", _("Evidence fixed")
        ACTING = "acting", _("Action under way")
        REMOVED = "removed", _("Removed")
        CLOSED = "closed", pgettext_lazy("content triage state", "Closed")

    class LiveStatus(models.TextChoices):
        LIVE = "live", _("Online")
        DELETED = "deleted", _("Deleted")
        UNKNOWN = "unknown", _("Unknown")

    STATE_FIELD = "triage_state"
    S = TriageState
    # Allowed moves of the triage state machine (DESIGN.md §3); services enforce them.
    TRANSITIONS: dict[str, set[str]] = {
        S.NEW: {S.PENDING},
        S.PENDING: {S.ASSESSING},
        S.ASSESSING: {S.DISMISSED, S.WATCH, S.SUSPECTED},
        S.WATCH: {S.PENDING},
        S.SUSPECTED: {S.FIXING},
        S.FIXING: {S.FIXED},
        S.FIXED: {S.ACTING},
        S.ACTING: {S.REMOVED, S.CLOSED},
        S.REMOVED: {S.SUSPECTED},
        S.DISMISSED: set(),
        S.CLOSED: set(),
    }
    # States in which an item is still someone's work.
    OPEN_STATES = (S.NEW, S.PENDING, S.ASSESSING, S.SUSPECTED, S.FIXING, S.FIXED, S.ACTING)

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, verbose_name=_("platform"))
    url = models.URLField(
        _("URL"), max_length=2000, help_text=_("Stored normalised; unique per platform.")
    )
    platform_content_id = models.CharField(_("content ID on the platform"), max_length=128, blank=True)
    account = models.ForeignKey(
        MonitoredAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("account"),
    )
    content_type = models.CharField(_("type"), max_length=16, choices=Type.choices, default=Type.POST)
    title = models.CharField(_("title"), max_length=500, blank=True)
    text = models.TextField(_("text"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    discovered_at = models.DateTimeField(_("discovered"), default=timezone.now)
    views = models.PositiveBigIntegerField(_("views"), default=0)
    likes = models.PositiveBigIntegerField(_("likes"), default=0)
    shares = models.PositiveBigIntegerField(_("shares"), default=0)
    comments = models.PositiveBigIntegerField(_("comments"), default=0)
    reach = models.GeneratedField(
        expression=F("views") + F("likes") + F("shares") * 10 + F("comments") * 5,
        output_field=models.BigIntegerField(),
        db_persist=True,
        verbose_name=_("reach"),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.VENDOR)
    triage_state = models.CharField(
        _("triage state"), max_length=16, choices=TriageState.choices, default=TriageState.NEW
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"),
        default=0,
        validators=[MaxValueValidator(5)],
        help_text=_("0 (not assessed) to 5, from the latest assessment."),
    )
    conclusion = models.CharField(
        _("assessment conclusion"),
        max_length=16,
        blank=True,
        help_text=_("Conclusion of the latest assessment; empty until assessed."),
    )
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("campaign"),
    )
    live_status = models.CharField(
        _("status on the platform"), max_length=16, choices=LiveStatus.choices, default=LiveStatus.LIVE
    )
    ai_label_present = models.BooleanField(_("AI-generated label shown"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ContentItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("content item")
        verbose_name_plural = _("content items")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "url"],
                name="cases_contentitem_platform_url_unique",
                violation_error_message=_("This platform already has an item with this URL."),
            ),
            models.CheckConstraint(
                condition=Q(severity__lte=5),
                name="cases_contentitem_severity_range",
                violation_error_message=_("Severity runs from 0 to 5."),
            ),
            models.CheckConstraint(
                condition=Q(assessed_at__isnull=True) | ~Q(conclusion=""),
                name="cases_contentitem_assessed_has_conclusion",
                violation_error_message=_("An assessed item needs the conclusion of its assessment."),
            ),
        ]
        indexes = [
            # Triage queue: open items of one state, most severe and widest reach first.
            models.Index(fields=["triage_state", "-severity", "-reach", "id"], name="cases_item_queue_idx"),
            # Triage queue default order across the waiting states: most severe, widest reach first.
            models.Index(
                fields=["-severity", "-reach", "id"],
                name="cases_item_queue_open_idx",
                condition=Q(triage_state__in=["new", "pending", "assessing"]),
            ),
            # Triage queue sorted by reach (?ordering=-reach).
            models.Index(
                fields=["-reach", "id"],
                name="cases_item_queue_reach_idx",
                condition=Q(triage_state__in=["new", "pending", "assessing"]),
            ),
            # Dashboard "items assessed in a period" and the assessed list ordered by date.
            models.Index(fields=["assessed_at"], name="cases_item_assessed_idx", condition=Q(assessed_at__isnull=False)),
            # Content list default order (newest first) and period filters on publication.
            models.Index(fields=["-published_at", "id"], name="cases_item_published_idx"),
            # Items of one account, newest first (account detail page, risk scoring).
            models.Index(fields=["account", "-published_at"], name="cases_item_account_idx"),
            # Items of one campaign (campaign detail page).
            models.Index(fields=["campaign"], name="cases_item_campaign_idx", condition=Q(campaign__isnull=False)),
            # "Similar to this item" and text search: trigram index on the text.
            GinIndex(fields=["text"], name="cases_item_text_trgm", opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self) -> str:
        return self.title or (self.text[:40] if self.text else self.url)

    def get_absolute_url(self) -> str:
        return reverse("cases:content-item-detail", args=[self.pk])

    def clean(self) -> None:
        if self.url:
            self.url = normalize_url(self.url)

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS.get(self.triage_state, set())

    @property
    def is_open(self) -> bool:
        return self.triage_state in self.OPEN_STATES


class Assessment(models.Model):
    """The legal assessment (法律研判) of one item or of a whole campaign."""

    class Conclusion(models.TextChoices):
        NO_INFRINGEMENT = "none", _("No infringement")
        CRITICISM = "criticism", _("Legitimate criticism")
        WATCH = "watch", _("Keep watching")
        SUSPECTED = "suspected", _("Suspected infringement")
        SERIOUS = "serious", _("Serious infringement")
        CRIME = "crime", _("Suspected crime")

    class InfringementType(models.TextChoices):
        FABRICATION = "fabrication", _("Fabricated facts")
        DISTORTION = "distortion", _("Distorted facts")
        INSULT = "insult", _("Insult or disparagement")
        MISLEADING = "misleading", _("Misleading information")
        FAKE_REVIEW = "fake_review", _("Fake test or review")
        DISTORTED_FIGURES = "distorted_figures", _("Distorted sales or financial figures")
        AI_FABRICATION = "ai_fabrication", _("AI-fabricated content")
        IMPERSONATION = "impersonation", _("Impersonation")
        PRIVACY_LEAK = "privacy_leak", _("Privacy leak")
        OWNER_ATTACK = "owner_attack", _("Personal attack on owners")
        EXTORTION = "extortion", _("Extortion")
        PAID_DELETION = "paid_deletion", _("Paid deletion")
        TROLL_AMPLIFICATION = "troll_amplification", _("Troll amplification")

    class StatementType(models.TextChoices):
        FACT = "fact", _("Statement of fact")
        OPINION = "opinion", _("Opinion or comment")
        MIXED = "mixed", _("Mixed")

    class Action(models.TextChoices):
        WATCH = "watch", _("Keep watching")
        FIX_EVIDENCE = "fix_evidence", _("Fix evidence")
        COMPLAINT = "complaint", _("Platform complaint")
        LETTER = "letter", _("Lawyer letter")
        SUIT = "suit", _("Lawsuit")
        POLICE = "police", _("Report to police")
        REBUTTAL = "rebuttal", _("Publish a rebuttal")

    # Conclusions that escalate an item; each needs a written rationale.
    ESCALATING = (Conclusion.SUSPECTED, Conclusion.SERIOUS, Conclusion.CRIME)
    # Conclusions counted as "infringing" in the department's figures.
    INFRINGING = ESCALATING

    content_item = models.ForeignKey(
        ContentItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("content item"),
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("campaign"),
    )
    conclusion = models.CharField(_("conclusion"), max_length=16, choices=Conclusion.choices)
    category = models.CharField(_("campaign category"), max_length=24, choices=Campaign.Category.choices, blank=True)
    infringement_types = ArrayField(
        models.CharField(max_length=24, choices=InfringementType.choices),
        verbose_name=_("infringement types"),
        default=list,
        blank=True,
    )
    statement_type = models.CharField(
        _("statement type"), max_length=16, choices=StatementType.choices, blank=True
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("1 to 5.")
    )
    reach = models.PositiveBigIntegerField(_("reach at assessment"), default=0)
    estimated_loss = models.DecimalField(
        _("estimated loss (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_identifiable = models.BooleanField(_("target identifiable"), default=True)
    insulting_language = models.BooleanField(_("insulting language"), default=False)
    falsity_provable = models.BooleanField(_("falsity provable"), default=False)
    rationale = models.TextField(
        _("rationale"),
        blank=True,
        help_text=_("Required when escalating: why this is defamation and not legitimate criticism."),
    )
    recommended_actions = ArrayField(
        models.CharField(max_length=16, choices=Action.choices),
        verbose_name=_("recommended actions"),
        default=list,
        blank=True,
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessments_made",
        verbose_name=_("assessor"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments_reviewed",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(content_item__isnull=False) | Q(campaign__isnull=False),
                name="cases_assessment_has_subject",
                violation_error_message=_("An assessment concerns a content item or a campaign."),
            ),
            models.CheckConstraint(
                condition=~Q(conclusion__in=["suspected", "serious", "crime"]) | ~Q(rationale=""),
                name="cases_assessment_escalation_needs_rationale",
                violation_error_message=_(
                    "Escalating needs a written rationale that tells defamation from legitimate criticism."
                ),
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=5),
                name="cases_assessment_severity_range",
                violation_error_message=_("Severity runs from 1 to 5."),
            ),
            models.CheckConstraint(
                condition=Q(estimated_loss__isnull=True) | Q(estimated_loss__gte=0),
                name="cases_assessment_loss_non_negative",
                violation_error_message=_("The estimated loss cannot be negative."),
            ),
        ]
        indexes = [
            # Assessment history of one item, newest first (item detail page).
            models.Index(fields=["content_item", "-created_at"], name="cases_assess_item_idx"),
        ]

    def __str__(self) -> str:
        subject = self.content_item_id and f"#{self.content_item_id}" or f"campaign #{self.campaign_id}"
        return f"{self.get_conclusion_display()} · {subject}"

    @property
    def is_escalation(self) -> bool:
        return self.conclusion in self.ESCALATING
