"""The API's resources (DESIGN.md §5): read-only viewsets plus workflow actions.

Every queryset starts from ``Model.objects.for_user(request.user)`` (STYLE.md §9), with the
``select_related``/``prefetch_related`` its serializer needs, so a page costs a fixed number
of queries however many rows it holds. Lists are narrowed by the FilterSets the staff pages
use and ordered only on indexed columns. Writes call the same services as the UI.

Bulk import, import jobs and the headline figures are in ``cases/api/intake.py`` and
``cases/api/stats.py``.
"""

from __future__ import annotations

from typing import ClassVar

from django.db.models import Model, Prefetch, QuerySet
from django.http.response import HttpResponseBase
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api import json_rows
from cases.api import serializers as s
from cases.api.base import ResourceViewSet, ids_only
from cases.api.complaints import ComplaintActionsMixin
from cases.api.filters import (
    AgencyFilter,
    AssessmentFilter,
    CampaignFilter,
    EvidenceFilter,
    LawyerLetterFilter,
    PlatformComplaintFilter,
    PlatformFilter,
)
from cases.api.inputs import AssessmentInputSerializer, CampaignAssessmentResultSerializer
from cases.api.intake import BulkImportMixin
from cases.api.pagination import FastPageNumberPagination
from cases.filters import AssistanceRequestFilter, ContentItemFilter, LawsuitFilter, MonitoredAccountFilter
from cases.models import (
    Agency,
    Assessment,
    AssistanceRequest,
    Campaign,
    ContentItem,
    Evidence,
    Hearing,
    Lawsuit,
    LawsuitClaim,
    LawsuitParty,
    LawyerLetter,
    MonitoredAccount,
    Platform,
    PlatformComplaint,
    Proceeding,
)
from cases.services import triage


@extend_schema_view(list=extend_schema(summary="List platforms (stable codes and names)"))
class PlatformViewSet(ResourceViewSet):
    """Platforms by stable lowercase code (``weibo``, ``douyin``, …). Open to import-only tokens."""

    queryset = Platform.objects.all()
    serializer_class = s.PlatformSerializer
    filterset_class = PlatformFilter
    lookup_field = "code"
    lookup_value_regex = r"[a-z0-9_-]{1,32}"
    ordering_fields: ClassVar[list[str]] = ["sort_order", "code"]
    ordering: ClassVar[list[str]] = ["sort_order", "code"]
    token_scopes: ClassVar[dict[str, set[str]]] = {"list": {"import"}, "retrieve": {"import"}}

    def get_queryset(self) -> QuerySet:
        return self.visible()


class AgencyViewSet(ResourceViewSet):
    queryset = Agency.objects.all()
    serializer_class = s.AgencySerializer
    filterset_class = AgencyFilter
    ordering_fields: ClassVar[list[str]] = ["name", "created_at", "id"]
    ordering: ClassVar[list[str]] = ["name"]

    def get_queryset(self) -> QuerySet:
        return self.visible()


class MonitoredAccountViewSet(ResourceViewSet):
    queryset = MonitoredAccount.objects.all()
    serializer_class = s.MonitoredAccountSerializer
    filterset_class = MonitoredAccountFilter
    # Highest risk first: cases_macct_risk_idx (-risk_score, id).
    ordering_fields: ClassVar[list[str]] = ["risk_score", "created_at", "id"]
    ordering: ClassVar[list[str]] = ["-risk_score"]
    ordering_tiebreaks: ClassVar[dict[str, str]] = {"-risk_score": "id", "risk_score": "-id"}

    def get_queryset(self) -> QuerySet:
        return self.visible().select_related("platform")


