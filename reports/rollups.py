"""Per-day rollups of the content items and the assistance requests: built, refreshed and read here
(docs/metrics.md, "Rollups").

Exactness: triggers on ``cases_contentitem`` (migration ``reports/0001``) append to ``RollupDirtyDay`` the
local days (discovered and assessed, before and after) of every inserted, updated or deleted item; triggers on
``cases_assistancerequest`` (``reports/0002``) the local days of submission, before and after, of every
inserted, updated or deleted request; triggers on ``cases_assessment`` (``reports/0003``) the local days of
every inserted, updated or deleted item assessment and of every other assessment of the same items. A reader uses the rollup rows only for days that are not listed there
and reads the listed days live from the items and requests, so the sum is always what a live query counts. ``refresh()`` recomputes the listed days in one
REPEATABLE READ transaction and removes exactly the entries it saw; entries written meanwhile stay.
Until ``rebuild()`` has run once (``RollupState``), every figure is read live.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from cases.filters import local_day_end, local_day_start
from cases.models import Assessment, AssistanceRequest, ContentItem
from reports.models import RequestSubmittedDay, RollupDirtyDay, RollupState

STATE = "items"
LOCK_KEY = 0x7264_6173  # pg advisory lock: one refresh/rebuild at a time
ONE_DAY = datetime.timedelta(days=1)
REANALYZE_DAYS = 30  # a refresh of more days than this refreshes the planner statistics too
INFRINGING_SQL = ", ".join(f"'{value}'" for value in Assessment.INFRINGING)
ACTED_SQL = ", ".join(
    f"'{value}'"
    for value in (
        ContentItem.TriageState.ACTING,
        ContentItem.TriageState.REMOVED,
        ContentItem.TriageState.CLOSED,
    )
)
REMOVED_SQL = f"'{ContentItem.TriageState.REMOVED}'"
ROLLUP_TABLES = (
    "reports_itemdiscoveredday",
    "reports_itemassessedday",
    "reports_infringingaccountday",
    "reports_requestsubmittedday",
    "reports_assessmentvalueday",
)
MONTH_TABLE = "reports_infringingaccountmonth"  # sums of reports_infringingaccountday per month
# Requests whose status alone puts them at the "lawyer letter or suit" step of the owners' funnel.
LETTER_OR_SUIT_STATUSES = (AssistanceRequest.Status.LETTER, AssistanceRequest.Status.LITIGATION)
HELP_COLUMNS = tuple(
    field.name for field in RequestSubmittedDay._meta.concrete_fields if field.name.startswith("help_")
)


@dataclass(frozen=True)
class Snapshot:
    """What a reader needs: whether the rollups exist, and the days to read live."""

    ready: bool
    dirty: tuple[datetime.date, ...]

    def live_days(self, date_from: datetime.date | None, date_to: datetime.date | None) -> list[datetime.date]:
        return [
            day for day in self.dirty if (date_from is None or day >= date_from) and (date_to is None or day <= date_to)
        ]


_current: contextvars.ContextVar[Snapshot | None] = contextvars.ContextVar("reports_rollup_snapshot", default=None)


def snapshot() -> Snapshot:
    """Return the rollups' state (one query, or none inside ``reading()``)."""
    if (held := _current.get()) is not None:
        return held
    # From the database the rollups are read from (the reports replica when configured), so both agree.
    with connections[router.db_for_read(RollupDirtyDay) or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {RollupState._meta.db_table} WHERE name = %s), "  # noqa: S608
            f"ARRAY(SELECT DISTINCT day FROM {RollupDirtyDay._meta.db_table} ORDER BY day)",
            [STATE],
        )
        ready, dirty = cursor.fetchone()
    return Snapshot(bool(ready), tuple(dirty or ()))


@contextlib.contextmanager
def reading() -> Iterator[Snapshot]:
    """Read the rollups' state once for everything computed inside the block (one report)."""
    held = snapshot()
    token = _current.set(held)
    try:
        yield held
    finally:
        _current.reset(token)


