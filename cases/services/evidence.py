"""Fixing evidence: uploads hashed while they stream, new versions, soft deletion, reads and integrity checks.

Rules that make a file usable in court (DOMAIN.md §3): the bytes are stored exactly as
received under a generated name; the SHA-256 is computed over those bytes as they are
written; the type is judged by the content, never by the name or the browser's
Content-Type; nothing is ever overwritten or repaired. A correction is a new version
pointing at the old one, and a deletion is a soft delete with a reason, refused under
litigation hold. Every upload, view, download, export and verification adds a link to
the chain of custody (cases/services/custody.py).
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import magic
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import permissions
from cases import audit
from cases.models import AssistanceRequest, ContentItem, CustodyEvent, Evidence, Lawsuit
from cases.models.evidence import evidence_upload_to
from cases.services.custody import custody_append, verify_chain
from cases.services.storage import save_whole

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
# libmagic needs only the first bytes; 8 KiB covers every signature in the allow-list.
SNIFF_BYTES = 8192
DEFAULT_MAX_UPLOAD_BYTES = 500 * 1024 * 1024
# Sniffed type -> file name extensions that may carry it. A name whose extension is not
# listed for the content's type is refused: a page saved as "x.png" is not a screenshot.
DEFAULT_ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/pdf": ("pdf",),
    "video/mp4": ("mp4", "m4v", "m4a"),
    "video/quicktime": ("mov", "qt"),
    "video/webm": ("webm",),
    "audio/mpeg": ("mp3",),
    "audio/mp4": ("m4a", "mp4"),
    "audio/x-m4a": ("m4a",),
    "text/plain": ("txt", "text", "log", "csv", "json"),
    "text/html": ("html", "htm"),
    "application/zip": ("zip",),
}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# What owners may send through the public form and the tracking page: pictures, PDF, recordings.
# Never HTML, text or archives from the open internet.
OWNER_ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    mime: exts
    for mime, exts in DEFAULT_ALLOWED_TYPES.items()
    if mime.startswith(("image/", "video/", "audio/")) or mime == "application/pdf"
}
OWNER_MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # a few minutes of screen recording from a phone
# Bigger than any real screenshot (a 20000 x 10000 full-page capture); larger is a decompression bomb.
MAX_IMAGE_PIXELS = 200_000_000
MAX_NAME_LENGTH = 255
ALL_KNOWN_EXTENSIONS = {ext for exts in DEFAULT_ALLOWED_TYPES.values() for ext in exts} | {
    "exe", "dll", "bat", "cmd", "sh", "js", "svg", "php", "jar", "msi", "scr", "ps1", "vbs",
}  # fmt: skip


def max_upload_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def allowed_types() -> dict[str, tuple[str, ...]]:
    return getattr(settings, "EVIDENCE_ALLOWED_TYPES", None) or DEFAULT_ALLOWED_TYPES


@dataclass
class UploadLinks:
    """What a new piece of evidence is attached to."""

    content_items: Iterable[ContentItem] = ()
    assistance_requests: Iterable[AssistanceRequest] = ()
    lawsuits: Iterable[Lawsuit] = ()


@dataclass
class IntegrityReport:
    checked: int = 0
    ok: int = 0
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (id, title, integrity)


# --- Checking an upload --------------------------------------------------------------


def clean_original_name(name: str) -> str:
    """Return the uploader's file name as it will be shown, or raise ValidationError.

    The name is only ever displayed and offered back on download; storage uses a generated
    name. Chinese names are fine; path parts, control characters and absurd lengths are not.
    """
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ValidationError(_("The file has no name."), code="no_name")
    if "/" in name or "\\" in name or name in {".", ".."} or "\x00" in name:
        raise ValidationError(_("The file name must not contain a folder path."), code="path_in_name")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ValidationError(_("The file name contains control characters."), code="control_in_name")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("The file name is longer than %(limit)d characters; rename the file and upload it again."),
            code="name_too_long",
            params={"limit": MAX_NAME_LENGTH},
        )
    return name


def _extensions(name: str) -> list[str]:
    parts = name.lower().split(".")
    return [part for part in parts[1:] if part]


def sniff_type(head: bytes) -> str:
    """Return the MIME type libmagic reads from a file's first bytes."""
    return magic.from_buffer(head, mime=True) if head else "application/x-empty"


