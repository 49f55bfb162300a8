"""Intake: import jobs that bring vendors' and analysts' files into the queue."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.querysets import VisibleQuerySet


def import_upload_to(instance: ImportJob, filename: str) -> str:
    # Generated name: the uploader's file name is kept only as metadata.
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class ImportJob(models.Model):
    """One import of content items (a file, an API batch), with its progress and per-row report.

    A job always ends ``completed`` or ``failed``; ``imported + rejected = rows``.
    """

    class Source(models.TextChoices):
        FILE = "file", _("File upload")
        API = "api", _("API batch")
        COMMAND = "command", _("Command line")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    # How many rejected rows are kept with their reasons; the counts stay exact beyond it.
    MAX_REPORTED_ERRORS = 1000

    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.FILE)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField(_("preview only"), default=False)
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=255, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    default_platform = models.ForeignKey(
        "cases.Platform",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("default platform"),
        help_text=_("Used for rows that name no platform."),
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("items created"), default=0)
    updated_count = models.PositiveIntegerField(_("items updated"), default=0)
    rejected_count = models.PositiveIntegerField(_("rows rejected"), default=0)
    errors = models.JSONField(
        _("rejected rows"), default=list, blank=True, help_text=_("Line number and reason of each rejected row.")
    )
    failure = models.TextField(_("why the job failed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows")) | Q(total_rows=0),
                name="cases_importjob_progress_within_total",
                violation_error_message=_("More rows processed than the file holds."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["completed", "failed"]) | Q(finished_at__isnull=False),
                name="cases_importjob_finished_has_time",
                violation_error_message=_("A finished job needs its finishing time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk} · {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.FAILED)

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, self.processed_rows * 100 // self.total_rows)
