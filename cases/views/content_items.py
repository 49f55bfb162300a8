"""Staff pages for content items: the full list, the triage queue and the item page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.views.generic import DetailView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases.filters import ContentItemFilter
from cases.models import ContentItem, Evidence, LawyerLetter
from cases.selectors.monitoring import content_item_detail_queryset, content_item_list, triage_queue
from cases.views.listing import FilteredListView


class ContentItemListView(FilteredListView):
    """Every item the user may see, newest first; any staff role."""

    permission_model = ContentItem
    filterset_class = ContentItemFilter
    template_name = "cases/contentitem_list.html"
    primary_filters = ("q", "platform", "triage_state", "conclusion")

    def base_queryset(self) -> QuerySet:
        return content_item_list(user=self.request.user)


class TriageView(FilteredListView):
    """Items waiting for assessment (new, pending, being assessed), most severe and widest reach first."""

    permission_model = ContentItem
    filterset_class = ContentItemFilter
    template_name = "cases/triage.html"
    primary_filters = ("q", "platform", "triage_state", "source")

    def base_queryset(self) -> QuerySet:
        return triage_queue(user=self.request.user)


class ContentItemDetailView(RoleRequiredMixin, DetailView):
    """One item with its assessments, evidence and the actions that name it."""

    permission_model = ContentItem
    template_name = "cases/contentitem_detail.html"
    context_object_name = "item"

    def get_queryset(self) -> QuerySet:
        return content_item_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_view_evidence"] = permissions.can_view(user, Evidence)
        context["can_view_actions"] = permissions.can_view(user, LawyerLetter)
        return context
