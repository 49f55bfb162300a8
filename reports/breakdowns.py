"""The dashboard's funnels, monthly trends and breakdowns, aggregated in the database.

docs/metrics.md defines each. Every function here is one query (two for the platform names),
grouped in PostgreSQL; nothing loops over rows in Python. Funnels are cohorts: the content funnel
follows the items *discovered* in the period, the owners' funnel the requests *submitted* in it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.filters import local_day_end, local_day_start
from cases.models import (
    Agency,
    Assessment,
    AssistanceRequest,
    ContentItem,
    Deadline,
    Lawsuit,
    LawyerLetter,
    MonitoredAccount,
    Platform,
    PlatformComplaint,
)
from reports import rollups
from reports.models import (
    AssessmentValueDay,
    InfringingAccountDay,
    InfringingAccountMonth,
    ItemAssessedDay,
    ItemDiscoveredDay,
    RequestSubmittedDay,
)
from reports.selectors import (
    ASSESSED,
    FILED,
    INFRINGING,
    LETTER_OR_SUIT_STATUS,
    REMOVED,
    WON_OUTCOMES,
    Period,
    request_counts,
)

# Item states reached only once an action (complaint, letter, suit, police) has started.
ACTED_STATES = (ContentItem.TriageState.ACTING, ContentItem.TriageState.REMOVED, ContentItem.TriageState.CLOSED)
ACTED = Q(triage_state__in=ACTED_STATES)
INFRINGING_VALUES = [str(value) for value in Assessment.INFRINGING]
TOP_N = 10
# Deadlines "at risk": overdue, or due within this many days.
AT_RISK_DAYS = 7
# With no start date, the trend charts show this many months up to the period's end.
OPEN_TREND_MONTHS = 24


CONTENT_STEPS = ("imported", "assessed", "infringing", "acted", "removed", "removed_any")
PLATFORM_FIELDS = ("platform__code", "platform__name_zh", "platform__name_en", "platform__sort_order")


def _content_rows(period: Period) -> list[dict[str, Any]]:
    """Items discovered in the period, per platform, with every funnel step: from the per-day rollups for the
    days they hold, and one pass over the items for the days to read live (reports/rollups.py)."""
    snap = rollups.snapshot()
    if not snap.ready:
        return _live_content_rows(period.on_datetime("discovered_at"))
    live = snap.live_days(period.date_from, period.date_to)
    merged: dict[str, dict[str, Any]] = {}
    rolled = (
        ItemDiscoveredDay.objects.filter(rollups.rollup_days(period.date_from, period.date_to, live))
        .values(*PLATFORM_FIELDS)
        .annotate(**{step: Sum(step) for step in CONTENT_STEPS})
        .order_by()
    )
    for row in [*rolled, *(_live_content_rows(rollups.on_days("discovered_at", live)) if live else [])]:
        into = merged.setdefault(row["platform__code"], {**row, **dict.fromkeys(CONTENT_STEPS, 0)})
        for step in CONTENT_STEPS:
            into[step] += row[step]
    return sorted(merged.values(), key=lambda row: (-row["imported"], row["platform__sort_order"]))


def _live_content_rows(cohort: Q) -> list[dict[str, Any]]:
    infringing = ASSESSED & INFRINGING
    acted = infringing & ACTED
    return list(
        ContentItem.objects.filter(cohort)
        .values(*PLATFORM_FIELDS)
        .annotate(
            imported=Count("pk"),
            assessed=_count(ASSESSED),
            infringing=_count(infringing),
            acted=_count(acted),
            removed=_count(acted & REMOVED),
            removed_any=_count(REMOVED),
        )
        .order_by("-imported", "platform__sort_order")
    )


def _sued_and_won(period: Period) -> dict[str, int]:
    """Acted-on items of the cohort that are in a filed suit, and in a suit won. Driven by the (small) link table."""
    item = "contentitem__"
    cohort = Q(**{f"{item}triage_state__in": ACTED_STATES, f"{item}conclusion__in": INFRINGING_VALUES}) & Q(
        **{f"{item}assessed_at__isnull": False}
    )
    if period.date_from is not None or period.date_to is not None:
        cohort &= Q(**{f"{item}pk__in": ContentItem.objects.filter(period.on_datetime("discovered_at")).values("pk")})
    return Lawsuit.content_items.through.objects.filter(cohort).aggregate(
        sued=Count("contentitem_id", distinct=True, filter=~Q(lawsuit__stage=Lawsuit.Stage.PREPARING)),
        won=Count("contentitem_id", distinct=True, filter=Q(lawsuit__outcome__in=WON_OUTCOMES)),
    )


def content_overview(period: Period) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Return the content funnel and the per-platform rows, from one pass over the items plus the suits' links.

    The funnel follows the items discovered in the period: discovered → assessed → judged infringing → acted on
    → removed / in a filed suit / in a suit won (each step a subset of the one before).
    """
    rows = _content_rows(period)
    steps = ("imported", "assessed", "infringing", "acted", "removed")
    funnel = {step: sum(row[step] for row in rows) for step in steps}
    funnel.update(_sued_and_won(period))
    platforms = [
        {
            "code": row["platform__code"],
            "name_zh": row["platform__name_zh"],
            "name_en": row["platform__name_en"],
            "items": row["imported"],
            "infringing": row["infringing"],
            "removed": row["removed_any"],
        }
        for row in rows
    ]
    return funnel, platforms


