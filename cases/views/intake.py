"""Staff pages for intake: upload a file, follow its import job, and enter one URL by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases import export_columns
from cases.exports import ExportMixin
from cases.forms.intake import ImportUploadForm, ManualItemForm
from cases.models import ContentItem, ImportJob
from cases.services import intake
from cases.services.intake_files import HEADER_ALIASES

# What each recognised column fills, for the help table on the upload page.
COLUMN_LABELS = {
    "platform": gettext_lazy("Platform"),
    "url": gettext_lazy("URL (required)"),
    "platform_content_id": gettext_lazy("Content ID on the platform"),
    "content_type": gettext_lazy("Type"),
    "title": gettext_lazy("Title"),
    "text": gettext_lazy("Text"),
    "published_at": gettext_lazy("Published"),
    "views": gettext_lazy("Views"),
    "likes": gettext_lazy("Likes"),
    "shares": gettext_lazy("Shares"),
    "comments": gettext_lazy("Comments"),
    "live_status": gettext_lazy("Status on the platform"),
    "ai_label_present": gettext_lazy("AI-generated label shown"),
    "account.platform_uid": gettext_lazy("Account: platform user ID"),
    "account.name": gettext_lazy("Account: name"),
    "account.followers": gettext_lazy("Account: followers"),
    "account.profile_url": gettext_lazy("Account: profile URL"),
    "account.ip_location": gettext_lazy("Account: IP location"),
    "account.verification": gettext_lazy("Account: verification"),
    "assessment.conclusion": gettext_lazy("Earlier assessment: conclusion"),
    "assessment.rationale": gettext_lazy("Earlier assessment: rationale"),
    "assessment.severity": gettext_lazy("Earlier assessment: severity"),
    "assessment.category": gettext_lazy("Earlier assessment: campaign category"),
    "assessment.infringement_types": gettext_lazy("Earlier assessment: infringement types"),
    "assessment.assessed_at": gettext_lazy("Earlier assessment: date"),
}


def _job_queryset(user: Any) -> QuerySet:
    return ImportJob.objects.for_user(user).select_related("created_by", "default_platform")


class ImportJobCreateView(RoleRequiredMixin, FormView):
    """Upload a CSV or XLSX file; the import runs as a job and the page follows it."""

    permission_model = ContentItem
    permission_edit = True
    form_class = ImportUploadForm
    template_name = "cases/import_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["columns"] = [(COLUMN_LABELS[key], aliases) for key, aliases in HEADER_ALIASES.items()]
        return context

    def form_valid(self, form: ImportUploadForm) -> HttpResponse:
        job = intake.import_job_create(
            file=form.cleaned_data["file"],
            actor=self.request.user,
            dry_run=form.cleaned_data["dry_run"],
            default_platform=form.cleaned_data["default_platform"],
        )
        messages.success(self.request, _("The file was received and its import has started."))
        return redirect("cases:import-job-detail", pk=job.pk)


class ImportJobListView(ExportMixin, RoleRequiredMixin, ListView):
    """Recent import jobs, newest first."""

    export_spec = export_columns.IMPORT_JOBS
    permission_model = ImportJob
    template_name = "cases/import_job_list.html"
    context_object_name = "jobs"
    paginate_by = 50

    def get_queryset(self) -> QuerySet:
        return _job_queryset(self.request.user).defer("errors")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_import"] = permissions.can_edit(self.request.user, ContentItem)
        return context


class ImportJobDetailView(RoleRequiredMixin, DetailView):
    """One job: status, progress, counts and the rejected rows; refreshes itself until finished."""

    permission_model = ImportJob
    template_name = "cases/import_job_detail.html"
    context_object_name = "job"

    def get_queryset(self) -> QuerySet:
        return _job_queryset(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job = self.object
        context["can_import"] = permissions.can_edit(self.request.user, ContentItem)
        context["errors_cut"] = job.rejected_count > len(job.errors)
        return context


class ImportJobConfirmView(RoleRequiredMixin, View):
    """Import a previewed file for real (POST only)."""

    permission_model = ContentItem
    permission_edit = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = get_object_or_404(_job_queryset(request.user), pk=pk)
        try:
            new_job = intake.import_job_confirm(job=job, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("cases:import-job-detail", pk=job.pk)
        messages.success(request, _("Importing the previewed file."))
        return redirect("cases:import-job-detail", pk=new_job.pk)


class ContentItemCreateView(RoleRequiredMixin, FormView):
    """Enter one URL by hand; an address already in the list updates that item instead."""

    permission_model = ContentItem
    permission_edit = True
    form_class = ManualItemForm
    template_name = "cases/import_manual.html"

    def form_valid(self, form: ManualItemForm) -> HttpResponse:
        result = intake.import_rows(rows=[form.as_row()], source=ContentItem.Source.MANUAL, actor=self.request.user)
        outcome = result.results[0]
        if outcome.status == intake.REJECTED:
            form.add_error("url", outcome.reason)
            return self.form_invalid(form)
        if outcome.status == intake.CREATED:
            messages.success(self.request, _("The item was added to the queue."))
        else:
            messages.info(self.request, _("This address was already in the list: the item was updated."))
        return HttpResponseRedirect(reverse("cases:content-item-detail", args=[outcome.item_id]))
