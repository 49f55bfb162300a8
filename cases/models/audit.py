"""The audit trail: one append-only log of every change and every read of personal data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.querysets import VisibleQuerySet


class AuditEvent(models.Model):
    """One audited act. Writes are recorded by database triggers in the same transaction
    as the change (bulk updates included); reads by the services that read.
    The database refuses UPDATE and DELETE on this table.
    """

    class ActorType(models.TextChoices):
        USER = "user", _("User")
        TOKEN = "token", _("API token")
        OWNER = "owner", _("Owner (public page)")
        SYSTEM = "system", _("System")

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        VIEW = "view", _("Viewed personal data")
        EXPORT = "export", _("Exported")
        DOWNLOAD = "download", _("Downloaded")

    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_type = models.CharField(_("actor type"), max_length=16, choices=ActorType.choices, default=ActorType.SYSTEM)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object ID"), max_length=64)
    diff = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request ID"), max_length=64, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            # History of one object, newest first (object pages, admin history).
            models.Index(fields=["object_type", "object_id", "-at"], name="cases_audit_object_idx"),
            # What one person did, newest first (auditor view filtered by actor).
            models.Index(fields=["actor", "-at"], name="cases_audit_actor_idx"),
            # Auditor view in time order and retention purges by date.
            models.Index(fields=["-at"], name="cases_audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}#{self.object_id}"


class StateChange(models.Model):
    """One move of a workflow state (an item's triage state, a suit's stage, …): who, when and why.

    Written by the workflow services only; the timeline on each detail page reads it.
    """

    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.BigIntegerField(_("object ID"))
    field = models.CharField(_("field"), max_length=32)
    from_state = models.CharField(_("from"), max_length=32)
    to_state = models.CharField(_("to"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        indexes = [
            # Timeline of one object on its detail page, oldest first.
            models.Index(fields=["object_type", "object_id", "at"], name="cases_statechange_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id} {self.from_state} → {self.to_state}"
