"""Staff pages for platform complaints: the list (with response times per platform), the complaint
page with the moves its state allows, and the POST actions (open from an item, submit, record the
platform's answer, counter-notice, its outcome, appeal, link a rebuttal).

Views stay thin: a form validates, one service call changes things, a redirect carries a message.
A service's ValidationError becomes an error message; PermissionDenied becomes a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases.complaint_filters import PlatformComplaintListFilter
from cases.forms import complaints as forms
from cases.models import ContentItem, PlatformComplaint
from cases.selectors.complaints import (
    complaint_detail_queryset,
    complaint_list,
    complaint_rebuttals,
    complaint_timeline,
    platform_response_times,
)
from cases.services import complaints
from cases.views.listing import FilteredListView

S = PlatformComplaint.Status


class PlatformComplaintListView(FilteredListView):
    """Complaints, newest first, with each platform's response and resolution times; any staff role."""

    permission_model = PlatformComplaint
    filterset_class = PlatformComplaintListFilter
    template_name = "cases/platformcomplaint_list.html"
    primary_filters = ("platform", "status", "open", "age")

    def base_queryset(self) -> QuerySet:
        return complaint_list(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["response_times"] = platform_response_times(user=self.request.user)
        return context


# The form each state offers (the UI only offers legal moves, DESIGN.md §3).
FORMS_BY_STATE: dict[str, tuple[str, type[Form]]] = {
    S.DRAFT: ("submit", forms.ComplaintSubmitForm),
    S.NEED_INFO: ("submit", forms.ComplaintSubmitForm),
    S.SUBMITTED: ("respond", forms.ComplaintRespondForm),
    S.IN_REVIEW: ("respond", forms.ComplaintRespondForm),
    S.ACTIONED: ("counter-notice", forms.CounterNoticeForm),
    S.COUNTER_NOTICED: ("counter-decision", forms.CounterNoticeDecisionForm),
    S.REJECTED: ("appeal", forms.AppealForm),
}


class PlatformComplaintDetailView(RoleRequiredMixin, DetailView):
    """One complaint: facts, items, response times, timeline, and the next move for those who may edit."""

    permission_model = PlatformComplaint
    template_name = "cases/platformcomplaint_detail.html"
    context_object_name = "complaint"

    def get_queryset(self) -> QuerySet:
        return complaint_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, complaint = self.request.user, self.object
        context["items"] = list(complaint.content_items.all())
        context["rebuttals"] = complaint_rebuttals(user=user, complaint=complaint)
        context["timeline"] = complaint_timeline(user=user, complaint=complaint)
        can_edit = permissions.can_edit(user, PlatformComplaint)
        context["can_edit"] = can_edit
        if can_edit and complaint.status in FORMS_BY_STATE:
            action, form_class = FORMS_BY_STATE[complaint.status]
            context["next_action"] = action
            context["next_form"] = form_class(prefix=action)
        if can_edit:
            context["rebuttal_form"] = forms.RebuttalLinkForm(prefix="rebuttal")
        return context


def _submit(complaint: PlatformComplaint, user: Any, data: dict[str, Any]) -> str:
    complaints.complaint_submit(
        complaint=complaint, actor=user, ticket_number=data["ticket_number"], submitted_at=data["submitted_at"]
    )
    return _("Submission recorded.")


def _respond(complaint: PlatformComplaint, user: Any, data: dict[str, Any]) -> str:
    complaint = complaints.complaint_respond(
        complaint=complaint, actor=user, response=data["response"], measure=data["measure"],
        responded_at=data["responded_at"], notes=data["notes"],
    )
    return _("Platform's answer recorded: the complaint is “%(status)s”.") % {"status": complaint.get_status_display()}


def _counter_notice(complaint: PlatformComplaint, user: Any, data: dict[str, Any]) -> str:
    complaints.complaint_counter_notice(
        complaint=complaint, actor=user, received_at=data["received_at"], reply_deadline=data["reply_deadline"],
        notes=data["notes"],
    )
    return _("Counter-notice recorded.")


def _counter_decision(complaint: PlatformComplaint, user: Any, data: dict[str, Any]) -> str:
    complaints.complaint_close_counter_notice(
        complaint=complaint, actor=user, restored=data["decision"] == "restored", notes=data["notes"]
    )
    return _("Platform's decision on the counter-notice recorded.")


def _rebuttal(complaint: PlatformComplaint, user: Any, data: dict[str, Any]) -> str:
    rebuttal = complaints.rebuttal_link(
        items=complaint.content_items.all(), actor=user,
        data=complaints.RebuttalInput(title=data["title"], url=data["url"], summary=data["summary"]),
    )
    return _("The items are linked to the rebuttal “%(title)s”.") % {"title": rebuttal.title}


ACTIONS: dict[str, tuple[type[Form], Callable[[PlatformComplaint, Any, dict[str, Any]], str]]] = {
    "submit": (forms.ComplaintSubmitForm, _submit),
    "respond": (forms.ComplaintRespondForm, _respond),
    "counter-notice": (forms.CounterNoticeForm, _counter_notice),
    "counter-decision": (forms.CounterNoticeDecisionForm, _counter_decision),
    "rebuttal": (forms.RebuttalLinkForm, _rebuttal),
}


def _form_errors(form: Form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


class PlatformComplaintActionView(RoleRequiredMixin, View):
    """POST one move of a complaint (``action`` from the URL); back to the complaint page with a message."""

    http_method_names = ["post"]
    permission_model = PlatformComplaint
    permission_edit = True

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        complaint = get_object_or_404(PlatformComplaint.objects.for_user(request.user), pk=pk)
        if action == "appeal":
            appeal_form = forms.AppealForm(request.POST, prefix=action)
            if not appeal_form.is_valid():
                messages.error(request, _form_errors(appeal_form))
                return redirect("cases:complaint-detail", pk=pk)
            try:
                appeal = complaints.complaint_appeal(complaint=complaint, actor=request.user,
                                                     notes=appeal_form.cleaned_data["notes"])
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("cases:complaint-detail", pk=pk)
            messages.success(request, _("Appeal drafted: record its submission when it is filed."))
            return redirect("cases:complaint-detail", pk=appeal.pk)
        if action not in ACTIONS:
            raise Http404
        form_class, handler = ACTIONS[action]
        form = form_class(request.POST, prefix=action)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("cases:complaint-detail", pk=pk)
        try:
            text = handler(complaint, request.user, form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, text)
        return redirect("cases:complaint-detail", pk=pk)


class ComplaintOpenView(RoleRequiredMixin, View):
    """POST the item page's "open a complaint" form: a draft complaint for this item, after the gate."""

    http_method_names = ["post"]
    permission_model = PlatformComplaint
    permission_edit = True

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = get_object_or_404(ContentItem.objects.for_user(request.user), pk=pk)
        form = forms.ComplaintOpenForm(request.POST, prefix="complaint")
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect(item)
        try:
            complaint = complaints.complaint_open(items=[item], actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(item)
        messages.success(request, _("Complaint opened as a draft: file it with the platform, then record the ticket."))
        return redirect("cases:complaint-detail", pk=complaint.pk)
