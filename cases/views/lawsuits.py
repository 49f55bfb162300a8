"""Staff pages for lawsuits: the list by stage and the lawsuit page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.views.generic import DetailView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases.filters import LawsuitFilter
from cases.models import AssistanceRequest, Evidence, Lawsuit
from cases.selectors.litigation import lawsuit_deadlines, lawsuit_detail_queryset, lawsuit_list
from cases.views.listing import FilteredListView


class LawsuitListView(FilteredListView):
    """Suits grouped by stage; any staff role (executives read case progress)."""

    permission_model = Lawsuit
    filterset_class = LawsuitFilter
    template_name = "cases/lawsuit_list.html"
    primary_filters = ("stage", "our_role", "cause", "outcome", "lawyer")

    def base_queryset(self) -> QuerySet:
        return lawsuit_list(user=self.request.user)


class LawsuitDetailView(RoleRequiredMixin, DetailView):
    """One suit: facts, parties, claims, proceedings, hearings, deadlines, evidence and outcome."""

    permission_model = Lawsuit
    template_name = "cases/lawsuit_detail.html"
    context_object_name = "lawsuit"

    def get_queryset(self) -> QuerySet:
        return lawsuit_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, lawsuit = self.request.user, self.object
        claims = list(lawsuit.claims.all())
        context["claims"] = claims
        context["claims_total"] = sum((claim.amount or 0) for claim in claims)
        context["costs_total"] = lawsuit.court_fee + lawsuit.notary_fee + lawsuit.lawyer_fee
        context["deadlines"] = lawsuit_deadlines(user=user, lawsuit=lawsuit)
        context["can_view_evidence"] = permissions.can_view(user, Evidence)
        context["can_view_assistance"] = permissions.can_view(user, AssistanceRequest)
        return context
