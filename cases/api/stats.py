"""``GET /api/v1/stats/summary/``: the dashboard's headline figures, with the dashboard's definitions.

The figures come from ``reports.selectors.headline_figures`` (docs/metrics.md defines each),
so the API and the executive dashboard cannot disagree.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ApiDashboardPermission, ApiTokenScopePermission
from cases.api.base import ApiViewMixin
from cases.api.inputs import SummaryQuerySerializer, SummarySerializer
from reports.selectors import headline_figures


class StatsSummaryView(ApiViewMixin, APIView):
    """The headline figures for a period of local (Beijing) calendar days."""

    permission_classes = (ApiDashboardPermission, ApiTokenScopePermission)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (YYYY-MM-DD); omit for no start."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (YYYY-MM-DD); omit for no end."),
        ],
        responses={200: SummarySerializer},
        summary="Headline figures",
        description=(
            "The executive dashboard's figures for the period, with the same definitions (docs/metrics.md). "
            "accounts_monitored is a current count. A malformed date, or an end before the start: 400."
        ),
    )
    def get(self, request: Request) -> Response:
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        figures = headline_figures(date_from=query.validated_data.get("from"), date_to=query.validated_data.get("to"))
        return Response(SummarySerializer(figures).data)
