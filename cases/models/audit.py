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
    The database refuses UPDATE and DELETE on this table (except its own chaining of new rows at commit
    and the retention purge).
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
        PURGE = "purge", _("Purged (retention)")

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
    # The hash chain (cases/services/audit_chain.py), filled by the database when the inserting
    # transaction commits (NULL until then, whatever the insert supplies): position in the one chain,
    # the previous row's hash, this row's hash.
    seq = models.BigIntegerField(_("chain position"), null=True, editable=False)  # unique: Meta
    prev_hash = models.CharField(_("previous hash"), max_length=64, null=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, null=True, editable=False)

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
            # The rows still to chain at commit, in id order (legalcases_audit_chain()): few, so tiny.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="cases_audit_unchained_idx"),
        ]
        constraints = [
            # One row per chain position. Partial, so that its index holds no NULLs: the pending rows
            # are then found through cases_audit_unchained_idx only (an index scan, which also marks
            # the entries of rows chained since as dead), never by a bitmap scan over every NULL entry
            # left behind until the next VACUUM.
            models.UniqueConstraint(fields=["seq"], condition=models.Q(seq__isnull=False), name="cases_audit_seq_unique"),
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


class AuditChainHead(models.Model):
    """The audit chain's one head row (id 1), kept by the database triggers, never by Django code.

    ``seq``/``hash`` are the last chained event: a new event chains to them, not to whatever row
    is last, so removing the newest events stays detectable. ``anchor_seq``/``anchor_hash`` are
    the last event removed by the retention purge: the chain left after a purge starts from them.
    """

    seq = models.BigIntegerField(_("last chain position"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, blank=True)
    anchor_seq = models.BigIntegerField(_("anchor position"), default=0)
    anchor_hash = models.CharField(_("anchor hash"), max_length=64, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="cases_auditchainhead_singleton")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


# A legal department keeps its audit trail at least this long: nobody can set a shorter retention
# (form, service and a database CHECK). One year covers the six months of logs the Cybersecurity
# Law (art. 21) asks for with room for an annual review of who did what.
AUDIT_RETENTION_MIN_DAYS = 365


class AuditRetention(models.Model):
    """One setting of the audit log's retention; the newest row is in force, none means keep forever.

    Append-only: each change is a new row with the value it replaced, who set it and why, and the
    audit triggers record that row as an audit event. The purge function (migration
    ``0014_audit_chain_retention``) reads the newest row.
    """

    days = models.PositiveIntegerField(
        _("retention in days"),
        null=True,
        blank=True,
        help_text=_("Audit events older than this are deleted nightly. Empty: keep forever."),
    )
    previous_days = models.PositiveIntegerField(_("previous retention in days"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log retention")
        verbose_name_plural = _("audit log retention")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days__isnull=True) | models.Q(days__gte=AUDIT_RETENTION_MIN_DAYS),
                name="cases_auditretention_floor",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="cases_auditretention_reason"),
        ]

    def __str__(self) -> str:
        return str(self.days) if self.days else "∞"
