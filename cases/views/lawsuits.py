"""Staff pages for lawsuits: the list by stage, the lawsuit page with its legal next moves,
preparing a suit from an account, and the upcoming-deadlines list."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView, TemplateView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases import export_columns
from cases.exports import ExportMixin
from cases.filters import LawsuitFilter
from cases.forms.litigation import (
    HoldReleaseForm,
    LawsuitDocumentForm,
    LawsuitMoveForm,
    LawsuitOutcomeForm,
    LawsuitPrepareForm,
)
from cases.models import (
    AssistanceRequest,
    ContentItem,
    Deadline,
    Evidence,
    IdentityDisclosure,
    Lawsuit,
    LawyerLetter,
    MonitoredAccount,
)
from cases.selectors import lawsuit_board
from cases.selectors.litigation import lawsuit_deadlines, lawsuit_detail_queryset, lawsuit_list
from cases.services import deadlines, holds, litigation
from cases.views.listing import FilteredListView

# The deadline list looks this far ahead (overdue deadlines are always shown).
UPCOMING_DAYS = 30


def _with_countdown(rows: list[Deadline], today: datetime.date) -> list[Deadline]:
    for row in rows:
        row.days_left = (row.due_on - today).days  # type: ignore[attr-defined]
        row.days_overdue = max(-row.days_left, 0)  # type: ignore[attr-defined]
    return rows


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _form_errors_to_messages(request: HttpRequest, form: Any) -> None:
    """POST-only forms on the lawsuit page redirect back; their errors travel as messages."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


class LawsuitListView(ExportMixin, FilteredListView):
    """Suits grouped by stage; any staff role (executives read case progress)."""

    export_spec = export_columns.LAWSUITS
    permission_model = Lawsuit
    filterset_class = LawsuitFilter
    template_name = "cases/lawsuit_list.html"
    primary_filters = ("stage", "our_role", "cause", "outcome", "lawyer", "overdue")

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
        context["claims_damages"] = lawsuit.damages_claimed > 0 or any(
            c.kind in deadlines.TIME_BARRED_CLAIMS for c in claims
        )
        context["costs_total"] = lawsuit.court_fee + lawsuit.notary_fee + lawsuit.lawyer_fee
        context["deadlines"] = _with_countdown(lawsuit_deadlines(user=user, lawsuit=lawsuit), timezone.localdate())
        context["can_view_evidence"] = permissions.can_view(user, Evidence)
        context["can_export_evidence"] = permissions.can_edit(user, Evidence)
        context["can_view_assistance"] = permissions.can_view(user, AssistanceRequest)
        context["can_edit"] = permissions.can_edit(user, Lawsuit)
        if context["can_edit"] and litigation.legal_moves(lawsuit):
            context["move_form"] = LawsuitMoveForm(lawsuit=lawsuit)
        if context["can_edit"]:
            context["outcome_form"] = LawsuitOutcomeForm.for_lawsuit(lawsuit)
            context["document_form"] = LawsuitDocumentForm()
        context["held_count"] = sum(1 for ev in lawsuit.evidence.all() if ev.litigation_hold)
        context["hold_release_on"] = holds.release_date(lawsuit)
        context["can_release_hold"] = permissions.can_sign_off(user) and holds.can_release(lawsuit)
        if context["can_release_hold"]:
            context["hold_form"] = HoldReleaseForm()
        context["can_request_disclosure"] = permissions.can_edit(user, IdentityDisclosure)
        context["can_write_letter"] = permissions.can_edit(user, LawyerLetter)
        return context


