"""Reads for the triage pages: an item's neighbours in the queue and its state timeline.

Every function starts from ``Model.objects.for_user(user)``; each query is bounded and index-served.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from cases.models import ContentItem, StateChange

# How many moves an item's page shows (newest kept); an item rarely makes more than a dozen.
TIMELINE_LIMIT = 50
# The states the queue holds (ContentItemQuerySet.triage_queue), in the queue's order
# (-severity, -reach, id), which cases_item_queue_idx (triage_state, -severity, -reach, id) serves
# for one state at a time.
QUEUE_STATES = (ContentItem.TriageState.NEW, ContentItem.TriageState.PENDING, ContentItem.TriageState.ASSESSING)


@dataclass(frozen=True)
class QueueNeighbours:
    previous_id: int | None
    next_id: int | None


def _queue_position(row: tuple[int, int, int]) -> tuple[int, int, int]:
    """Sort key of an (id, severity, reach) row in queue order."""
    pk, severity, reach = row
    return (-severity, -reach, pk)


def _neighbour(queue: QuerySet, item: ContentItem, *, forward: bool) -> int | None:
    """Return the id of the item right after (or before) ``item`` in queue order.

    A keyset on (-severity, -reach, id) mixes directions, so no single comparison can use an
    index. It is split into three branches per state (same severity and reach with a later id;
    same severity and less reach; less severity), each an index range scan that stops at one
    row; the nine candidates come back in one UNION ALL query and the closest one wins.
    """
    severity, reach, pk = item.severity, item.reach, item.pk
    if forward:
        branches = [
            (Q(severity=severity, reach=reach, id__gt=pk), ("id",)),
            (Q(severity=severity, reach__lt=reach), ("-reach", "id")),
            (Q(severity__lt=severity), ("-severity", "-reach", "id")),
        ]
    else:
        branches = [
            (Q(severity=severity, reach=reach, id__lt=pk), ("-id",)),
            (Q(severity=severity, reach__gt=reach), ("reach", "-id")),
            (Q(severity__gt=severity), ("severity", "reach", "-id")),
        ]
    parts = [
        queue.filter(condition, triage_state=state).order_by(*order).values_list("id", "severity", "reach")[:1]
        for state in QUEUE_STATES
        for condition, order in branches
    ]
    candidates = list(parts[0].union(*parts[1:], all=True))
    if not candidates:
        return None
    return (min if forward else max)(candidates, key=_queue_position)[0]


def queue_neighbours(*, user: Any, item: ContentItem) -> QueueNeighbours:
    """Return the items just before and just after ``item`` in queue order (two queries).

    For an item that has left the queue (just assessed), these are the waiting items on either
    side of where it sat, so "next" still leads on through the queue.
    """
    queue = ContentItem.objects.for_user(user).filter(triage_state__in=QUEUE_STATES)
    return QueueNeighbours(
        previous_id=_neighbour(queue, item, forward=False), next_id=_neighbour(queue, item, forward=True)
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    actor: Any
    from_state: str
    from_label: str
    to_state: str
    to_label: str
    reason: str


def content_item_timeline(
    *, user: Any, item: ContentItem, limit: int = TIMELINE_LIMIT
) -> tuple[list[TimelineEntry], bool]:
    """Return the item's latest ``limit`` state moves, oldest first, and whether older ones were left out.

    One query, served by cases_statechange_object_idx.
    """
    labels = dict(ContentItem.TriageState.choices)
    rows = list(
        StateChange.objects.for_user(user)
        .filter(object_type=ContentItem._meta.label_lower, object_id=item.pk, field=ContentItem.STATE_FIELD)
        .select_related("actor")
        .order_by("-at", "-id")[: limit + 1]
    )
    entries = [
        TimelineEntry(
            at=row.at,
            actor=row.actor,
            from_state=row.from_state,
            from_label=str(labels.get(row.from_state, row.from_state)),
            to_state=row.to_state,
            to_label=str(labels.get(row.to_state, row.to_state)),
            reason=row.reason,
        )
        for row in rows[:limit]
    ]
    entries.reverse()
    return entries, len(rows) > limit
