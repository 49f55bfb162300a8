"""Staff pages for coordinated campaigns: the list, one campaign, and the analyst's decisions on it."""

from __future__ import annotations

from typing import Any

from celery.result import EagerResult
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from cases import export_columns
from cases.exports import ExportMixin
from cases.forms.campaigns import CampaignAgencyForm, CampaignAssessmentForm, CampaignDismissForm
from cases.models import Assessment, Campaign
from cases.selectors import campaigns as selectors
from cases.services import campaigns as services
from cases.services.triage import SIGN_OFF_REQUIRED
from cases.tasks.campaigns import detect_campaigns


class CampaignListView(ExportMixin, RoleRequiredMixin, ListView):
    """Campaigns newest first, filtered by status; any staff role."""

    export_spec = export_columns.CAMPAIGNS
    permission_model = Campaign
    template_name = "cases/campaign_list.html"
    context_object_name = "campaigns"
    paginate_by = 50

    def status(self) -> str:
        value = self.request.GET.get("status", "")
        return value if value in Campaign.Status.values else ""

    def get_queryset(self) -> QuerySet:
        return selectors.campaign_list(user=self.request.user, status=self.status())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        counts = selectors.campaign_status_counts(user=self.request.user)
        context["status_tabs"] = [
            {"value": value, "label": label, "count": counts.get(value, 0)} for value, label in Campaign.Status.choices
        ]
        context["total"] = sum(counts.values())
        context["current_status"] = self.status()
        context["can_edit"] = permissions.can_edit(self.request.user, Campaign)
        return context


class CampaignDetailView(RoleRequiredMixin, DetailView):
    """One campaign: accounts, items with their similarity, timeline, assessments and decisions."""

    permission_model = Campaign
    template_name = "cases/campaign_detail.html"
    context_object_name = "campaign"

    def get_queryset(self) -> QuerySet:
        return selectors.campaign_detail_queryset(user=self.request.user)

    def agency_form(self, data: Any = None) -> CampaignAgencyForm:
        user = self.request.user
        return CampaignAgencyForm(
            data,
            agencies=selectors.agency_choices(user=user),
            accounts=selectors.campaign_account_choices(user=user, campaign=self.object),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user, campaign = self.request.user, self.object
        can_edit = permissions.can_edit(user, Campaign)
        context.update(
            accounts=selectors.campaign_accounts(user=user, campaign=campaign),
            evidence=selectors.campaign_evidence(user=user, campaign=campaign),
            timeline=selectors.campaign_timeline(user=user, campaign=campaign),
            assessments=selectors.campaign_assessments(user=user, campaign=campaign),
            history=selectors.campaign_history(user=user, campaign=campaign),
            awaiting=selectors.campaign_open_items(user=user, campaign=campaign),
            can_edit=can_edit,
            can_confirm=can_edit and campaign.status in services.CONFIRMABLE,
            can_dismiss=can_edit and campaign.status in services.DISMISSABLE,
            can_assess=can_edit and campaign.status in services.ASSESSABLE,
            escalating_values=list(Assessment.ESCALATING),
            sign_off_values=list(SIGN_OFF_REQUIRED),
        )
        if can_edit:
            context.setdefault("assess_form", CampaignAssessmentForm())
            context.setdefault("dismiss_form", CampaignDismissForm())
            if campaign.status != Campaign.Status.REJECTED:
                form = context.setdefault("agency_form", self.agency_form())
                # The accounts' checkboxes sit in the table rows; keep the posted ones checked.
                posted = form.data.getlist(form["accounts"].html_name) if form.is_bound else []
                context["checked_accounts"] = {int(pk) for pk in posted if str(pk).isdigit()}
        return context


class CampaignActionView(CampaignDetailView):
    """A POST that changes the campaign; with errors it shows the campaign page again, forms filled in."""

    permission_edit = True
    http_method_names = ["post"]
    form_class: type[Form] | None = None
    context_form_name = ""
    # After a change the page opens at the top, where the message about it is shown.
    anchor = "main"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        form = self.make_form(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            return self.invalid(form)
        try:
            self.act(form)
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return self.done()
            _add_errors(form, error)
            return self.invalid(form)
        return self.done()

    def make_form(self, data: Any) -> Form:
        return self.form_class(data)  # type: ignore[misc]

    def act(self, form: Form | None) -> None:
        raise NotImplementedError

    def invalid(self, form: Form) -> HttpResponse:
        messages.error(self.request, _("The campaign was not changed: correct the form below."))
        return self.render_to_response(self.get_context_data(**{self.context_form_name: form}))

    def done(self) -> HttpResponseRedirect:
        return HttpResponseRedirect(f"{reverse('cases:campaign-detail', args=[self.object.pk])}#{self.anchor}")


def _add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class CampaignConfirmView(CampaignActionView):
    def act(self, form: Form | None) -> None:
        services.campaign_confirm(campaign=self.object, actor=self.request.user)
        messages.success(self.request, _("Campaign confirmed."))


class CampaignDismissView(CampaignActionView):
    form_class = CampaignDismissForm
    context_form_name = "dismiss_form"

    def act(self, form: Form | None) -> None:
        if form is None:  # post() builds one whenever form_class is set, as here
            raise TypeError("CampaignDismissView.act needs its form")
        services.campaign_dismiss(campaign=self.object, actor=self.request.user, reason=form.cleaned_data["reason"])
        messages.success(self.request, _("Marked as not a campaign. Its posts will not be detected as one again."))


class CampaignAssessView(CampaignActionView):
    form_class = CampaignAssessmentForm
    context_form_name = "assess_form"

    def act(self, form: Form | None) -> None:
        assert isinstance(form, CampaignAssessmentForm)
        result = services.campaign_assess(campaign=self.object, assessor=self.request.user, data=form.to_input())
        message = _("Campaign assessed: %(assessed)d items assessed.") % {"assessed": result.assessed}
        if result.skipped:
            message += " " + _("%(skipped)d items already past assessment kept their state.") % {
                "skipped": result.skipped
            }
        messages.success(self.request, message)


class CampaignLinkAgencyView(CampaignActionView):
    context_form_name = "agency_form"
    form_class = CampaignAgencyForm

    def make_form(self, data: Any) -> Form:
        return self.agency_form(data)

    def act(self, form: Form | None) -> None:
        data = form.cleaned_data  # type: ignore[union-attr]
        services.campaign_link_agency(
            campaign=self.object, agency=data["agency"], actor=self.request.user, accounts=data["accounts"]
        )
        messages.success(self.request, _("Agency %(name)s linked.") % {"name": data["agency"].name})


class CampaignDetectView(RoleRequiredMixin, View):
    """Run detection now (in the worker when one runs, else right here), then show the list."""

    permission_model = Campaign
    permission_edit = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        result = detect_campaigns.delay(actor_id=request.user.pk)
        # Without a worker (CELERY_TASK_ALWAYS_EAGER) the task has run already; with one, this
        # request must not wait for it, and there may be no result backend to ask.
        if isinstance(result, EagerResult):
            report = result.get()
            messages.success(
                request,
                _("Detection finished: %(created)d new campaigns, %(linked)d posts linked, %(scanned)d posts examined.")
                % {"created": len(report["created"]), "linked": report["items_linked"], "scanned": report["scanned"]},
            )
        else:
            messages.info(request, _("Detection started. New campaigns appear here within a few minutes."))
        return HttpResponseRedirect(reverse("cases:campaign-list"))
