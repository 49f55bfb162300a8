"""Reads for the platform-complaint pages and the platform response times.

Every function starts from ``Model.objects.for_user(user)``; lists are ordered by ``-created_at, -id``
(served by the created_at index) and paginated without counting the table.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet

from cases.models import ContentItem, Platform, PlatformComplaint, Rebuttal, StateChange

TIMELINE_LIMIT = 50


def complaint_list(*, user: Any) -> QuerySet:
    """Complaints the user may see, newest first, with their platform and item count (one query per page)."""
    return (
        PlatformComplaint.objects.for_user(user)
        .select_related("platform", "created_by")
        .annotate(item_count=Count("content_items"))
        .order_by("-created_at", "-id")
    )


def complaint_detail_queryset(*, user: Any) -> QuerySet:
    """Complaints with their items (and each item's account) and the items' rebuttals prefetched."""
    return (
        PlatformComplaint.objects.for_user(user)
        .select_related("platform", "created_by")
        .prefetch_related(
            Prefetch(
                "content_items",
                queryset=ContentItem.objects.for_user(user).select_related("account").order_by("pk"),
            )
        )
    )


def complaint_rebuttals(*, user: Any, complaint: PlatformComplaint) -> list[Rebuttal]:
    """The rebuttals linked to any of the complaint's items (one query)."""
    return list(
        Rebuttal.objects.for_user(user)
        .filter(content_items__complaints=complaint)
        .distinct()
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class ComplaintMove:
    at: datetime.datetime
    actor: Any
    from_label: str
    to_label: str
    reason: str


def complaint_timeline(*, user: Any, complaint: PlatformComplaint, limit: int = TIMELINE_LIMIT) -> list[ComplaintMove]:
    """The complaint's recorded moves, oldest first (one query, cases_statechange_object_idx)."""
    labels = dict(PlatformComplaint.Status.choices)
    rows = list(
        StateChange.objects.for_user(user)
        .filter(object_type=PlatformComplaint._meta.label_lower, object_id=complaint.pk, field="status")
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    rows.reverse()
    return [
        ComplaintMove(
            at=row.at,
            actor=row.actor,
            from_label=str(labels.get(row.from_state, row.from_state)) if row.from_state else "",
            to_label=str(labels.get(row.to_state, row.to_state)),
            reason=row.reason,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class PlatformResponseTimes:
    platform: Platform
    submitted: int
    responded: int
    resolved: int
    avg_response: datetime.timedelta | None
    avg_resolution: datetime.timedelta | None


def platform_response_times(
    *, user: Any, since: datetime.datetime | None = None, until: datetime.datetime | None = None
) -> list[PlatformResponseTimes]:
    """Per platform: complaints submitted in the period, how many got a response or were resolved, and the
    average time from submission to first response and to resolution (one grouped query,
    cases_complaint_submitted_idx)."""
    qs = PlatformComplaint.objects.for_user(user).filter(submitted_at__isnull=False)
    if since is not None:
        qs = qs.filter(submitted_at__gte=since)
    if until is not None:
        qs = qs.filter(submitted_at__lt=until)
    rows = list(
        qs.values("platform_id")
        .annotate(
            submitted=Count("id"),
            responded=Count("id", filter=Q(first_response_at__isnull=False)),
            resolved=Count("id", filter=Q(resolved_at__isnull=False)),
            avg_response=Avg(F("first_response_at") - F("submitted_at")),
            avg_resolution=Avg(F("resolved_at") - F("submitted_at")),
        )
        .order_by()
    )
    platforms = Platform.objects.in_bulk([row["platform_id"] for row in rows])
    result = [
        PlatformResponseTimes(
            platform=platforms[row["platform_id"]],
            submitted=row["submitted"],
            responded=row["responded"],
            resolved=row["resolved"],
            avg_response=row["avg_response"],
            avg_resolution=row["avg_resolution"],
        )
        for row in rows
    ]
    result.sort(key=lambda r: (r.platform.sort_order, r.platform.code))
    return result