def check_type(*, head: bytes, name: str, allowed: dict[str, tuple[str, ...]] | None = None) -> str:
    """Return the sniffed MIME type if it is allowed and the name does not disguise it, else raise."""
    mime = sniff_type(head)
    allowed = allowed or allowed_types()
    if mime not in allowed:
        if allowed is OWNER_ALLOWED_TYPES:
            raise ValidationError(
                _("“%(name)s” is not a picture, PDF, video or audio file we accept (PNG, JPEG, WebP, GIF, PDF, "
                  "MP4, MOV, WebM, MP3, M4A)."),
                code="type_not_allowed",
                params={"name": name},
            )  # fmt: skip
        raise ValidationError(
            _("Files of this type (%(type)s) cannot be fixed as evidence. Allowed: images, PDF, video, audio, "
              "text, HTML and ZIP."),
            code="type_not_allowed",
            params={"type": mime},
        )  # fmt: skip
    extensions = _extensions(name)
    if extensions:
        if extensions[-1] not in allowed[mime]:
            raise ValidationError(
                _("The file's name says “.%(ext)s” but its content is %(type)s. Upload the original file "
                  "under its real type."),
                code="type_mismatch",
                params={"ext": extensions[-1], "type": mime},
            )  # fmt: skip
        inner = [ext for ext in extensions[:-1] if ext in ALL_KNOWN_EXTENSIONS and ext not in allowed[mime]]
        if inner:
            raise ValidationError(
                _("The file name “%(name)s” hides its real type behind a second extension."),
                code="double_extension",
                params={"name": name},
            )
    return mime


def _check_image(uploaded: Any, mime: str) -> None:
    """Refuse images whose declared dimensions would explode in memory when opened."""
    if mime not in IMAGE_TYPES:
        return
    from PIL import Image

    uploaded.seek(0)
    try:
        with Image.open(uploaded) as image:
            width, height = image.size
    except Exception as exc:  # Pillow raises many types for broken files; all mean the same here.
        raise ValidationError(_("The image file is damaged and cannot be read."), code="bad_image") from exc
    finally:
        uploaded.seek(0)
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(
            _("The image claims %(w)d × %(h)d pixels, which is too large to be a real capture."),
            code="image_bomb",
            params={"w": width, "h": height},
        )


class _HashingFile(File):
    """Wrap an upload so that storage's own chunked write hashes and measures the bytes it writes."""

    def __init__(self, uploaded: Any, limit: int) -> None:
        super().__init__(uploaded, name=getattr(uploaded, "name", None))
        self.digest = hashlib.sha256()
        self.written = 0
        self.limit = limit

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        source: Any = self.file
        source.seek(0)
        while chunk := source.read(chunk_size or CHUNK_SIZE):
            self.written += len(chunk)
            if self.written > self.limit:
                raise ValidationError(_too_big_message(self.limit), code="too_big")
            self.digest.update(chunk)
            yield chunk


