"""Police and administrative reports: the list, drafting one from an item or an account, the report
page with its status moves and the items' estimated loss against the art. 221 threshold."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import DetailView, ListView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases.forms.reports import AuthorityReportForm, AuthorityReportMoveForm
from cases.models import AuthorityReport, ContentItem, MonitoredAccount, StateChange
from cases.services import authority_reports, workflow
from cases.views.proceedings import put_errors

S = AuthorityReport.Status
LIST_SIZE = 50


class AuthorityReportListView(RoleRequiredMixin, ListView):
    """Reports, open ones first, newest first; any staff role."""

    permission_model = AuthorityReport
    template_name = "cases/authorityreport_list.html"
    context_object_name = "reports"
    paginate_by = LIST_SIZE

    def get_queryset(self) -> QuerySet:
        return (
            AuthorityReport.objects.for_user(self.request.user)
            .select_related("created_by", "lawsuit")
            .annotate(finished=Case(When(status=S.CLOSED, then=1), default=0, output_field=IntegerField()))
            .order_by("finished", "-created_at", "-id")
        )


def _source(request: HttpRequest) -> tuple[ContentItem | None, MonitoredAccount | None]:
    user = request.user
    item_id = request.GET.get("item", "")
    account_id = request.GET.get("account", "")
    item = (
        get_object_or_404(ContentItem.objects.for_user(user).select_related("account"), pk=int(item_id))
        if item_id.isdigit()
        else None
    )
    account = (
        get_object_or_404(MonitoredAccount.objects.for_user(user).select_related("platform"), pk=int(account_id))
        if account_id.isdigit()
        else None
    )
    if item is not None and account is None:
        account = item.account
    return item, account


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    """Draft a report from an item (?item=) or an account (?account=): the account's items are offered."""
    if not permissions.can_edit(request.user, AuthorityReport):
        raise PermissionDenied
    item, account = _source(request)
    condition = Q(pk=item.pk) if item is not None else Q()
    if account is not None:
        condition |= Q(account=account)
    items = (
        ContentItem.objects.for_user(request.user)
        .filter(condition)
        .select_related("platform")
        .order_by("-published_at", "-id")
        if condition
        else ContentItem.objects.none()
    )
    initial = {"items": [item.pk] if item is not None else [], "authority_type": AuthorityReport.AuthorityType.POLICE}
    form = AuthorityReportForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = authority_reports.report_create(
                actor=request.user,
                authority_type=data["authority_type"],
                authority_name=data["authority_name"],
                summary=data["summary"],
                items=list(data["items"]),
                accounts=[account] if account is not None else [],
            )
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("Draft report saved. Record the filing once it is submitted."))
            return redirect(report)
    return render(request, "cases/authorityreport_form.html", {"form": form, "item": item, "account": account})


def _timeline(report: AuthorityReport) -> list[StateChange]:
    rows = list(
        StateChange.objects.filter(object_type=report._meta.label_lower, object_id=report.pk)
        .select_related("actor")
        .order_by("at", "id")
    )
    for row in rows:
        row.from_label = workflow.state_label(report, row.from_state)  # type: ignore[attr-defined]
        row.to_label = workflow.state_label(report, row.to_state)  # type: ignore[attr-defined]
    return rows


class AuthorityReportDetailView(RoleRequiredMixin, DetailView):
    """One report: authority, status, items with their estimated loss against the art. 221 threshold."""

    permission_model = AuthorityReport
    template_name = "cases/authorityreport_detail.html"
    context_object_name = "report"

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        return (
            AuthorityReport.objects.for_user(user)
            .select_related("created_by", "lawsuit")
            .prefetch_related(
                Prefetch(
                    "content_items",
                    queryset=ContentItem.objects.for_user(user).select_related("platform").order_by("-published_at", "-id"),
                ),
                Prefetch("accounts", queryset=MonitoredAccount.objects.for_user(user).select_related("platform")),
            )
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report: AuthorityReport = self.object
        context["loss"] = authority_reports.loss_summary(i.pk for i in report.content_items.all())
        context["timeline"] = _timeline(report)
        if permissions.can_edit(self.request.user, report) and any(
            report.can_move_to(s) for s in AuthorityReport.Status.values
        ):
            context["move_form"] = kwargs.get("move_form") or AuthorityReportMoveForm(report=report)
        return context


@login_required
@require_POST
def report_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a report to its next status (403 for roles that may not edit)."""
    report = get_object_or_404(AuthorityReport.objects.for_user(request.user), pk=pk)
    permissions.ensure_can_edit(request.user, report)
    form = AuthorityReportMoveForm(request.POST, report=report)
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = authority_reports.report_move(report=report, actor=request.user, **data)
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("The report is now “%(status)s”.") % {"status": report.get_status_display()})
            return redirect(report)
    view = AuthorityReportDetailView()
    view.setup(request, pk=pk)
    view.object = view.get_object()
    response = render(
        request, view.template_name, view.get_context_data(object=view.object, move_form=form), status=400
    )
    return response
