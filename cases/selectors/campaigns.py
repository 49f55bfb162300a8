"""Reads for the campaign pages: the list, and one campaign with its accounts, items, timeline and evidence.

Every function starts from ``Model.objects.for_user(user)``. The similarity shown on the campaign
page is the one detection decided on (cases/near_duplicates.py): the exact Jaccard of each post's
character 3-grams with the campaign's most typical post (``near_duplicates.representative``), computed
here on demand, so nothing needs storing.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from cases import near_duplicates as nd
from cases.models import Agency, Assessment, Campaign, ContentItem, MonitoredAccount, StateChange

# The campaign page lists at most this many items (oldest first; rendering 300 rows takes about
# 0.3 s); the content list shows them all.
CAMPAIGN_ITEMS_SHOWN = 300
# Item states that still wait for an assessment.
AWAITING_ASSESSMENT = (ContentItem.TriageState.NEW, ContentItem.TriageState.PENDING, ContentItem.TriageState.ASSESSING)
# A timeline longer than this many hours is drawn per day instead of per hour.
TIMELINE_MAX_HOURS = 96


def campaign_list(*, user: object, status: str | None = None) -> QuerySet:
    """Return the campaigns the user may see, newest first, optionally of one status."""
    qs = Campaign.objects.for_user(user).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def campaign_status_counts(*, user: object) -> dict[str, int]:
    """Return the number of campaigns per status (one query)."""
    rows = Campaign.objects.for_user(user).values_list("status").annotate(n=Count("id")).order_by()
    return dict(rows)


def campaign_detail_queryset(*, user: object) -> QuerySet:
    """Return campaigns with their agencies prefetched."""
    return Campaign.objects.for_user(user).prefetch_related(
        Prefetch("agencies", queryset=Agency.objects.for_user(user).order_by("name"))
    )


def campaign_accounts(*, user: object, campaign: Campaign) -> list[MonitoredAccount]:
    """Return the campaign's accounts with their agency and how many of the campaign's posts each made."""
    return list(
        MonitoredAccount.objects.for_user(user)
        .filter(campaigns=campaign)
        .select_related("platform", "agency")
        .annotate(campaign_items=Count("items", filter=Q(items__campaign=campaign)))
        .order_by("-campaign_items", "name", "id")
    )


@dataclass(frozen=True)
class EvidenceRow:
    item: ContentItem
    similarity: float

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


@dataclass(frozen=True)
class CampaignEvidence:
    """The campaign's items (up to ``CAMPAIGN_ITEMS_SHOWN``) with their similarity to its most typical post."""

    rows: list[EvidenceRow]
    representative: ContentItem | None
    total: int
    lowest: int | None
    median: int | None

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def campaign_evidence(*, user: object, campaign: Campaign, limit: int = CAMPAIGN_ITEMS_SHOWN) -> CampaignEvidence:
    """Return the campaign's items, oldest first, each with its exact similarity to the most typical one."""
    items = list(
        ContentItem.objects.for_user(user)
        .filter(campaign=campaign)
        .select_related("platform", "account")
        .order_by("published_at", "id")[:limit]
    )
    if not items:
        return CampaignEvidence([], None, 0, None, None)
    sets = {index: nd.shingles(item.text or item.title) for index, item in enumerate(items)}
    typical = nd.representative(range(len(items)), sets)
    base = sets[typical]
    rows = [
        EvidenceRow(item, 1.0 if index == typical else nd.jaccard(base, sets[index]))
        for index, item in enumerate(items)
    ]
    representative = items[typical]
    others = [row.percent for index, row in enumerate(rows) if index != typical]
    return CampaignEvidence(
        rows=rows,
        representative=representative,
        total=max(campaign.item_count, len(rows)),
        lowest=min(others) if others else None,
        median=round(statistics.median(others)) if others else None,
    )


@dataclass(frozen=True)
class TimelineRow:
    start: datetime.datetime
    items: int
    accounts: int


@dataclass(frozen=True)
class Timeline:
    rows: list[TimelineRow]
    per_day: bool
    peak: int


def campaign_timeline(*, user: object, campaign: Campaign) -> Timeline:
    """Return posts and distinct accounts per hour (per day for long campaigns), gaps included as zeros."""
    items = ContentItem.objects.for_user(user).filter(campaign=campaign, published_at__isnull=False)
    first, last = campaign.first_item_at, campaign.last_item_at
    per_day = bool(first and last and last - first > datetime.timedelta(hours=TIMELINE_MAX_HOURS))
    trunc = TruncDay if per_day else TruncHour
    counted = {
        row["slot"]: row
        for row in items.annotate(slot=trunc("published_at"))
        .values("slot")
        .annotate(n=Count("id"), accounts=Count("account", distinct=True))
        .order_by("slot")
    }
    if not counted:
        return Timeline([], per_day, 0)
    step = datetime.timedelta(days=1) if per_day else datetime.timedelta(hours=1)
    slots = sorted(counted)
    rows, slot = [], slots[0]
    while slot <= slots[-1]:
        row = counted.get(slot)
        rows.append(TimelineRow(timezone.localtime(slot), row["n"] if row else 0, row["accounts"] if row else 0))
        slot = _next_slot(slot, step, per_day)
    return Timeline(rows, per_day, max(r.items for r in rows))


def _next_slot(slot: datetime.datetime, step: datetime.timedelta, per_day: bool) -> datetime.datetime:
    # Days step from local midnight to local midnight, even across a daylight-saving change.
    following = timezone.localtime(slot) + step
    if per_day:
        following = following.replace(hour=0, minute=0, second=0, microsecond=0)
    return following


def campaign_assessments(*, user: object, campaign: Campaign) -> list[Assessment]:
    """Return the campaign-level assessments (not the per-item copies), newest first."""
    return list(
        Assessment.objects.for_user(user)
        .filter(campaign=campaign, content_item__isnull=True)
        .select_related("assessor", "reviewer")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class HistoryRow:
    move: StateChange
    from_label: str
    to_label: str


def campaign_history(*, user: object, campaign: Campaign) -> list[HistoryRow]:
    """Return the campaign's status moves, oldest first, with the statuses' labels."""
    labels = dict(Campaign.Status.choices)
    moves = (
        StateChange.objects.for_user(user)
        .filter(object_type=Campaign._meta.label_lower, object_id=campaign.pk)
        .select_related("actor")
        .order_by("at", "id")
    )
    return [HistoryRow(m, labels.get(m.from_state, m.from_state), labels.get(m.to_state, m.to_state)) for m in moves]


def campaign_open_items(*, user: object, campaign: Campaign) -> int:
    """Return how many of the campaign's items still wait for assessment."""
    return ContentItem.objects.for_user(user).filter(campaign=campaign, triage_state__in=AWAITING_ASSESSMENT).count()


def campaign_account_choices(*, user: object, campaign: Campaign) -> QuerySet:
    """Return the campaign's accounts as choices for "link an agency" (validation only, not listed)."""
    return MonitoredAccount.objects.for_user(user).filter(campaigns=campaign)


def agency_choices(*, user: object) -> QuerySet:
    """Return the agencies the user may pick when linking one to a campaign, by name."""
    return Agency.objects.for_user(user).order_by("name")