class ContentItemViewSet(BulkImportMixin, ResourceViewSet):
    """Content items, newest publication first. Writes: the bulk import and the workflow actions."""

    queryset = ContentItem.objects.all()
    serializer_class = s.ContentItemSerializer
    filterset_class = ContentItemFilter
    # Newest first: cases_item_published_idx (-published_at, id); created_at has its own index.
    ordering_fields: ClassVar[list[str]] = ["published_at", "created_at", "id"]
    ordering: ClassVar[list[str]] = ["-published_at"]
    ordering_tiebreaks: ClassVar[dict[str, str]] = {"-published_at": "id", "published_at": "-id"}
    permission_models: ClassVar[dict[str, type[Model]]] = {"assess": Assessment}

    def get_queryset(self) -> QuerySet:
        return self.visible().select_related("platform", "account")

    # A plain HttpResponse whose body PostgreSQL wrote (DRF takes any HttpResponseBase), not a Response.
    def list(self, request: Request, *args: object, **kwargs: object) -> HttpResponseBase:  # type: ignore[override]
        """The same JSON as the serializer's, each row built by PostgreSQL (cases/api/json_rows.py):
        building model instances, then dicts, then JSON in Python was most of a list request's time."""
        queryset = self.filter_queryset(self.get_queryset())
        paginator = self.paginator
        if not isinstance(paginator, FastPageNumberPagination):
            zone = timezone.get_current_timezone()
            return Response([s.content_item_row(row, zone) for row in queryset.values(*s.CONTENT_ITEM_VALUES)])
        paginator.values_fields = ("id",)
        paginator.values_expressions = {"row_json": json_rows.ContentItemJson()}
        page = paginator.paginate_queryset(queryset, request, view=self)
        return json_rows.json_list_response(paginator.envelope(), [row["row_json"] for row in page])

    @extend_schema(
        request=AssessmentInputSerializer,
        responses={201: s.AssessmentSerializer},
        summary="Assess the item",
        description=(
            "Records an assessment and moves the item to the state its conclusion implies "
            "(dismissed, watch or suspected). 409 if the item is past assessment."
        ),
    )
    @action(detail=True, methods=["post"])
    def assess(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        data = AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = triage.content_item_assess(item=item, assessor=request.user, data=data.to_input())
        assessment = Assessment.objects.select_related("assessor", "reviewer").get(pk=assessment.pk)
        return Response(s.AssessmentSerializer(assessment, context=self.get_serializer_context()).data, status=201)

    @extend_schema(
        request=None,
        responses={200: s.ContentItemSerializer},
        summary="Start acting on the item",
        description=(
            "Moves an escalated item with fixed evidence (and, for a serious escalation, a lawyer's "
            "sign-off) to “action under way”. 409 when evidence is missing or the item is not escalated."
        ),
    )
    @action(detail=True, methods=["post"], url_path="start-action")
    def start_action(self, request: Request, pk: str | None = None) -> Response:
        item = triage.content_item_start_action(item=self.get_object(), actor=request.user)
        item = self.get_queryset().get(pk=item.pk)
        return Response(self.get_serializer(item).data)


class AssessmentViewSet(ResourceViewSet):
    queryset = Assessment.objects.all()
    serializer_class = s.AssessmentSerializer
    filterset_class = AssessmentFilter
    ordering_fields: ClassVar[list[str]] = ["created_at", "id"]
    ordering: ClassVar[list[str]] = ["-created_at"]

    def get_queryset(self) -> QuerySet:
        return self.visible().select_related("assessor", "reviewer")

    @extend_schema(
        request=None,
        responses={200: s.AssessmentSerializer},
        summary="Sign off the escalation (lawyers)",
        description="A lawyer other than the assessor confirms a serious escalation. 409 if already signed off.",
    )
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str | None = None) -> Response:
        assessment = triage.assessment_sign_off(assessment=self.get_object(), reviewer=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=assessment.pk)).data)


