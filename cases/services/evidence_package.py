"""Evidence package (证据包) for a lawsuit or an assistance request: one ZIP a court or counsel can check.

Contents: ``files/`` (the stored bytes, unchanged, under ASCII names), ``manifest.json`` (each
file's SHA-256, size, type and capture metadata), ``custody.json`` (every file's chain of
custody, with the verifier's verdict), ``SHA256SUMS`` (so ``sha256sum -c SHA256SUMS`` verifies the
extracted files) and ``cover.pdf`` (证据目录, the evidence list with hashes, in Chinese).

Each file is re-hashed while it is copied into the ZIP: a file that no longer matches its
recorded hash stops the export instead of being shipped. Every packaged file gets an
"exported" custody link and an audit entry.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Sequence
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import permissions
from cases import audit
from cases.models import CustodyEvent, Evidence
from cases.services.custody import custody_append, verify_chain
from cases.services.evidence import CHUNK_SIZE, allowed_types

METADATA_KEYS = (
    "title", "capture_method", "status", "capture_url", "platform_id", "account_id", "published_at_display",
    "capture_started_at", "capture_finished_at", "tool", "device", "network", "clean_environment_checked",
    "engagement_at_capture", "certificate_number", "deposit_platform", "deposit_number", "tx_hash",
    "notary_office", "notary_certificate_number", "ai_label_present", "content_live_status",
    "contains_third_party_pi", "original_name", "created_at", "previous_version_id",
)  # fmt: skip


def _json_default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _archive_name(index: int, evidence: Evidence) -> str:
    # ASCII only and predictable: sha256sum and every unzip tool handle it; the original name is in the manifest.
    extension = allowed_types().get(evidence.mime_type, ("bin",))[0]
    return f"files/{index:03d}-{evidence.pk}-{evidence.sha256[:12]}.{extension}"


def _copy_hashed(evidence: Evidence, archive: zipfile.ZipFile, arcname: str) -> None:
    digest = hashlib.sha256()
    try:
        source = evidence.file.storage.open(evidence.file.name, "rb")
    except FileNotFoundError as exc:
        raise ValidationError(
            _("“%(title)s” is missing from storage; the package was not built."), params={"title": evidence.title}
        ) from exc
    with source, archive.open(arcname, "w", force_zip64=True) as target:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            target.write(chunk)
    if digest.hexdigest() != evidence.sha256:
        raise ValidationError(
            _("“%(title)s” no longer matches its recorded SHA-256; the package was not built."),
            params={"title": evidence.title},
        )


def _cover_pdf(*, title: str, rows: list[dict[str, Any]], generated_at: Any) -> bytes:
    from legalcases.pdf import render_pdf  # refuses file:// and every other URL (docs/security.md)

    with translation.override("zh-hans"):
        html = render_to_string(
            "cases/evidence_package_cover.html", {"title": title, "rows": rows, "generated_at": generated_at}
        )
    return render_pdf(html)


@transaction.atomic  # a refused file rolls back the "exported" links already written
def evidence_package_build(
    *, evidence: Sequence[Evidence], title: str, actor: Any, ip: str = "", subject: Any = None
) -> IO[bytes]:
    """Build the ZIP into an anonymous temporary file and return it, positioned at the start."""
    permissions.ensure_can_edit(actor, Evidence)
    if not evidence:
        raise ValidationError(_("There is no current evidence to package."), code="empty")
    generated_at = timezone.now()
    # Returned open to the caller (FileResponse closes it); anonymous, so it vanishes when closed.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        _write_package(handle, evidence=evidence, title=title, actor=actor, ip=ip, generated_at=generated_at)
    except BaseException:
        handle.close()
        raise
    if subject is not None:
        audit.record(action="export", obj=subject, diff={"evidence": [item.pk for item in evidence]})
    handle.seek(0)
    return handle


def _write_package(
    handle: IO[bytes], *, evidence: Sequence[Evidence], title: str, actor: Any, ip: str, generated_at: Any
) -> None:
    manifest: list[dict[str, Any]] = []
    custody_log: list[dict[str, Any]] = []
    sums: list[str] = []
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, item in enumerate(evidence, start=1):
            arcname = _archive_name(index, item)
            _copy_hashed(item, archive, arcname)
            sums.append(f"{item.sha256}  {arcname}")
            entry = {key: getattr(item, key) for key in METADATA_KEYS}
            entry.update(
                number=index, id=item.pk, path=arcname, sha256=item.sha256, size=item.size, mime_type=item.mime_type
            )
            with translation.override("zh-hans"):
                entry["capture_method_label"] = str(item.get_capture_method_display())
            manifest.append(entry)
            custody_append(
                evidence=item,
                action=CustodyEvent.Action.EXPORTED,
                actor=actor,
                ip=ip,
                details={"package": title, "path": arcname},
            )
            audit.record(action="export", obj=item)
            links = CustodyEvent.objects.filter(evidence_id=item.pk).order_by("sequence")
            custody_log.append(
                {
                    "evidence_id": item.pk,
                    "chain_broken_at": verify_chain(item),
                    "links": list(
                        links.values(
                            "sequence",
                            "action",
                            "actor_id",
                            "actor_label",
                            "at",
                            "ip_address",
                            "details",
                            "prev_hash",
                            "hash",
                        )  # fmt: skip
                    ),
                }
            )
        document = {"title": title, "generated_at": generated_at, "files": manifest}
        archive.writestr("manifest.json", json.dumps(document, ensure_ascii=False, indent=2, default=_json_default))
        archive.writestr("custody.json", json.dumps(custody_log, ensure_ascii=False, indent=2, default=_json_default))
        archive.writestr("SHA256SUMS", "\n".join(sums) + "\n")
        archive.writestr("cover.pdf", _cover_pdf(title=title, rows=manifest, generated_at=generated_at))
