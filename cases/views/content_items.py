"""Staff pages for content items: the full list, the triage queue and the item page, with the
triage actions (assess one item, assess many, sign off an escalation, start action).

Views stay thin: a form validates, one service call changes things, a redirect carries a message.
A service's ValidationError becomes a form error or a message; PermissionDenied becomes a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases import export_columns
from cases.exports import ExportMixin
from cases.filters import ContentItemFilter, TriageFilter
from cases.forms.complaints import ComplaintOpenForm
from cases.forms.triage import AssessmentForm, BulkAssessForm
from cases.models import Assessment, AuthorityReport, ContentItem, Evidence, LawyerLetter, PlatformComplaint
from cases.selectors.monitoring import (
    content_item_detail_queryset,
    content_item_list,
    content_item_rows,
    triage_queue,
)
from cases.selectors.triage import content_item_timeline, queue_neighbours
from cases.services import authority_reports, triage
from cases.services.triage_bulk import content_items_assess_bulk
from cases.views.listing import FilteredListView

S = ContentItem.TriageState
# States in which "Start action" is the next step (ACTING is already under way).
ACTIONABLE_STATES = (S.SUSPECTED, S.FIXING, S.FIXED)


class ContentItemListView(ExportMixin, FilteredListView):
    """Every item the user may see, newest first; any staff role."""

    export_spec = export_columns.CONTENT_ITEMS
    permission_model = ContentItem
    filterset_class = ContentItemFilter
    template_name = "cases/contentitem_list.html"
    primary_filters = ("q", "platform", "triage_state", "conclusion")
    filter_bar_cache = True

    def base_queryset(self) -> QuerySet:
        return content_item_list(user=self.request.user)

    def fetch_rows(self, queryset: QuerySet) -> list[ContentItem]:
        return content_item_rows(queryset)


class TriageView(ExportMixin, FilteredListView):
    """Items waiting for assessment (new, pending, being assessed), most severe and widest reach first.

    Any staff role may read it; those who may assess also get the row checkboxes and the bulk form.
    """

    export_spec = export_columns.TRIAGE
    permission_model: type[Model] | None = ContentItem  # subclasses check Assessment
    filterset_class = TriageFilter
    template_name = "cases/triage.html"
    primary_filters = ("q", "platform", "triage_state", "severity", "ordering")
    filter_bar_cache = True

    def base_queryset(self) -> QuerySet:
        return triage_queue(user=self.request.user)

    def fetch_rows(self, queryset: QuerySet) -> list[ContentItem]:
        return content_item_rows(queryset)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        can_assess = permissions.can_edit(self.request.user, Assessment)
        context["can_assess"] = can_assess
        if can_assess:
            form = context.get("bulk_form")
            if form is None:
                # Empty, it is only rendered when the cached panel (cases/_bulk_panel.html) has expired.
                user = self.request.user
                context["bulk_form"] = SimpleLazyObject(lambda: BulkAssessForm(user=user))
                context["bulk_form_bound"] = False
                context["checked_ids"] = set()
            else:
                context["bulk_form_bound"] = form.is_bound
                context["checked_ids"] = form.posted_ids()
        return context


class ContentItemBulkAssessView(TriageView):
    """POST the queue's bulk form: one assessment for the chosen items, in one transaction.

    The form posts to this URL with the queue's query string, so a form with errors comes back
    on the same filtered page, and success returns to it.
    """

    http_method_names = ["post"]
    permission_model = Assessment
    permission_edit = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BulkAssessForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                result = content_items_assess_bulk(items=form.selected, assessor=request.user, data=form.to_input())
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                text = _("%(assessed)d assessed, %(skipped)d skipped.") % {
                    "assessed": len(result.assessed),
                    "skipped": len(result.skipped),
                }
                if result.skipped:
                    text += " " + _("Skipped items were no longer waiting for assessment.")
                (messages.success if result.assessed else messages.warning)(request, text)
                query = request.GET.urlencode()
                return HttpResponseRedirect(reverse("cases:triage") + (f"?{query}" if query else ""))
        self.object_list = self.get_queryset()
        # The queue page again; the navigation would otherwise mark "Content items" (this URL's prefix).
        return self.render_to_response(self.get_context_data(bulk_form=form, nav_current="triage"))


@dataclass(frozen=True)
class AssessmentRow:
    assessment: Assessment
    is_latest: bool
    needs_sign_off: bool
    user_may_sign: bool


class ContentItemDetailView(RoleRequiredMixin, DetailView):
    """One item: its text and facts, the assessment form, the assessment history with sign-off,
    the gate before any action, evidence, actions naming it and its state timeline."""

    permission_model: type[Model] | None = ContentItem  # subclasses check Assessment
    template_name = "cases/contentitem_detail.html"
    context_object_name = "item"

    def get_queryset(self) -> QuerySet:
        return content_item_detail_queryset(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        item: ContentItem = self.object
        context["can_view_evidence"] = permissions.can_view(user, Evidence)
        context["can_fix_evidence"] = permissions.can_edit(user, Evidence)
        context["can_view_actions"] = permissions.can_view(user, LawyerLetter)
        context["assessable"] = item.triage_state in triage.PATH_TO_ASSESSING
        if context["assessable"] and permissions.can_edit(user, Assessment):
            context.setdefault("assessment_form", AssessmentForm())
        else:
            context.pop("assessment_form", None)
        context["escalating_values"] = list(Assessment.ESCALATING)
        context["sign_off_values"] = list(triage.SIGN_OFF_REQUIRED)
        context["assessment_rows"] = self.assessment_rows(item)
        context.update(self.action_gate(item))
        # "Open a complaint" once action may start (the service checks the gate again).
        gate_open = item.triage_state == S.ACTING or (
            item.triage_state in ACTIONABLE_STATES and "action_blocked" not in context
        )
        if gate_open and permissions.can_edit(user, PlatformComplaint):
            context["complaint_form"] = ComplaintOpenForm(prefix="complaint")
        context["timeline"], context["timeline_truncated"] = content_item_timeline(user=user, item=item)
        # The latest estimated loss against the art. 221 threshold (assessments are prefetched, newest first).
        latest_loss = next((a.estimated_loss for a in item.assessments.all() if a.estimated_loss is not None), None)
        context["loss"] = authority_reports.LossSummary(
            latest_loss or Decimal(0), int(latest_loss is not None), 1, authority_reports.threshold()
        )
        context["can_report"] = permissions.can_edit(user, AuthorityReport)
        context["neighbours"] = queue_neighbours(user=user, item=item)
        return context

    def assessment_rows(self, item: ContentItem) -> list[AssessmentRow]:
        """Each assessment with its sign-off status; only the latest can still be signed off."""
        user = self.request.user
        may_sign = permissions.can_sign_off(user)
        rows = []
        for index, assessment in enumerate(item.assessments.all()):  # prefetched, newest first
            needs = triage.needs_sign_off(assessment)
            rows.append(
                AssessmentRow(
                    assessment=assessment,
                    is_latest=index == 0,
                    needs_sign_off=needs,
                    user_may_sign=needs and index == 0 and may_sign and assessment.assessor_id != user.pk,
                )
            )
        return rows

    def action_gate(self, item: ContentItem) -> dict[str, Any]:
        """Say whether action may start on the item and, if not, why not (in the service's words)."""
        if item.triage_state not in ACTIONABLE_STATES:
            return {"show_action_gate": item.triage_state == S.ACTING}
        try:
            triage.ensure_actionable(item)
        except ValidationError as error:
            return {"show_action_gate": True, "action_blocked": " ".join(error.messages), "action_block": error.code}
        return {
            "show_action_gate": True,
            "can_start_action": permissions.can_edit(self.request.user, ContentItem),
        }


class ContentItemAssessView(ContentItemDetailView):
    """POST the item page's assessment form. Errors come back on the item page (200), nothing saved."""

    http_method_names = ["post"]
    permission_model = Assessment
    permission_edit = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = item = self.get_object()
        if item.triage_state not in triage.PATH_TO_ASSESSING:
            messages.error(
                request,
                _("This item is “%(state)s” and cannot be assessed now.") % {"state": item.get_triage_state_display()},
            )
            return redirect(item)
        form = AssessmentForm(request.POST)
        if form.is_valid():
            # Taken before the item leaves the queue: "save and next" continues from where it sat.
            following = queue_neighbours(user=request.user, item=item).next_id
            try:
                assessment = triage.content_item_assess(item=item, assessor=request.user, data=form.to_input())
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect(item)
            text = _("Assessment saved: “%(conclusion)s”.") % {"conclusion": assessment.get_conclusion_display()}
            if triage.needs_sign_off(assessment):
                text += " " + _("A second person, a lawyer, must sign it off before any action.")
            messages.success(request, text)
            if request.POST.get("then") == "next" and following:
                return redirect("cases:content-item-detail", pk=following)
            return redirect(item)
        return self.render_to_response(self.get_context_data(object=item, assessment_form=form))


@login_required
@require_POST
def assessment_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """A lawyer, not the assessor, signs off a serious escalation (403 for anyone else)."""
    assessment = get_object_or_404(Assessment.objects.for_user(request.user).select_related("content_item"), pk=pk)
    try:
        triage.assessment_sign_off(assessment=assessment, reviewer=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Signed off. Action may start once evidence is fixed."))
    if assessment.content_item_id:
        return redirect(assessment.content_item)
    return redirect("cases:campaign-detail", pk=assessment.campaign_id)


@login_required
@require_POST
def content_item_start_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Move an escalated item with fixed evidence to "action under way"; explain a refusal."""
    item = get_object_or_404(ContentItem.objects.for_user(request.user), pk=pk)
    try:
        item = triage.content_item_start_action(item=item, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Action may start: the item is now “%(state)s”.") % {"state": item.get_triage_state_display()},
        )
    return redirect(item)
