"""Intake: the one import path for files, the command line, the API bulk endpoint and manual entry.

``import_rows`` takes rows shaped like the API's items (DESIGN.md §5) and upserts content items
by (platform, normalised URL) and accounts by (platform, platform_uid). Bad rows are rejected one
by one with a translated reason; every other row is saved. Rows go in batches of ``BATCH_SIZE``,
each batch in its own transaction with a fixed number of queries (PERFORMANCE.md: prefetched
lookups, one ``INSERT … ON CONFLICT`` per table fed by a JSON document, no per-row SELECT), so a
long import shows its progress and a failure late in a file keeps the batches already saved. Re-running an import is
safe: it updates the same items and creates nothing.

Import jobs (``import_job_*``) wrap a stored file and always end ``completed`` or ``failed``.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, reset_queries, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import permissions
from cases.audit import audit_context
from cases.models import ContentItem, ImportJob, Platform
from cases.services import intake_files, intake_store
from cases.services.intake_rows import (
    CleanRow,
    NumberedRow,
    PlatformDirectory,
    RowRejected,
    clean_row,
)

logger = logging.getLogger(__name__)

# Rows per transaction: the API's limit per request, and the unit of a job's progress.
BATCH_SIZE = 5000
# Content sources of created items; an import job's source means a vendor's data.
_ITEM_SOURCE_FOR_JOB_SOURCE = dict.fromkeys(ImportJob.Source.values, ContentItem.Source.VENDOR)

CREATED, UPDATED, REJECTED = "created", "updated", "rejected"


@dataclass(slots=True)
class RowResult:
    row: int
    status: str
    item_id: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"row": self.row, "status": self.status, "id": self.item_id}
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass
class ImportResult:
    """Counts per row: ``created + updated + rejected`` is the number of rows given.

    A row that repeats an earlier row's item in the same import is merged into it (later values
    win) and counted as ``updated``; ``merged`` says how many such rows there were.
    ``results`` holds every row's outcome unless ``keep_results`` is off (import jobs: their
    memory must not grow with the file); ``errors`` holds the first ``max_errors`` rejections.
    """

    dry_run: bool = False
    created: int = 0
    updated: int = 0
    rejected: int = 0
    merged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    results: list[RowResult] = field(default_factory=list)
    max_errors: int | None = None
    keep_results: bool = True

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.rejected

    @property
    def imported(self) -> int:
        return self.created + self.updated

    @property
    def item_ids(self) -> list[int]:
        """Return the ids of the imported items, each once, in the order of their first row."""
        return list(dict.fromkeys(r.item_id for r in self.results if r.item_id is not None))

    def add(self, outcome: RowResult) -> None:
        if self.keep_results:
            self.results.append(outcome)
        if outcome.status == CREATED:
            self.created += 1
        elif outcome.status == UPDATED:
            self.updated += 1
        else:
            self.rejected += 1
            if self.max_errors is None or len(self.errors) < self.max_errors:
                self.errors.append({"row": outcome.row, "reason": outcome.reason})


@dataclass
class _Run:
    actor: Any
    item_source: str
    dry_run: bool
    platforms: PlatformDirectory
    default_platform_id: int | None
    result: ImportResult
    # Items this import has touched, by id (a preview's new items by key): repeats count as merged.
    # An id takes a fraction of the memory of its key (platform, URL) over a 100,000-row file.
    seen: set[int | tuple[int, str]] = field(default_factory=set)


def import_rows(
    *,
    rows: Iterable[Mapping[str, Any] | NumberedRow],
    source: str,
    actor: Any,
    default_platform: Platform | str | None = None,
    dry_run: bool = False,
    on_batch: Callable[[ImportResult], None] | None = None,
    max_errors: int | None = None,
    batch_size: int = BATCH_SIZE,
    keep_results: bool = True,
) -> ImportResult:
    """Upsert content items (and their accounts) from rows; return per-row outcomes and counts.

    ``rows`` are mappings with the API's field names, numbered by position from 0, or
    ``NumberedRow(number, mapping)`` to report a file's line numbers. ``source`` is the
    ContentItem.Source of created items (an ImportJob.Source value means "vendor").
    ``actor`` is the user importing; None means the system itself (a management command
    run without --user), which may not record assessments. ``dry_run`` validates and
    classifies every row but writes nothing. ``on_batch`` runs inside each batch's
    transaction with the running totals (job progress). ``keep_results=False`` keeps only the
    counts and the errors, not every row's outcome (``results`` and ``item_ids`` stay empty).

    Raises PermissionDenied for a user who may not edit items and ValidationError for an
    unknown ``default_platform`` code; everything wrong with a row is reported, not raised.
    """
    if actor is not None:
        permissions.ensure_can_edit(actor, ContentItem)
    run = _Run(
        actor=actor,
        item_source=_ITEM_SOURCE_FOR_JOB_SOURCE.get(source, source),
        dry_run=dry_run,
        platforms=PlatformDirectory(list(Platform.objects.all())),
        default_platform_id=_platform_id(default_platform),
        result=ImportResult(dry_run=dry_run, max_errors=max_errors, keep_results=keep_results),
    )
    if run.item_source not in ContentItem.Source.values:
        raise ValueError(f"Unknown import source {source!r}")
    batch: list[NumberedRow] = []
    for index, row in enumerate(rows):
        batch.append(row if isinstance(row, NumberedRow) else NumberedRow(index, row))
        if len(batch) >= batch_size:
            _run_batch(run, batch, on_batch)
            batch = []
    if batch:
        _run_batch(run, batch, on_batch)
    return run.result


def _platform_id(platform: Platform | str | None) -> int | None:
    if platform is None or platform == "":
        return None
    if isinstance(platform, Platform):
        return platform.pk
    platform_id = Platform.objects.filter(code=platform).values_list("pk", flat=True).first()
    if platform_id is None:
        raise ValidationError(
            _("Unknown platform: “%(value)s”."), code="unknown_platform", params={"value": platform}
        )
    return platform_id


def _run_batch(run: _Run, batch: list[NumberedRow], on_batch: Callable[[ImportResult], None] | None) -> None:
    outcomes: list[RowResult] = []
    accepted: list[tuple[CleanRow, RowResult]] = []
    for row in batch:
        outcome = RowResult(row=row.number, status=REJECTED)
        outcomes.append(outcome)
        try:
            clean = clean_row(row, platforms=run.platforms, default_platform_id=run.default_platform_id)
            if clean.assessment is not None and run.actor is None:
                raise RowRejected(_("A historical assessment needs a user to record it: name the importing user."))
        except RowRejected as exc:
            outcome.reason = exc.reason
            continue
        accepted.append((clean, outcome))
    with transaction.atomic():
        if accepted:
            if run.dry_run:
                _preview(run, accepted)
            else:
                _write_safely(run, accepted)
        for outcome in outcomes:
            run.result.add(outcome)
        if on_batch is not None:
            on_batch(run.result)


def _groups(accepted: list[tuple[CleanRow, RowResult]]) -> dict[tuple[int, str], list[tuple[CleanRow, RowResult]]]:
    """Group the batch's rows by the item they name, in order of first appearance."""
    groups: dict[tuple[int, str], list[tuple[CleanRow, RowResult]]] = {}
    for pair in accepted:
        groups.setdefault(pair[0].key, []).append(pair)
    return groups


