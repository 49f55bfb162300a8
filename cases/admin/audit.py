"""The auditor's read-only view of the audit trail (written by database triggers, see cases/audit.py)."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cases.admin.base import BigTableMixin, ReadOnlyModelAdmin
from cases.models import AuditEvent, AuditRetention


def audited_object_types() -> list[tuple[str, str]]:
    """Every ``app_label.model`` the triggers may name, with a readable label.

    Listed from the model registry (many-to-many link tables included), not with a
    SELECT DISTINCT over millions of audit rows.
    """
    types = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in {"cases", "accounts"} and model is not AuditEvent:
            types.append((model._meta.label_lower, str(capfirst(model._meta.verbose_name))))
    return sorted(types)


class ObjectTypeFilter(admin.SimpleListFilter):
    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return audited_object_types()

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(BigTableMixin, ReadOnlyModelAdmin):
    audit_history = False
    list_display = ("at", "actor", "actor_type", "action", "object_type", "object_link", "ip_address", "request_id")
    list_select_related = ("actor",)
    list_filter = ("action", "actor_type", ObjectTypeFilter)
    search_fields = ("object_id", "request_id")
    search_help_text = _("An object's number (with the object type filter: fastest), or a request ID.")
    date_hierarchy = "at"
    # Newest first by id (the primary key's index): the trail is written in time order, and
    # ordering by time would need a tie-break on id that no index serves once rows share a time
    # (a bulk change writes thousands of rows at one instant). No other sort: each would sort the whole trail.
    ordering = ("-id",)
    sortable_by = ()
    fields = (
        "seq",
        "at",
        "actor",
        "actor_type",
        "action",
        "object_type",
        "object_link",
        "changes",
        "ip_address",
        "request_id",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields

    @admin.display(description=_("object"))
    def object_link(self, obj: AuditEvent) -> str:
        try:
            model = apps.get_model(obj.object_type)
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.object_id])
        except (LookupError, ValueError, NoReverseMatch):
            return obj.object_id
        return format_html('<a href="{}">{}</a>', url, obj.object_id)

    @admin.display(description=_("changes"))
    def changes(self, obj: AuditEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.diff, ensure_ascii=False, indent=2, sort_keys=True))

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            # Naming every object type lets cases_audit_object_idx (object_type, object_id, -at) serve it.
            types = [value for value, _label in audited_object_types()]
            return queryset.filter(object_type__in=types, object_id=term), False
        # Request IDs are not indexed: this scans the trail (narrow it with the date and filters).
        return queryset.filter(Q(request_id=term)), False


@admin.register(AuditRetention)
class AuditRetentionAdmin(ReadOnlyModelAdmin):
    """The history of the audit log's retention (set on /audit/retention/, never here)."""

    list_display = ("set_at", "days", "previous_days", "set_by", "reason")
    list_select_related = ("set_by",)
    readonly_fields = ("days", "previous_days", "reason", "set_by", "set_at")
    ordering = ("-id",)
    sortable_by = ()
