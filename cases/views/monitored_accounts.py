"""Staff pages for monitored accounts: the list by risk and the account page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.views.generic import DetailView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases.filters import MonitoredAccountListFilter
from cases.models import Lawsuit, LawyerLetter, MonitoredAccount, PlatformComplaint
from cases.selectors.monitoring import (
    ACCOUNT_RECENT_ITEMS,
    monitored_account_complaints,
    monitored_account_detail_queryset,
    monitored_account_lawsuits,
    monitored_account_letters,
    monitored_account_list,
    monitored_account_recent_items,
    monitored_account_risk_breakdown,
)
from cases.views.listing import FilteredListView


class MonitoredAccountListView(FilteredListView):
    """Accounts ranked by risk score; any staff role."""

    permission_model = MonitoredAccount
    filterset_class = MonitoredAccountListFilter
    template_name = "cases/monitoredaccount_list.html"
    primary_filters = ("q", "platform", "watch_status", "risk_level", "ordering")

    def base_queryset(self) -> QuerySet:
        return monitored_account_list(user=self.request.user)


class MonitoredAccountDetailView(RoleRequiredMixin, DetailView):
    """One account: facts, agency, latest items, campaigns, suits and identity disclosures."""

    permission_model = MonitoredAccount
    template_name = "cases/monitoredaccount_detail.html"
    context_object_name = "account"

    def get_queryset(self) -> QuerySet:
        return monitored_account_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, account = self.request.user, self.object
        context["recent_items"] = monitored_account_recent_items(user=user, account=account)
        context["recent_limit"] = ACCOUNT_RECENT_ITEMS
        context["lawsuits"] = monitored_account_lawsuits(user=user, account=account)
        context["risk_factors"] = monitored_account_risk_breakdown(account=account)
        if permissions.can_view(user, PlatformComplaint):
            context["complaints"] = monitored_account_complaints(user=user, account=account)
        if permissions.can_view(user, LawyerLetter):
            context["letters"] = monitored_account_letters(user=user, account=account)
        context["can_prepare_lawsuit"] = permissions.can_edit(user, Lawsuit)
        return context
