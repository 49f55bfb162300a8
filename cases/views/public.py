"""Public pages for car owners (no login): the program, the evidence guide, the request form,
and the private tracking page reached through an unguessable token (never the primary key).

The token is in the tracking page's path (a private link needs it), so every response on that
path is marked as logged to keep Django's "Not Found: <path>" lines out of the logs, and the
POST actions carry the token in the form body rather than the path.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView, TemplateView

from cases.audit import client_ip
from cases.forms.assistance import AssistanceRequestForm, EvidenceUploadForm, TokenForm, WithdrawForm
from cases.models import AssistanceRequest, StateChange
from cases.services import assistance, owner_data
from cases.services.notifications import OWNER_STATUS_TEXT

S = AssistanceRequest.Status


@method_decorator(login_not_required, name="dispatch")
class PublicHomeView(TemplateView):
    """The owner assistance program (车主援助) and its personal-information notice."""

    template_name = "cases/public/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            notice_version=settings.PRIVACY_NOTICE_VERSION,
            retention_days=settings.ASSISTANCE_RETENTION_DAYS,
            contact_email=settings.DEFAULT_FROM_EMAIL,
        )
        return context


@method_decorator(login_not_required, name="dispatch")
class EvidenceGuideView(TemplateView):
    """The evidence-collection guide (取证指引), platform by platform."""

    template_name = "cases/public/guide.html"


# --- The request form, the thank-you page and the private tracking page ----------------------

RECEIPT_KEY = "assistance_receipt"
RETRY_AFTER = {"ip": assistance.IP_WINDOW, "phone": assistance.PHONE_WINDOW}


def _private(response: HttpResponse) -> HttpResponse:
    """Headers for pages that show a private link or a request: never cached, never referred, never indexed."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    response = render(request, "404.html", status=404)
    # The path holds a (guessed) token: keep Django's "Not Found: <path>" line out of the logs.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return _private(response)


@method_decorator(login_not_required, name="dispatch")
class AssistanceRequestCreateView(FormView):
    """The public request form. Honeypot and rate limits run before the service (STYLE.md §15)."""

    template_name = "cases/public/request_form.html"
    form_class = AssistanceRequestForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            notice_version=settings.PRIVACY_NOTICE_VERSION,
            retention_days=settings.ASSISTANCE_RETENTION_DAYS,
            contact_email=settings.DEFAULT_FROM_EMAIL,
        )
        return context

    def _too_many(self, form: AssistanceRequestForm, kind: str) -> HttpResponse:
        form.add_error(None, _("Too many requests have been sent from here. Please try again later."))
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(RETRY_AFTER[kind])
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        ip = client_ip(request)
        flooding = assistance.rate_limited("attempt", ip, assistance.ATTEMPT_LIMIT)
        assistance.rate_count("attempt", ip, assistance.ATTEMPT_WINDOW)
        if flooding or assistance.rate_limited("ip", ip, assistance.IP_LIMIT):
            form.is_valid()  # keep what the owner typed, with the field errors if any
            return self._too_many(form, "ip")
        if request.POST.get("website"):
            # A bot filled the honeypot: store nothing, and answer as if all went well.
            assistance.rate_count("ip", ip, assistance.IP_WINDOW)
            return redirect("cases:public-request-thanks")
        if not form.is_valid():
            return self.form_invalid(form)
        data = form.cleaned_data
        if assistance.rate_limited("phone", data["phone"], assistance.PHONE_LIMIT):
            return self._too_many(form, "phone")
        try:
            submission = self._submit(data)
        except ValidationError as error:  # e.g. storage full: nothing was stored, and the owner is told
            form.add_error(None, error)
            return self.form_invalid(form)
        assistance.rate_count("ip", ip, assistance.IP_WINDOW)
        assistance.rate_count("phone", data["phone"], assistance.PHONE_WINDOW)
        receipt: dict[str, Any] = {"duplicate": submission.duplicate}
        if not submission.duplicate:
            req = submission.assistance_request
            url = request.build_absolute_uri(reverse("cases:public-request-track", args=[submission.token]))
            assistance.assistance_request_send_link(assistance_request=req, tracking_url=url)
            receipt.update(reference=req.reference, tracking_url=url)
        request.session[RECEIPT_KEY] = receipt
        return redirect("cases:public-request-thanks")

    def _submit(self, data: dict[str, Any]) -> assistance.Submission:
        return assistance.assistance_request_submit(
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            city=data["city"],
            vehicle_model=data["vehicle_model"],
            vin_last6=data["vin_last6"],
            description=data["description"],
            links=data["links"],
            help_types=data["help_types"],
            files=data["files"],
            sensitive_data=data["sensitive_data"],
            share_with_counsel=data["share_with_counsel"],
        )


