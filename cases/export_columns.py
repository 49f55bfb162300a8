"""The columns of each staff list's CSV/XLSX export (the machinery is in ``cases/exports.py``).

Headers default to the fields' verbose names. ``detail=True`` marks free text and names,
which executives' exports leave out (they get figures, states and dates). Owners' contact
data (name, phone, e-mail) and the description of their request are never columns.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cases.exports import Column, ExportSpec
from cases.models import (
    Assessment,
    AssistanceRequest,
    AuditEvent,
    Campaign,
    ContentItem,
    Deadline,
    Evidence,
    ImportJob,
    Lawsuit,
    MonitoredAccount,
)

_CONTENT_ITEM_COLUMNS = (
    Column("id"),
    Column("platform__name_zh"),
    Column("content_type"),
    Column("url", detail=True),
    Column("title", detail=True),
    Column("account__name", detail=True),
    Column("published_at"),
    Column("discovered_at"),
    Column("views"),
    Column("likes"),
    Column("shares"),
    Column("comments"),
    Column("reach"),
    Column("triage_state"),
    Column("severity"),
    Column("conclusion", choices=Assessment.Conclusion.choices),
    Column("assessed_at"),
    Column("campaign"),
    Column("live_status"),
)

CONTENT_ITEMS = ExportSpec("content-items", ContentItem, _CONTENT_ITEM_COLUMNS)
TRIAGE = ExportSpec("triage-queue", ContentItem, _CONTENT_ITEM_COLUMNS)

MONITORED_ACCOUNTS = ExportSpec(
    "monitored-accounts",
    MonitoredAccount,
    (
        Column("id"),
        Column("platform__name_zh"),
        Column("platform_uid", detail=True),
        Column("name", detail=True),
        Column("followers"),
        Column("verification"),
        Column("ip_location", detail=True),
        Column("agency__name", detail=True),
        Column("watch_status"),
        Column("risk_level"),
        Column("risk_score"),
        Column("identity_status"),
        Column("first_seen_at"),
        Column("last_seen_at"),
    ),
)

CAMPAIGNS = ExportSpec(
    "campaigns",
    Campaign,
    (
        Column("id"),
        Column("name", detail=True),
        Column("category"),
        Column("status"),
        Column("method"),
        Column("first_item_at"),
        Column("last_item_at"),
        Column("item_count"),
        Column("account_count"),
        Column("created_at"),
    ),
)

EVIDENCE = ExportSpec(
    "evidence",
    Evidence,
    (
        Column("id"),
        Column("title", detail=True),
        Column("capture_method"),
        Column("status"),
        Column("mime_type"),
        Column("size"),
        Column("sha256"),
        Column("platform__name_zh"),
        Column("capture_url", detail=True),
        Column("capture_finished_at"),
        Column("certificate_number", detail=True),
        Column("integrity"),
        Column("last_verified_at"),
        Column("litigation_hold"),
        Column("fixed_by__username", detail=True),
        Column("created_at"),
    ),
)

LAWSUITS = ExportSpec(
    "lawsuits",
    Lawsuit,
    (
        Column("id"),
        Column("title", detail=True),
        Column("our_role"),
        Column("cause"),
        Column("stage"),
        Column("court_name", detail=True),
        Column("lawyer__username", detail=True),
        Column("filed_on"),
        Column("accepted_on"),
        Column("judgment_on"),
        Column("effective_on"),
        Column("closed_on"),
        Column("outcome"),
        Column("created_at"),
    ),
)

DEADLINES = ExportSpec(
    "deadlines",
    Deadline,
    (
        Column("id"),
        Column("rule"),
        Column("title", detail=True),
        Column("due_on"),
        Column("lawsuit", _("lawsuit ID")),
        Column("lawsuit__title", detail=True),
        Column("responsible__username", detail=True),
        Column("done_at"),
        Column("reminded_at"),
    ),
)

ASSISTANCE_REQUESTS = ExportSpec(
    "assistance-requests",
    AssistanceRequest,
    (
        Column("id"),
        Column("reference"),
        Column("status"),
        Column("eligibility"),
        Column("help_types"),
        Column("has_evidence"),
        Column("city", detail=True),
        Column("submitted_at"),
        Column("closed_at"),
        Column("assigned_lawyer__username", detail=True),
        Column("litigation_hold"),
    ),
    masked_filters=("q",),
)

IMPORT_JOBS = ExportSpec(
    "import-jobs",
    ImportJob,
    (
        Column("id"),
        Column("source"),
        Column("status"),
        Column("dry_run"),
        Column("original_name", detail=True),
        Column("total_rows"),
        Column("processed_rows"),
        Column("created_count"),
        Column("updated_count"),
        Column("rejected_count"),
        Column("created_by__username", detail=True),
        Column("started_at"),
        Column("finished_at"),
        Column("created_at"),
    ),
)

AUDIT_EVENTS = ExportSpec(
    "audit-log",
    AuditEvent,
    (
        Column("id"),
        Column("at"),
        Column("actor__username", detail=True),
        Column("actor_type"),
        Column("action"),
        Column("object_type"),
        Column("object_id"),
        Column("diff", detail=True),
        Column("ip_address", detail=True),
        Column("request_id"),
    ),
)
