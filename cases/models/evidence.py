"""Evidence: fixed files with their hashes and capture metadata, and the chain of custody."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.monitoring import ContentItem, MonitoredAccount, Platform
from cases.querysets import EvidenceQuerySet, VisibleQuerySet


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name is generated: never the uploader's file name.
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A fixed piece of evidence (证据). Never overwritten: a correction is a new version."""

    class CaptureMethod(models.TextChoices):
        SCREENSHOT = "screenshot", _("Screenshot")
        SCREEN_RECORDING = "recording", _("Screen recording")
        WEB_CAPTURE = "web_capture", _("Web capture")
        TIMESTAMP = "timestamp", _("Trusted timestamp")
        BLOCKCHAIN = "blockchain", _("Blockchain deposit")
        NOTARISATION = "notarisation", _("Notarised preservation")
        PLATFORM_EXTRACT = "platform_extract", _("Extracted by the platform")
        COURT_EXTRACT = "court_extract", _("Extracted by the court")

    class Status(models.TextChoices):
        COLLECTING = "collecting", _("Being collected")
        FIXED = "fixed", _("Fixed")
        NOTARISED = "notarised", _("Notarised")
        SUBMITTED = "submitted", _("Submitted to court")

    class Network(models.TextChoices):
        CELLULAR = "cellular", _("Cellular data")
        WIFI = "wifi", _("Wi-Fi")
        WIRED = "wired", _("Wired network")
        UNKNOWN = "unknown", _("Unknown")

    class Integrity(models.TextChoices):
        UNVERIFIED = "unverified", _("Not yet verified")
        OK = "ok", _("Verified")
        MISMATCH = "mismatch", _("Hash mismatch")
        MISSING = "missing", _("File missing")
        CHAIN_BROKEN = "chain_broken", _("Chain of custody broken")

    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    mime_type = models.CharField(_("file type (sniffed)"), max_length=100)
    capture_method = models.CharField(_("capture method"), max_length=20, choices=CaptureMethod.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.FIXED)
    capture_url = models.URLField(_("capture URL"), max_length=2000, blank=True)
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("platform")
    )
    account = models.ForeignKey(
        MonitoredAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("account"),
    )
    published_at_display = models.CharField(
        _("publish time as displayed"), max_length=64, blank=True, help_text=_("Exactly as the page showed it.")
    )
    capture_started_at = models.DateTimeField(_("capture started"), null=True, blank=True)
    capture_finished_at = models.DateTimeField(_("capture finished"), null=True, blank=True)
    tool = models.CharField(_("capture tool and version"), max_length=100, blank=True)
    device = models.CharField(_("device"), max_length=100, blank=True)
    network = models.CharField(_("network"), max_length=16, choices=Network.choices, default=Network.UNKNOWN)
    clean_environment_checked = models.BooleanField(_("clean environment checked"), default=False)
    engagement_at_capture = models.JSONField(
        _("engagement at capture"), default=dict, blank=True, help_text=_("Views, likes, shares, comments.")
    )
    certificate_number = models.CharField(_("timestamp certificate number"), max_length=100, blank=True)
    deposit_platform = models.CharField(_("deposit platform"), max_length=100, blank=True)
    deposit_number = models.CharField(_("deposit number"), max_length=100, blank=True)
    tx_hash = models.CharField(_("transaction hash"), max_length=128, blank=True)
    notary_office = models.CharField(_("notary office"), max_length=100, blank=True)
    notary_certificate_number = models.CharField(_("notarial certificate number"), max_length=100, blank=True)
    ai_label_present = models.BooleanField(_("AI-generated label shown"), default=False)
    content_live_status = models.CharField(
        _("content status at capture"),
        max_length=16,
        choices=ContentItem.LiveStatus.choices,
        default=ContentItem.LiveStatus.LIVE,
    )
    contains_third_party_pi = models.BooleanField(_("contains third parties' personal data"), default=False)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence_fixed",
        verbose_name=_("fixed by"),
    )
    previous_version = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("previous version"),
    )
    content_items = models.ManyToManyField(
        ContentItem, blank=True, related_name="evidence", verbose_name=_("content items")
    )
    assistance_requests = models.ManyToManyField(
        "cases.AssistanceRequest", blank=True, related_name="evidence", verbose_name=_("assistance requests")
    )
    lawsuits = models.ManyToManyField("cases.Lawsuit", blank=True, related_name="evidence", verbose_name=_("lawsuits"))
    integrity = models.CharField(
        _("integrity"), max_length=16, choices=Integrity.choices, default=Integrity.UNVERIFIED
    )
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    # Hash of the last custody link, written in the same transaction as each append: removing the
    # last links of the chain (which the links alone cannot show) no longer matches it.
    custody_head_hash = models.CharField(_("custody chain head"), max_length=64, blank=True, editable=False)
    attestation_provider = models.CharField(_("attestation provider"), max_length=100, blank=True)
    attestation_token = models.TextField(
        _("attestation token"), blank=True, help_text=_("The timestamp or deposit token the provider returned.")
    )
    attested_at = models.DateTimeField(_("attested"), null=True, blank=True)
    litigation_hold = models.BooleanField(_("litigation hold"), default=False)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    deleted_reason = models.TextField(_("reason for deletion"), blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="cases_evidence_sha256_format",
                violation_error_message=_("A SHA-256 is 64 lower-case hexadecimal characters."),
            ),
            models.CheckConstraint(
                condition=Q(capture_finished_at__isnull=True)
                | Q(capture_started_at__isnull=True)
                | Q(capture_finished_at__gte=F("capture_started_at")),
                name="cases_evidence_capture_time_order",
                violation_error_message=_("The capture cannot finish before it started."),
            ),
            models.CheckConstraint(
                condition=Q(is_deleted=False) | (~Q(deleted_reason="") & Q(deleted_at__isnull=False)),
                name="cases_evidence_deletion_has_reason",
                violation_error_message=_("Deleting evidence needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(is_deleted=False) | Q(litigation_hold=False),
                name="cases_evidence_no_delete_under_hold",
                violation_error_message=_("Evidence under litigation hold cannot be deleted."),
            ),
        ]
        indexes = [
            # Integrity job and duplicate upload check: find evidence by file hash.
            models.Index(fields=["sha256"], name="cases_evidence_sha256_idx"),
            # Evidence page banner and admin filter: files whose last check failed.
            models.Index(
                fields=["integrity"],
                name="cases_evidence_bad_idx",
                condition=Q(integrity__in=["mismatch", "missing", "chain_broken"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.sha256[:12]})"



class CustodyEvent(models.Model):
    """One link of an evidence file's chain of custody. Append-only and hash-chained:
    ``hash`` = SHA-256 over the previous link's hash and this row's fields.
    The database refuses UPDATE and DELETE on this table.
    """

    class Action(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VIEWED = "viewed", _("Viewed")
        DOWNLOADED = "downloaded", _("Downloaded")
        EXPORTED = "exported", _("Exported")
        VERIFIED = "verified", _("Verified")
        VERIFICATION_FAILED = "verification_failed", _("Verification failed")

    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, related_name="custody_events", verbose_name=_("evidence")
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("actor")
    )
    actor_label = models.CharField(_("actor label"), max_length=100, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        ordering = ("evidence", "sequence")
        constraints = [
            # One chain per evidence, no forks: each position is taken once.
            models.UniqueConstraint(
                fields=["evidence", "sequence"],
                name="cases_custodyevent_sequence_unique",
                violation_error_message=_("This link of the chain of custody already exists."),
            ),
            models.CheckConstraint(
                condition=Q(hash__regex=r"^[0-9a-f]{64}$"),
                name="cases_custodyevent_hash_format",
                violation_error_message=_("A SHA-256 is 64 lower-case hexadecimal characters."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evidence_id}#{self.sequence} {self.action}"
