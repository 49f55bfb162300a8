"""The auditor view: the audit log, filtered, paginated without counting, exported as CSV/XLSX.

Who may open it is the "audit" area of accounts/permissions.py (administrators). Opening it
reads no personal data: the recorded changes are already masked by the triggers. The retention
page ("audit_settings" area, administrators) sets how long the log is kept.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import permissions
from cases import export_columns
from cases.exports import ExportMixin
from cases.filters_audit import AuditEventFilter
from cases.forms.audit import AuditRetentionForm
from cases.models import AuditEvent, AuditRetention
from cases.models.audit import AUDIT_RETENTION_MIN_DAYS, AuditChainHead
from cases.selectors.audit import audit_event_list
from cases.services import audit_retention as audit_retention_service
from cases.views.listing import FilteredListView
from cases.views.proceedings import put_errors


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
        context["can_set_retention"] = permissions.can_edit(self.request.user, AuditRetention)
        for event in context["page_obj"].object_list:
            event.diff_text = json.dumps(event.diff, ensure_ascii=False, indent=1, sort_keys=True)
        return context


@login_required
@require_http_methods(["GET", "POST"])
def audit_retention(request: HttpRequest) -> HttpResponse:
    """How long the audit log is kept: the setting in force, its history, and (administrators) a change."""
    if not permissions.can_edit(request.user, AuditRetention):
        raise PermissionDenied
    current = audit_retention_service.retention_current()
    form = AuditRetentionForm(request.POST or None, initial={"days": current.days if current else None})
    if request.method == "POST" and form.is_valid():
        try:
            audit_retention_service.retention_set(
                actor=request.user, days=form.cleaned_data["days"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("Retention saved. The change is recorded in the audit log."))
            return redirect("cases:audit-retention")
    context = {
        "form": form,
        "current": current,
        "history": audit_retention_service.retention_history(),
        "min_days": AUDIT_RETENTION_MIN_DAYS,
        "head": AuditChainHead.objects.filter(pk=1).first(),
    }
    return render(request, "cases/audit_retention.html", context)
