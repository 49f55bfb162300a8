"""REST API v1 (DESIGN.md §5), mounted at /api/v1/ by legalcases/urls.py. Route names: ``api:<model>-<action>``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from cases.api.base import ApiRootView
from cases.api.intake import ImportJobViewSet
from cases.api.lawsuit_actions import LawsuitActionsViewSet
from cases.api.stats import StatsSummaryView
from cases.api.views import (
    AgencyViewSet,
    AssessmentViewSet,
    AssistanceRequestViewSet,
    CampaignViewSet,
    ContentItemViewSet,
    EvidenceViewSet,
    LawyerLetterViewSet,
    MonitoredAccountViewSet,
    PlatformComplaintViewSet,
    PlatformViewSet,
)

app_name = "api"


class Router(DefaultRouter):
    APIRootView = ApiRootView
    include_format_suffixes = False  # one URL per resource: no ".json" twins in the schema


router = Router()
router.register("platforms", PlatformViewSet, basename="platform")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("monitored-accounts", MonitoredAccountViewSet, basename="monitored-account")
router.register("content-items", ContentItemViewSet, basename="content-item")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("platform-complaints", PlatformComplaintViewSet, basename="platform-complaint")
router.register("lawyer-letters", LawyerLetterViewSet, basename="lawyer-letter")
router.register("lawsuits", LawsuitActionsViewSet, basename="lawsuit")
router.register("assistance-requests", AssistanceRequestViewSet, basename="assistance-request")
router.register("import-jobs", ImportJobViewSet, basename="import-job")


@csrf_exempt
@login_not_required
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown API URLs answer JSON, like every other API error (not the site's HTML 404 page)."""
    return JsonResponse(
        {"detail": _("No such API endpoint."), "code": "not_found"}, status=404, json_dumps_params={"ensure_ascii": False}
    )


urlpatterns = [
    *router.urls,
    path("stats/summary/", StatsSummaryView.as_view(), name="stats-summary"),
    re_path(r"^(?P<path>.*)$", not_found, name="not-found"),
]
