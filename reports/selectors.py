"""Executive KPIs: the headline figures, computed here and only here (STYLE.md §11).

docs/metrics.md defines every figure; the dashboard and the API's ``stats/summary`` show
these same numbers. Each table is read once (content items twice: by discovery and by assessment), with one ``COUNT(*) FILTER (WHERE …)`` per
figure (or sums of per-day rollups), so the whole set costs seven queries however many figures there are.

The conditions below restate the QuerySet methods in ``cases/querysets.py`` as ``Q``
objects (an aggregate's ``filter=`` needs a ``Q``); tests/reports/test_selectors.py
checks that each one still counts exactly what its QuerySet method selects.

Figures are department-wide counts without personal data: executives see them although
``for_user()`` hides owners' requests from them. Callers check
``accounts.permissions.can_view_dashboard`` first.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from cases.filters import local_day_end, local_day_start
from cases.models import (
    Assessment,
    AssistanceRequest,
    ContentItem,
    Lawsuit,
    MonitoredAccount,
    PlatformComplaint,
)
from reports import rollups
from reports.models import ItemAssessedDay, ItemDiscoveredDay, RequestSubmittedDay

HELP_TYPES_SHOWN = (
    AssistanceRequest.HelpType.EVIDENCE_GUIDANCE,
    AssistanceRequest.HelpType.LAWYER_LETTER,
    AssistanceRequest.HelpType.LITIGATION_SUPPORT,
)
# Outcomes counted as a win (a partial win still ends with a judgment in our favour).
WON_OUTCOMES = (Lawsuit.Outcome.WON, Lawsuit.Outcome.PARTLY_WON)

# The QuerySet methods' conditions (see the module docstring).
ASSESSED = Q(assessed_at__isnull=False)  # ContentItemQuerySet.assessed()
INFRINGING = Q(conclusion__in=Assessment.INFRINGING)  # ContentItemQuerySet.infringing()
REMOVED = Q(triage_state=ContentItem.TriageState.REMOVED)
MONITORED = Q(watch_status__in=MonitoredAccount.MONITORED_STATUSES)  # MonitoredAccountQuerySet.monitored()
FILED = ~Q(stage=Lawsuit.Stage.PREPARING)  # LawsuitQuerySet.filed()
BY_COMPANY = Q(our_role=Lawsuit.OurRole.PLAINTIFF)  # LawsuitQuerySet.by_company()
SUPPORTING_OWNERS = Q(our_role=Lawsuit.OurRole.SUPPORTING_OWNER)  # LawsuitQuerySet.supporting_owners()
WON = Q(outcome__in=WON_OUTCOMES)
WITH_EVIDENCE = Q(has_evidence=True)  # AssistanceRequestQuerySet.with_evidence()
SUABLE = Q(eligibility=AssistanceRequest.Eligibility.SUABLE)  # AssistanceRequestQuerySet.suable()
LETTER_OR_SUIT_STATUS = Q(status__in=rollups.LETTER_OR_SUIT_STATUSES)
RESOLVED = Q(status=AssistanceRequest.Status.CLOSED)


def asking_for(help_type: str) -> Q:
    """AssistanceRequestQuerySet.asking_for(help_type)."""
    return Q(help_types__contains=[help_type])


@dataclass(frozen=True)
class Period:
    """An inclusive range of local calendar days; a missing end is open."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def on_datetime(self, field: str) -> Q:
        """Return the condition "field falls in the period" for a DateTimeField, as an index-friendly range."""
        q = Q()
        if self.date_from is not None and (start := local_day_start(self.date_from)) is not None:
            q &= Q(**{f"{field}__gte": start})
        if self.date_to is not None:
            end = local_day_end(self.date_to)
            q &= Q(**{f"{field}__lt": end}) if end is not None else Q(**{f"{field}__isnull": False})
        return q

    def on_date(self, field: str) -> Q:
        """Return the condition "field falls in the period" for a DateField."""
        q = Q()
        if self.date_from is not None:
            q &= Q(**{f"{field}__gte": self.date_from})
        if self.date_to is not None:
            q &= Q(**{f"{field}__lte": self.date_to})
        return q


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition) if condition else Count("pk")


def _sum(column: str, condition: Q) -> Coalesce:
    return Coalesce(Sum(column, filter=condition) if condition else Sum(column), 0)


def _each(queryset: Any, conditions: list[Any], build: Callable[[Any], dict[str, Any]]) -> list[dict[str, Any]]:
    """One aggregate query for several periods: ``build`` gives a period's aggregates (each with the period in its
    ``filter``), and the answer is split back into one dict per period."""
    built = [build(condition) for condition in conditions]
    row = queryset.aggregate(
        **{
            f"{key}_p{index}": aggregate
            for index, aggregates in enumerate(built)
            for key, aggregate in aggregates.items()
        }
    )
    return [{key: row[f"{key}_p{index}"] for key in aggregates} for index, aggregates in enumerate(built)]


def _item_figures(periods: list[Period]) -> list[dict[str, int]]:
    """From the per-day rollups when built (reports/rollups.py), else live."""
    snap = rollups.snapshot()
    if not snap.ready:
        return [_live_item_figures(period) for period in periods]
    lives = [snap.live_days(period.date_from, period.date_to) for period in periods]
    days = [rollups.rollup_days(p.date_from, p.date_to, live) for p, live in zip(periods, lives, strict=True)]
    found = _each(
        ItemDiscoveredDay.objects,
        days,
        lambda on: {"items_total": _sum("imported", on), "items_removed": _sum("removed_any", on)},
    )
    judged = _each(
        ItemAssessedDay.objects,
        days,
        lambda on: {"items_assessed": _sum("assessed", on), "items_infringing": _sum("infringing", on)},
    )
    result = []
    for live, rolled, assessed in zip(lives, found, judged, strict=True):
        figures = {**rolled, **assessed}
        if live:
            for key, value in _live_item_figures(Period(), live).items():
                figures[key] += value
        result.append({key: figures[key] for key in ITEM_KEYS})
    return result


