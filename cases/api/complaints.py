"""Workflow actions on platform complaints (DESIGN.md §3, issue: REST API item 4).

``POST /api/v1/platform-complaints/open/`` opens a draft for items past the evidence gate;
``…/{id}/submit/``, ``…/{id}/respond/`` and ``…/{id}/counter-notice/`` record the next moves.
Each calls the service the staff pages call (cases/services/complaints.py); a move the complaint's
state does not allow, or items that may not be acted on yet, answer 409 with a JSON message.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.schema import ErrorSerializer
from cases.api.serializers import PlatformComplaintSerializer
from cases.models import ContentItem, PlatformComplaint
from cases.services import complaints
from cases.services.complaints import MAX_ITEMS
from cases.services.complaints import Response as PlatformAnswer

CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=(
        "The move is not allowed from the complaint's state (code illegal_transition), or an item may not be acted "
        "on yet (not_escalated, needs_sign_off, no_fixed_evidence)."
    ),
)


class ComplaintOpenSerializer(serializers.Serializer):
    content_items = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=MAX_ITEMS,
        help_text="Ids of the items (one platform) the complaint names; each needs fixed evidence.",
    )
    channel = serializers.ChoiceField(
        choices=PlatformComplaint.Channel.choices, default=PlatformComplaint.Channel.ENTERPRISE_ZONE
    )
    credential = serializers.CharField(
        max_length=200, help_text="The business licence or power of attorney (and its version) submitted."
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ComplaintSubmitSerializer(serializers.Serializer):
    ticket_number = serializers.CharField(max_length=100, help_text="The ticket number the platform gave.")
    submitted_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                             help_text="When it was filed; default now.")


class ComplaintRespondSerializer(serializers.Serializer):
    response = serializers.ChoiceField(
        choices=list(PlatformAnswer.ALL),
        help_text=(
            "What the platform answered: in_review, actioned (give the measure), removed (actioned with the post "
            "deleted: the items become removed), rejected, need_info, or no_response (recorded, no state change)."
        ),
    )
    measure = serializers.ChoiceField(choices=PlatformComplaint.Measure.choices, required=False, allow_blank=True,
                                      default="")
    responded_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                             help_text="When the platform answered; default now.")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ComplaintCounterNoticeSerializer(serializers.Serializer):
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reply_deadline = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ComplaintActionsMixin:
    """The complaint viewset's workflow actions; the viewset supplies get_object, get_queryset, serializers."""

    def _answer(self, complaint: PlatformComplaint, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=complaint.pk)  # type: ignore[attr-defined]
        return Response(self.get_serializer(fresh).data, status=code)  # type: ignore[attr-defined]

    @extend_schema(
        request=ComplaintOpenSerializer,
        responses={201: PlatformComplaintSerializer, 409: CONFLICT},
        summary="Open a complaint for items",
        description=(
            "Opens a draft complaint naming the items (all of one platform) and moves them to “action under way”. "
            "409 unless every item is escalated, signed off where needed, and has fixed evidence."
        ),
    )
    @action(detail=False, methods=["post"], url_path="open")
    def open_complaint(self, request: Request) -> Response:
        data = ComplaintOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["content_items"]
        items = list(ContentItem.objects.for_user(request.user).filter(pk__in=ids))
        if len(items) != len(set(ids)):
            raise ValidationError({"content_items": _("Some of these items do not exist or are not visible to you.")})
        complaint = complaints.complaint_open(
            items=items, actor=request.user, channel=data.validated_data["channel"],
            credential=data.validated_data["credential"], notes=data.validated_data["notes"],
        )
        return self._answer(complaint, status.HTTP_201_CREATED)

    @extend_schema(
        request=ComplaintSubmitSerializer,
        summary="Record the complaint's submission",
        description="draft or need_info → submitted, with the platform's ticket number. 409 from any other state.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        data = ComplaintSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaints.complaint_submit(
            complaint=self.get_object(), actor=request.user, **data.validated_data  # type: ignore[attr-defined]
        )
        return self._answer(complaint)

    @extend_schema(
        request=ComplaintRespondSerializer,
        summary="Record the platform's answer",
        description=(
            "submitted or in_review → in_review, actioned, rejected or need_info; a removal moves the items to "
            "removed. The first answer's time is the platform's response time. 409 from any other state."
        ),
    )
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: str | None = None) -> Response:
        data = ComplaintRespondSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaints.complaint_respond(
            complaint=self.get_object(), actor=request.user, **data.validated_data  # type: ignore[attr-defined]
        )
        return self._answer(complaint)

    @extend_schema(
        request=ComplaintCounterNoticeSerializer,
        summary="Record a counter-notice",
        description="actioned → counter_noticed, with the deadline to answer it. 409 from any other state.",
    )
    @action(detail=True, methods=["post"], url_path="counter-notice")
    def counter_notice(self, request: Request, pk: str | None = None) -> Response:
        data = ComplaintCounterNoticeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaints.complaint_counter_notice(
            complaint=self.get_object(), actor=request.user, **data.validated_data  # type: ignore[attr-defined]
        )
        return self._answer(complaint)