def _too_big_message(limit: int | None = None) -> str:
    return _("The file is larger than the limit of %(mb)d MB.") % {"mb": (limit or max_upload_bytes()) // (1024 * 1024)}


def _store(uploaded: Any, limit: int | None = None) -> tuple[str, str, int]:
    """Write the upload under a generated name; return (stored name, sha256, size).

    If anything fails mid-write, the partial file is removed before the error propagates.
    """
    wrapper = _HashingFile(uploaded, limit or max_upload_bytes())
    name = evidence_upload_to(None, "")  # type: ignore[arg-type]  # the name never depends on the upload
    # On failure the partial file is removed (the generated name is ours alone); disk full → ValidationError.
    stored = save_whole(name, wrapper)
    return stored, wrapper.digest.hexdigest(), wrapper.written


def check_upload(
    uploaded: Any, *, allowed: dict[str, tuple[str, ...]] | None = None, max_bytes: int | None = None
) -> tuple[str, str]:
    """Validate an upload before a byte is stored; return (display name, sniffed type).

    The one check for every upload path (staff evidence, the owners' public form and tracking
    page): name, size, type judged by content against the allow-list, disguised names, image bombs.
    Owners' paths pass ``allowed=OWNER_ALLOWED_TYPES`` and ``max_bytes=OWNER_MAX_UPLOAD_BYTES``.
    """
    limit = max_bytes or max_upload_bytes()
    name = clean_original_name(getattr(uploaded, "name", "") or "")
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ValidationError(_too_big_message(limit), code="too_big")
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    uploaded.seek(0)
    head = uploaded.read(SNIFF_BYTES)
    uploaded.seek(0)
    mime = check_type(head=head, name=name, allowed=allowed)
    _check_image(uploaded, mime)
    return name, mime


def owner_upload_limit() -> int:
    return min(OWNER_MAX_UPLOAD_BYTES, max_upload_bytes())


def check_owner_upload(uploaded: Any) -> tuple[str, str]:
    """The same check with the owners' narrower allow-list and size limit."""
    return check_upload(uploaded, allowed=OWNER_ALLOWED_TYPES, max_bytes=owner_upload_limit())


_checked_upload = check_upload  # the name older callers use


# --- Writes ------------------------------------------------------------------------------

METADATA_FIELDS = (
    "title", "capture_method", "status", "capture_url", "platform", "account", "published_at_display",
    "capture_started_at", "capture_finished_at", "tool", "device", "network", "clean_environment_checked",
    "engagement_at_capture", "certificate_number", "deposit_platform", "deposit_number", "tx_hash",
    "notary_office", "notary_certificate_number", "ai_label_present", "content_live_status",
    "contains_third_party_pi", "litigation_hold",
)  # fmt: skip


def _create(
    *,
    uploaded: Any,
    actor: Any,
    metadata: dict[str, Any],
    links: UploadLinks,
    previous: Evidence | None,
    ip: str,
    custody_details: dict[str, Any] | None = None,
    from_owner: bool = False,
) -> Evidence:
    unknown = set(metadata) - set(METADATA_FIELDS)
    if unknown:
        raise ValueError(f"Not evidence metadata: {sorted(unknown)}")
    if from_owner:
        original_name, mime = check_owner_upload(uploaded)
        stored_name, sha256, size = _store(uploaded, owner_upload_limit())
    else:
        original_name, mime = check_upload(uploaded)
        stored_name, sha256, size = _store(uploaded)
    try:
        with transaction.atomic():
            evidence = Evidence(
                file=stored_name,
                original_name=original_name,
                sha256=sha256,
                size=size,
                mime_type=mime,
                fixed_by=actor if getattr(actor, "pk", None) else None,
                previous_version=previous,
                **metadata,
            )
            evidence.full_clean(exclude=["file"])
            evidence.save()
            evidence.content_items.set(list(links.content_items))
            evidence.assistance_requests.set(list(links.assistance_requests))
            evidence.lawsuits.set(list(links.lawsuits))
            custody_append(
                evidence=evidence,
                action=CustodyEvent.Action.UPLOADED,
                actor=actor,
                ip=ip,
                details={
                    "sha256": sha256,
                    "size": size,
                    "mime_type": mime,
                    "original_name": original_name,
                    "previous_version": previous.pk if previous else None,
                    **(custody_details or {}),
                },
            )
            _attest_after_commit(evidence.pk)
    except BaseException:
        # The row never committed: the stored bytes must not linger as an orphan.
        default_storage.delete(stored_name)
        raise
    return evidence


def _attest_after_commit(evidence_id: int) -> None:
    """Ask the configured timestamp/deposit provider to attest the file once the row is committed."""
    from cases.services.attestation import attestation_enabled

    if attestation_enabled():
        from cases.tasks.evidence import attest_evidence

        transaction.on_commit(lambda: attest_evidence.delay(evidence_id))


def evidence_upload(
    *,
    uploaded: Any,
    actor: Any,
    metadata: dict[str, Any],
    links: UploadLinks | None = None,
    ip: str = "",
    custody_details: dict[str, Any] | None = None,
) -> Evidence:
    """Fix a new piece of evidence from an uploaded file and its capture metadata.

    ``custody_details`` adds facts to the "uploaded" custody link (a web capture's HTTP status, user agent).
    """
    permissions.ensure_can_edit(actor, Evidence)
    return _create(
        uploaded=uploaded,
        actor=actor,
        metadata=metadata,
        links=links or UploadLinks(),
        previous=None,
        ip=ip,
        custody_details=custody_details,
    )


def evidence_upload_by_owner(
    *, uploaded: Any, assistance_request: AssistanceRequest, metadata: dict[str, Any]
) -> Evidence:
    """Fix a file an owner sent through the public form or the tracking page.

    No staff account is involved (the caller has matched the private link); the checks are the
    staff path's with the owners' narrower allow-list and size limit, and the custody chain
    records the owner as the source. The owner's IP address is not written into the chain:
    links can never be deleted, and the owner's personal data must be purgeable.
    """
    return _create(
        uploaded=uploaded,
        actor=None,
        metadata=metadata,
        links=UploadLinks(assistance_requests=[assistance_request]),
        previous=None,
        ip="",
        custody_details={"source": "owner", "assistance_request": assistance_request.reference},
        from_owner=True,
    )


def evidence_new_version(
    *,
    previous: Evidence,
    uploaded: Any,
    actor: Any,
    metadata: dict[str, Any],
    ip: str = "",
) -> Evidence:
    """Correct evidence by uploading a new version that points at the old one (the old one stays)."""
    permissions.ensure_can_edit(actor, Evidence)
    with transaction.atomic():
        previous = Evidence.objects.select_for_update().get(pk=previous.pk)
        if previous.is_deleted:
            raise ValidationError(_("Deleted evidence cannot get a new version."), code="deleted")
        if Evidence.objects.filter(previous_version=previous).exists():
            raise ValidationError(
                _("This is not the latest version; add the correction to the latest one."), code="superseded"
            )
        links = UploadLinks(
            content_items=previous.content_items.all(),
            assistance_requests=previous.assistance_requests.all(),
            lawsuits=previous.lawsuits.all(),
        )
        metadata = {"litigation_hold": previous.litigation_hold, **metadata}
        return _create(uploaded=uploaded, actor=actor, metadata=metadata, links=links, previous=previous, ip=ip)


@transaction.atomic
def evidence_delete(*, evidence: Evidence, actor: Any, reason: str) -> Evidence:
    """Soft-delete evidence with a reason; the file and the chain of custody stay."""
    permissions.ensure_can_edit(actor, Evidence)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this evidence is deleted.")}, code="reason_required")
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.litigation_hold:
        raise ValidationError(_("Evidence under litigation hold cannot be deleted."), code="hold")
    if evidence.is_deleted:
        return evidence
    evidence.is_deleted = True
    evidence.deleted_reason = reason
    evidence.deleted_at = timezone.now()
    evidence.save(update_fields=["is_deleted", "deleted_reason", "deleted_at", "updated_at"])
    return evidence


# --- Audited reads ---------------------------------------------------------------------


@transaction.atomic
def evidence_record_view(*, evidence: Evidence, actor: Any, ip: str = "") -> None:
    """Someone opened the evidence page: a custody link and an audit entry."""
    custody_append(evidence=evidence, action=CustodyEvent.Action.VIEWED, actor=actor, ip=ip)
    audit.record(action="view", obj=evidence)


@transaction.atomic
def evidence_record_download(*, evidence: Evidence, actor: Any, ip: str = "") -> None:
    """Someone downloaded the file: a custody link (with the hash served) and an audit entry."""
    custody_append(
        evidence=evidence,
        action=CustodyEvent.Action.DOWNLOADED,
        actor=actor,
        ip=ip,
        details={"sha256": evidence.sha256},
    )
    audit.record(action="download", obj=evidence)


def download_filename(evidence: Evidence) -> str:
    """The name offered on download: the original name, else one built from the id and type."""
    name = evidence.original_name.replace("/", "_").replace("\\", "_").strip()
    if name:
        return name
    extension = allowed_types().get(evidence.mime_type, ("bin",))[0]
    return f"evidence-{evidence.pk}.{extension}"


# --- Integrity ---------------------------------------------------------------------------


def file_sha256(name: str) -> str | None:
    """Return the SHA-256 of a stored file read in chunks, or None when it is missing."""
    digest = hashlib.sha256()
    try:
        with default_storage.open(name, "rb") as handle:
            while chunk := handle.read(CHUNK_SIZE):
                digest.update(chunk)
    except (FileNotFoundError, IsADirectoryError):
        return None
    return digest.hexdigest()


def evidence_verify(*, evidence: Evidence, actor: Any = None, ip: str = "") -> str:
    """Re-hash one file and record the result; never repair anything. Returns the integrity state."""
    if actor is not None:
        permissions.ensure_can_edit(actor, Evidence)
    actual = file_sha256(evidence.file.name) if evidence.file else None
    if actual is None:
        state = Evidence.Integrity.MISSING
    elif actual != evidence.sha256:
        state = Evidence.Integrity.MISMATCH
    else:
        state = Evidence.Integrity.OK
    # The chain is checked before this check adds its own link (which would then be the head).
    broken_at = verify_chain(evidence)
    if state == Evidence.Integrity.OK and broken_at is not None:
        state = Evidence.Integrity.CHAIN_BROKEN
    with transaction.atomic():
        now = timezone.now()
        Evidence.objects.filter(pk=evidence.pk).update(integrity=state, last_verified_at=now, updated_at=now)
        action = (
            CustodyEvent.Action.VERIFIED if state == Evidence.Integrity.OK else CustodyEvent.Action.VERIFICATION_FAILED
        )
        custody_append(
            evidence=evidence,
            action=action,
            actor=actor,
            ip=ip,
            details={
                "expected_sha256": evidence.sha256,
                "actual_sha256": actual,
                "result": state,
                "chain_broken_at": broken_at,
            },
        )
    evidence.integrity, evidence.last_verified_at = state, now
    return state


def evidence_verify_all() -> IntegrityReport:
    """The periodic integrity job: re-hash every current file, record results, email lawyers about failures.

    Each file is checked in its own transaction so one slow or failing file never rolls back
    the others' results. Nothing is repaired: a mismatch stays flagged until a person acts.
    """
    report = IntegrityReport()
    queryset = Evidence.objects.current().only("pk", "title", "file", "sha256", "custody_head_hash").order_by("pk")
    for evidence in queryset.iterator(chunk_size=200):
        state = evidence_verify(evidence=evidence)
        report.checked += 1
        if state == Evidence.Integrity.OK:
            report.ok += 1
        else:
            report.failures.append((evidence.pk, evidence.title, state))
    if report.failures:
        _email_lawyers(report)
    return report


def _email_lawyers(report: IntegrityReport) -> None:
    User = get_user_model()
    recipients = list(
        User.objects.filter(role=User.Role.LAWYER, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    if not recipients:
        logger.warning("Evidence integrity failures but no active lawyer has an email: %s", report.failures)
        return
    with translation.override(settings.LANGUAGE_CODE):
        labels = dict(Evidence.Integrity.choices)
        lines = [
            _("#%(id)d %(title)s: %(state)s") % {"id": pk, "title": title, "state": labels[state]}
            for pk, title, state in report.failures
        ]
        subject = _("Evidence integrity check: %(count)d file(s) failed") % {"count": len(report.failures)}
        body = "\n".join(
            [
                _("The periodic integrity check found evidence files that no longer match their recorded SHA-256 "
                  "or are missing. Nothing was repaired; look into each one."),
                "",
                *lines,
            ]
        )  # fmt: skip
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
