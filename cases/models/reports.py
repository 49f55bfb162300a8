"""Police and administrative reports (报案, 12377 网信举报, 市场监管投诉)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models.monitoring import ContentItem, MonitoredAccount
from cases.querysets import VisibleQuerySet


class AuthorityReport(models.Model):
    """A report to the police or an administrative authority about infringing content or accounts."""

    class AuthorityType(models.TextChoices):
        POLICE = "police", _("Police (cyber security unit)")
        CAC_12377 = "cac_12377", _("12377 CAC reporting centre")
        CAC_LOCAL = "cac_local", _("Local cyberspace administration")
        MARKET_REGULATION = "market_regulation", _("Market regulation authority")
        OTHER = "other", pgettext_lazy("authority", "Other authority")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("authority report", "Draft")
        FILED = "filed", pgettext_lazy("authority report", "Filed")
        ACCEPTED = "accepted", pgettext_lazy("authority report", "Accepted")
        NOT_ACCEPTED = "not_accepted", pgettext_lazy("authority report", "Not accepted")
        CASE_OPENED = "case_opened", pgettext_lazy("authority report", "Case opened")
        CLOSED = "closed", pgettext_lazy("authority report", "Closed")

    STATE_FIELD = "status"
    S = Status
    # Allowed moves; cases/services/authority_reports.py enforces them through cases/services/workflow.py.
    TRANSITIONS: dict[str, set[str]] = {
        S.DRAFT: {S.FILED},
        S.FILED: {S.ACCEPTED, S.NOT_ACCEPTED},
        S.ACCEPTED: {S.CASE_OPENED, S.CLOSED},
        S.NOT_ACCEPTED: {S.CLOSED},
        S.CASE_OPENED: {S.CLOSED},
        S.CLOSED: set(),
    }
    FINISHED_STATUSES = (S.CLOSED,)

    authority_type = models.CharField(_("authority"), max_length=24, choices=AuthorityType.choices)
    authority_name = models.CharField(
        _("authority name"), max_length=200, blank=True, help_text=_("e.g. the district public security bureau.")
    )
    summary = models.TextField(_("what is reported"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    reported_on = models.DateField(_("report date"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=100, blank=True)
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    content_items = models.ManyToManyField(
        ContentItem, blank=True, related_name="authority_reports", verbose_name=_("content items")
    )
    accounts = models.ManyToManyField(
        MonitoredAccount, blank=True, related_name="authority_reports", verbose_name=_("accounts")
    )
    lawsuit = models.ForeignKey(
        "cases.Lawsuit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authority_reports",
        verbose_name=_("lawsuit"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authority_reports_created",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("authority report")
        verbose_name_plural = _("authority reports")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(reported_on__isnull=False),
                name="cases_authorityreport_filed_has_date",
                violation_error_message=_("A filed report needs its report date."),
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(reported_on__isnull=True) | Q(decided_on__gte=F("reported_on")),
                name="cases_authorityreport_decided_after_report",
                violation_error_message=_("The authority cannot decide before the report was filed."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="cases_authreport_status_idx"),
        ]

    def __str__(self) -> str:
        who = self.authority_name or self.get_authority_type_display()
        return f"{who} · {self.receipt_number or self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("cases:report-detail", args=[self.pk])

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())
