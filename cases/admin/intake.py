"""Import jobs and workflow timelines: read-only records of what the services did."""

from __future__ import annotations

from django.contrib import admin

from cases.admin.base import ReadOnlyModelAdmin
from cases.models import ImportJob, StateChange


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyModelAdmin):
    list_display = (
        "id", "source", "status", "original_name", "total_rows", "created_count", "updated_count",
        "rejected_count", "created_by", "created_at", "finished_at",
    )
    list_select_related = ("created_by",)
    list_filter = ("status", "source", "dry_run")
    date_hierarchy = "created_at"


@admin.register(StateChange)
class StateChangeAdmin(ReadOnlyModelAdmin):
    audit_history = False
    list_display = ("at", "object_type", "object_id", "field", "from_state", "to_state", "actor")
    list_select_related = ("actor",)
    list_filter = ("object_type", "field")
    readonly_fields = ("object_type", "object_id", "field", "from_state", "to_state", "actor", "reason", "at")
    ordering = ("-id",)
    sortable_by = ()