@login_not_required
@require_GET
def request_thanks(request: HttpRequest) -> HttpResponse:
    """Shows the reference and the private link once: the receipt leaves the session as it is read."""
    receipt = request.session.pop(RECEIPT_KEY, None) or {}
    return _private(render(request, "cases/public/request_thanks.html", {"receipt": receipt}))


def _tracking_context(req: AssistanceRequest, token: str) -> dict[str, Any]:
    changes = StateChange.objects.filter(object_type="cases.assistancerequest", object_id=req.pk).order_by("at", "pk")
    timeline = [{"at": req.submitted_at, "text": OWNER_STATUS_TEXT[S.SUBMITTED]}]
    # Only the state reached and when: never who moved it or the staff's reasons.
    timeline += [{"at": c.at, "text": OWNER_STATUS_TEXT.get(c.to_state, "")} for c in changes.only("at", "to_state")]
    return {
        "req": req,
        "timeline": list(reversed(timeline)),
        "status_text": OWNER_STATUS_TEXT.get(req.status, ""),
        "upload_form": EvidenceUploadForm(initial={"token": token}) if req.status == S.NEED_INFO else None,
        "withdraw_form": WithdrawForm(initial={"token": token}) if req.status != S.WITHDRAWN else None,
        "export_form": TokenForm(initial={"token": token}) if req.purged_at is None else None,
    }


def _track_miss(request: HttpRequest) -> HttpResponse:
    ip = client_ip(request)
    assistance.rate_count("track", ip, assistance.TRACK_MISS_WINDOW)
    return _not_found(request)


def _throttled_tracking(request: HttpRequest) -> HttpResponse | None:
    if assistance.rate_limited("track", client_ip(request), assistance.TRACK_MISS_LIMIT):
        response = render(request, "cases/public/too_many.html", status=429)
        response["Retry-After"] = str(assistance.TRACK_MISS_WINDOW)
        response._has_been_logged = True  # type: ignore[attr-defined]
        return _private(response)
    return None


@login_not_required
@require_GET
def request_track(request: HttpRequest, token: str) -> HttpResponse:
    """The owner's private page: status in plain words, what is needed, more evidence, withdrawal."""
    if throttled := _throttled_tracking(request):
        return throttled
    req = assistance.assistance_request_by_token(token)
    if req is None:
        return _track_miss(request)
    return _private(render(request, "cases/public/request_track.html", _tracking_context(req, token)))


def _track_redirect(token: str) -> HttpResponse:
    return _private(redirect("cases:public-request-track", token=token))


@login_not_required
@require_POST
def request_upload(request: HttpRequest) -> HttpResponse:
    """More evidence through the link. The token travels in the form body, not the logged path."""
    if throttled := _throttled_tracking(request):
        return throttled
    form = EvidenceUploadForm(request.POST, request.FILES)
    req = assistance.assistance_request_by_token(request.POST.get("token", ""))
    if req is None:
        return _track_miss(request)
    token = request.POST["token"]
    if not form.is_valid():
        context = _tracking_context(req, token)
        context["upload_form"] = form
        return _private(render(request, "cases/public/request_track.html", context, status=400))
    try:
        count = assistance.assistance_request_add_evidence(assistance_request=req, files=form.cleaned_data["files"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you: %(count)s file(s) received.") % {"count": count})
    return _track_redirect(token)


@login_not_required
@require_POST
def request_withdraw(request: HttpRequest) -> HttpResponse:
    """Withdrawal of consent, confirmed by a tick box; the purge job deletes the data later."""
    if throttled := _throttled_tracking(request):
        return throttled
    form = WithdrawForm(request.POST)
    req = assistance.assistance_request_by_token(request.POST.get("token", ""))
    if req is None:
        return _track_miss(request)
    token = request.POST["token"]
    if not form.is_valid():
        context = _tracking_context(req, token)
        context["withdraw_form"] = form
        return _private(render(request, "cases/public/request_track.html", context, status=400))
    try:
        assistance.assistance_request_withdraw(assistance_request=req)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your consent is withdrawn and your request has ended."))
    return _track_redirect(token)


@login_not_required
@require_POST
def request_export(request: HttpRequest) -> HttpResponse:
    """The owner downloads a copy of their own data (JSON or PDF), audited; the token travels in the body."""
    if throttled := _throttled_tracking(request):
        return throttled
    req = assistance.assistance_request_by_token(request.POST.get("token", ""))
    if req is None or req.purged_at is not None:
        return _track_miss(request)
    fmt = "pdf" if request.POST.get("format") == "pdf" else "json"
    content = owner_data.owner_data_export(assistance_request=req, fmt=fmt)
    content_type = "application/pdf" if fmt == "pdf" else "application/json; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{req.reference}-my-data.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)
