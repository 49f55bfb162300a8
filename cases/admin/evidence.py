"""Admin for evidence and its chain of custody.

Evidence is uploaded through the evidence service, which hashes the file and opens the chain
of custody; the admin edits the description, links and status, and soft-deletes. It never
adds, hard-deletes or replaces a file. The chain of custody is append-only (the database
refuses UPDATE and DELETE), so its admin only shows it.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.admin.base import (
    BigTableModelAdmin,
    CasesTabularInline,
    ReadOnlyModelAdmin,
    contains_q,
    search_bits,
)
from cases.models import CustodyEvent, Evidence

SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")


class EvidenceForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns; the stubs allow None
        # deleted_at is read-only, so the model's "deletion has a reason" constraint is not
        # checked by the form; check it here and stamp the time, or the database refuses at save.
        if cleaned.get("is_deleted"):
            if not (cleaned.get("deleted_reason") or "").strip():
                self.add_error("deleted_reason", _("Deleting evidence needs a reason."))
            if self.instance.deleted_at is None:
                self.instance.deleted_at = timezone.now()
        else:
            self.instance.deleted_at = None
        return cleaned


class CustodyEventInline(CasesTabularInline):
    model = CustodyEvent
    read_only = True
    show_change_link = False
    fields = ("sequence", "action", "actor", "actor_label", "at", "ip_address", "hash")
    readonly_fields = fields
    ordering = ("sequence",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("actor")


@admin.register(Evidence)
class EvidenceAdmin(BigTableModelAdmin):
    form = EvidenceForm
    list_display = (
        "title",
        "capture_method",
        "status",
        "integrity",
        "platform",
        "account",
        "size",
        "fixed_by",
        "litigation_hold",
        "is_deleted",
        "created_at",
    )
    list_select_related = ("platform", "account", "fixed_by")
    list_filter = (
        "status",
        "capture_method",
        "integrity",
        "platform",
        "litigation_hold",
        "is_deleted",
        "contains_third_party_pi",
    )
    search_fields = ("title", "sha256")
    search_help_text = _("A file's SHA-256 (exact) or words from the title.")
    date_hierarchy = "created_at"
    autocomplete_fields = ("account", "content_items", "assistance_requests", "lawsuits")
    readonly_fields = (
        "stored_file",
        "original_name",
        "sha256",
        "size",
        "mime_type",
        "fixed_by",
        "previous_version",
        "integrity",
        "last_verified_at",
        "deleted_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "status",
                    "capture_method",
                    "capture_url",
                    "platform",
                    "account",
                    "published_at_display",
                )
            },
        ),
        (
            _("File"),
            {
                "fields": (
                    "stored_file",
                    "original_name",
                    "sha256",
                    "size",
                    "mime_type",
                    "previous_version",
                    "integrity",
                    "last_verified_at",
                )
            },
        ),
        (
            _("Capture"),
            {
                "fields": (
                    "capture_started_at",
                    "capture_finished_at",
                    "tool",
                    "device",
                    "network",
                    "clean_environment_checked",
                    "engagement_at_capture",
                    "ai_label_present",
                    "content_live_status",
                    "contains_third_party_pi",
                    "fixed_by",
                )
            },
        ),
        (
            _("Timestamp, deposit and notarisation"),
            {
                "fields": (
                    "certificate_number",
                    "deposit_platform",
                    "deposit_number",
                    "tx_hash",
                    "notary_office",
                    "notary_certificate_number",
                )
            },
        ),
        (_("Used in"), {"fields": ("content_items", "assistance_requests", "lawsuits")}),
        (
            _("Hold and deletion"),
            {"fields": ("litigation_hold", "is_deleted", "deleted_reason", "deleted_at", "created_at", "updated_at")},
        ),
    )
    inlines = (CustodyEventInline,)

    @admin.display(description=_("stored file"))
    def stored_file(self, obj: Evidence) -> str:
        # The name only: downloads go through the evidence pages, which log them in the chain of custody.
        return obj.file.name if obj.file else ""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # New evidence comes through the upload service (hash, sniffed type, first custody link).
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if SHA256_RE.match(term):
            return queryset.filter(sha256=term.lower()), False  # cases_evidence_sha256_idx
        # Titles have no index; the evidence table stays in the tens of thousands.
        for bit in search_bits(term):
            queryset = queryset.filter(contains_q("title", bit))
        return queryset, False


@admin.register(CustodyEvent)
class CustodyEventAdmin(ReadOnlyModelAdmin):
    audit_history = False
    paginator = BigTableModelAdmin.paginator
    show_full_result_count = False
    list_display = ("evidence", "sequence", "action", "actor", "actor_label", "at", "ip_address", "short_hash")
    list_select_related = ("evidence", "actor")
    list_filter = ("action",)
    search_fields = ("evidence__id",)
    search_help_text = _("The number of the evidence.")

    @admin.display(description=_("hash"))
    def short_hash(self, obj: CustodyEvent) -> str:
        return obj.hash[:16]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip().lstrip("#")
        if not term:
            return queryset, False
        if not term.isdigit():
            return queryset.none(), False
        # The (evidence, sequence) unique index serves it.
        return queryset.filter(evidence_id=int(term)), False
