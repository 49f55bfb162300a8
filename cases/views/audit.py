"""The auditor view: the audit log, filtered, paginated without counting, exported as CSV/XLSX.

Who may open it is the "audit" area of accounts/permissions.py (administrators). Opening it
reads no personal data: the recorded changes are already masked by the triggers.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet

from cases import export_columns
from cases.exports import ExportMixin
from cases.filters_audit import AuditEventFilter
from cases.models import AuditEvent
from cases.selectors.audit import audit_event_list
from cases.views.listing import FilteredListView


class AuditEventListView(ExportMixin, FilteredListView):
    """Every audited act, newest first, for whoever may view the "audit" area."""

    export_spec = export_columns.AUDIT_EVENTS
    permission_model = AuditEvent
    filterset_class = AuditEventFilter
    template_name = "cases/auditevent_list.html"
    primary_filters = ("actor", "action", "object_type", "object_id", "at_from", "at_to")

    def base_queryset(self) -> QuerySet:
        return audit_event_list(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        for event in context["page_obj"].object_list:
            event.diff_text = json.dumps(event.diff, ensure_ascii=False, indent=1, sort_keys=True)
        return context
