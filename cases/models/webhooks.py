"""Outbound webhooks: who is told about which events, and the log of every delivery.

Subscriptions are managed by administrators in the admin; deliveries are written by
``cases/services/webhooks.py`` and the Celery task that posts them (docs/api.md, "Webhooks").
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.fields import EncryptedTextField
from cases.querysets import VisibleQuerySet


class WebhookSubscription(models.Model):
    """A receiver of signed event notifications (one URL, one shared secret, chosen events)."""

    class Event(models.TextChoices):
        ITEM_ASSESSED = "item.assessed", _("Content item assessed")
        COMPLAINT_ACTIONED = "complaint.actioned", _("Platform complaint actioned")
        LAWSUIT_STAGE_CHANGED = "lawsuit.stage_changed", _("Lawsuit stage changed")
        DEADLINE_DUE = "deadline.due", _("Deadline due soon")

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(
        _("URL"),
        max_length=1000,
        help_text=_("Receives a POST with a JSON body. Private and loopback addresses are refused."),
    )
    secret = EncryptedTextField(
        _("signing secret"),
        help_text=_("Shared with the receiver, which checks the HMAC-SHA256 signature. At least 16 characters."),
    )
    events = ArrayField(models.CharField(max_length=32, choices=Event.choices), verbose_name=_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        indexes = [
            # "Which active subscriptions want this event?" after every recorded move.
            models.Index(fields=["is_active"], name="cases_webhooksub_active_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one subscription, with the outcome of its last attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery", "Pending")
        RETRYING = "retrying", _("Retrying")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.SUCCEEDED, Status.FAILED)

    uuid = models.UUIDField(_("delivery ID"), default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    event = models.CharField(_("event"), max_length=32, choices=WebhookSubscription.Event.choices)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # Delivery log, newest first, and one subscription's deliveries.
            models.Index(fields=["-created_at"], name="cases_webhookdel_created_idx"),
            models.Index(fields=["subscription", "-created_at"], name="cases_webhookdel_sub_idx"),
            # Deliveries still to be made (retry sweep, admin filter).
            models.Index(
                fields=["status"],
                name="cases_webhookdel_open_idx",
                condition=models.Q(status__in=["pending", "retrying"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"
