"""Lawyer letters and identity disclosures: drafting a letter from an account, a campaign, chosen
items or an owner's request; approving, issuing (PDF), delivering, recording the response and
closing; requesting and recording identity disclosures. Thin views: a form, one service call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import DetailView, ListView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases.audit import client_ip
from cases.forms.letters import (
    DisclosureRequestForm,
    DisclosureResponseForm,
    LetterCloseForm,
    LetterDeliverForm,
    LetterForm,
    LetterResponseForm,
)
from cases.models import (
    AssistanceRequest,
    Campaign,
    ContentItem,
    Evidence,
    IdentityDisclosure,
    Lawsuit,
    LawyerLetter,
    MonitoredAccount,
    StateChange,
)
from cases.services import disclosures, holds, letters, workflow
from cases.views.proceedings import put_errors

S = LawyerLetter.Status
LIST_SIZE = 50


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name) or request.POST.get(f"source_{name}") or ""
    return int(value) if value.isdigit() else None


class LetterListView(RoleRequiredMixin, ListView):
    """Letters, open ones first, newest first; any staff role (a short list: no cheap paginator needed)."""

    permission_model = LawyerLetter
    template_name = "cases/letter_list.html"
    context_object_name = "letters"
    paginate_by = LIST_SIZE

    def get_queryset(self) -> QuerySet:
        return (
            LawyerLetter.objects.for_user(self.request.user)
            .select_related("recipient_account__platform", "recipient_agency", "lawyer")
            .annotate(finished=Case(When(status=S.CLOSED, then=1), default=0, output_field=IntegerField()))
            .order_by("finished", "-created_at", "-id")
        )


def _letter_sources(request: HttpRequest) -> dict[str, Any]:
    """The account, campaign or assistance request a new letter starts from (?account=, ?campaign=, ?assistance_request=)."""
    user = request.user
    sources: dict[str, Any] = {"account": None, "campaign": None, "assistance_request": None}
    if (pk := _int_param(request, "account")) is not None:
        sources["account"] = get_object_or_404(
            MonitoredAccount.objects.for_user(user).select_related("platform", "agency"), pk=pk
        )
    if (pk := _int_param(request, "campaign")) is not None:
        sources["campaign"] = get_object_or_404(Campaign.objects.for_user(user), pk=pk)
    if (pk := _int_param(request, "assistance_request")) is not None:
        sources["assistance_request"] = get_object_or_404(
            AssistanceRequest.objects.for_user(user).only("pk", "reference", "status"), pk=pk
        )
    return sources


def _source_items(user: Any, sources: dict[str, Any], request: HttpRequest) -> QuerySet:
    qs = ContentItem.objects.for_user(user).select_related("platform")
    condition = Q()
    if sources["account"] is not None:
        condition |= Q(account=sources["account"])
    if sources["campaign"] is not None:
        condition |= Q(campaign=sources["campaign"])
    if sources["assistance_request"] is not None:
        condition |= Q(assistance_requests=sources["assistance_request"])
    chosen = [int(v) for v in request.GET.getlist("items") if v.isdigit()]
    if chosen:
        condition |= Q(pk__in=chosen)
    if not condition:
        return qs.none()
    return qs.filter(condition).distinct().order_by("-published_at", "-id")


@login_required
@require_http_methods(["GET", "POST"])
def letter_create(request: HttpRequest) -> HttpResponse:
    """Draft a letter; the items of the source are offered, those with fixed evidence preselected."""
    if not permissions.can_edit(request.user, LawyerLetter):
        raise PermissionDenied
    sources = _letter_sources(request)
    items = _source_items(request.user, sources, request)
    actionable = [i.pk for i in items if i.triage_state in ("suspected", "fixing", "fixed", "acting")]
    form = LetterForm(request.POST or None, items=items, initial={"items": actionable})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            letter = letters.letter_create(
                actor=request.user,
                items=list(data["items"]),
                **sources,
                recipient_name=data["recipient_name"],
                issuer=data["issuer"],
                demands=data["demands"],
                apology_pin_days=data["apology_pin_days"],
                compensation_amount=data["compensation_amount"],
                deadline=data["deadline"],
            )
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("Draft letter saved. A lawyer approves it before it is issued."))
            return redirect(letter)
    return render(request, "cases/letter_form.html", {"form": form, **sources, "has_items": items.exists()})


def _timeline(letter: LawyerLetter) -> list[StateChange]:
    """The letter's steps with translated state names (approval is recorded as draft → approved)."""
    rows = list(
        StateChange.objects.filter(object_type=letter._meta.label_lower, object_id=letter.pk)
        .select_related("actor")
        .order_by("at", "id")
    )
    extra = {"approved": _("Approved")}
    for row in rows:
        row.from_label = extra.get(row.from_state) or workflow.state_label(letter, row.from_state)  # type: ignore[attr-defined]
        row.to_label = extra.get(row.to_state) or workflow.state_label(letter, row.to_state)  # type: ignore[attr-defined]
    return rows