def _mark(
    run: _Run, key: tuple[int, str], pairs: list[tuple[CleanRow, RowResult]], existed: bool, item_id: int | None
) -> None:
    token = key if item_id is None else item_id
    repeated = token in run.seen
    for position, (_row, outcome) in enumerate(pairs):
        outcome.status = UPDATED if existed or repeated or position else CREATED
        outcome.item_id = item_id
        if repeated or position:
            run.result.merged += 1
    run.seen.add(token)


def _preview(run: _Run, accepted: list[tuple[CleanRow, RowResult]]) -> None:
    groups = _groups(accepted)
    existing = intake_store.existing_item_ids(groups)
    for key, pairs in groups.items():
        _mark(run, key, pairs, key in existing, existing.get(key))


def _write_safely(run: _Run, accepted: list[tuple[CleanRow, RowResult]]) -> None:
    """Write the batch; if the database refuses it, retry item by item so one bad row costs only itself.

    Outcomes are marked only after a write is saved to its savepoint, so a refused attempt leaves no trace.
    """
    groups = _groups(accepted)
    try:
        with transaction.atomic():
            written = _store(run, groups)
    except DatabaseError:
        logger.warning("Import batch refused by the database; retrying item by item", exc_info=True)
    else:
        for key, pairs in groups.items():
            _mark(run, key, pairs, key in written.existed, written.ids[key])
        return
    for key, pairs in groups.items():
        try:
            with transaction.atomic():
                written = _store(run, {key: pairs})
        except DatabaseError as exc:
            reason = _("The database refused this row: %(error)s") % {"error": str(exc).splitlines()[0][:200]}
            for _row, outcome in pairs:
                outcome.reason = reason
        else:
            _mark(run, key, pairs, key in written.existed, written.ids[key])


