"""Request bodies and query parameters the API accepts, and the answers of its actions.

These serializers only validate and shape input; the views hand the result to one service.
Fields a client may not set (the assessor, the reviewer, ids, states) are simply not declared
here, so sending them changes nothing (they are ignored like any unknown field).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.api.serializers import AssessmentSerializer, ReadModelSerializer
from cases.models import Assessment, Campaign, ImportJob
from cases.services.triage import AssessmentInput

# DESIGN.md §5: one synchronous bulk request takes up to 5,000 items.
BULK_MAX_ITEMS = 5_000


def bulk_async_max_items() -> int:
    return settings.API_BULK_ASYNC_MAX_ITEMS


class AssessmentInputSerializer(serializers.Serializer):
    """An item's or a campaign's assessment, as an analyst or lawyer gives it."""

    conclusion = serializers.ChoiceField(choices=Assessment.Conclusion.choices)
    rationale = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10_000,
        help_text="Required (at least 10 characters) when escalating: why this is defamation, not criticism.",
    )
    category = serializers.ChoiceField(choices=Campaign.Category.choices, required=False, allow_blank=True)
    infringement_types = serializers.ListField(
        child=serializers.ChoiceField(choices=Assessment.InfringementType.choices), required=False, max_length=20
    )
    statement_type = serializers.ChoiceField(
        choices=Assessment.StatementType.choices, required=False, allow_blank=True
    )
    severity = serializers.IntegerField(min_value=1, max_value=5, required=False, default=1)
    estimated_loss = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    recommended_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=Assessment.Action.choices), required=False, max_length=10
    )
    target_identifiable = serializers.BooleanField(required=False, default=True)
    insulting_language = serializers.BooleanField(required=False, default=False)
    falsity_provable = serializers.BooleanField(required=False, default=False)

    def to_input(self) -> AssessmentInput:
        data: dict[str, Any] = dict(self.validated_data)
        for name in ("infringement_types", "recommended_actions"):
            data[name] = tuple(data.get(name, ()))
        return AssessmentInput(**data)


class CampaignAssessmentResultSerializer(serializers.Serializer):
    assessment = AssessmentSerializer()
    assessed = serializers.IntegerField(help_text="Items of the campaign assessed by this step.")
    skipped = serializers.IntegerField(help_text="Items already past assessment, left as they were.")


class BulkItemsSerializer(serializers.Serializer):
    """``{"items": [...]}``: each item is checked on its own by the import service, so one bad row
    never loses the others; only the envelope is checked here."""

    items = serializers.ListField(
        child=serializers.JSONField(),
        allow_empty=False,
        help_text=(
            "Content items: {platform, url, platform_content_id, account: {platform_uid, name, followers, "
            "profile_url, ip_location, verification}, content_type, title, text, published_at, views, likes, "
            "shares, comments, live_status, ai_label_present, assessment: {conclusion, rationale, …}}."
        ),
    )

    def __init__(self, *args: Any, max_items: int = BULK_MAX_ITEMS, **kwargs: Any) -> None:
        self.max_items = max_items
        super().__init__(*args, **kwargs)

    def validate_items(self, items: list[Any]) -> list[Any]:
        if len(items) > self.max_items:
            raise serializers.ValidationError(
                _("Too many items: %(count)s sent, at most %(max)s per request. Split the batch, or send it to "
                  "/api/v1/content-items/bulk-async/.")
                % {"count": f"{len(items):,}", "max": f"{self.max_items:,}"},
                code="too_many_items",
            )
        return items


class BulkRowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the rejected item in `items`, from 0.")
    reason = serializers.CharField()


# A field named ``errors``: DRF's serializer metaclass takes declared fields out of the class body,
# so it does not replace ``Serializer.errors``; the stubs cannot express that (hence the ignores).
class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = BulkRowErrorSerializer(many=True)  # type: ignore[assignment]


class ImportJobSerializer(ReadModelSerializer):
    errors = serializers.SerializerMethodField(  # type: ignore[assignment]  # see BulkResultSerializer
        help_text="Rejected items by index (the first 1,000)."
    )
    url = serializers.HyperlinkedIdentityField(view_name="api:import-job-detail")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "source",
            "status",
            "dry_run",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "created_count",
            "updated_count",
            "rejected_count",
            "errors",
            "failure",
            "started_at",
            "finished_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_errors(self, obj: ImportJob) -> list[dict[str, Any]]:
        return [
            {"index": error.get("row", error.get("index")), "reason": error.get("reason", "")}
            for error in (obj.errors or [])
            if isinstance(error, dict)
        ]


class SummaryQuerySerializer(serializers.Serializer):
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD``: local (Beijing) calendar days, both included; either may be left out."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so the fields are declared here under their query-string names.
        return {
            "from": serializers.DateField(
                required=False, input_formats=["%Y-%m-%d"], help_text="First day of the period (YYYY-MM-DD)."
            ),
            "to": serializers.DateField(
                required=False, input_formats=["%Y-%m-%d"], help_text="Last day of the period (YYYY-MM-DD)."
            ),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start: datetime.date | None = attrs.get("from")
        end: datetime.date | None = attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"to": [_("The end of the period is before its start.")]})
        return attrs


class HelpTypeCountsSerializer(serializers.Serializer):
    evidence_guidance = serializers.IntegerField()
    lawyer_letter = serializers.IntegerField()
    litigation_support = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    """The dashboard's headline figures; docs/metrics.md defines each."""

    items_total = serializers.IntegerField()
    items_assessed = serializers.IntegerField()
    items_infringing = serializers.IntegerField()
    accounts_monitored = serializers.IntegerField(help_text="A current count: the period does not apply.")
    suits_filed = serializers.IntegerField()
    suits_supporting_owners = serializers.IntegerField()
    assistance_requests = serializers.IntegerField()
    requests_with_evidence = serializers.IntegerField()
    requests_by_help_type = HelpTypeCountsSerializer()
    owners_suable = serializers.IntegerField()
    complaints_submitted = serializers.IntegerField()
    items_removed = serializers.IntegerField()
    suits_won = serializers.IntegerField()
    damages_awarded = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="CNY, as a decimal string.")