def day_runs(days: list[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Group sorted days into runs of consecutive days (first, last)."""
    runs: list[tuple[datetime.date, datetime.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + datetime.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def on_days(field: str, days: list[datetime.date]) -> Q:
    """Condition: the datetime ``field`` falls on one of the local ``days`` (ranges the index can serve)."""
    condition = Q(pk__in=[])
    for first, last in day_runs(days):
        end = local_day_end(last)
        upper = Q(**{f"{field}__lt": end}) if end is not None else Q(**{f"{field}__isnull": False})
        condition |= Q(**{f"{field}__gte": local_day_start(first)}) & upper
    return condition


def rollup_days(date_from: datetime.date | None, date_to: datetime.date | None, dirty: list[datetime.date]) -> Q:
    """Condition on a rollup's ``day``: inside the period and not to be read live."""
    condition = Q()
    if date_from is not None:
        condition &= Q(day__gte=date_from)
    if date_to is not None:
        condition &= Q(day__lte=date_to)
    if dirty:
        condition &= ~Q(day__in=dirty)
    return condition


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_split(
    date_from: datetime.date | None, date_to: datetime.date | None, dirty: list[datetime.date]
) -> tuple[Q | None, Q | None]:
    """Split a period between a per-month rollup and its per-day rollup (the dirty days are read live elsewhere).

    Returns (condition on ``month``, condition on ``day``); None for a part with nothing to read. The months are
    those wholly inside the period with no dirty day; the days are the other days of the period, not dirty.
    """
    start = None if date_from is None else (date_from if date_from.day == 1 else next_month(date_from))
    end = None  # exclusive: the first month not wholly inside the period
    if date_to is not None:
        end = next_month(date_to) if date_to + ONE_DAY == next_month(date_to) else first_of_month(date_to)
    if start is not None and end is not None and start >= end:
        return None, rollup_days(date_from, date_to, dirty)
    skipped = sorted(
        {first_of_month(day) for day in dirty if (start is None or day >= start) and (end is None or day < end)}
    )
    months = Q()
    if start is not None:
        months &= Q(month__gte=start)
    if end is not None:
        months &= Q(month__lt=end)
    if not skipped and start == date_from and end == (None if date_to is None else date_to + ONE_DAY):
        return months, None  # the period is whole months, none with a dirty day: no day to read
    if skipped:
        months &= ~Q(month__in=skipped)
    # The days the months used cover: [start, end) less the skipped months, as runs of whole months.
    covered, run_start = Q(pk__in=[]), start
    for run_end, after in [*((month, next_month(month)) for month in skipped), (end, None)]:
        if run_start is None or run_end is None or run_start < run_end:
            part = Q()
            if run_start is not None:
                part &= Q(day__gte=run_start)
            if run_end is not None:
                part &= Q(day__lt=run_end)
            covered |= part
        run_start = after
    return months, rollup_days(date_from, date_to, dirty) & ~covered


# --- Building -----------------------------------------------------------------------------------------------


def _local_day(column: str) -> str:
    return f"(({column}) AT TIME ZONE %(tz)s)::date"


def _range_sql(column: str, runs: list[tuple[datetime.date, datetime.date]] | None, params: dict) -> str:
    """SQL condition: ``column`` falls in one of the runs of local days (None: any non-null value)."""
    if runs is None:
        return f"{column} IS NOT NULL"
    parts = []
    for index, (first, last) in enumerate(runs):
        params[f"s{index}"] = local_day_start(first)
        params[f"e{index}"] = local_day_end(last)
        parts.append(f"({column} >= %(s{index})s AND {column} < %(e{index})s)")
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def _compute(cursor, days: list[datetime.date] | None) -> None:  # noqa: ANN001
    """Delete and recompute the rollup rows of ``days`` (None: every day)."""
    runs = None if days is None else day_runs(days)
    params: dict = {"tz": settings.TIME_ZONE, "days": list(days or [])}
    where_day = "" if days is None else "WHERE day = ANY(%(days)s::date[])"
    for table in ROLLUP_TABLES:
        cursor.execute(f"DELETE FROM {table} {where_day}", params)  # noqa: S608
    item = ContentItem._meta.db_table
    infringing = f"(i.assessed_at IS NOT NULL AND i.conclusion IN ({INFRINGING_SQL}))"
    acted = f"({infringing} AND i.triage_state IN ({ACTED_SQL}))"
    cursor.execute(
        f"""INSERT INTO reports_itemdiscoveredday (day, platform_id, imported, assessed, infringing, acted, removed,
                                                 removed_any)
            SELECT {_local_day("i.discovered_at")}, i.platform_id, count(*),
                   count(*) FILTER (WHERE i.assessed_at IS NOT NULL), count(*) FILTER (WHERE {infringing}),
                   count(*) FILTER (WHERE {acted}), count(*) FILTER (WHERE {acted} AND i.triage_state = {REMOVED_SQL}),
                   count(*) FILTER (WHERE i.triage_state = {REMOVED_SQL})
              FROM {item} i WHERE {_range_sql("i.discovered_at", runs, params)}
             GROUP BY 1, 2""",  # noqa: S608 (constants from the models; values are parameters)
        params,
    )
    assessed_in = _range_sql("i.assessed_at", runs, params)
    cursor.execute(
        f"""INSERT INTO reports_itemassessedday (day, assessed, infringing)
            SELECT {_local_day("i.assessed_at")}, count(*), count(*) FILTER (WHERE {infringing})
              FROM {item} i WHERE {assessed_in} GROUP BY 1""",  # noqa: S608
        params,
    )
    cursor.execute(
        f"""INSERT INTO reports_infringingaccountday (day, account_id, infringing)
            SELECT {_local_day("i.assessed_at")}, i.account_id, count(*)
              FROM {item} i WHERE {assessed_in} AND {infringing} AND i.account_id IS NOT NULL
             GROUP BY 1, 2""",  # noqa: S608
        params,
    )
    _compute_months(cursor, days)
    _compute_requests(cursor, runs, params)
    cursor.execute(
        f"""INSERT INTO reports_assessmentvalueday (day, dim, value, prev_day, items)
            {assessment_value_days_sql(runs, params)}""",  # noqa: S608
        params,
    )


def _compute_months(cursor, days: list[datetime.date] | None) -> None:  # noqa: ANN001
    """Recompute the account months holding ``days`` (None: every month) from the account days just computed."""
    params: dict = {}
    where_month, where_day = "", ""
    if days is not None:
        months = sorted({first_of_month(day) for day in days})
        params["months"] = months
        where_month = "WHERE month = ANY(%(months)s::date[])"
        ranges = []
        for index, month in enumerate(months):
            params[f"m{index}"], params[f"n{index}"] = month, next_month(month)
            ranges.append(f"(day >= %(m{index})s AND day < %(n{index})s)")
        where_day = "WHERE " + " OR ".join(ranges)
    cursor.execute(f"DELETE FROM {MONTH_TABLE} {where_month}", params)  # noqa: S608
    cursor.execute(
        f"""INSERT INTO {MONTH_TABLE} (month, account_id, infringing)
            SELECT date_trunc('month', day)::date, account_id, sum(infringing)
              FROM reports_infringingaccountday {where_day} GROUP BY 1, 2""",  # noqa: S608
        params,
    )


def _compute_requests(cursor, runs: list[tuple[datetime.date, datetime.date]] | None, params: dict) -> None:  # noqa: ANN001
    """Insert the request rollup rows of the runs (their old rows are already deleted)."""
    for column in HELP_COLUMNS:
        params[column] = column.removeprefix("help_")
    params["letter_or_suit"] = list(LETTER_OR_SUIT_STATUSES)
    params["suable"] = AssistanceRequest.Eligibility.SUABLE
    params["closed"] = AssistanceRequest.Status.CLOSED
    helps = "".join(
        f", count(*) FILTER (WHERE r.help_types @> ARRAY[%({column})s]::varchar[])" for column in HELP_COLUMNS
    )
    cursor.execute(
        f"""INSERT INTO reports_requestsubmittedday (day, requests, with_evidence, suable, {", ".join(HELP_COLUMNS)},
                                                   status_letter_or_suit, status_closed)
            SELECT {_local_day("r.submitted_at")}, count(*), count(*) FILTER (WHERE r.has_evidence),
                   count(*) FILTER (WHERE r.eligibility = %(suable)s){helps},
                   count(*) FILTER (WHERE r.status = ANY(%(letter_or_suit)s)),
                   count(*) FILTER (WHERE r.status = %(closed)s)
              FROM {AssistanceRequest._meta.db_table} r WHERE {_range_sql("r.submitted_at", runs, params)}
             GROUP BY 1""",  # noqa: S608 (column names from the model; values are parameters)
        params,
    )


def assessment_value_days_sql(runs: list[tuple[datetime.date, datetime.date]] | None, params: dict) -> str:
    """SELECT (day, dim, value, prev_day, items): the rows of ``AssessmentValueDay`` for the runs of local days
    (None: every day), computed from the assessments; used to build the rollup and to read changed days live.

    Per item, value ("category" or "type") and local day with an assessment under that value, the previous such
    day of the same item (lag over all the item's assessments, not only those of the runs); counted per day.
    """
    params.setdefault("tz", settings.TIME_ZONE)
    table = Assessment._meta.db_table
    items = "a.content_item_id IS NOT NULL"
    on_days = ""
    if runs is not None:
        params["value_days"] = [first + ONE_DAY * n for first, last in runs for n in range((last - first).days + 1)]
        # The items assessed on those days, then all their assessments through cases_assess_item_idx (an array, so
        # the planner looks them up instead of hashing a scan of the whole table).
        assessed_in = _range_sql("b.created_at", runs, params)
        items = f"a.content_item_id = ANY(ARRAY(SELECT DISTINCT b.content_item_id FROM {table} b WHERE {assessed_in}))"  # noqa: S608
        on_days = "WHERE v.day = ANY(%(value_days)s::date[])"
    return f"""
        WITH picked AS MATERIALIZED (
            SELECT a.content_item_id AS item, a.category, a.infringement_types, {_local_day("a.created_at")} AS day
              FROM {table} a WHERE {items}
        )
        SELECT v.day, v.dim, v.value, v.prev_day, count(*) FROM (
            SELECT d.day, d.dim, d.value, lag(d.day) OVER (PARTITION BY d.item, d.dim, d.value ORDER BY d.day) AS prev_day
              FROM (SELECT p.item, 'category' AS dim, p.category AS value, p.day FROM picked p WHERE p.category <> ''
                    UNION
                    SELECT p.item, 'type', t.value, p.day
                      FROM picked p CROSS JOIN LATERAL unnest(p.infringement_types) AS t(value)
                   ) d
        ) v {on_days}
         GROUP BY 1, 2, 3, 4"""  # noqa: S608 (table name from the model; values are parameters)


def category_and_type_sql(date_from: datetime.date | None, date_to: datetime.date | None, state: Snapshot) -> tuple[str, dict]:
    """SQL and parameters of the breakdown by category and type (dim, value, items): the rows of
    ``AssessmentValueDay`` on the period's clean days plus the changed days computed live, each (item, value)
    counted on its first assessment day in the period (previous day none, or before the period's start)."""
    params: dict = {"from": date_from, "to": date_to, "dirty": list(state.dirty)}
    clauses = ["NOT (day = ANY(%(dirty)s::date[]))"]
    if date_from is not None:
        clauses.append("day >= %(from)s")
    if date_to is not None:
        clauses.append("day <= %(to)s")
    first = "prev_day IS NULL" if date_from is None else "(prev_day IS NULL OR prev_day < %(from)s)"
    rows = f"SELECT dim, value, prev_day, items FROM reports_assessmentvalueday WHERE {' AND '.join(clauses)}"  # noqa: S608
    if live := state.live_days(date_from, date_to):
        computed = assessment_value_days_sql(day_runs(live), params)
        rows += f" UNION ALL SELECT x.dim, x.value, x.prev_day, x.count FROM ({computed}) x"  # noqa: S608
    sql = f"SELECT dim, value, sum(items)::int FROM ({rows}) r WHERE {first} GROUP BY 1, 2 HAVING sum(items) > 0"  # noqa: S608
    return sql, params


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _repeatable_read(cursor) -> None:  # noqa: ANN001
    """One snapshot for the whole job. Inside an outer transaction (a test's) the level is already set."""
    if len(connection.atomic_blocks) == 1:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def rebuild() -> int:
    """Recompute every rollup row from the items; return the number of dirty entries cleared."""
    with _exclusive(), transaction.atomic(), connection.cursor() as cursor:
        _repeatable_read(cursor)
        cursor.execute(f"DELETE FROM {RollupDirtyDay._meta.db_table}")  # noqa: S608
        cleared = cursor.rowcount
        _compute(cursor, None)
        RollupState.objects.update_or_create(name=STATE, defaults={"built_at": timezone.now()})
    _analyze()
    return cleared


def _analyze() -> None:
    """Fresh planner statistics (and, outside a transaction, the visibility map for index-only scans)."""
    tables = ", ".join((*ROLLUP_TABLES, MONTH_TABLE))
    with connection.cursor() as cursor:
        cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {tables}")


def refresh() -> list[datetime.date]:
    """Recompute the days listed as dirty (all days if never built); return the days recomputed."""
    if not RollupState.objects.filter(name=STATE).exists():
        rebuild()
        return []
    with _exclusive(), transaction.atomic(), connection.cursor() as cursor:
        _repeatable_read(cursor)
        cursor.execute(f"DELETE FROM {RollupDirtyDay._meta.db_table} RETURNING day")  # noqa: S608
        days = sorted({row[0] for row in cursor.fetchall()})
        if days:
            _compute(cursor, days)
        RollupState.objects.filter(name=STATE).update(built_at=timezone.now())
    if len(days) > REANALYZE_DAYS:
        _analyze()
    return days