class LetterDetailView(RoleRequiredMixin, DetailView):
    """One letter with its items, PDF, delivery, response, deadline and the next step."""

    permission_model = LawyerLetter
    template_name = "cases/letter_detail.html"
    context_object_name = "letter"

    def get_queryset(self) -> QuerySet:
        return (
            LawyerLetter.objects.for_user(self.request.user)
            .select_related(
                "recipient_account__platform", "recipient_agency", "lawyer", "approved_by", "pdf_evidence", "campaign"
            )
            .defer(*(f"assistance_request__{n}" for n in ("owner_name", "owner_phone", "owner_email", "description")))
            .select_related("assistance_request")
            .prefetch_related("deadlines")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, letter = self.request.user, self.object
        context["items"] = list(
            ContentItem.objects.for_user(user)
            .filter(letters=letter)
            .select_related("platform")
            .order_by("published_at", "id")
        )
        context["timeline"] = _timeline(letter)
        context["can_edit"] = can_edit = permissions.can_edit(user, letter)
        context["can_approve"] = permissions.can_sign_off(user) and letter.status == S.DRAFT and not letter.approved_at
        context["can_view_evidence"] = permissions.can_view(user, Evidence)
        context["can_view_assistance"] = permissions.can_view(user, AssistanceRequest)
        context["suggests_suit"] = letters.suggests_suit(letter) and permissions.can_edit(user, Lawsuit)
        release_on = holds.letter_release_date(letter)
        context["hold_release_on"] = release_on
        context["can_release_hold"] = (
            permissions.can_sign_off(user) and release_on is not None and release_on <= timezone.localdate()
        )
        if can_edit:
            context["can_issue"] = letter.status == S.DRAFT and letter.approved_at is not None
            if letter.can_move_to(S.DELIVERED):
                context["deliver_form"] = LetterDeliverForm()
            if letter.can_move_to(S.RESPONDED):
                context["response_form"] = LetterResponseForm()
            if letter.can_move_to(S.CLOSED):
                context["close_form"] = LetterCloseForm()
        return context


def _letter_action(request: HttpRequest, pk: int) -> LawyerLetter:
    letter = get_object_or_404(LawyerLetter.objects.for_user(request.user), pk=pk)
    permissions.ensure_can_edit(request.user, letter)
    return letter


def _done(request: HttpRequest, letter: LawyerLetter, call: Any, success: str) -> HttpResponse:
    try:
        call()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect(letter)


@login_required
@require_POST
def letter_approve(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(LawyerLetter.objects.for_user(request.user), pk=pk)
    return _done(
        request,
        letter,
        lambda: letters.letter_approve(letter=letter, actor=request.user, note=request.POST.get("note", "")[:2000]),
        _("Letter approved: it can now be issued."),
    )


@login_required
@require_POST
def letter_issue(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter_action(request, pk)
    return _done(
        request,
        letter,
        lambda: letters.letter_issue(letter=letter, actor=request.user, ip=client_ip(request)),
        _("Letter issued: the PDF is kept as evidence with its SHA-256, and the items' evidence is on hold."),
    )


def _form_action(request: HttpRequest, letter: LawyerLetter, form: Any, call: Any, success: str) -> HttpResponse:
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(letter)
    return _done(request, letter, lambda: call(form.cleaned_data), success)


@login_required
@require_POST
def letter_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter_action(request, pk)
    return _form_action(
        request,
        letter,
        LetterDeliverForm(request.POST),
        lambda d: letters.letter_deliver(
            letter=letter, actor=request.user, channel=d["channel"], proof=d["proof"], delivered_at=d["delivered_at"]
        ),
        _("Delivery recorded; the deadline to comply is on the deadline list."),
    )


@login_required
@require_POST
def letter_respond(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter_action(request, pk)
    return _form_action(
        request,
        letter,
        LetterResponseForm(request.POST),
        lambda d: letters.letter_record_response(
            letter=letter, actor=request.user, response=d["response"], outcome=d["outcome"]
        ),
        _("Response recorded."),
    )


@login_required
@require_POST
def letter_close(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _letter_action(request, pk)
    return _form_action(
        request,
        letter,
        LetterCloseForm(request.POST),
        lambda d: letters.letter_close(letter=letter, actor=request.user, reason=d["reason"]),
        _("Letter closed."),
    )


@login_required
@require_POST
def letter_hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    """A lawyer releases the hold a closed letter placed, once its retention has passed."""
    letter = get_object_or_404(LawyerLetter.objects.for_user(request.user), pk=pk)
    reason = request.POST.get("reason", "").strip()[:2000]
    if not reason:
        messages.error(request, _("Say why the hold is released."))
        return redirect(letter)
    try:
        released = holds.hold_release_for_letter(letter=letter, actor=request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Litigation hold released on %(count)d evidence files.") % {"count": released})
    return redirect(letter)


# --- Identity disclosure ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Request disclosure of an account's holder (lawyers and admins: the identity area)."""
    if not permissions.can_edit(request.user, IdentityDisclosure):
        raise PermissionDenied
    account = get_object_or_404(MonitoredAccount.objects.for_user(request.user).select_related("platform"), pk=pk)
    lawsuit_pk = _int_param(request, "lawsuit")
    lawsuit = get_object_or_404(Lawsuit.objects.for_user(request.user), pk=lawsuit_pk) if lawsuit_pk else None
    form = DisclosureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            disclosure = disclosures.disclosure_request(
                actor=request.user,
                account=account,
                route=form.cleaned_data["route"],
                lawsuit=lawsuit,
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("Disclosure request recorded."))
            return redirect(disclosure)
    return render(request, "cases/disclosure_form.html", {"form": form, "account": account, "lawsuit": lawsuit})


class DisclosureDetailView(RoleRequiredMixin, DetailView):
    """One disclosure request; the disclosed identity is shown in clear (and the read audited) only here."""

    permission_model = IdentityDisclosure
    template_name = "cases/disclosure_detail.html"
    context_object_name = "disclosure"

    def get_queryset(self) -> QuerySet:
        return IdentityDisclosure.objects.for_user(self.request.user).select_related(
            "account__platform", "lawsuit", "requested_by"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, disclosure = self.request.user, self.object
        context["identity"] = disclosures.disclosure_identity(disclosure=disclosure, actor=user)
        context["can_edit"] = permissions.can_edit(user, disclosure)
        if context["can_edit"] and disclosure.status == IdentityDisclosure.Status.REQUESTED:
            context["response_form"] = DisclosureResponseForm()
        if context["can_edit"] and disclosure.status == IdentityDisclosure.Status.DISCLOSED:
            context["open_lawsuits"] = list(
                Lawsuit.objects.for_user(user)
                .open()
                .filter(parties__monitored_account=disclosure.account)
                .distinct()
                .order_by("-created_at")[:20]
            )
        return context


def _disclosure_action(request: HttpRequest, pk: int) -> IdentityDisclosure:
    disclosure = get_object_or_404(IdentityDisclosure.objects.for_user(request.user), pk=pk)
    permissions.ensure_can_edit(request.user, disclosure)
    return disclosure


@login_required
@require_POST
def disclosure_respond(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = _disclosure_action(request, pk)
    form = DisclosureResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the answer and try again."))
        return redirect(disclosure)
    data = form.cleaned_data
    try:
        disclosures.disclosure_record_response(
            disclosure=disclosure,
            actor=request.user,
            status=data["status"],
            name=data["name"],
            contact=data["contact"],
            address=data["address"],
            notes=data["notes"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Answer recorded."))
    return redirect(disclosure)


@login_required
@require_POST
def disclosure_add_defendant(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = _disclosure_action(request, pk)
    lawsuit_pk = request.POST.get("lawsuit", "")
    if not lawsuit_pk.isdigit():
        raise Http404
    lawsuit = get_object_or_404(Lawsuit.objects.for_user(request.user), pk=int(lawsuit_pk))
    try:
        disclosures.disclosure_add_defendant(disclosure=disclosure, lawsuit=lawsuit, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(disclosure)
    messages.success(request, _("The disclosed holder is now a defendant of this suit."))
    return redirect(lawsuit)