def content_funnel(period: Period) -> dict[str, int]:
    return content_overview(period)[0]


def by_platform(period: Period) -> list[dict[str, Any]]:
    """Items discovered in the period per platform, with how many were judged infringing and removed."""
    return content_overview(period)[1]


def owner_funnel(period: Period) -> dict[str, int]:
    """Requests submitted in the period → with evidence → suable → letter or suit → resolved (each its own test).

    The counts by the requests' own columns come from ``request_counts`` (the per-day rollup); "letter or suit"
    adds the requests linked to a lawyer letter or a suit whose status does not already say so, found from the
    (small) link tables.
    """
    counts = request_counts(period)
    return {
        "requests": counts["requests"],
        "with_evidence": counts["with_evidence"],
        "suable": counts["suable"],
        "letter_or_suit": counts["status_letter_or_suit"] + _linked_to_letter_or_suit(period),
        "resolved": counts["status_closed"],
    }


def _linked_to_letter_or_suit(period: Period) -> int:
    """Requests submitted in the period, linked to a suit or a lawyer letter, whose status is neither: driven by
    the link columns (a semi-join on the union), never a pass over the requests."""
    linked = (
        Lawsuit.objects.filter(assistance_request__isnull=False)
        .values("assistance_request_id")
        .union(LawyerLetter.objects.filter(assistance_request__isnull=False).values("assistance_request_id"))
    )
    return (
        AssistanceRequest.objects.filter(period.on_datetime("submitted_at") & ~LETTER_OR_SUIT_STATUS)
        .filter(pk__in=linked)
        .count()
    )


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition) if condition else Count("pk")


def trend_months(period: Period, today: datetime.date) -> list[datetime.date]:
    """Return the first days of the months the trend charts cover (at most 120)."""
    end = period.date_to or today
    start = period.date_from or _months_before(end.replace(day=1), OPEN_TREND_MONTHS - 1)
    start = max(start.replace(day=1), _months_before(end.replace(day=1), 119))
    months = []
    month = start
    while month <= end:
        months.append(month)
        month = _months_before(month, -1)
    return months


