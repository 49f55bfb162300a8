"""Staff pages for owners' assistance requests. Executives never reach them (403 / 404).

Lists show the owner's name masked. The request page shows the contact details masked,
except to roles allowed to see personal data, for whom every view is audited
(cases.selectors.assistance.assistance_request_contact records it).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.views.generic import DetailView

from accounts.permissions import RoleRequiredMixin
from cases.filters import AssistanceRequestFilter
from cases.models import AssistanceRequest
from cases.selectors.assistance import (
    assistance_request_contact,
    assistance_request_detail_queryset,
    assistance_request_evidence_count,
    assistance_request_list,
)
from cases.views.listing import FilteredListView


class AssistanceRequestListView(FilteredListView):
    """Requests newest first; analysts, lawyers and administrators."""

    permission_model = AssistanceRequest
    filterset_class = AssistanceRequestFilter
    template_name = "cases/assistancerequest_list.html"
    primary_filters = ("q", "status", "eligibility", "help_type", "assigned")

    def base_queryset(self) -> QuerySet:
        return assistance_request_list(user=self.request.user)


class AssistanceRequestDetailView(RoleRequiredMixin, DetailView):
    """One request, with the owner's contact masked unless the role may see personal data."""

    permission_model = AssistanceRequest
    template_name = "cases/assistancerequest_detail.html"
    context_object_name = "req"

    def get_queryset(self) -> QuerySet:
        return assistance_request_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, req = self.request.user, self.object
        context["contact"] = assistance_request_contact(user=user, assistance_request=req)
        context["evidence_count"] = assistance_request_evidence_count(user=user, assistance_request=req)
        return context
