"""Lawsuit pages for lawyers: add or correct a proceeding (court, case number, judge, dates) or a
hearing, file a document on the suit, release the litigation hold. Thin: a form, one service call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import permissions
from cases.audit import client_ip
from cases.forms.litigation import HearingForm, HoldReleaseForm, LawsuitDocumentForm, ProceedingForm
from cases.models import Hearing, Lawsuit, Proceeding
from cases.services import holds, proceedings


def _editable_lawsuit(request: HttpRequest, pk: int) -> Lawsuit:
    """404 when the user cannot see the suit, 403 when they can see but not change it."""
    lawsuit = get_object_or_404(Lawsuit.objects.for_user(request.user), pk=pk)
    permissions.ensure_can_edit(request.user, lawsuit)
    return lawsuit


def put_errors(form: Any, error: ValidationError) -> None:
    """Put a service's ValidationError back on the form, field by field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def proceeding_edit(request: HttpRequest, pk: int, proceeding_pk: int | None = None) -> HttpResponse:
    """Add a proceeding to a suit (or correct one): court, case number in the official format, judge, dates."""
    lawsuit = _editable_lawsuit(request, pk)
    proceeding = (
        get_object_or_404(Proceeding.objects.for_user(request.user), pk=proceeding_pk, lawsuit=lawsuit)
        if proceeding_pk
        else None
    )
    initial = {"outside_counsel": lawsuit.outside_counsel}
    if proceeding is None:
        initial["court_name"] = lawsuit.court_name
    form = ProceedingForm(request.POST or None, instance=proceeding, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in proceedings.PROCEEDING_FIELDS}
        try:
            proceedings.proceeding_save(
                lawsuit=lawsuit,
                actor=request.user,
                data=data,
                proceeding=Proceeding.objects.get(pk=proceeding.pk) if proceeding else None,
                outside_counsel=form.cleaned_data["outside_counsel"],
            )
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("Proceeding saved; the deadlines were recomputed."))
            return redirect(lawsuit)
    return render(
        request,
        "cases/lawsuit_proceeding_form.html",
        {"lawsuit": lawsuit, "proceeding": proceeding, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def hearing_edit(request: HttpRequest, pk: int, proceeding_pk: int, hearing_pk: int | None = None) -> HttpResponse:
    """Schedule a hearing of a proceeding (or correct one): kind, date and time, place, judge, held."""
    lawsuit = _editable_lawsuit(request, pk)
    proceeding = get_object_or_404(Proceeding.objects.for_user(request.user), pk=proceeding_pk, lawsuit=lawsuit)
    hearing = (
        get_object_or_404(Hearing.objects.for_user(request.user), pk=hearing_pk, proceeding=proceeding)
        if hearing_pk
        else None
    )
    initial = {} if hearing else {"judge": proceeding.judge}
    form = HearingForm(request.POST or None, instance=hearing, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            proceedings.hearing_save(
                proceeding=proceeding,
                actor=request.user,
                data={name: form.cleaned_data[name] for name in proceedings.HEARING_FIELDS},
                hearing=Hearing.objects.get(pk=hearing.pk) if hearing else None,
            )
        except ValidationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("Hearing saved."))
            return redirect(lawsuit)
    return render(
        request,
        "cases/lawsuit_hearing_form.html",
        {"lawsuit": lawsuit, "proceeding": proceeding, "hearing": hearing, "form": form},
    )


@login_required
@require_POST
def lawsuit_document(request: HttpRequest, pk: int) -> HttpResponse:
    """File a document on the suit through the evidence service (hashed, with custody)."""
    lawsuit = _editable_lawsuit(request, pk)
    form = LawsuitDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return redirect(lawsuit)
    try:
        fixed = proceedings.lawsuit_add_document(
            lawsuit=lawsuit,
            actor=request.user,
            uploaded=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            ip=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Document filed as evidence (SHA-256 %(hash)s).") % {"hash": fixed.sha256[:16]})
    return redirect(lawsuit)


@login_required
@require_POST
def lawsuit_hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    """A lawyer releases the hold on a closed suit's evidence once its retention has passed."""
    lawsuit = get_object_or_404(Lawsuit.objects.for_user(request.user), pk=pk)
    if not permissions.can_sign_off(request.user):
        raise permissions.PermissionDenied
    form = HoldReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the hold is released."))
        return redirect(lawsuit)
    try:
        released = holds.hold_release_for_lawsuit(
            lawsuit=lawsuit, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Litigation hold released on %(count)d evidence files.") % {"count": released})
    return redirect(lawsuit)
