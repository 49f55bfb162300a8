"""Actions short of a lawsuit: platform complaints, rebuttals, lawyer letters, identity disclosure."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.fields import EncryptedTextField
from cases.models.monitoring import Agency, ContentItem, MonitoredAccount, Platform
from cases.querysets import LawyerLetterQuerySet, PlatformComplaintQuerySet, VisibleQuerySet


class PlatformComplaint(models.Model):
    """A notice-and-takedown complaint filed with a platform (平台投诉)."""

    class Channel(models.TextChoices):
        ENTERPRISE_ZONE = "enterprise_zone", _("Enterprise-infringement report zone")
        INFRINGEMENT_FORM = "infringement_form", _("Platform infringement complaint form")
        CAC_12377 = "cac_12377", _("12377 CAC report centre")
        EMAIL = "email", _("Email to the platform")
        OTHER = "other", _("Other channel")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        ACTIONED = "actioned", _("Actioned")
        REJECTED = "rejected", _("Rejected")
        NEED_INFO = "need_info", pgettext_lazy("platform complaint", "More information needed")
        COUNTER_NOTICED = "counter_noticed", _("Counter-notice received")
        KEPT = "kept", _("Measure kept")
        RESTORED = "restored", _("Content restored")

    class Measure(models.TextChoices):
        DELETE = "delete", _("Deleted")
        BLOCK = "block", _("Blocked")
        DELINK = "delink", _("Link disconnected")
        THROTTLE = "throttle", _("Reach limited")
        DISPUTE_LABEL = "dispute_label", _("Dispute label")
        REBUTTAL_LINK = "rebuttal_link", _("Rebuttal link attached")
        MUTE = "mute", _("Account muted")
        BAN = "ban", _("Account banned")
        NONE = "none", _("No measure")

    STATE_FIELD = "status"
    S = Status
    # Allowed moves (DESIGN.md §3); services enforce them.
    TRANSITIONS: dict[str, set[str]] = {
        S.DRAFT: {S.SUBMITTED},
        S.SUBMITTED: {S.IN_REVIEW, S.ACTIONED, S.REJECTED, S.NEED_INFO},
        S.IN_REVIEW: {S.ACTIONED, S.REJECTED, S.NEED_INFO},
        S.NEED_INFO: {S.SUBMITTED},
        S.ACTIONED: {S.COUNTER_NOTICED},
        S.COUNTER_NOTICED: {S.KEPT, S.RESTORED},
        S.REJECTED: set(),
        S.KEPT: set(),
        S.RESTORED: set(),
    }
    OPEN_STATUSES = (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.NEED_INFO, S.COUNTER_NOTICED)

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, verbose_name=_("platform"))
    content_items = models.ManyToManyField(
        ContentItem, related_name="complaints", blank=True, verbose_name=_("content items")
    )
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices, default=Channel.ENTERPRISE_ZONE)
    credential = models.CharField(
        _("credential used"),
        max_length=200,
        blank=True,
        help_text=_("Which business licence or power of attorney (and its version) was submitted."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    ticket_number = models.CharField(_("ticket number"), max_length=100, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    measure = models.CharField(_("measure taken"), max_length=16, choices=Measure.choices, blank=True)
    counter_notice_at = models.DateTimeField(_("counter-notice received"), null=True, blank=True)
    reply_deadline = models.DateField(_("deadline to answer the counter-notice"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_created",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PlatformComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("platform complaint")
        verbose_name_plural = _("platform complaints")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="cases_platformcomplaint_submitted_has_time",
                violation_error_message=_("A submitted complaint needs its submission time."),
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True) | Q(first_response_at__gte=F("submitted_at")),
                name="cases_platformcomplaint_response_after_submit",
                violation_error_message=_("The platform cannot respond before the complaint was submitted."),
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("submitted_at")),
                name="cases_platformcomplaint_resolved_after_submit",
                violation_error_message=_("A complaint cannot be resolved before it was submitted."),
            ),
        ]
        indexes = [
            # Dashboard "complaints submitted in a period" and platform response times.
            models.Index(fields=["platform", "submitted_at"], name="cases_complaint_submitted_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} · {self.ticket_number or self.get_status_display()}"


    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def response_time(self):
        """Return the time from submission to first response, or None."""
        if self.submitted_at and self.first_response_at:
            return self.first_response_at - self.submitted_at
        return None


class Rebuttal(models.Model):
    """A rebuttal (辟谣) the company published, and the items it answers."""

    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("platform")
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    content_items = models.ManyToManyField(
        ContentItem, blank=True, related_name="rebuttals", verbose_name=_("content items answered")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("rebuttal")
        verbose_name_plural = _("rebuttals")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.title


class LawyerLetter(models.Model):
    """A lawyer's letter (律师函) to an account holder or entity."""

    class Demand(models.TextChoices):
        DELETE = "delete", _("Delete all infringing content")
        STOP = "stop", _("Stop the infringement")
        APOLOGY = "apology", _("Publish a public apology")
        PIN_APOLOGY = "pin_apology", _("Pin the apology")
        ELIMINATE_EFFECTS = "eliminate_effects", _("Eliminate the effects")
        COMPENSATE = "compensate", _("Pay compensation")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        EXPRESS = "express", _("Express mail")
        PLATFORM_MESSAGE = "platform_message", _("Platform private message")
        IN_PERSON = "in_person", _("In person")
        PUBLIC = "public", _("Published openly")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        DELIVERED = "delivered", _("Delivered")
        RESPONDED = "responded", _("Responded")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLIED = "complied", _("Complied")
        PARTIAL = "partial", _("Partly complied")
        REFUSED = "refused", _("Refused")
        NO_RESPONSE = "no_response", _("No response")

    STATE_FIELD = "status"
    S = Status
    TRANSITIONS: dict[str, set[str]] = {
        S.DRAFT: {S.ISSUED},
        S.ISSUED: {S.DELIVERED, S.CLOSED},
        S.DELIVERED: {S.RESPONDED, S.CLOSED},
        S.RESPONDED: {S.CLOSED},
        S.CLOSED: set(),
    }

    recipient_account = models.ForeignKey(
        MonitoredAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=_("recipient account"),
    )
    recipient_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="letters", verbose_name=_("recipient entity")
    )
    recipient_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    issuer = models.CharField(
        _("issued by"), max_length=200, blank=True, help_text=_("Legal department or outside law firm.")
    )
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=_("responsible lawyer"),
    )
    demands = ArrayField(
        models.CharField(max_length=24, choices=Demand.choices), verbose_name=_("demands"), default=list, blank=True
    )
    apology_pin_days = models.PositiveSmallIntegerField(_("days the apology stays pinned"), null=True, blank=True)
    compensation_amount = models.DecimalField(
        _("compensation demanded (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    deadline = models.DateField(_("deadline to comply"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters_approved",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the issued PDF"), max_length=64, blank=True)
    pdf_evidence = models.ForeignKey(
        "cases.Evidence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters_issued",
        verbose_name=_("issued PDF as evidence"),
    )
    campaign = models.ForeignKey(
        "cases.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=_("campaign"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters_created",
        verbose_name=_("created by"),
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    pdf = models.FileField(_("issued PDF"), upload_to="letters/%Y/%m/", blank=True)
    delivery_channel = models.CharField(_("delivery channel"), max_length=24, choices=Channel.choices, blank=True)
    delivery_proof = models.CharField(
        _("proof of delivery"), max_length=200, blank=True, help_text=_("Tracking number, message ID, …")
    )
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    content_items = models.ManyToManyField(
        ContentItem, blank=True, related_name="letters", verbose_name=_("content items")
    )
    assistance_request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=_("for assistance request"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = LawyerLetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("lawyer letter")
        verbose_name_plural = _("lawyer letters")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient_account__isnull=False)
                | Q(recipient_agency__isnull=False)
                | ~Q(recipient_name=""),
                name="cases_lawyerletter_has_recipient",
                violation_error_message=_("A letter needs a recipient: an account, an entity or a name."),
            ),
            models.CheckConstraint(
                condition=Q(compensation_amount__isnull=True) | Q(compensation_amount__gte=0),
                name="cases_lawyerletter_compensation_non_negative",
                violation_error_message=_("The compensation demanded cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(issued_at__isnull=False),
                name="cases_lawyerletter_issued_has_time",
                violation_error_message=_("An issued letter needs its issue time."),
            ),
        ]

    def __str__(self) -> str:
        # Reads the recipient account or agency (a query unless select_related).
        recipient = self.recipient_name
        if not recipient and self.recipient_account is not None:  # None, without a query, when unset
            recipient = self.recipient_account.name
        if not recipient and self.recipient_agency is not None:
            recipient = self.recipient_agency.name
        return _("Letter to %(recipient)s") % {"recipient": recipient}

    def get_absolute_url(self) -> str:
        return reverse("cases:letter-detail", args=[self.pk])

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())


class IdentityDisclosure(models.Model):
    """A request to a platform, court or police to reveal who holds an account."""

    class Route(models.TextChoices):
        PLATFORM = "platform", _("Request to the platform")
        COURT_ORDER = "court_order", _("Court order")
        INVESTIGATION_ORDER = "investigation_order", _("Investigation order (调查令)")
        POLICE = "police", _("Police investigation")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        DISCLOSED = "disclosed", _("Disclosed")
        REFUSED = "refused", _("Refused")
        NO_RECORD = "no_record", _("No record held")

    account = models.ForeignKey(
        MonitoredAccount, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("account")
    )
    route = models.CharField(_("route"), max_length=24, choices=Route.choices)
    lawsuit = models.ForeignKey(
        "cases.Lawsuit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disclosures",
        verbose_name=_("lawsuit"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # The holder's identity is personal data: encrypted at rest, masked in lists.
    disclosed_name = EncryptedTextField(_("holder's name"), blank=True)
    disclosed_contact = EncryptedTextField(_("holder's contact"), blank=True)
    disclosed_address = EncryptedTextField(_("holder's address"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures_requested",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("identity disclosure")
        verbose_name_plural = _("identity disclosures")
        ordering = ("-requested_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answered_at__gte=F("requested_at")),
                name="cases_identitydisclosure_answer_after_request",
                violation_error_message=_("An answer cannot come before the request."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.get_route_display()}"

    def get_absolute_url(self) -> str:
        return reverse("cases:disclosure-detail", args=[self.pk])
