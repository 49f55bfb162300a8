"""Staff pages for owners' assistance requests. Executives never reach them (403 / 404).

Lists show the owner's name masked. The request page shows the contact details masked,
except to roles allowed to see personal data, for whom every view is audited
(cases.selectors.assistance.assistance_request_contact records it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases import export_columns
from cases.exports import ExportMixin
from cases.filters import AssistanceRequestFilter
from cases.forms.assistance import AssignForm, DecideForm, NeedInfoForm, OutcomeForm, ReasonForm, RequiredReasonForm
from cases.models import AssistanceRequest, ContentItem, Evidence
from cases.selectors.assistance import (
    assistance_request_contact,
    assistance_request_detail_queryset,
    assistance_request_evidence_count,
    assistance_request_list,
    monitoring_links,
)
from cases.services import assistance as services
from cases.services import assistance_links
from cases.views.listing import FilteredListView


class AssistanceRequestListView(ExportMixin, FilteredListView):
    """Requests newest first; analysts, lawyers and administrators."""

    export_spec = export_columns.ASSISTANCE_REQUESTS
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
        context["criteria"] = AssistanceRequest.Criterion.choices
        context["monitoring"] = monitoring_links(user=user, assistance_request=req)
        context["can_export_evidence"] = permissions.can_edit(user, Evidence)
        context["can_add_to_monitoring"] = (
            req.purged_at is None and permissions.can_edit(user, req) and permissions.can_edit(user, ContentItem)
        )
        if permissions.can_edit(user, req):
            context.update(self.action_forms(req))
        if permissions.can_sign_off(user) and req.status not in AssistanceRequest.FINISHED_STATUSES:
            context["assign_form"] = AssignForm(initial={"lawyer": req.assigned_lawyer_id or user.pk})
        return context

    @staticmethod
    def action_forms(req: AssistanceRequest) -> dict[str, Any]:
        """The staff moves that make sense in the request's current state."""
        S = AssistanceRequest.Status
        status = req.status
        return {
            "can_act": status not in AssistanceRequest.FINISHED_STATUSES,
            "can_screen": req.can_move_to(S.SCREENING),
            "can_need_info": req.can_move_to(S.NEED_INFO),
            "can_decline": req.can_move_to(S.DECLINED),
            "can_legal_review": req.can_move_to(S.LEGAL_REVIEW),
            "can_decide": status == S.LEGAL_REVIEW,
            "can_outcome": status == S.LEGAL_REVIEW,
            "can_close": req.can_move_to(S.CLOSED),
            "need_info_form": NeedInfoForm(),
            "decide_form": DecideForm(),
            "outcome_form": OutcomeForm(),
        }


# --- Staff moves (POST only). Each goes through a service and workflow.move; refusals become messages.


def _staff_action(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    act: Callable[[AssistanceRequest, dict], Any],
    done: Callable[[AssistanceRequest], str] | None = None,
) -> HttpResponse:
    req = get_object_or_404(AssistanceRequest.objects.for_user(request.user), pk=pk)
    if not permissions.can_edit(request.user, req):
        raise PermissionDenied
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return redirect(req)
    try:
        req = act(req, form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            done(req) if done else _("Saved: the request is now “%(status)s”.") % {"status": req.get_status_display()},
        )
    return redirect(req)


@login_required
@require_POST
def assistance_request_screen(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_action(
        request,
        pk,
        ReasonForm,
        lambda req, data: services.assistance_request_screen(
            assistance_request=req, actor=request.user, reason=data["reason"]
        ),
    )


@login_required
@require_POST
def assistance_request_need_info(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_action(
        request,
        pk,
        NeedInfoForm,
        lambda req, data: services.assistance_request_need_info(
            assistance_request=req, actor=request.user, message=data["message"]
        ),
    )


@login_required
@require_POST
def assistance_request_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_action(
        request,
        pk,
        RequiredReasonForm,
        lambda req, data: services.assistance_request_decline(
            assistance_request=req, actor=request.user, reason=data["reason"]
        ),
    )


@login_required
@require_POST
def assistance_request_legal_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_action(
        request,
        pk,
        ReasonForm,
        lambda req, data: services.assistance_request_legal_review(
            assistance_request=req, actor=request.user, reason=data["reason"]
        ),
    )


@login_required
@require_POST
def assistance_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_action(
        request,
        pk,
        DecideForm,
        lambda req, data: services.assistance_request_decide(
            assistance_request=req,
            actor=request.user,
            suable=data["suable"],
            reasons=data["reasons"],
            criteria_met=data["criteria"],
        ),
    )


@login_required
@require_POST
def assistance_request_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_action(
        request,
        pk,
        OutcomeForm,
        lambda req, data: services.assistance_request_outcome(
            assistance_request=req, actor=request.user, outcome=data["outcome"], reason=data["reason"]
        ),
    )


@login_required
@require_POST
def assistance_request_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_action(
        request,
        pk,
        ReasonForm,
        lambda req, data: services.assistance_request_close(
            assistance_request=req, actor=request.user, reason=data["reason"]
        ),
    )


@login_required
@require_POST
def assistance_request_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign or reassign the request to a lawyer (lawyers and administrators only)."""
    if not permissions.can_sign_off(request.user):
        raise PermissionDenied
    return _staff_action(
        request,
        pk,
        AssignForm,
        lambda req, data: services.assistance_request_assign(
            assistance_request=req, actor=request.user, lawyer=data["lawyer"]
        ),
        lambda req: _("Assigned to %(lawyer)s.") % {"lawyer": req.assigned_lawyer},
    )


@login_required
@require_POST
def assistance_request_add_to_monitoring(request: HttpRequest, pk: int) -> HttpResponse:
    """One click: the request's links nobody monitors yet become content items (idempotent)."""
    req = get_object_or_404(AssistanceRequest.objects.for_user(request.user), pk=pk)
    if not (permissions.can_edit(request.user, req) and permissions.can_edit(request.user, ContentItem)):
        raise PermissionDenied
    try:
        outcome = assistance_links.assistance_request_add_to_monitoring(assistance_request=req, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(req)
    if outcome.added:
        messages.success(
            request,
            ngettext("%(count)d link is now monitored.", "%(count)d links are now monitored.", outcome.added)
            % {"count": outcome.added},
        )
    elif not outcome.rejected:
        messages.info(request, _("Every link of this request is already monitored."))
    for reason in outcome.rejected:
        messages.error(request, _("Not added: %(reason)s") % {"reason": reason})
    return redirect(req)
