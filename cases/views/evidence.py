"""Evidence pages: list, detail (with chain of custody), upload, new version, download, soft delete, verify.

Opening the detail page and downloading the file are audited reads: each adds a custody link
and an audit entry. Downloads are served as attachments with ``nosniff`` and a sandbox CSP,
so a saved web page is never rendered on the app's origin.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases import export_columns
from cases.audit import client_ip
from cases.exports import ExportMixin
from cases.forms.evidence import EvidenceDeleteForm, EvidenceFilter, EvidenceForm
from cases.models import AssistanceRequest, ContentItem, Evidence, Lawsuit
from cases.selectors.evidence import (
    evidence_custody_chain,
    evidence_detail_queryset,
    evidence_failed_count,
    evidence_for_package,
    evidence_list,
    evidence_versions,
)
from cases.services import evidence as evidence_service
from cases.services.attestation import attestation_enabled
from cases.services.custody import verify_chain
from cases.services.evidence_package import evidence_package_build
from cases.services.web_capture import chromium_available
from cases.tasks.evidence import capture_web_page
from cases.views.listing import FilteredListView

# Served types a browser could execute or render as a page: sent as opaque bytes instead.
NEVER_INLINE_TYPES = {"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml"}


def _visible_evidence(request: HttpRequest, pk: int) -> Evidence:
    return get_object_or_404(Evidence.objects.for_user(request.user), pk=pk)


class EvidenceListView(ExportMixin, FilteredListView):
    """Current versions, newest first; a banner when any file failed its last integrity check."""

    export_spec = export_columns.EVIDENCE
    permission_model = Evidence
    filterset_class = EvidenceFilter
    template_name = "cases/evidence_list.html"
    primary_filters = ("capture_method", "status", "integrity")

    def base_queryset(self) -> QuerySet:
        return evidence_list(user=self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["failed_count"] = evidence_failed_count(user=self.request.user)
        return context


class EvidenceDetailView(RoleRequiredMixin, DetailView):
    """Metadata, hash, chain of custody (verified or where it breaks), versions and linked records."""

    permission_model = Evidence
    template_name = "cases/evidence_detail.html"
    context_object_name = "evidence"

    def get_queryset(self) -> QuerySet:
        return evidence_detail_queryset(user=self.request.user)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        # Record the view first, so the chain shown includes this very visit.
        evidence_service.evidence_record_view(evidence=self.object, actor=request.user, ip=client_ip(request))
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, evidence = self.request.user, self.object
        context["custody"] = list(evidence_custody_chain(user=user, evidence=evidence))
        context["chain_broken_at"] = verify_chain(evidence, context["custody"])
        context["versions"] = evidence_versions(user=user, evidence=evidence)
        try:
            context["newer_version"] = evidence.next_version
        except Evidence.DoesNotExist:
            context["newer_version"] = None
        context["is_current"] = not evidence.is_deleted and context["newer_version"] is None
        context["delete_form"] = EvidenceDeleteForm()
        context["can_edit"] = permissions.can_edit(user, Evidence)
        context["attestation_enabled"] = attestation_enabled()
        return context


class EvidenceCreateView(RoleRequiredMixin, FormView):
    """Fix new evidence; ``?item=<id>`` links it to that content item (and pre-fills what the item knows)."""

    permission_model = Evidence
    permission_edit = True
    form_class = EvidenceForm
    template_name = "cases/evidence_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.item: ContentItem | None = None
        return super().dispatch(request, *args, **kwargs)

    def _item(self) -> ContentItem | None:
        raw = self.request.GET.get("item") or self.request.POST.get("item")
        if not raw:
            return None
        try:
            item_id = int(raw)
        except ValueError as exc:
            raise Http404 from exc
        return get_object_or_404(ContentItem.objects.for_user(self.request.user), pk=item_id)

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        self.item = self._item()
        if self.item is not None:
            initial.update(
                title=(self.item.title or str(self.item))[:200],
                capture_url=self.item.url,
                platform=self.item.platform_id,
                account=self.item.account_id,
                content_live_status=self.item.live_status,
            )
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["item"] = self.item
        return context

    def form_valid(self, form: EvidenceForm) -> HttpResponse:
        links = evidence_service.UploadLinks(content_items=[self.item] if self.item else [])
        try:
            evidence = evidence_service.evidence_upload(
                uploaded=form.cleaned_data["upload"],
                actor=self.request.user,
                metadata=form.metadata(),
                links=links,
                ip=client_ip(self.request),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Evidence fixed. SHA-256: %(hash)s") % {"hash": evidence.sha256})
        return redirect("cases:evidence-detail", pk=evidence.pk)


class EvidenceNewVersionView(RoleRequiredMixin, FormView):
    """Upload a correction: a new version pointing at this one. The old file stays untouched."""

    permission_model = Evidence
    permission_edit = True
    form_class = EvidenceForm
    template_name = "cases/evidence_form.html"

    @property
    def previous(self) -> Evidence:
        # Looked up after the role check (dispatch), so executives get 403, not 404.
        if not hasattr(self, "_previous"):
            self._previous = get_object_or_404(
                Evidence.objects.for_user(self.request.user).current(), pk=self.kwargs["pk"]
            )
        return self._previous

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        # Start from the old version's metadata: a correction usually changes only the file.
        kwargs["instance"] = Evidence.objects.get(pk=self.previous.pk)
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["previous"] = self.previous
        return context

    def form_valid(self, form: EvidenceForm) -> HttpResponse:
        try:
            evidence = evidence_service.evidence_new_version(
                previous=self.previous,
                uploaded=form.cleaned_data["upload"],
                actor=self.request.user,
                metadata=form.metadata(),
                ip=client_ip(self.request),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("New version saved; the previous version is kept."))
        return redirect("cases:evidence-detail", pk=evidence.pk)


def _add_service_errors(form: EvidenceForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error("upload", error)


class EvidenceDownloadView(RoleRequiredMixin, View):
    """Stream the stored file as an attachment; a custody link and an audit entry record who took it."""

    permission_model = Evidence

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        evidence = _visible_evidence(request, pk)
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("The evidence file is missing from storage.")) from exc
        evidence_service.evidence_record_download(evidence=evidence, actor=request.user, ip=client_ip(request))
        content_type = evidence.mime_type
        if content_type in NEVER_INLINE_TYPES:
            content_type = "application/octet-stream"
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=evidence_service.download_filename(evidence),
            content_type=content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        response["Cache-Control"] = "private, no-store"
        return response


class EvidenceDeleteView(RoleRequiredMixin, View):
    """Soft delete with a reason (POST); refused under litigation hold."""

    permission_model = Evidence
    permission_edit = True

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        evidence = _visible_evidence(request, pk)
        form = EvidenceDeleteForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say why this evidence is deleted."))
            return redirect("cases:evidence-detail", pk=pk)
        try:
            evidence_service.evidence_delete(evidence=evidence, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cases:evidence-detail", pk=pk)
        messages.success(request, _("Evidence deleted. The file and its chain of custody are kept."))
        return HttpResponseRedirect(reverse("cases:evidence-list"))


class EvidenceVerifyView(RoleRequiredMixin, View):
    """Re-hash the file now (POST) and say whether it still matches."""

    permission_model = Evidence
    permission_edit = True

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        evidence = _visible_evidence(request, pk)
        state = evidence_service.evidence_verify(evidence=evidence, actor=request.user, ip=client_ip(request))
        if state == Evidence.Integrity.OK:
            messages.success(request, _("The file still matches its recorded SHA-256."))
        else:
            messages.error(
                request,
                _("Integrity check failed: %(state)s. Nothing was changed; tell a lawyer.")
                % {"state": Evidence.Integrity(state).label},
            )
        return redirect("cases:evidence-detail", pk=pk)


class EvidencePackageView(RoleRequiredMixin, View):
    """Export a lawsuit's or assistance request's current evidence as one verifiable ZIP (POST)."""

    permission_model = Evidence
    permission_edit = True
    subject_model: type[Lawsuit] | type[AssistanceRequest] = Lawsuit

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        subject = get_object_or_404(self.subject_model.objects.for_user(request.user), pk=pk)
        files = list(evidence_for_package(user=request.user, subject=subject))
        title = str(subject)
        try:
            handle = evidence_package_build(
                evidence=files, title=title, actor=request.user, ip=client_ip(request), subject=subject
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(subject.get_absolute_url())
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"evidence-package-{self.subject_model._meta.model_name}-{subject.pk}-{stamp}.zip",
            content_type="application/zip",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class AssistanceEvidencePackageView(EvidencePackageView):
    subject_model = AssistanceRequest


class EvidenceCaptureView(RoleRequiredMixin, View):
    """One click from an item: capture its URL in headless Chromium as PNG + PDF + HTML evidence (POST)."""

    permission_model = Evidence
    permission_edit = True

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = get_object_or_404(ContentItem.objects.for_user(request.user), pk=pk)
        if not chromium_available():
            messages.error(
                request,
                _("Web capture needs Chromium on the server: install the “chromium” package (apt install chromium)."),
            )
            return redirect(item)
        try:
            result = capture_web_page.delay(item.url, request.user.pk, item.pk)
            # Eager mode (no broker) runs the capture now; with a worker it runs in the background.
            ids = result.get() if result.ready() else None
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(item)
        except Exception as error:  # the browser failed (timeout, network): say so, store nothing
            messages.error(request, _("The capture failed: %(error)s") % {"error": str(error)[:200]})
            return redirect(item)
        if ids:
            messages.success(request, _("Captured: a full-page PNG, a PDF and the HTML were fixed as evidence."))
        else:
            messages.info(request, _("The capture is running; the evidence will appear on this item when it is done."))
        return redirect(item)
