"""The executive dashboard and its PDF: the figures of a period, each linking to the list behind it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from accounts import permissions
from accounts.permissions import RoleRequiredMixin
from reports.periods import PRESETS, read_period
from reports.report import build_report
from reports.services import report_filename, report_pdf


class DashboardRoleMixin(RoleRequiredMixin):
    def has_role_permission(self, user: Any) -> bool:
        return permissions.can_view_dashboard(user)


class DashboardView(DashboardRoleMixin, TemplateView):
    """Headline figures, funnels, trends and breakdowns for any staff role; executives see counts only."""

    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        # Bad dates or an unknown period: the form says so, and the page shows all-time figures.
        form, period = read_period(self.request.GET, today)
        context.update(build_report(period, user=self.request.user, today=today))
        context.update(
            form=form,
            period_links=PRESETS,
            period_query=period.query(),
            date_from=period.date_from,
            date_to=period.date_to,
        )
        return context


class DashboardPdfView(DashboardRoleMixin, View):
    """The same report as a PDF download (Chinese, fonts embedded, no links, no personal data)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        form, period = read_period(request.GET, today)
        if form.is_bound and form.errors:
            # A bad period: back to the dashboard, whose form says what is wrong (never an all-time PDF by mistake).
            return redirect(f"{reverse('reports:dashboard')}?{request.GET.urlencode()}")
        response = HttpResponse(report_pdf(period, today=today), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report_filename(period, today)}"'
        response["Cache-Control"] = "private, no-store"
        return response
