"""Import content items from a CSV or XLSX file, synchronously, with the same rules as the upload page.

Exit code 0 when the file was read (even with rejected rows, which are listed); non-zero when
the file itself cannot be imported. The run is recorded as an import job (source "command").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import permissions
from cases.audit import audit_context
from cases.models import ContentItem, ImportJob, Platform
from cases.services import intake

# How many rejected rows are printed; the job page lists up to ImportJob.MAX_REPORTED_ERRORS.
SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import content items from a CSV or XLSX file (a monitoring vendor's export)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path of the CSV or XLSX file.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; save nothing.")
        parser.add_argument("--platform", metavar="CODE", help="Platform for rows that name none (e.g. weibo).")
        parser.add_argument(
            "--user", metavar="USERNAME", help="Import as this user (needed for rows with an earlier assessment)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        user = self._user(options["user"])
        platform = None
        if options["platform"]:
            platform = Platform.objects.filter(code=options["platform"]).first()
            if platform is None:
                raise CommandError(_("Unknown platform: “%(value)s”.") % {"value": options["platform"]})
        with audit_context(actor=user), path.open("rb") as handle:
            job = intake.import_job_create(
                file=File(handle, name=path.name),
                actor=user,
                dry_run=options["dry_run"],
                default_platform=platform,
                source=ImportJob.Source.COMMAND,
                enqueue=False,
            )
        job = intake.import_job_run(job.pk, language=translation.get_language())
        self._report(job)
        if job.status != ImportJob.Status.COMPLETED:
            raise CommandError(job.failure)

    def _user(self, username: str | None) -> Any:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No such user: %(username)s") % {"username": username})
        if not permissions.can_edit(user, ContentItem):
            raise CommandError(_("%(username)s may not import items.") % {"username": username})
        return user

    def _report(self, job: ImportJob) -> None:
        heading = _("Preview of import #%(number)d") if job.dry_run else _("Import #%(number)d")
        self.stdout.write(heading % {"number": job.pk} + f" · {job.get_status_display()}")
        self.stdout.write(
            _("rows: %(rows)d · created: %(created)d · updated: %(updated)d · rejected: %(rejected)d")
            % {"rows": job.total_rows, "created": job.created_count, "updated": job.updated_count,
               "rejected": job.rejected_count}
        )  # fmt: skip
        for error in job.errors[:SHOWN_ERRORS]:
            self.stdout.write(_("line %(row)s: %(reason)s") % error)
        if job.rejected_count > SHOWN_ERRORS:
            self.stdout.write(_("… and %(more)d more rejected rows.") % {"more": job.rejected_count - SHOWN_ERRORS})