ITEM_KEYS = ("items_total", "items_assessed", "items_infringing", "items_removed")


def _live_item_figures(period: Period, days: list[datetime.date] | None = None) -> dict[str, int]:
    """Two queries, each a range on its own indexed column (discovered_at, assessed_at): in a month of a
    million items PostgreSQL reads only that month's rows instead of the whole table."""
    discovered = period.on_datetime("discovered_at") if days is None else rollups.on_days("discovered_at", days)
    assessed = period.on_datetime("assessed_at") if days is None else rollups.on_days("assessed_at", days)
    found = ContentItem.objects.filter(discovered).aggregate(items_total=Count("pk"), items_removed=_count(REMOVED))
    judged = ContentItem.objects.filter(ASSESSED & assessed).aggregate(
        items_assessed=Count("pk"), items_infringing=_count(INFRINGING)
    )
    return {
        "items_total": found["items_total"],
        "items_assessed": judged["items_assessed"],
        "items_infringing": judged["items_infringing"],
        "items_removed": found["items_removed"],
    }


def _complaint_aggregates(period: Period) -> dict[str, Any]:
    return {"complaints_submitted": _count(Q(submitted_at__isnull=False) & period.on_datetime("submitted_at"))}


def _lawsuit_aggregates(period: Period) -> dict[str, Any]:
    filed = FILED & period.on_date("filed_on")
    won = WON & period.on_date("judgment_on")
    return {
        "suits_filed": _count(filed & BY_COMPANY),
        "suits_supporting_owners": _count(filed & SUPPORTING_OWNERS),
        "suits_won": _count(won),
        "damages_awarded": Coalesce(Sum("damages_awarded", filter=won), Decimal("0")),
    }


def _request_conditions() -> dict[str, Q]:
    """Each column of the requests' rollup (``RequestSubmittedDay``) as the condition a live count uses."""
    return {
        "requests": Q(),
        "with_evidence": WITH_EVIDENCE,
        "suable": SUABLE,
        **{f"help_{help_type}": asking_for(help_type) for help_type in HELP_TYPES_SHOWN},
        "status_letter_or_suit": LETTER_OR_SUIT_STATUS,
        "status_closed": RESOLVED,
    }


def _live_request_counts(submitted: Q) -> dict[str, int]:
    return AssistanceRequest.objects.filter(submitted).aggregate(
        **{key: _count(condition) for key, condition in _request_conditions().items()}
    )


def request_counts_each(periods: list[Period]) -> list[dict[str, int]]:
    """Requests submitted in each period, with every count of ``RequestSubmittedDay``: from the per-day rollup
    when built (one query for all the periods; the changed days read live, reports/rollups.py), else live."""
    snap = rollups.snapshot()
    if not snap.ready:
        return [_live_request_counts(period.on_datetime("submitted_at")) for period in periods]
    lives = [snap.live_days(period.date_from, period.date_to) for period in periods]
    days = [rollups.rollup_days(p.date_from, p.date_to, live) for p, live in zip(periods, lives, strict=True)]
    result = _each(RequestSubmittedDay.objects, days, lambda on: {key: _sum(key, on) for key in _request_conditions()})
    for counts, live in zip(result, lives, strict=True):
        if live:
            for key, value in _live_request_counts(rollups.on_days("submitted_at", live)).items():
                counts[key] += value
    return result


def request_counts(period: Period) -> dict[str, int]:
    return request_counts_each([period])[0]


def _request_figures(counts: dict[str, int]) -> dict[str, Any]:
    return {
        "assistance_requests": counts["requests"],
        "requests_with_evidence": counts["with_evidence"],
        "owners_suable": counts["suable"],
        "requests_by_help_type": {str(help_type): counts[f"help_{help_type}"] for help_type in HELP_TYPES_SHOWN},
    }


def headline_figures_each(periods: list[Period]) -> list[dict[str, Any]]:
    """Every headline figure for each period (a report's period and the previous one): each table is read once for
    all the periods, with one ``FILTER`` per period and figure. Seven queries however many periods (module
    docstring), plus the changed days read live per period."""
    with rollups.reading():  # the rollups' state once for the items and the requests
        items = _item_figures(periods)
        monitored = MonitoredAccount.objects.filter(MONITORED).count()
        complaints = _each(PlatformComplaint.objects, periods, _complaint_aggregates)
        suits = _each(Lawsuit.objects, periods, _lawsuit_aggregates)
        requests = request_counts_each(periods)
    return [
        {
            **items[index],
            "accounts_monitored": monitored,
            **complaints[index],
            **suits[index],
            **_request_figures(requests[index]),
        }
        for index in range(len(periods))
    ]


def headline_figures(*, date_from: datetime.date | None, date_to: datetime.date | None) -> dict[str, Any]:
    """Return every headline figure for the period (both bounds inclusive local days; None = open).

    ``accounts_monitored`` is a current count and ignores the period. Seven queries (module docstring).
    """
    return headline_figures_each([Period(date_from, date_to)])[0]
