"""Owner assistance: requests from car owners attacked online, and their consents."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.fields import EncryptedTextField, mask_email, mask_name, mask_phone
from cases.models.monitoring import ContentItem, MonitoredAccount
from cases.querysets import AssistanceRequestQuerySet, VisibleQuerySet


class AssistanceRequest(models.Model):
    """An owner's request for help (援助申请). Contact data is encrypted and masked in lists."""

    class HelpType(models.TextChoices):
        EVIDENCE_GUIDANCE = "evidence_guidance", _("Evidence guidance")
        LAWYER_LETTER = "lawyer_letter", pgettext_lazy("help type", "Lawyer letter")
        LITIGATION_SUPPORT = "litigation_support", _("Litigation support")
        COMPLAINT_HELP = "complaint_help", _("Help with platform complaints")
        POLICE_HELP = "police_help", _("Help reporting to the police")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SCREENING = "screening", _("Screening")
        NEED_INFO = "need_info", _("More information needed")
        DECLINED = "declined", _("Declined")
        LEGAL_REVIEW = "legal_review", _("Legal review")
        GUIDED = "guided", _("Evidence guidance given")
        LETTER = "letter", _("Lawyer letter")
        LITIGATION = "litigation", _("Litigation support")
        POLICE = "police", _("Police report support")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Eligibility(models.TextChoices):
        UNKNOWN = "unknown", _("Not yet judged")
        SUABLE = "suable", _("Suable")
        NOT_SUABLE = "not_suable", _("Not suable")

    class Criterion(models.TextChoices):
        """The legal review's checklist: a request is suable only when every one is met."""

        IDENTIFIABLE_INFRINGER = "identifiable_infringer", _("The infringer can be identified")
        REACH = "reach", _("The content reached enough people")
        HARM = "harm", _("The owner suffered real harm")
        EVIDENCE_FIXED = "evidence_fixed", _("The evidence is fixed")
        JURISDICTION = "jurisdiction", _("A court with jurisdiction can be named")

    STATE_FIELD = "status"
    S = Status
    # Allowed moves (DESIGN.md §3). Any state may also move to WITHDRAWN.
    TRANSITIONS: dict[str, set[str]] = {
        S.SUBMITTED: {S.SCREENING},
        S.SCREENING: {S.NEED_INFO, S.DECLINED, S.LEGAL_REVIEW},
        S.NEED_INFO: {S.SCREENING},
        S.LEGAL_REVIEW: {S.GUIDED, S.LETTER, S.LITIGATION, S.POLICE, S.DECLINED},
        S.GUIDED: {S.CLOSED},
        S.LETTER: {S.CLOSED},
        S.LITIGATION: {S.CLOSED},
        S.POLICE: {S.CLOSED},
        S.DECLINED: set(),
        S.CLOSED: set(),
        S.WITHDRAWN: set(),
    }
    FINISHED_STATUSES = (S.DECLINED, S.CLOSED, S.WITHDRAWN)

    reference = models.CharField(
        _("reference"), max_length=20, unique=True, help_text=_("Shown to the owner, e.g. YZ-2025-000123.")
    )
    # The token's digest finds the request (one indexed lookup); the token itself is kept only encrypted.
    token_digest = models.CharField(_("tracking token digest"), max_length=64, unique=True, editable=False)
    # The link itself, encrypted like the contact data, so status notifications can carry it.
    # Blanked by the purge; never shown to staff.
    tracking_token = EncryptedTextField(_("tracking token"), blank=True, editable=False)
    owner_name = EncryptedTextField(_("owner's name"))
    owner_phone = EncryptedTextField(_("owner's phone"))
    owner_email = EncryptedTextField(_("owner's email"), blank=True)
    phone_digest = models.CharField(_("phone digest"), max_length=64, editable=False, db_index=False)
    city = models.CharField(_("city"), max_length=64, blank=True)
    vehicle_model = models.CharField(_("vehicle model"), max_length=100, blank=True)
    vin_last6 = models.CharField(_("last 6 characters of the VIN"), max_length=6, blank=True)
    description = models.TextField(_("what happened"))
    content_links = ArrayField(
        models.URLField(max_length=2000), verbose_name=_("links to the attacking content"), default=list, blank=True
    )
    content_items = models.ManyToManyField(
        ContentItem, blank=True, related_name="assistance_requests", verbose_name=_("content items")
    )
    # Accounts the owner's links point at (a profile link, or the author of a linked item).
    reported_accounts = models.ManyToManyField(
        MonitoredAccount, blank=True, related_name="assistance_requests", verbose_name=_("reported accounts")
    )
    help_types = ArrayField(
        models.CharField(max_length=24, choices=HelpType.choices),
        verbose_name=_("help wanted"),
        default=list,
        blank=True,
        help_text=_("Owners who only joined the program may not have asked for anything yet."),
    )
    has_evidence = models.BooleanField(
        _("came with evidence"), default=False, help_text=_("The owner supplied usable evidence files.")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    eligibility = models.CharField(
        _("eligibility"), max_length=16, choices=Eligibility.choices, default=Eligibility.UNKNOWN
    )
    eligibility_reasons = models.TextField(_("reasons for the eligibility decision"), blank=True)
    eligibility_checklist = ArrayField(
        models.CharField(max_length=24, choices=Criterion.choices),
        verbose_name=_("eligibility criteria met"),
        default=list,
        blank=True,
        help_text=_("The criteria of the legal review that the lawyer found met."),
    )
    assigned_lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assistance_requests",
        verbose_name=_("assigned lawyer"),
    )
    info_requested = models.TextField(_("information requested from the owner"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    retention_until = models.DateField(_("keep personal data until"), null=True, blank=True)
    litigation_hold = models.BooleanField(
        _("litigation hold"), default=False, help_text=_("Personal data is kept while a hold applies.")
    )
    purged_at = models.DateTimeField(_("personal data purged"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AssistanceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("assistance request")
        verbose_name_plural = _("assistance requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(vin_last6="") | Q(vin_last6__regex=r"^[A-HJ-NPR-Z0-9]{6}$"),
                name="cases_assistancerequest_vin_format",
                violation_error_message=_("The last 6 characters of a VIN are digits or capital letters (no I, O or Q)."),
            ),
            models.CheckConstraint(
                condition=~Q(eligibility="suable") | ~Q(eligibility_reasons=""),
                name="cases_assistancerequest_suable_has_reasons",
                violation_error_message=_("Judging a request suable needs the reasons."),
            ),
        ]
        indexes = [
            # Staff queue: requests in a status, oldest first.
            models.Index(fields=["status", "submitted_at"], name="cases_assist_queue_idx"),
            # Dashboard "requests in a period" (submitted_at ranges).
            models.Index(fields=["submitted_at"], name="cases_assist_submitted_idx"),
            # Duplicate detection on the public form: same phone (by digest).
            models.Index(fields=["phone_digest"], name="cases_assist_phone_idx"),
            # Dashboard "requests by help type": array containment.
            GinIndex(fields=["help_types"], name="cases_assist_help_gin"),
            # Purge job: requests whose retention ended and are not purged yet.
            models.Index(
                fields=["retention_until"], name="cases_assist_retention_idx", condition=Q(purged_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("cases:assistance-request-detail", args=[self.pk])

    def can_move_to(self, status: str) -> bool:
        if status == self.Status.WITHDRAWN:
            return self.status != self.Status.WITHDRAWN
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def masked_name(self) -> str:
        return mask_name(self.owner_name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.owner_phone)

    @property
    def masked_email(self) -> str:
        return mask_email(self.owner_email) if self.owner_email else ""


class ConsentRecord(models.Model):
    """What the owner agreed to, under which notice version, and when (PIPL arts 14, 17, 23, 29)."""

    class Purpose(models.TextChoices):
        ASSISTANCE = "assistance", _("Assessing and handling my request")
        EVIDENCE = "evidence", _("Using my files as evidence")
        CONTACT = "contact", _("Contacting me about my request")

    assistance_request = models.ForeignKey(
        AssistanceRequest, on_delete=models.CASCADE, related_name="consents", verbose_name=_("assistance request")
    )
    notice_version = models.CharField(_("notice version"), max_length=32)
    purposes = ArrayField(
        models.CharField(max_length=16, choices=Purpose.choices), verbose_name=_("purposes"), default=list
    )
    sensitive_data = models.BooleanField(_("separate consent to sensitive data"), default=False)
    share_with_counsel = models.BooleanField(_("separate consent to sharing with outside counsel"), default=False)
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ("-granted_at",)
        constraints = [
            models.CheckConstraint(
                condition=~Q(purposes=[]),
                name="cases_consentrecord_has_purpose",
                violation_error_message=_("A consent names at least one purpose."),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("granted_at")),
                name="cases_consentrecord_withdrawn_after_granted",
                violation_error_message=_("A consent cannot be withdrawn before it was given."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assistance_request_id} · {self.notice_version}"


class OwnerNotification(models.Model):
    """One notice sent to an owner about a status change: at most one per state change (idempotence)."""

    assistance_request = models.ForeignKey(
        AssistanceRequest,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("assistance request"),
    )
    status = models.CharField(_("status"), max_length=16, choices=AssistanceRequest.Status.choices)
    state_change_id = models.BigIntegerField(_("state change"), null=True, blank=True)
    channels = ArrayField(models.CharField(max_length=8), verbose_name=_("channels"), default=list, blank=True)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("owner notification")
        verbose_name_plural = _("owner notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["assistance_request", "status", "state_change_id"],
                name="cases_ownernotification_once",
                nulls_distinct=False,
                violation_error_message=_("The owner was already told of this status change."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assistance_request_id} · {self.status}"
