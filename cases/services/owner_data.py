"""The owner's copy of their own data (PIPL art. 45, right of access), reached through the private link.

What the owner submitted, the consents with the notice version and times, the status history
in the same plain words as the tracking page, and the files they sent (name, size, SHA-256).
Never a staff member's name, a reason or an internal note. Each export is audited.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases import audit
from cases.models import AssistanceRequest, StateChange
from cases.services.notifications import OWNER_STATUS_TEXT

EXPORT_FORMAT = "legalcases.owner-data/1"


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def owner_data(assistance_request: AssistanceRequest) -> dict[str, Any]:
    """The owner's data as a JSON-ready dict (labels in the site's language)."""
    req = assistance_request
    S = AssistanceRequest.Status
    with translation.override(settings.LANGUAGE_CODE):
        help_labels = dict(AssistanceRequest.HelpType.choices)
        status_labels = dict(S.choices)
        changes = (
            StateChange.objects.filter(object_type="cases.assistancerequest", object_id=req.pk)
            .order_by("at", "pk")
            .only("at", "to_state")
        )
        history = [{"at": _iso(req.submitted_at), "status": S.SUBMITTED, "text": str(OWNER_STATUS_TEXT[S.SUBMITTED])}]
        history += [
            {"at": _iso(c.at), "status": c.to_state, "text": str(OWNER_STATUS_TEXT.get(c.to_state, ""))}
            for c in changes
        ]
        files = [
            {
                "name": e.original_name,
                "size": e.size,
                "type": e.mime_type,
                "sha256": e.sha256,
                "received": _iso(e.created_at),
            }
            for e in req.evidence.filter(is_deleted=False).order_by("created_at", "pk")
        ]
        consents = [
            {
                "notice_version": c.notice_version,
                "purposes": list(c.purposes),
                "sensitive_data": c.sensitive_data,
                "share_with_counsel": c.share_with_counsel,
                "granted_at": _iso(c.granted_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in req.consents.order_by("granted_at", "pk")
        ]
        return {
            "format": EXPORT_FORMAT,
            "exported_at": _iso(timezone.now()),
            "reference": req.reference,
            "status": {"code": req.status, "label": str(status_labels.get(req.status, req.status))},
            "submitted": {
                "name": str(req.owner_name or ""),
                "phone": str(req.owner_phone or ""),
                "email": str(req.owner_email or ""),
                "city": req.city,
                "vehicle_model": req.vehicle_model,
                "vin_last6": req.vin_last6,
                "what_happened": req.description,
                "links": list(req.content_links),
                "help_wanted": [str(help_labels.get(h, h)) for h in req.help_types],
                "submitted_at": _iso(req.submitted_at),
            },
            "personal_data_purged_at": _iso(req.purged_at),
            "keep_personal_data_until": req.retention_until.isoformat() if req.retention_until else None,
            "consents": consents,
            "status_history": history,
            "files": files,
        }


FORMATS = ("json", "pdf")


TIME_KEYS = {"exported_at", "submitted_at", "granted_at", "withdrawn_at", "at", "received"}


def _readable_times(value: Any) -> Any:
    """The same data with ISO times shortened to local "YYYY-MM-DD HH:MM:SS" for reading on paper."""
    if isinstance(value, dict):
        return {
            key: (item[:19].replace("T", " ") if key in TIME_KEYS and isinstance(item, str) else _readable_times(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_readable_times(item) for item in value]
    return value


def _pdf(data: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("cases/public/my_data_pdf.html", {"data": _readable_times(data)})
    return HTML(string=html).write_pdf()


@transaction.atomic
def owner_data_export(*, assistance_request: AssistanceRequest, fmt: str = "json") -> bytes:
    """Return the owner's data as UTF-8 JSON or a Chinese PDF and record the export in the audit trail."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    data = owner_data(assistance_request)
    audit.record(action="export", obj=assistance_request, diff={"format": EXPORT_FORMAT, "as": fmt})
    if fmt == "pdf":
        return _pdf(data)
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