class CampaignViewSet(ResourceViewSet):
    queryset = Campaign.objects.all()
    serializer_class = s.CampaignSerializer
    filterset_class = CampaignFilter
    ordering_fields: ClassVar[list[str]] = ["created_at", "id"]
    ordering: ClassVar[list[str]] = ["-created_at"]
    permission_models: ClassVar[dict[str, type[Model]]] = {"assess": Assessment}

    def get_queryset(self) -> QuerySet:
        return self.visible().prefetch_related(
            ids_only("accounts", MonitoredAccount), ids_only("agencies", Agency)
        )

    @extend_schema(
        request=AssessmentInputSerializer,
        responses={201: CampaignAssessmentResultSerializer},
        summary="Assess the whole campaign",
        description="One campaign assessment plus one per item still waiting; items past assessment are skipped.",
    )
    @action(detail=True, methods=["post"])
    def assess(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        data = AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = triage.campaign_assess(campaign=campaign, assessor=request.user, data=data.to_input())
        assessment = Assessment.objects.select_related("assessor", "reviewer").get(pk=result.assessment.pk)
        body = {"assessment": assessment, "assessed": result.assessed, "skipped": result.skipped}
        serializer = CampaignAssessmentResultSerializer(body, context=self.get_serializer_context())
        return Response(serializer.data, status=status.HTTP_201_CREATED)


class EvidenceViewSet(ResourceViewSet):
    """Evidence metadata and hashes; the files themselves are downloaded only through the staff pages
    (each download is logged in the chain of custody)."""

    queryset = Evidence.objects.all()
    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilter
    ordering_fields: ClassVar[list[str]] = ["created_at", "id"]
    ordering: ClassVar[list[str]] = ["-created_at"]

    def get_queryset(self) -> QuerySet:
        return (
            self.visible()
            .select_related("platform", "fixed_by")
            .prefetch_related(ids_only("content_items", ContentItem), ids_only("lawsuits", Lawsuit))
        )


class PlatformComplaintViewSet(ComplaintActionsMixin, ResourceViewSet):
    """Complaints, newest first. Writes: open, submit, respond, counter-notice (cases/api/complaints.py)."""

    queryset = PlatformComplaint.objects.all()
    serializer_class = s.PlatformComplaintSerializer
    filterset_class = PlatformComplaintFilter
    ordering_fields: ClassVar[list[str]] = ["created_at", "id"]
    ordering: ClassVar[list[str]] = ["-created_at"]

    def get_queryset(self) -> QuerySet:
        return (
            self.visible()
            .select_related("platform", "created_by")
            .prefetch_related(ids_only("content_items", ContentItem))
        )


class LawyerLetterViewSet(ResourceViewSet):
    queryset = LawyerLetter.objects.all()
    serializer_class = s.LawyerLetterSerializer
    filterset_class = LawyerLetterFilter
    ordering_fields: ClassVar[list[str]] = ["created_at", "id"]
    ordering: ClassVar[list[str]] = ["-created_at"]

    def get_queryset(self) -> QuerySet:
        return self.visible().select_related("lawyer").prefetch_related(ids_only("content_items", ContentItem))


class LawsuitViewSet(ResourceViewSet):
    """Lawsuits with their parties, claims and proceedings (with hearings), nested read-only."""

    queryset = Lawsuit.objects.all()
    serializer_class = s.LawsuitSerializer
    filterset_class = LawsuitFilter
    ordering_fields: ClassVar[list[str]] = ["created_at", "filed_on", "id"]
    ordering: ClassVar[list[str]] = ["-created_at"]

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        return (
            self.visible()
            .select_related("lawyer")
            .prefetch_related(
                Prefetch(
                    "parties", queryset=LawsuitParty.objects.for_user(user).select_related("platform").order_by("role", "id")
                ),
                Prefetch("claims", queryset=LawsuitClaim.objects.for_user(user).order_by("id")),
                Prefetch(
                    "proceedings",
                    queryset=Proceeding.objects.for_user(user)
                    .order_by("created_at", "id")
                    .prefetch_related(
                        Prefetch("hearings", queryset=Hearing.objects.for_user(user).order_by("scheduled_at", "id"))
                    ),
                ),
                ids_only("content_items", ContentItem),
            )
        )


class AssistanceRequestViewSet(ResourceViewSet):
    """Owners' requests. Lists show the owner's name masked and read no other contact detail;
    one request shows the contact plain to lawyers and administrators, and audits that read."""

    queryset = AssistanceRequest.objects.all()
    serializer_class = s.AssistanceRequestSerializer
    filterset_class = AssistanceRequestFilter
    # Newest first: cases_assist_submitted_idx.
    ordering_fields: ClassVar[list[str]] = ["submitted_at", "id"]
    ordering: ClassVar[list[str]] = ["-submitted_at"]

    def get_serializer_class(self) -> type:
        return s.AssistanceRequestDetailSerializer if self.action == "retrieve" else s.AssistanceRequestSerializer

    def get_queryset(self) -> QuerySet:
        qs = self.visible().select_related("assigned_lawyer")
        if self.action == "retrieve":
            return qs.prefetch_related(ids_only("content_items", ContentItem))
        return qs.defer("owner_phone", "owner_email", "description", "eligibility_reasons", "info_requested")

