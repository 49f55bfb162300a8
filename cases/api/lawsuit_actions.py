"""Workflow actions on lawsuits: move a suit to its next stage, record its outcome.

Both call the services the lawsuit page uses (``cases.services.litigation``), so the API applies
the same state machine, date checks and deadline recalculation. Permissions are the UI's:
``ApiRolePermission`` lets only roles that may edit litigation (lawyers, administrators) POST, the
service checks again, and a token needs the ``write`` scope. A move the state machine does not
allow, or an outcome the suit's stage does not allow, is 409 Conflict with a JSON message.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.exceptions import Conflict
from cases.api.serializers import LawsuitSerializer
from cases.api.views import LawsuitViewSet
from cases.models import Lawsuit
from cases.services import litigation

MONEY: dict[str, Any] = {
    "max_digits": 14,
    "decimal_places": 2,
    "min_value": Decimal("0"),
    "required": False,
    "allow_null": True,
}


class LawsuitMoveInputSerializer(serializers.Serializer):
    """A stage move, as the lawsuit page's “move” form takes it."""

    to = serializers.ChoiceField(
        choices=Lawsuit.Stage.choices,
        help_text="The next stage. Only the moves the state machine allows from the current stage succeed (else 409).",
    )
    on = serializers.DateField(
        required=False,
        help_text="The day the event happened (YYYY-MM-DD, not in the future); today when left out.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    case_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        default="",
        help_text="On acceptance, appeal or enforcement, e.g. (2025)京0491民初12345号.",
    )
    court = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    performance_due_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the judgment takes effect: the last day to perform.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("on", timezone.localdate())
        return attrs


class ClaimDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, help_text="A claim of this suit (claims of other suits are ignored).")
    granted = serializers.BooleanField(allow_null=True, required=False, default=None)
    amount_awarded = serializers.DecimalField(**{**MONEY, "default": None})


class LawsuitOutcomeInputSerializer(serializers.Serializer):
    """The result, remedies and money of a suit. Fields left out (or null) keep their value."""

    outcome = serializers.ChoiceField(choices=Lawsuit.Outcome.choices)
    damages_awarded = serializers.DecimalField(**MONEY, help_text="CNY.")
    damages_collected = serializers.DecimalField(**MONEY, help_text="CNY; cannot exceed the damages awarded.")
    content_deleted = serializers.BooleanField(required=False, allow_null=True)
    apology_published = serializers.BooleanField(required=False, allow_null=True)
    apology_pin_days = serializers.IntegerField(min_value=0, max_value=365, required=False, allow_null=True)
    court_fee = serializers.DecimalField(**MONEY)
    notary_fee = serializers.DecimalField(**MONEY)
    lawyer_fee = serializers.DecimalField(**MONEY)
    claims = ClaimDecisionSerializer(many=True, required=False, help_text="What the court decided on each claim.")

    def to_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        claims = data.pop("claims", None)
        if claims:
            data["claim_decisions"] = {c["id"]: (c.get("granted"), c.get("amount_awarded")) for c in claims}
        return data


CONFLICT_EXAMPLE = OpenApiExample(
    "Illegal move",
    value={"detail": "Cannot move from “Preparing” to “Closed”.", "code": "illegal_transition"},
    response_only=True,
    status_codes=["409"],
)


class LawsuitActionsViewSet(LawsuitViewSet):
    """Lawsuits (read-only resource) plus their workflow actions."""

    def _answer(self, lawsuit: Lawsuit) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=lawsuit.pk)).data)

    @extend_schema(
        request=LawsuitMoveInputSerializer,
        responses={200: LawsuitSerializer},
        examples=[CONFLICT_EXAMPLE],
        summary="Move the suit to its next stage (lawyers)",
        description=(
            "Records the event (filing, acceptance, judgment, appeal, …) on its date and recomputes the "
            "suit's deadlines, exactly as the lawsuit page does. 409 (code `illegal_transition`) when the "
            "state machine does not allow the move from the current stage; 400 with field errors for a "
            "date in the future or before the previous event, a malformed case number, or an appeal or "
            "enforcement application out of time."
        ),
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        lawsuit = self.get_object()
        data = LawsuitMoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        on: datetime.date = values["on"]
        lawsuit = litigation.lawsuit_move(
            lawsuit=lawsuit,
            to=values["to"],
            actor=request.user,
            reason=values["reason"],
            on=on,
            case_number=values["case_number"],
            court=values["court"],
            performance_due_on=values["performance_due_on"],
        )
        return self._answer(lawsuit)

    @extend_schema(
        request=LawsuitOutcomeInputSerializer,
        responses={200: LawsuitSerializer},
        summary="Record the suit's outcome (lawyers)",
        description=(
            "Records the result (won, partly won, lost, mediated, withdrawn, rejected), the remedies "
            "performed and the money. 409 (code `outcome_not_allowed`) when the suit's stage does not "
            "allow that outcome (a judgment outcome before any judgment, “mediated” on a suit not closed "
            "by mediation, …); 400 with field errors for negative amounts, damages on a lost, withdrawn "
            "or rejected suit, or more collected than awarded."
        ),
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str | None = None) -> Response:
        lawsuit = self.get_object()
        data = LawsuitOutcomeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            lawsuit = litigation.lawsuit_record_outcome(lawsuit=lawsuit, actor=request.user, **data.to_kwargs())
        except DjangoValidationError as error:
            # The outcome is a valid choice (checked above): the service refuses it only because of
            # the suit's stage, which is a conflict with the object's state, not bad input.
            if hasattr(error, "error_dict") and "outcome" in error.error_dict:
                raise Conflict(detail=" ".join(error.message_dict["outcome"]), code="outcome_not_allowed") from None
            raise
        return self._answer(lawsuit)