def _store(run: _Run, groups: Mapping[tuple[int, str], list[tuple[CleanRow, RowResult]]]) -> intake_store.Written:
    rows = {key: [row for row, _outcome in pairs] for key, pairs in groups.items()}
    return intake_store.write_groups(rows, actor=run.actor, item_source=run.item_source)


# --- Import jobs -------------------------------------------------------------


@transaction.atomic
def import_job_create(
    *,
    file: File,
    actor: Any,
    dry_run: bool = False,
    default_platform: Platform | None = None,
    source: str = ImportJob.Source.FILE,
    enqueue: bool = True,
) -> ImportJob:
    """Store an uploaded file under a generated name and queue its import (after commit)."""
    if actor is not None:
        permissions.ensure_can_edit(actor, ContentItem)
    job = ImportJob(
        source=source,
        dry_run=dry_run,
        default_platform=default_platform,
        created_by=actor,
        original_name=Path(getattr(file, "name", "") or "").name[:255],
    )
    job.file.save("upload", file, save=False)
    job.full_clean()
    job.save()
    if enqueue:
        _enqueue(job)
    return job


@transaction.atomic
def import_job_confirm(*, job: ImportJob, actor: Any) -> ImportJob:
    """Import a previewed file for real: a new job on the same stored file."""
    permissions.ensure_can_edit(actor, ContentItem)
    if not job.dry_run or job.status != ImportJob.Status.COMPLETED:
        raise ValidationError(_("Only a finished preview can be imported."), code="not_a_preview")
    new_job = ImportJob.objects.create(
        source=job.source,
        dry_run=False,
        file=job.file.name,
        original_name=job.original_name,
        default_platform=job.default_platform,
        created_by=actor,
    )
    _enqueue(new_job)
    return new_job


def _enqueue(job: ImportJob) -> None:
    language = translation.get_language()
    transaction.on_commit(lambda: _send(job.pk, language))


def _send(job_id: int, language: str | None) -> bool:
    """Hand a job to the workers. A broker that is down loses nothing: the job stays ``queued`` and
    ``import_jobs_requeue`` sends it again (the run is idempotent), so the caller still succeeds."""
    from cases.tasks.intake import run_import_job  # the task module imports this one

    try:
        run_import_job.delay(job_id, language)
    except Exception:  # noqa: BLE001 — kombu raises its own OperationalError, transports others
        logger.warning("Import job %s stays queued: the task broker is unreachable", job_id, exc_info=True)
        return False
    return True


def import_jobs_requeue(*, older_than: datetime.timedelta = datetime.timedelta(minutes=10)) -> int:
    """Send again jobs still ``queued`` after ``older_than`` (the broker was down when they were created).

    Sending twice is harmless: only one run can move a job from queued to running. Jobs queued for
    more than an hour are left to ``import_jobs_fail_stale``.
    """
    now = timezone.now()
    ids = list(
        ImportJob.objects.filter(
            status=ImportJob.Status.QUEUED, updated_at__lt=now - older_than, updated_at__gte=now - STALE_AFTER
        ).values_list("pk", flat=True)
    )
    return sum(_send(job_id, None) for job_id in ids)