class LawsuitPrepareView(RoleRequiredMixin, FormView):
    """Prepare a draft suit from an account: choose items, cause and claims; the court is suggested."""

    permission_model = Lawsuit
    permission_edit = True
    form_class = LawsuitPrepareForm
    template_name = "cases/lawsuit_prepare.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            self.account = get_object_or_404(
                MonitoredAccount.objects.for_user(request.user).select_related("platform", "agency"), pk=kwargs["pk"]
            )
            # ?assistance_request=<pk>: a suit supporting that owner (the owner is the plaintiff).
            value = request.GET.get("assistance_request", "")
            self.assistance_request = (
                get_object_or_404(
                    AssistanceRequest.objects.for_user(request.user).only("pk", "reference", "status"), pk=int(value)
                )
                if value.isdigit()
                else None
            )
        return super().dispatch(request, *args, **kwargs)

    def items(self) -> QuerySet:
        return (
            ContentItem.objects.for_user(self.request.user)
            .filter(account=self.account)
            .select_related("platform")
            .order_by("-published_at", "-id")
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "items": self.items()}

    def get_initial(self) -> dict[str, Any]:
        actionable = [i.pk for i in self.items().filter(triage_state__in=("suspected", "fixing", "fixed", "acting"))]
        return {"items": actionable, "cause": Lawsuit.Cause.REPUTATION}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["account"] = self.account
        context["assistance_request"] = self.assistance_request
        context["court_suggestions"] = [
            (Lawsuit.Cause(cause).label, litigation.suggest_court(cause)[0])
            for cause in (Lawsuit.Cause.REPUTATION, Lawsuit.Cause.COMMERCIAL_DISPARAGEMENT)
        ]
        context["internet_causes"] = [Lawsuit.Cause(c).label for c in litigation.INTERNET_COURT_CAUSES]
        return context

    def form_valid(self, form: LawsuitPrepareForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            lawsuit = litigation.lawsuit_prepare(
                actor=self.request.user,
                account=self.account,
                items=list(data["items"]),
                cause=data["cause"],
                title=data["title"],
                court_name=data["court_name"],
                damages=data["damages"],
                costs=data["costs"],
                apology_days=data["apology_days"],
                harm_known_on=data["harm_known_on"],
                infringer_known_on=data["infringer_known_on"],
                assistance_request=self.assistance_request,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Draft lawsuit prepared. Check the defendants, claims and court before filing.")
        )
        return redirect(lawsuit)


@login_required
@require_POST
def lawsuit_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a suit to a legal next stage on the date of the event (403 for roles that may not edit)."""
    lawsuit = get_object_or_404(Lawsuit.objects.for_user(request.user), pk=pk)
    permissions.ensure_can_edit(request.user, lawsuit)
    form = LawsuitMoveForm(request.POST, lawsuit=lawsuit)
    if not form.is_valid():
        _form_errors_to_messages(request, form)
        return redirect(lawsuit)
    data = form.cleaned_data
    try:
        lawsuit = litigation.lawsuit_move(
            lawsuit=lawsuit,
            to=data["to"],
            actor=request.user,
            reason=data["reason"],
            on=data["on"],
            case_number=data["case_number"],
            court=data["court"],
            performance_due_on=data["performance_due_on"],
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The suit is now “%(stage)s”.") % {"stage": lawsuit.get_stage_display()})
    return redirect(lawsuit)


@login_required
@require_POST
def lawsuit_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the outcome, remedies and money of a suit (403 for roles that may not edit)."""
    lawsuit = get_object_or_404(Lawsuit.objects.for_user(request.user), pk=pk)
    permissions.ensure_can_edit(request.user, lawsuit)
    form = LawsuitOutcomeForm.for_lawsuit(lawsuit, request.POST)
    if not form.is_valid():
        _form_errors_to_messages(request, form)
        return redirect(lawsuit)
    try:
        litigation.lawsuit_record_outcome(lawsuit=lawsuit, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Outcome recorded."))
    return redirect(lawsuit)


class DeadlineListView(ExportMixin, RoleRequiredMixin, ListView):
    """Pending deadlines due within 30 days, overdue first (they are the earliest); any staff role."""

    export_spec = export_columns.DEADLINES
    permission_model = Deadline
    template_name = "cases/deadline_list.html"
    context_object_name = "deadlines"

    def get_queryset(self) -> QuerySet:
        qs = (
            Deadline.objects.for_user(self.request.user)
            .due_within(UPCOMING_DAYS)
            .select_related(
                "responsible",
                "lawsuit",
                "proceeding__lawsuit",
                "letter__recipient_account",
                "letter__recipient_agency",
                "complaint__platform",
            )
            .order_by("due_on", "id")
        )
        if self.request.GET.get("mine"):
            qs = qs.filter(responsible=self.request.user)
        return qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        rows = _with_countdown(list(context["deadlines"]), today)
        context["overdue"] = [d for d in rows if d.due_on < today]
        context["upcoming"] = [d for d in rows if d.due_on >= today]
        context["upcoming_days"] = UPCOMING_DAYS
        context["can_edit"] = permissions.can_edit(self.request.user, Deadline)
        context["mine"] = bool(self.request.GET.get("mine"))
        return context


@login_required
@require_POST
def deadline_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a deadline as met; back to where the button was."""
    deadline = get_object_or_404(Deadline.objects.for_user(request.user), pk=pk)
    deadlines.deadline_mark_done(deadline=deadline, actor=request.user)
    messages.success(request, _("Deadline marked as done: no more reminders for it."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("cases:deadline-list")
    return redirect(target)


class LawsuitBoardView(RoleRequiredMixin, TemplateView):
    """Suits in columns by stage (the list's filters apply: ``?lawyer=me``, ``?overdue=true``, …),
    then outcomes and costs by cause and by court; any staff role. A fixed number of queries."""

    permission_model = Lawsuit
    template_name = "cases/lawsuit_board.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        filterset = LawsuitFilter(self.request.GET or None, queryset=Lawsuit.objects.none(), user=user)
        context["filter"] = filterset
        context["columns"] = lawsuit_board.board_columns(user=user, filters=self.request.GET)
        context["cards_per_stage"] = lawsuit_board.CARDS_PER_STAGE
        context["today"] = timezone.localdate()
        context["by_cause"] = lawsuit_board.outcomes_by_cause(user=user)
        context["by_court"] = lawsuit_board.outcomes_by_court(user=user, unknown=_("Court not recorded"))
        context["query"] = self.request.GET.urlencode()
        context["primary_filters"] = ("lawyer", "overdue", "cause", "our_role")
        return context
