"""Bulk import through the API (DESIGN.md §5) and the import jobs it starts.

Both endpoints hand the items to the one import service (``cases.services.intake``), which
upserts by platform + normalised URL: re-sending an item updates it and never duplicates it,
and each bad item is rejected on its own with its index and reason.

- ``POST /api/v1/content-items/bulk/``: up to 5,000 items, answered when they are saved.
- ``POST /api/v1/content-items/bulk-async/``: up to ``API_BULK_ASYNC_MAX_ITEMS`` items (and
  ``API_BULK_ASYNC_MAX_BYTES``); answered 202 at once with the job to poll at
  ``GET /api/v1/import-jobs/<id>/``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiToken
from cases.api.base import ResourceViewSet
from cases.api.filters import ImportJobFilter
from cases.api.inputs import BulkItemsSerializer, BulkResultSerializer, ImportJobSerializer
from cases.api.throttling import BulkRateThrottle
from cases.models import ImportJob
from cases.services.intake import import_job_create, import_rows

BULK_ACTIONS = ("bulk", "bulk_async")

DRY_RUN = OpenApiParameter(
    "dry_run",
    OpenApiTypes.BOOL,
    description="Check and classify every item (created, updated or rejected) without saving anything.",
)


class BulkOptionsSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(required=False, default=False)


def _dry_run(request: Request) -> bool:
    options = BulkOptionsSerializer(data=request.query_params)
    options.is_valid(raise_exception=True)
    return options.validated_data["dry_run"]


if TYPE_CHECKING:
    # The mixin only ever joins a viewset (ContentItemViewSet): type it as one.
    _ViewSet = viewsets.GenericViewSet
else:
    _ViewSet = object


class BulkImportMixin(_ViewSet):
    """The bulk import actions of the content-items resource. Import-only tokens may call them."""

    token_scopes: ClassVar[dict[str, set[str]]] = {action: {"import"} for action in BULK_ACTIONS}

    def get_max_body_bytes(self) -> int:
        if self.action == "bulk_async":
            return settings.API_BULK_ASYNC_MAX_BYTES
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def get_throttles(self) -> list[Any]:
        throttles = super().get_throttles()
        if self.action in BULK_ACTIONS:
            throttles.append(BulkRateThrottle())
        return throttles

    @extend_schema(
        request=BulkItemsSerializer,
        responses={200: BulkResultSerializer},
        parameters=[DRY_RUN],
        summary="Import up to 5,000 content items",
        description=(
            "Upserts each item by platform + normalised URL (re-sending updates, never duplicates) and "
            "its account by platform + platform_uid. Bad items are rejected one by one, by index, and "
            "never cost the valid ones. More than 5,000 items: 400; use bulk-async."
        ),
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        dry_run = _dry_run(request)
        envelope = BulkItemsSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        result = import_rows(
            rows=envelope.validated_data["items"],
            source=ImportJob.Source.API,
            actor=request.user,
            dry_run=dry_run,
        )
        body = {
            "created": result.created,
            "updated": result.updated,
            "rejected": result.rejected,
            "errors": [{"index": error["row"], "reason": error["reason"]} for error in result.errors],
        }
        return Response(BulkResultSerializer(body).data)

    @extend_schema(
        request=BulkItemsSerializer,
        responses={202: ImportJobSerializer},
        parameters=[DRY_RUN],
        summary="Queue a large import",
        description=(
            "Same items as bulk, up to the documented cap (default 50,000 items, 40 MB). Answers 202 with "
            "the import job; poll its url until status is completed or failed."
        ),
    )
    @action(detail=False, methods=["post"], url_path="bulk-async")
    def bulk_async(self, request: Request) -> Response:
        dry_run = _dry_run(request)
        envelope = BulkItemsSerializer(data=request.data, max_items=settings.API_BULK_ASYNC_MAX_ITEMS)
        envelope.is_valid(raise_exception=True)
        payload = json.dumps({"items": envelope.validated_data["items"]}, ensure_ascii=False).encode("utf-8")
        job = import_job_create(
            file=ContentFile(payload, name="items.json"),
            actor=request.user,
            dry_run=dry_run,
            source=ImportJob.Source.API,
        )
        data = ImportJobSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": str(data["url"])})


class ImportJobViewSet(ResourceViewSet):
    """Import jobs and their progress. An import-only token sees the jobs it started, nothing else."""

    queryset = ImportJob.objects.all()
    serializer_class = ImportJobSerializer
    filterset_class = ImportJobFilter
    ordering_fields: ClassVar[list[str]] = ["created_at", "id"]
    ordering: ClassVar[list[str]] = ["-created_at"]
    token_scopes: ClassVar[dict[str, set[str]]] = {"list": {"import"}, "retrieve": {"import"}}

    def get_queryset(self) -> QuerySet:
        qs = self.visible()
        token = self.request.auth
        if isinstance(token, ApiToken) and ApiToken.Scope.READ not in token.scopes:
            qs = qs.filter(created_by=self.request.user)
        return qs