def import_job_run(job_id: int, *, language: str | None = None, redelivered: bool = False) -> ImportJob:
    """Run a queued job to ``completed``, or ``failed`` with the reason; never leave it running.

    Returns without doing anything if the job is not queued (a duplicate message). A message the
    broker redelivers because the worker running it died (``acks_late``) finds the job ``running``:
    it is failed at once with an exact report of what was saved. Errors are recorded, not raised:
    the job page is where people look.
    """
    now = timezone.now()
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now, updated_at=now
    ):
        if redelivered:
            with translation.override(language or settings.LANGUAGE_CODE):
                for job in ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING):
                    _fail(job.pk, _interrupted_report(job))
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("created_by", "default_platform").get(pk=job_id)
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            with audit_context(actor=job.created_by):
                result = _run_job_file(job)
            finished = timezone.now()
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.COMPLETED, total_rows=result.rows, processed_rows=result.rows,
                created_count=result.created, updated_count=result.updated, rejected_count=result.rejected,
                errors=result.errors, finished_at=finished, updated_at=finished,
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 — any failure must end the job, with its reason
            logger.exception("Import job %s failed", job.pk)
            _fail(job.pk, _failure_text(exc))
        else:
            if not job.dry_run and result.imported:
                start_campaign_detection(since=now)
    return ImportJob.objects.get(pk=job_id)


def start_campaign_detection(*, since: datetime.datetime) -> None:
    """Queue campaign detection over the items imported since ``since`` (after commit).

    The import is done whatever happens here: a detection that cannot start is logged, never
    turned into a failed import.
    """

    def enqueue() -> None:
        try:
            from cases.tasks.campaigns import detect_campaigns

            detect_campaigns.delay(since_iso=since.isoformat())
        except Exception:  # noqa: BLE001
            logger.exception("Campaign detection after an import could not start")

    transaction.on_commit(enqueue)


def _run_job_file(job: ImportJob) -> ImportResult:
    with job.file.open("rb") as handle:
        parsed = intake_files.read_rows(handle, allow_json=job.source == ImportJob.Source.API)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=parsed.estimated_rows or 0)

        def progress(result: ImportResult) -> None:
            reset_queries()  # with DEBUG on, Django logs every query (a batch's upsert carries its rows)
            ImportJob.objects.filter(pk=job.pk).update(
                total_rows=max(parsed.estimated_rows or 0, result.rows), processed_rows=result.rows,
                created_count=result.created, updated_count=result.updated, rejected_count=result.rejected,
                errors=result.errors, updated_at=timezone.now(),
            )  # fmt: skip

        return import_rows(
            rows=parsed.rows,
            source=job.source,
            actor=job.created_by,
            default_platform=job.default_platform,
            dry_run=job.dry_run,
            on_batch=progress,
            max_errors=ImportJob.MAX_REPORTED_ERRORS,
            batch_size=BATCH_SIZE,
            keep_results=False,
        )


def _failure_text(exc: Exception) -> str:
    if isinstance(exc, intake_files.ImportFileError):
        return exc.message
    if isinstance(exc, PermissionDenied):
        return _("The user who started this import may no longer import items.")
    detail = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
    return _(
        "The import stopped because of an unexpected error (%(error)s). Rows saved before it are kept; "
        "importing the file again is safe and completes it."
    ) % {"error": detail}


def _fail(job_id: int, failure: str) -> None:
    finished = timezone.now()
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.FAILED, failure=failure, finished_at=finished, updated_at=finished
    )


STALE_AFTER = datetime.timedelta(hours=1)


def _interrupted_report(job: ImportJob) -> str:
    if job.status == ImportJob.Status.QUEUED or not job.started_at:
        return _("The import never started: no worker took it within an hour. Nothing was imported; start it again.")
    return _(
        "The import stopped without finishing (its worker was stopped or lost). %(processed)d of %(total)d rows "
        "were processed: %(created)d items created, %(updated)d updated, %(rejected)d rows rejected; they are kept. "
        "Importing the file again is safe: rows already imported are updated, not duplicated."
    ) % {
        "processed": job.processed_rows,
        "total": max(job.total_rows, job.processed_rows),
        "created": job.created_count,
        "updated": job.updated_count,
        "rejected": job.rejected_count,
    }


def import_jobs_fail_stale(*, older_than: datetime.timedelta = STALE_AFTER) -> int:
    """Fail jobs that made no progress for ``older_than`` (a killed worker, a lost task); return how many.

    Each gets an exact report of what it saved before it stopped (progress is committed per batch).
    """
    cutoff = timezone.now() - older_than
    stale = ImportJob.objects.filter(
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING], updated_at__lt=cutoff
    )
    failed = 0
    for job in stale:
        finished = timezone.now()
        failed += ImportJob.objects.filter(pk=job.pk, status=job.status, updated_at=job.updated_at).update(
            status=ImportJob.Status.FAILED, failure=_interrupted_report(job), finished_at=finished, updated_at=finished
        )
    return failed