def _months_before(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_counts(queryset: Any, field: str, months: list[datetime.date], condition: Q, *, is_date: bool) -> list[int]:
    if not months:
        return []
    last = _months_before(months[-1], -1) - datetime.timedelta(days=1)
    window = Period(months[0], last)
    in_window = window.on_date(field) if is_date else window.on_datetime(field)
    rows = (
        queryset.filter(condition & in_window)
        .annotate(month=TruncMonth(field) if is_date else TruncMonth(field, tzinfo=timezone.get_default_timezone()))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = {}
    for row in rows:
        month = row["month"]
        key = month.date() if isinstance(month, datetime.datetime) else month
        found[key] = row["n"]
    return [found.get(month, 0) for month in months]


def _rolled_month_counts(
    rollup: Any, column: str, queryset: Any, field: str, months: list[datetime.date], condition: Q
) -> list[int]:
    """Items (requests) per local month: the rollup's days summed by month, plus the days to read live."""
    snap = rollups.snapshot()
    if not snap.ready or not months:
        return _month_counts(queryset, field, months, condition, is_date=False)
    last = _months_before(months[-1], -1) - datetime.timedelta(days=1)
    live = snap.live_days(months[0], last)
    rows = (
        rollup.objects.filter(rollups.rollup_days(months[0], last, live))
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(n=Sum(column))
        .order_by()
    )
    found = {row["month"]: row["n"] for row in rows}
    if live:
        extra = (
            queryset.filter(condition & rollups.on_days(field, live))
            .annotate(month=TruncMonth(field, tzinfo=timezone.get_default_timezone()))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in extra:
            key = row["month"].date()
            found[key] = found.get(key, 0) + row["n"]
    return [found.get(month, 0) for month in months]


def monthly_trends(period: Period, today: datetime.date) -> dict[str, Any]:
    """Per month: items discovered, items judged infringing (by assessment), requests, suits filed. Four queries."""
    months = trend_months(period, today)
    return {
        "months": months,
        "items": _rolled_month_counts(ItemDiscoveredDay, "imported", ContentItem.objects, "discovered_at", months, Q()),
        "infringing": _rolled_month_counts(
            ItemAssessedDay, "infringing", ContentItem.objects, "assessed_at", months, ASSESSED & INFRINGING
        ),
        "requests": _rolled_month_counts(
            RequestSubmittedDay, "requests", AssistanceRequest.objects, "submitted_at", months, Q()
        ),
        "suits": _month_counts(Lawsuit.objects, "filed_on", months, FILED, is_date=True),
    }


def _assessment_window(period: Period) -> tuple[str, list[Any]]:
    """SQL condition and parameters: an item assessment made in the period (local days)."""
    clauses, params = ["a.content_item_id IS NOT NULL"], []
    if period.date_from is not None and (start := local_day_start(period.date_from)) is not None:
        clauses.append("a.created_at >= %s")
        params.append(start)
    if period.date_to is not None and (end := local_day_end(period.date_to)) is not None:
        clauses.append("a.created_at < %s")
        params.append(end)
    return " AND ".join(clauses), params


def by_category_and_type(period: Period) -> dict[str, list[tuple[str, int]]]:
    """Distinct items per campaign category and per infringement type, over the assessments made in the period.

    One query: an item assessed twice under the same category or type counts once there. From the rollup
    ``AssessmentValueDay`` once built (an item counts on its first assessment day inside the period under each
    value; the changed days computed live in the same query), else from the assessments.
    """
    state = rollups.snapshot()
    params: dict[str, Any] | list[Any]
    if state.ready:
        sql, params = rollups.category_and_type_sql(period.date_from, period.date_to, state)
    else:
        where, window = _assessment_window(period)
        table = Assessment._meta.db_table
        sql = f"""
            SELECT 'category' AS dim, a.category AS value, COUNT(DISTINCT a.content_item_id)
              FROM {table} a WHERE {where} AND a.category <> '' GROUP BY a.category
            UNION ALL
            SELECT 'type', t.value, COUNT(DISTINCT a.content_item_id)
              FROM {table} a CROSS JOIN LATERAL unnest(a.infringement_types) AS t(value)
             WHERE {where} GROUP BY t.value
        """  # noqa: S608 (table name from the model; values are parameters)
        params = [*window, *window]
    result: dict[str, list[tuple[str, int]]] = {"category": [], "type": []}
    with connections[router.db_for_read(AssessmentValueDay) or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        for dim, value, count in cursor.fetchall():
            result[dim].append((value, count))
    for rows in result.values():
        rows.sort(key=lambda row: (-row[1], row[0]))
    return result


ACCOUNT_FIELDS = (
    "account_id",
    "account__name",
    "account__platform__name_zh",
    "account__platform__name_en",
    "account__agency_id",
    "account__agency__name",
)


def _live_account_rows(assessed: Q) -> list[dict[str, Any]]:
    return list(
        ContentItem.objects.filter(ASSESSED & INFRINGING & assessed, account__isnull=False)
        .values(*ACCOUNT_FIELDS)
        .annotate(n=Count("pk"))
        .order_by()
    )


def _ranked_from_rollups(period: Period, live: list[datetime.date]) -> tuple[list[dict], list[dict]]:
    """The top accounts and agencies from the rollups (whole months from the monthly one, the other days from the
    daily one, the changed days live), ranked in PostgreSQL: summed per account first, then joined to the names;
    only the 2 × TOP_N rows shown come back."""
    months, days = rollups.month_split(period.date_from, period.date_to, live)
    parts = [
        rollup.objects.filter(condition).values("account_id").annotate(n=Sum("infringing")).order_by()
        for rollup, condition in ((InfringingAccountMonth, months), (InfringingAccountDay, days))
        if condition is not None
    ]
    if live:
        parts.append(
            ContentItem.objects.filter(
                ASSESSED & INFRINGING & rollups.on_days("assessed_at", live), account__isnull=False
            )
            .values("account_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    compiled = [part.query.sql_with_params() for part in parts]
    union = " UNION ALL ".join(f"({sql})" for sql, _params in compiled)
    per = union if len(parts) == 1 else f"SELECT u.account_id, SUM(u.n) AS n FROM ({union}) u GROUP BY u.account_id"  # noqa: S608
    params = [param for _sql, part_params in compiled for param in part_params]
    account, platform, agency = (model._meta.db_table for model in (MonitoredAccount, Platform, Agency))
    # Ranked before the names are joined: only the TOP_N accounts shown are looked up, and only accounts with an
    # agency are joined for the agencies' ranking. Every account counted exists: items protect their account
    # (PROTECT), and the days of deleted items are read live until the rollup is recomputed.
    sql = f"""
        WITH per AS MATERIALIZED ({per}),
        top AS (SELECT account_id, n FROM per ORDER BY n DESC, account_id LIMIT {TOP_N}),
        agencies AS (
            SELECT a.agency_id, SUM(per.n)::bigint AS n, COUNT(*) AS members
              FROM per JOIN {account} a ON a.id = per.account_id
             WHERE a.agency_id IS NOT NULL GROUP BY a.agency_id ORDER BY SUM(per.n) DESC, a.agency_id LIMIT {TOP_N})
        (SELECT 'account', top.account_id, a.name, p.name_zh, p.name_en, top.n::bigint, 0::bigint
           FROM top JOIN {account} a ON a.id = top.account_id JOIN {platform} p ON p.id = a.platform_id)
        UNION ALL
        (SELECT 'agency', agencies.agency_id, g.name, NULL, NULL, agencies.n, agencies.members
           FROM agencies LEFT JOIN {agency} g ON g.id = agencies.agency_id)
    """  # noqa: S608 (table names from the models; values are parameters)
    accounts: list[dict[str, Any]] = []
    agencies: list[dict[str, Any]] = []
    with connections[router.db_for_read(InfringingAccountDay) or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        for kind, key, name, name_zh, name_en, count, members in cursor.fetchall():
            if kind == "account":
                accounts.append(
                    {"id": key, "name": name, "platform_zh": name_zh, "platform_en": name_en, "count": count}
                )
            else:
                agencies.append({"id": key, "name": name, "count": count, "accounts": members})
    accounts.sort(key=lambda row: (-row["count"], row["id"]))
    agencies.sort(key=lambda row: (-row["count"], row["id"]))
    return accounts, agencies


def top_infringers(period: Period) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The accounts, and the agencies (MCN) behind accounts, with the most items judged infringing (assessed in
    the period). One pass over the items, grouped by account; agencies are summed from those groups."""
    snap = rollups.snapshot()
    if snap.ready:
        return _ranked_from_rollups(period, snap.live_days(period.date_from, period.date_to))
    rows = _live_account_rows(period.on_datetime("assessed_at"))
    rows.sort(key=lambda row: (-row["n"], row["account_id"]))
    accounts = [
        {
            "id": row["account_id"],
            "name": row["account__name"],
            "platform_zh": row["account__platform__name_zh"],
            "platform_en": row["account__platform__name_en"],
            "count": row["n"],
        }
        for row in rows[:TOP_N]
    ]
    agencies: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["account__agency_id"] is None:
            continue
        agency = agencies.setdefault(
            row["account__agency_id"],
            {"id": row["account__agency_id"], "name": row["account__agency__name"], "count": 0, "accounts": 0},
        )
        agency["count"] += row["n"]
        agency["accounts"] += 1
    ranked = sorted(agencies.values(), key=lambda agency: (-agency["count"], agency["id"]))[:TOP_N]
    return accounts, ranked


def top_accounts(period: Period) -> list[dict[str, Any]]:
    return top_infringers(period)[0]


def top_agencies(period: Period) -> list[dict[str, Any]]:
    return top_infringers(period)[1]


def lawsuits_by_stage_and_outcome(period: Period) -> dict[str, list[tuple[str, int]]]:
    """Suits filed in the period (both roles) by current stage and by outcome. One query."""
    rows = (
        Lawsuit.objects.filter(FILED & period.on_date("filed_on"))
        .values("stage", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    stages: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    for row in rows:
        stages[row["stage"]] = stages.get(row["stage"], 0) + row["n"]
        outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + row["n"]
    stage_order = [value for value, _label in Lawsuit.Stage.choices]
    outcome_order = [value for value, _label in Lawsuit.Outcome.choices]
    return {
        "stages": sorted(stages.items(), key=lambda row: stage_order.index(row[0])),
        "outcomes": sorted(outcomes.items(), key=lambda row: outcome_order.index(row[0])),
    }


def platform_response_times(period: Period) -> list[dict[str, Any]]:
    """Complaints submitted in the period per platform: how many, how many answered, mean hours to first answer."""
    wait = ExpressionWrapper(F("first_response_at") - F("submitted_at"), output_field=DurationField())
    rows = (
        PlatformComplaint.objects.filter(Q(submitted_at__isnull=False) & period.on_datetime("submitted_at"))
        .values("platform__code", "platform__name_zh", "platform__name_en")
        .annotate(
            complaints=Count("pk"),
            answered=Count("pk", filter=Q(first_response_at__isnull=False)),
            mean_wait=Avg(wait, filter=Q(first_response_at__isnull=False)),
        )
        .order_by("-complaints", "platform__code")
    )
    return [
        {
            "code": row["platform__code"],
            "name_zh": row["platform__name_zh"],
            "name_en": row["platform__name_en"],
            "complaints": row["complaints"],
            "answered": row["answered"],
            "mean_hours": None if row["mean_wait"] is None else round(row["mean_wait"].total_seconds() / 3600, 1),
        }
        for row in rows
    ]


def deadlines_at_risk(today: datetime.date) -> dict[str, int]:
    """Pending deadlines now: overdue, due within 3 days, due within 7 days (a current count). One query."""
    soon = today + datetime.timedelta(days=AT_RISK_DAYS)
    return Deadline.objects.filter(done_at__isnull=True, due_on__lte=soon).aggregate(
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        within_3_days=Count("pk", filter=Q(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=3))),
        within_7_days=Count("pk", filter=Q(due_on__gte=today)),
    )
